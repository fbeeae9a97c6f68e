import { once } from 'node:events';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { httpStatusOf, importOptional, MissingPackageError, validate, type Block } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';
import type { WebSocketServer } from 'ws';
import type { ServerStats } from './bufferMeter.js';
import { endpointOf, foreignRequest, listeningOn, missingToken, openPipeline, type Endpoint } from './endpoint.js';
import { errorBody, messageOf, sendJson, streamHttp } from './httpStream.js';
import type { ServeParams } from './params.js';
import { requestTarget } from './requestChecks.js';
import { streamWebSocket } from './webSocketStream.js';

/** Options of `serve()`. */
export interface ServeOptions {
  /** Address to bind. Default `'127.0.0.1'`: this machine only. Any other needs `token` (or `insecureNoToken`). */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (on `/ws` also `?token=`). Default: none. */
  token?: string;
  /** Bind a non-loopback address without a token, knowingly: anyone who can reach it reads the data. Default false. */
  insecureNoToken?: boolean;
  /** Batch size when the client does not ask. Default 128. */
  defaultBatch?: number;
  /** Largest batch a client may ask for. Default 65,536. */
  maxBatch?: number;
  /** Seed when the client does not ask. Default 0. */
  defaultSeed?: number;
  /** The splits a client may ask for with `split=`, the first the default. Default `['train']`. */
  splits?: readonly string[];
  /** Streams at once; a client beyond gets 503 with `Retry-After`. Default 256. */
  maxClients?: number;
  /**
   * Bytes of frames one client may cost the server: a frame larger than this is not sent, and
   * ends its stream (500 when it is the first, else an error frame). Keep `maxBatch` within it: a client holds the
   * frame being sent and those its pipeline has in flight (`idxflow serve` derives its batch
   * ceiling from it). `GET /health` reports it and `maxClients` times it. Default 16 MiB.
   */
  clientMemory?: number;
  /**
   * Host header names accepted besides the bound address and the loopback names: the names a cluster reaches the server by, such as a Kubernetes Service's
   * (`idxflow-serve`, `idxflow-serve.ml.svc.cluster.local`), at any port. A request naming
   * another host gets 403, so a page whose name resolves to this machine (DNS rebinding) reads
   * nothing. With a non-loopback `host`, IP addresses and the machine's host name are accepted
   * too; `'*'` accepts any name.
   * Default none.
   */
  allowHosts?: readonly string[];
  /**
   * Origins whose web pages may open `/ws` and `/batches` (`'https://dashboard.example'`):
   * a browser's request from any other page (it carries an `Origin` header) gets 403, token or
   * not. Default none: no page of another origin.
   */
  allowOrigins?: readonly string[];
  /** Told of each pipeline that fails (its client gets the message too). Default: `console.error`. */
  onError?: (error: unknown, params: ServeParams) => void;
}

/** Builds a fresh pipeline for one client from its query parameters. */
export type PipelineFactory = (params: ServeParams) => Observable<Block>;

/** A running batch server. */
export interface BatchServer {
  /** `http://host:port` as bound; batches are at `${url}/batches`, WebSocket at `${url.replace('http', 'ws')}/ws`. */
  url: string;
  /** The bound port. */
  port: number;
  /** Clients streaming now and the bytes queued for them: see `ServerStats`. */
  stats(): ServerStats;
  /** Disconnects every client (their pipelines are unsubscribed) and stops listening. */
  close(): Promise<void>;
}

const badTarget = (req: IncomingMessage): string => `Expected an origin-form request target such as /batches?seed=1 but received ${JSON.stringify(String(req.url).slice(0, 200))}`;

const RETRY = { 'retry-after': '1' };

/** What `/health` adds for a client with the token: the counts, and the memory bound per client and in all. */
const healthOf = (endpoint: Endpoint): object => ({
  ...endpoint.meter.stats(),
  maxClients: endpoint.maxClients,
  clientMemory: endpoint.clientMemory,
  maxMemory: endpoint.clientMemory * endpoint.maxClients,
  maxBatch: endpoint.limits.maxBatch,
});

function handleRequest(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): void {
  const url = requestTarget(req);
  if (!url) return sendJson(res, 400, { error: badTarget(req) });
  const foreign = foreignRequest(endpoint, req, url.pathname !== '/health');
  if (foreign) return sendJson(res, foreign.status, { error: foreign.error });
  if (url.pathname === '/health') return sendJson(res, 200, { ok: true, ...(missingToken(endpoint, req, null) === undefined ? healthOf(endpoint) : {}) });
  if (url.pathname === '/ws') return sendJson(res, 426, { error: 'Expected a WebSocket upgrade for /ws but received a plain request' });
  if (url.pathname !== '/batches') {
    return sendJson(res, 404, { error: `Expected /batches, /ws or /health for path but received ${JSON.stringify(url.pathname.slice(0, 200))}` });
  }
  if (req.method !== 'GET') return sendJson(res, 405, { error: `Expected GET for method but received ${req.method}` }, { allow: 'GET' });
  const unauthorised = missingToken(endpoint, req, null);
  if (unauthorised) return sendJson(res, 401, { error: unauthorised }, { 'www-authenticate': 'Bearer' });
  const opened = openPipeline(endpoint, url, false);
  if ('error' in opened) return sendJson(res, opened.status, { error: opened.error, code: opened.code }, opened.status === 503 ? RETRY : {});
  endpoint.streams++;
  res.once('close', () => endpoint.streams--);
  streamHttp(res, opened.pipeline, endpoint.meter, endpoint.clientMemory, (error) => endpoint.onError(error, opened.params));
}

/** Answers a refused upgrade on the raw socket, as a JSON HTTP response. */
function refuseUpgrade(socket: Duplex, status: number, error: string, headers: Record<string, string> = {}): void {
  const body = `${JSON.stringify({ error })}\n`;
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.on('error', () => undefined); // the client may already be gone
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n${extra}` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function handleUpgrade(endpoint: Endpoint, sockets: WebSocketServer | MissingPackageError, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const url = requestTarget(req);
  if (!url) return refuseUpgrade(socket, 400, badTarget(req));
  const foreign = foreignRequest(endpoint, req, true);
  if (foreign) return refuseUpgrade(socket, foreign.status, foreign.error);
  if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, `Expected /ws for path but received ${JSON.stringify(url.pathname.slice(0, 200))}`);
  if (sockets instanceof MissingPackageError) return refuseUpgrade(socket, 501, sockets.message);
  const unauthorised = missingToken(endpoint, req, url.searchParams.get('token'));
  if (unauthorised) return refuseUpgrade(socket, 401, unauthorised);
  const opened = openPipeline(endpoint, url, true);
  if ('error' in opened) return refuseUpgrade(socket, opened.status, opened.error, opened.status === 503 ? RETRY : {});
  endpoint.streams++;
  socket.once('close', () => endpoint.streams--); // a failed handshake closes it too
  // ws answers a malformed handshake (bad key, version, extensions) with 400 itself; the
  // callback runs only for a good one.
  sockets.handleUpgrade(req, socket, head, (ws) =>
    streamWebSocket(ws, opened.pipeline, endpoint.meter, endpoint.clientMemory, (error) => endpoint.onError(error, opened.params)),
  );
}

/**
 * Runs a request handler inside an error boundary: whatever it throws answers 500 (or closes
 * the socket, once bytes have gone out), never reaches the process.
 */
function guarded(handle: () => void, fail: (error: unknown) => void): void {
  try {
    handle();
  } catch (error) {
    fail(error);
  }
}


/**
 * The WebSocket server of `/ws`, from the optional peer `ws`; without it, the error that `/ws`
 * answers with (501, naming the package), while `/batches` works as ever.
 */
async function webSocketServer(): Promise<WebSocketServer | MissingPackageError> {
  try {
    const { WebSocketServer } = await importOptional('ws', 'the WebSocket endpoint /ws of serve()', () => import('ws'));
    const sockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 16 });
    sockets.on('error', () => undefined);
    return sockets;
  } catch (error) {
    if (error instanceof MissingPackageError) return error;
    throw error;
  }
}

/** `http://address:port` for what the server is bound to (IPv6 in brackets). */
function urlOf(address: AddressInfo): string {
  const host = isIP(address.address) === 6 ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Serves pipelines to trainers over HTTP (`GET /batches`) and WebSocket (`/ws`): each client
 * gets a fresh pipeline, built by `pipelineFactory` from its query parameters (seed, epoch,
 * epochs, batch, rank, worldSize, start, part, parts, split, eval), streamed as the frames
 * core's PROTOCOL.md (`packages/core/src/protocol/`) specifies.
 *
 * A client costs what its pipeline holds: build pipelines from data loaded once (`loadBlock`)
 * and an `augmentPool()` shared by all, as `idxflow serve` does. A slow client slows its own
 * pipeline through backpressure instead of filling the server's memory; a client that
 * disconnects unsubscribes its pipeline while the others go on. No request can end the process:
 * a malformed target, header or handshake gets 400, a query parameter given twice 400, a client
 * beyond `maxClients` 503. `GET /health` says `{"ok":true}`, with counts and the memory bound
 * (`clientMemory`, and `maxMemory` for all clients) when the token is given.
 *
 * Other sites' pages read nothing, token or not: every request must name this server in its
 * Host header (the bound address or a loopback name, `allowHosts`, and with a non-loopback bind
 * the machine's host name and any IP address), else 403, which defeats DNS rebinding; and a browser's
 * request to `/ws` or `/batches` from a page of another origin (its `Origin` header) gets 403
 * unless `allowOrigins` names it.
 * The WebSocket endpoint needs the optional peer dependency `ws`; without it `/ws` answers 501
 * with a message naming it, and `/batches` works as ever.
 *
 * @param pipelineFactory Builds one client's pipeline; what it throws answers with the status of its code
 *   (`httpStatusOf`: an `OptionError` is a 400, an error without an idxflow code a 500).
 * @param options Address, token, limits and defaults: see `ServeOptions`.
 * @returns The running server, once it listens.
 *
 * ## Example
 * ```ts
 * import { batch, loadBlock, mnist, shard, shuffle, skipSamples } from '@idxflow/core';
 * import { of } from 'rxjs';
 * const train = await loadBlock(mnist());
 * // offset (a resize's global position) before the ranks' striping, start (a rank's own resume point) after it.
 * const server = await serve(({ seed, batch: size, rank, worldSize, offset, start }) =>
 *   of(train).pipe(shuffle({ seed }), skipSamples(offset), shard({ rank, worldSize }), skipSamples(start), batch(size)), { port: 8080 });
 * console.log(`${server.url}/batches?seed=1&batch=64`);
 * // In a cluster: every address, a token, the Service's names, and 64 clients of at most 32 MiB each.
 * const shared = await serve(({ seed }) => of(train).pipe(shuffle({ seed }), batch(128)), {
 *   host: '0.0.0.0', port: 8081, token: 's3cret', allowHosts: ['idxflow-serve', 'idxflow-serve.ml.svc.cluster.local'],
 *   maxClients: 64, clientMemory: 32 * 2 ** 20, maxBatch: 4096,
 * });
 * ```
 */
export async function serve(pipelineFactory: PipelineFactory, options: ServeOptions = {}): Promise<BatchServer> {
  const endpoint = endpointOf(pipelineFactory, options);
  const port = validate.integer('port', options.port ?? 0, 0, 65535);
  const server = createServer((req, res) =>
    guarded(
      () => handleRequest(endpoint, req, res),
      (error) => (res.headersSent ? res.destroy() : sendJson(res, httpStatusOf(error), errorBody(error))),
    ),
  );
  // Bytes that are not HTTP never reach a handler: answer 400 and close, as Node's default does,
  // without letting a socket error escape.
  server.on('clientError', (_error, socket: Duplex) => {
    socket.on('error', () => undefined);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  const sockets = await webSocketServer();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    guarded(
      () => handleUpgrade(endpoint, sockets, req, socket, head),
      (error) => refuseUpgrade(socket, 500, messageOf(error)),
    ),
  );
  server.listen(port, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  listeningOn(endpoint, options.host ?? '127.0.0.1', address.port);
  let closed: Promise<void> | undefined;
  return {
    url: urlOf(address),
    port: address.port,
    stats: () => endpoint.meter.stats(),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        if (!(sockets instanceof MissingPackageError)) {
          for (const ws of sockets.clients) ws.terminate();
          sockets.close();
        }
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
}
