import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { validate, type Block } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { WebSocketServer } from 'ws';
import { BufferMeter, type ServerStats } from './bufferMeter.js';
import { messageOf, sendJson, streamHttp } from './httpStream.js';
import { parseServeParams, type ParamLimits, type ServeParams } from './params.js';
import { streamWebSocket } from './webSocketStream.js';

/** Options of `serve()`. */
export interface ServeOptions {
  /** Address to bind. Default `'127.0.0.1'`: this machine only. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (on `/ws` also `?token=`). Default: none. */
  token?: string;
  /** Batch size when the client does not ask. Default 128. */
  defaultBatch?: number;
  /** Largest batch a client may ask for. Default 65,536. */
  maxBatch?: number;
  /** Told of each pipeline that fails (its client gets the message too). Default: `console.error`. */
  onError?: (error: unknown, params: ServeParams) => void;
}

/** Builds a fresh pipeline for one client from its query parameters. */
export type PipelineFactory = (params: ServeParams) => Observable<Block>;

/** A running batch server. */
export interface BatchServer {
  /** `http://host:port`; batches are at `${url}/batches`, WebSocket at `${url.replace('http', 'ws')}/ws`. */
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
  meter: BufferMeter;
  onError: (error: unknown, params: ServeParams) => void;
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Why a request may not stream, or undefined when it may. Compares digests in constant time. */
function tokenProblem(endpoint: Endpoint, req: IncomingMessage, queryToken: string | null): string | undefined {
  if (!endpoint.tokenDigest) return undefined;
  const given = /^Bearer +(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? queryToken ?? undefined;
  if (given !== undefined && timingSafeEqual(digest(given), endpoint.tokenDigest)) return undefined;
  const received = given === undefined ? 'no token' : 'a different token';
  return `Expected the server's token in "Authorization: Bearer <token>" for authorization but received ${received}`;
}

/** Parses the query and builds the pipeline, or says which status and message to answer with. */
function openPipeline(endpoint: Endpoint, url: URL, tokenInQuery: boolean): { pipeline: Observable<Block>; params: ServeParams } | { status: number; error: string } {
  let params: ServeParams;
  try {
    params = parseServeParams(url.searchParams, { ...endpoint.limits, tokenInQuery });
  } catch (error) {
    return { status: 400, error: messageOf(error) };
  }
  try {
    return { pipeline: endpoint.factory(params), params };
  } catch (error) {
    // Stages validate their options when built and throw RangeError: the request asked for it.
    return { status: error instanceof RangeError ? 400 : 500, error: messageOf(error) };
  }
}

function handleRequest(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/health') return sendJson(res, 200, { ok: true, clients: endpoint.meter.stats().clients });
  if (url.pathname === '/ws') return sendJson(res, 426, { error: 'Expected a WebSocket upgrade for /ws but received a plain request' });
  if (url.pathname !== '/batches') {
    return sendJson(res, 404, { error: `Expected /batches, /ws or /health for path but received ${JSON.stringify(url.pathname)}` });
  }
  if (req.method !== 'GET') return sendJson(res, 405, { error: `Expected GET for method but received ${req.method}` }, { allow: 'GET' });
  const unauthorised = tokenProblem(endpoint, req, null);
  if (unauthorised) return sendJson(res, 401, { error: unauthorised }, { 'www-authenticate': 'Bearer' });
  const opened = openPipeline(endpoint, url, false);
  if ('error' in opened) return sendJson(res, opened.status, { error: opened.error });
  streamHttp(res, opened.pipeline, endpoint.meter, (error) => endpoint.onError(error, opened.params));
}

/** Answers a refused upgrade on the raw socket, as a JSON HTTP response. */
function refuseUpgrade(socket: Duplex, status: number, error: string): void {
  const body = `${JSON.stringify({ error })}\n`;
  socket.on('error', () => undefined); // the client may already be gone
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function handleUpgrade(endpoint: Endpoint, sockets: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, `Expected /ws for path but received ${JSON.stringify(url.pathname)}`);
  const unauthorised = tokenProblem(endpoint, req, url.searchParams.get('token'));
  if (unauthorised) return refuseUpgrade(socket, 401, unauthorised);
  const opened = openPipeline(endpoint, url, true);
  if ('error' in opened) return refuseUpgrade(socket, opened.status, opened.error);
  sockets.handleUpgrade(req, socket, head, (ws) =>
    streamWebSocket(ws, opened.pipeline, endpoint.meter, (error) => endpoint.onError(error, opened.params)),
  );
}

/** Checks the options when the server is built, not when the first client comes. */
function endpointOf(factory: PipelineFactory, options: ServeOptions): Endpoint {
  const maxBatch = validate.integer('maxBatch', options.maxBatch ?? 65536, 1);
  const defaultBatch = validate.integer('defaultBatch', options.defaultBatch ?? 128, 1, maxBatch);
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '')) {
    throw new TypeError(`Expected a non-empty string for token but received ${JSON.stringify(options.token)}`);
  }
  return {
    factory,
    tokenDigest: options.token === undefined ? undefined : digest(options.token),
    limits: { defaultBatch, maxBatch },
    meter: new BufferMeter(),
    onError: options.onError ?? ((error, params) => console.error('idxflow serve: pipeline failed for', params, error)),
  };
}

/**
 * Serves pipelines to trainers over HTTP (`GET /batches`) and WebSocket (`/ws`): each client
 * gets a fresh pipeline, built by `pipelineFactory` from its query parameters (seed, epoch,
 * epochs, batch, rank, worldSize), streamed as the frames PROTOCOL.md specifies.
 *
 * Trainers in any language read the stream (see `fromServer` and examples/python). A slow
 * client slows its own pipeline through backpressure instead of filling the server's memory;
 * a client that disconnects unsubscribes its pipeline while the others go on. `GET /health`
 * answers 200 with JSON.
 *
 * @param pipelineFactory Builds one client's pipeline; a RangeError it throws becomes a 400.
 * @param options Address, token and batch limits: see `ServeOptions`.
 * @returns The running server, once it listens.
 *
 * ## Example
 * ```ts
 * import { batch, mnist, shard, shuffle } from '@idxflow/core';
 * const server = await serve(({ seed, batch: size, rank, worldSize }) =>
 *   mnist().pipe(shuffle({ seed }), shard({ rank, worldSize }), batch(size)), { port: 8080 });
 * console.log(`${server.url}/batches?seed=1&batch=64`);
 * ```
 */
export async function serve(pipelineFactory: PipelineFactory, options: ServeOptions = {}): Promise<BatchServer> {
  const endpoint = endpointOf(pipelineFactory, options);
  const port = validate.integer('port', options.port ?? 0, 0, 65535);
  const server = createServer((req, res) => handleRequest(endpoint, req, res));
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => handleUpgrade(endpoint, sockets, req, socket, head));
  server.listen(port, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  // A wildcard address is not one a client can connect to: name this machine instead.
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '[::1]' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    stats: () => endpoint.meter.stats(),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        for (const ws of sockets.clients) ws.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
}
