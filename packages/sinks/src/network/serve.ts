import { once } from 'node:events';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { importOptional, MissingPackageError, validate, type Block } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';
import type { WebSocketServer } from 'ws';
import { BufferMeter, type ServerStats } from './bufferMeter.js';
import { messageOf, sendJson, streamHttp } from './httpStream.js';
import { parseServeParams, type ParamLimits, type ServeParams } from './params.js';
import { requestTarget, tokenDigest, tokenProblem } from './requestChecks.js';
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

/** What both endpoints need to answer a request. */
interface Endpoint {
  factory: PipelineFactory;
  tokenDigest: Buffer | undefined;
  limits: Omit<ParamLimits, 'tokenInQuery'>;
  maxClients: number;
  /** Streams admitted and not yet closed (a WebSocket counts from its upgrade request). */
  streams: number;
  meter: BufferMeter;
  onError: (error: unknown, params: ServeParams) => void;
}

/** Why the request lacks the server's token, or undefined (always, for a server without one). */
const missingToken = (endpoint: Endpoint, req: IncomingMessage, queryToken: string | null): string | undefined =>
  endpoint.tokenDigest && tokenProblem(req, endpoint.tokenDigest, queryToken);

const badTarget = (req: IncomingMessage): string => `Expected an origin-form request target such as /batches?seed=1 but received ${JSON.stringify(String(req.url).slice(0, 200))}`;

/** Parses the query and builds the pipeline, or says which status and message to answer with. */
function openPipeline(endpoint: Endpoint, url: URL, tokenInQuery: boolean): { pipeline: Observable<Block>; params: ServeParams } | { status: number; error: string } {
  if (endpoint.streams >= endpoint.maxClients) {
    return { status: 503, error: `Expected at most ${endpoint.maxClients} clients at once (maxClients) but ${endpoint.streams} are streaming: retry later` };
  }
  let params: ServeParams;
  try {
    params = parseServeParams(url.searchParams, { ...endpoint.limits, tokenInQuery });
  } catch (error) {
    return { status: 400, error: messageOf(error) };
  }
  try {
    return { pipeline: endpoint.factory(params), params };
  } catch (error) {
    // Stages validate their options when built and throw RangeError or TypeError: the request asked for it.
    return { status: error instanceof RangeError || error instanceof TypeError ? 400 : 500, error: messageOf(error) };
  }
}

const RETRY = { 'retry-after': '1' };

function handleRequest(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): void {
  const url = requestTarget(req);
  if (!url) return sendJson(res, 400, { error: badTarget(req) });
  if (url.pathname === '/health') {
    const stats = missingToken(endpoint, req, null) === undefined ? { ...endpoint.meter.stats(), maxClients: endpoint.maxClients } : {};
    return sendJson(res, 200, { ok: true, ...stats });
  }
  if (url.pathname === '/ws') return sendJson(res, 426, { error: 'Expected a WebSocket upgrade for /ws but received a plain request' });
  if (url.pathname !== '/batches') {
    return sendJson(res, 404, { error: `Expected /batches, /ws or /health for path but received ${JSON.stringify(url.pathname.slice(0, 200))}` });
  }
  if (req.method !== 'GET') return sendJson(res, 405, { error: `Expected GET for method but received ${req.method}` }, { allow: 'GET' });
  const unauthorised = missingToken(endpoint, req, null);
  if (unauthorised) return sendJson(res, 401, { error: unauthorised }, { 'www-authenticate': 'Bearer' });
  const opened = openPipeline(endpoint, url, false);
  if ('error' in opened) return sendJson(res, opened.status, { error: opened.error }, opened.status === 503 ? RETRY : {});
  endpoint.streams++;
  res.once('close', () => endpoint.streams--);
  streamHttp(res, opened.pipeline, endpoint.meter, (error) => endpoint.onError(error, opened.params));
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
    streamWebSocket(ws, opened.pipeline, endpoint.meter, (error) => endpoint.onError(error, opened.params)),
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

/** Whether `host` is this machine only (127.x.x.x, ::1, localhost): no token needed to bind it. */
export const isLoopback = (host: string): boolean => /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);

/** Checks the options when the server is built, not when the first client comes. */
function endpointOf(factory: PipelineFactory, options: ServeOptions): Endpoint {
  if (typeof factory !== 'function') throw new TypeError(`Expected a function for pipelineFactory but received ${String(factory)}`);
  const maxBatch = validate.integer('maxBatch', options.maxBatch ?? 65536, 1);
  const defaultBatch = validate.integer('defaultBatch', options.defaultBatch ?? 128, 1, maxBatch);
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '')) {
    throw new TypeError(`Expected a non-empty string for token but received ${JSON.stringify(options.token)}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && options.token === undefined && options.insecureNoToken !== true) {
    throw new TypeError(`Expected a token to bind ${host}, which is not loopback (anyone who can reach it could read the data), but received none: give a token, or set insecureNoToken`);
  }
  const splits = options.splits ?? ['train'];
  if (!Array.isArray(splits) || splits.length === 0 || !splits.every((s) => typeof s === 'string' && s !== '')) {
    throw new TypeError(`Expected a non-empty array of split names for splits but received ${JSON.stringify(splits)}`);
  }
  return {
    factory,
    tokenDigest: options.token === undefined ? undefined : tokenDigest(options.token),
    limits: { defaultBatch, maxBatch, defaultSeed: validate.seed('defaultSeed', options.defaultSeed ?? 0), splits },
    maxClients: validate.integer('maxClients', options.maxClients ?? 256, 1),
    streams: 0,
    meter: new BufferMeter(),
    onError: options.onError ?? ((error, params) => console.error('idxflow serve: pipeline failed for', params, error)),
  };
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
 * beyond `maxClients` 503. `GET /health` says `{"ok":true}`, with counts when the token is given.
 * The WebSocket endpoint needs the optional peer dependency `ws`; without it `/ws` answers 501
 * with a message naming it, and `/batches` works as ever.
 *
 * @param pipelineFactory Builds one client's pipeline; a RangeError or TypeError it throws becomes a 400.
 * @param options Address, token, limits and defaults: see `ServeOptions`.
 * @returns The running server, once it listens.
 *
 * ## Example
 * ```ts
 * import { batch, loadBlock, mnist, shard, shuffle } from '@idxflow/core';
 * import { of } from 'rxjs';
 * const train = await loadBlock(mnist());
 * const server = await serve(({ seed, batch: size, rank, worldSize }) =>
 *   of(train).pipe(shuffle({ seed }), shard({ rank, worldSize }), batch(size)), { port: 8080 });
 * console.log(`${server.url}/batches?seed=1&batch=64`);
 * ```
 */
export async function serve(pipelineFactory: PipelineFactory, options: ServeOptions = {}): Promise<BatchServer> {
  const endpoint = endpointOf(pipelineFactory, options);
  const port = validate.integer('port', options.port ?? 0, 0, 65535);
  const server = createServer((req, res) =>
    guarded(
      () => handleRequest(endpoint, req, res),
      (error) => (res.headersSent ? res.destroy() : sendJson(res, 500, { error: messageOf(error) })),
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
