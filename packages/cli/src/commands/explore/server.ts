// The explore page's HTTP server: a static page and four small endpoints, behind the checks
// that keep a user's data on their machine. Every request passes, in order: GET only, an
// origin-form target, a Host naming this server (so a DNS-rebound name is refused), and for
// the data endpoints no foreign Origin or cross-site fetch, and the token when there is one.
// No CORS header is ever sent, so other origins cannot read a response. As in `serve`, every
// handler runs inside an error boundary: a request gets an answer, never the process's end.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { httpStatusOf } from '@idxflow/core';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import { hostNamesOf, hostProblem, originProblem, requestTarget, tokenDigest, tokenProblem, type HostNames } from '@idxflow/sinks';
import { ExploreData } from './data.js';
import { routeApi } from './api.js';
import { send } from './send.js';
import type { ExploreBase } from './view.js';
import { CancelledError, WorkQueue } from './workQueue.js';

/** How `idxflow explore` serves. */
export interface ExploreServerOptions {
  host: string;
  port: number;
  /** Required as "Authorization: Bearer <token>" by the data endpoints, when set. */
  token: string | undefined;
  base: ExploreBase;
  /** The loaded splits, if some are already (else loaded on first use). */
  data?: ExploreData;
  /** What the page starts with: the augmentation flags and seed of the command line. */
  initial: { flags: [string, string][]; seed: number };
  /** Grids and statistics computed at once, and admitted at once (running or waiting; more get 503). Default 2 and 8. */
  queue?: { running: number; limit: number };
}

/** A running explore server. */
export interface ExploreServer {
  /** `http://host:port` as bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const ASSETS = new URL('../../../assets/', import.meta.url);
const asset = (name: string): Buffer => readFileSync(new URL(name, ASSETS));

const PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What is checked before routing: the server's names, and its token's digest. */
interface Gate {
  /** Host header values this server answers to, known once it listens. */
  hosts: HostNames | undefined;
  tokenDigest: Buffer | undefined;
}

/** Why the request is refused before routing, or undefined. */
function refusal(gate: Gate, req: IncomingMessage, url: URL | undefined): { status: number; error: string } | undefined {
  if (req.method !== 'GET') return { status: 405, error: `Expected GET for method but received ${String(req.method).slice(0, 20)}` };
  if (!url) return { status: 400, error: `Expected an origin-form request target such as /api/grid?rotate=15 but received ${JSON.stringify(String(req.url).slice(0, 200))}` };
  const wrongHost = gate.hosts && hostProblem(req, gate.hosts);
  if (wrongHost) return wrongHost;
  if (!url.pathname.startsWith('/api/')) return undefined;
  const foreign = originProblem(req);
  if (foreign) return { status: 403, error: `${foreign} for the data endpoints` };
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return { status: 403, error: `Expected a same-origin request for the data endpoints but received Sec-Fetch-Site ${JSON.stringify(String(site).slice(0, 40))}` };
  const unauthorised = gate.tokenDigest && tokenProblem(req, gate.tokenDigest);
  return unauthorised ? { status: 401, error: unauthorised } : undefined;
}

/** The static files of the page, read once. */
function pagesOf(): Map<string, { body: Buffer; headers: Record<string, string> }> {
  return new Map<string, { body: Buffer; headers: Record<string, string> }>([
    ['/', { body: asset('explore.html'), headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_POLICY } }],
    ...['explore.js', 'explore-controls.js', 'explore-draw.js'].map((name): [string, { body: Buffer; headers: Record<string, string> }] => [`/${name}`, { body: asset(name), headers: { 'content-type': 'text/javascript; charset=utf-8' } }]),
    ['/explore.css', { body: asset('explore.css'), headers: { 'content-type': 'text/css; charset=utf-8' } }],
    ['/favicon.ico', { body: Buffer.alloc(0), headers: { 'content-type': 'image/x-icon' } }], // none: spares the browser's 404
  ]);
}

/**
 * Starts the explore server: the page at `/`, its data at `/api/info`, `/api/grid`,
 * `/api/sample` and `/api/stats`. Binding a non-loopback address without a token is the
 * caller's decision (the command refuses it without `--insecure-no-token`).
 */
export async function startExploreServer(options: ExploreServerOptions): Promise<ExploreServer> {
  const data = options.data ?? new ExploreData(options.base);
  const pages = pagesOf();
  const gate: Gate = { hosts: undefined, tokenDigest: options.token === undefined ? undefined : tokenDigest(options.token) };
  const queue = new WorkQueue(options.queue?.running ?? 2, options.queue?.limit ?? 8);
  const context = { data, base: options.base, initial: options.initial, tokenRequired: options.token !== undefined, stats: undefined as AbortController | undefined, queue };
  const fail = (res: ServerResponse, error: unknown): void => {
    // A request whose client left gets no answer: there is nobody to read it, and it is no fault.
    if (res.headersSent || res.destroyed || (error instanceof CancelledError && !error.replaced)) return void res.destroy();
    // The status is the error code's (httpStatusOf: one table for serve and explore), never its class's.
    const status = httpStatusOf(error);
    const code = (error as { code?: unknown }).code;
    const message = { error: error instanceof Error ? error.message : String(error), code: typeof code === 'string' && code.startsWith('IDXFLOW_') ? code : undefined };
    send(res, status, message, status === 503 ? { 'retry-after': '1' } : {});
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestTarget(req);
    const refused = refusal(gate, req, url);
    if (refused) return send(res, refused.status, { error: refused.error }, refused.status === 405 ? { allow: 'GET' } : {});
    const page = pages.get(url!.pathname);
    if (page) return send(res, 200, page.body, page.headers);
    if (url!.pathname.startsWith('/api/')) return routeApi(context, url!, res);
    send(res, 404, { error: `Expected /, /api/info, /api/grid, /api/sample or /api/stats for path but received ${JSON.stringify(url!.pathname.slice(0, 200))}` });
  };
  const server = createServer((req, res) => {
    try {
      handle(req, res).catch((error: unknown) => fail(res, error));
    } catch (error) {
      fail(res, error);
    }
  });
  // Bytes that are not HTTP (bad request line, header, or size) never reach a handler: 400, then close.
  server.on('clientError', (_error, socket: Socket) => {
    socket.on('error', () => undefined);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  // Nothing here upgrades (no WebSocket): refuse, rather than leave the socket to hang.
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  // A wildcard bind answers to any name (the token guards it), as before.
  gate.hosts = hostNamesOf(options.host, address.port, options.host === '0.0.0.0' || options.host === '::' ? ['*'] : []);
  const shown = isIP(address.address) === 6 ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        context.stats?.abort();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
