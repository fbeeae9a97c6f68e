// The request checks `serve` and `idxflow explore` share, public for servers of one's own that
// hand out idxflow data: the request target, the Host and Origin headers (other sites' pages),
// and the token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { isLoopback } from './loopback.js';

/**
 * What a server keeps of its token: its SHA-256, so that the compare (`tokenProblem()`) takes
 * the same time whatever is sent.
 *
 * ## Example
 * ```ts
 * import { tokenDigest } from '@idxflow/sinks';
 * const expected = tokenDigest(process.env.MY_TOKEN ?? 's3cret'); // once, at start-up: tokenProblem(req, expected) per request
 * ```
 */
export const tokenDigest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * Why the request lacks the token whose digest is `expected`, or undefined when it carries it
 * ("Authorization: Bearer <token>", or `queryToken` where a server takes one in the query).
 * Constant-time compare.
 *
 * ## Example
 * ```ts
 * import { createServer } from 'node:http';
 * import { tokenDigest, tokenProblem } from '@idxflow/sinks';
 * const expected = tokenDigest('s3cret');
 * createServer((req, res) => {
 *   const problem = tokenProblem(req, expected);
 *   if (problem) return void res.writeHead(401).end(problem);
 *   res.end('ok');
 * }).listen(8080, '127.0.0.1');
 * ```
 */
export function tokenProblem(req: IncomingMessage, expected: Buffer, queryToken: string | null = null): string | undefined {
  const given = /^Bearer +(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? queryToken ?? undefined;
  if (given !== undefined && timingSafeEqual(tokenDigest(given), expected)) return undefined;
  const sent = req.headers.authorization !== undefined || queryToken !== null;
  return `Expected the server's token in "Authorization: Bearer <token>" for authorization but received ${sent ? 'a different token' : 'no token'}`;
}

/**
 * The request target as a URL, or undefined when it is not origin-form (`/path?query`): an
 * absolute URL, a `//host` authority or an unparsable target.
 *
 * ## Example
 * ```ts
 * import { createServer } from 'node:http';
 * import { requestTarget } from '@idxflow/sinks';
 * createServer((req, res) => {
 *   const url = requestTarget(req);
 *   if (!url) return void res.writeHead(400).end('Expected an origin-form request target');
 *   res.end(url.searchParams.get('seed') ?? '0');
 * }).listen(8080, '127.0.0.1');
 * ```
 */
export function requestTarget(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://idxflow.invalid');
  } catch {
    return undefined;
  }
}

/**
 * The Host header values a server answers to. A page of another site can make a browser send
 * requests to a loopback server under a name of its own (DNS rebinding: evil.example resolving
 * to 127.0.0.1), and read the answers, since for the browser they are that site's own: only a
 * server that checks the name in Host refuses them.
 */
export interface HostNames {
  /** `name:port` values accepted as they are (lower case, IPv6 in brackets): the bound address and the loopback names, at the bound port. */
  own: ReadonlySet<string>;
  /** Names accepted at any port (lower case): the names a cluster reaches the server by (a Kubernetes Service's port may differ from the pod's). */
  names: ReadonlySet<string>;
  /** Whether an IP address (any port) is accepted: rebinding needs a name, never an address. */
  addresses: boolean;
  /** Whether every Host is accepted (`*` among the names). */
  any: boolean;
}

/**
 * The names a server bound to `host` at `port` answers to: its own address and the loopback
 * names at that port; for a non-loopback bind also any IP address; and `allow`, names accepted
 * at any port (`*`: any Host at all).
 *
 * ## Example
 * ```ts
 * import { hostNamesOf } from '@idxflow/sinks';
 * const names = hostNamesOf('0.0.0.0', 8080, ['idxflow.default.svc.cluster.local']);
 * // hostProblem(req, names) is undefined for Host: 10.1.2.3:8080 or idxflow.default.svc.cluster.local:80
 * ```
 */
export function hostNamesOf(host: string, port: number, allow: readonly string[] = []): HostNames {
  const bracketed = isIP(host) === 6 ? `[${host}]` : host;
  const own = [bracketed.toLowerCase(), 'localhost', '127.0.0.1', '[::1]'];
  return {
    own: new Set(own.flatMap((name) => (port === 80 ? [name, `${name}:${port}`] : [`${name}:${port}`]))),
    names: new Set(allow.map((name) => name.toLowerCase())),
    addresses: !isLoopback(host),
    any: allow.includes('*'),
  };
}

export { isLoopback } from './loopback.js';

/** The name of a Host header value without its port (IPv6 keeps its brackets), lower case. */
function nameOf(host: string): string {
  const bracketed = /^(\[[^\]]*\])(:\d+)?$/.exec(host);
  if (bracketed) return bracketed[1].toLowerCase();
  return host.replace(/:\d+$/, '').toLowerCase();
}

/**
 * Why the request's Host header names another server, or undefined when it names this one
 * (see `HostNames`). Refuse with 403 (400 when there is no Host at all).
 *
 * ## Example
 * ```ts
 * import { createServer } from 'node:http';
 * import { hostNamesOf, hostProblem } from '@idxflow/sinks';
 * const names = hostNamesOf('127.0.0.1', 8080);
 * createServer((req, res) => {
 *   const problem = hostProblem(req, names);
 *   if (problem) return void res.writeHead(problem.status).end(problem.error);
 *   res.end('ok');
 * }).listen(8080, '127.0.0.1');
 * ```
 */
export function hostProblem(req: IncomingMessage, names: HostNames): { status: number; error: string } | undefined {
  const host = req.headers.host;
  if (!host) return { status: 400, error: 'Expected a Host header but received none' };
  if (names.any || names.own.has(host.toLowerCase())) return undefined;
  const name = nameOf(host);
  if (names.names.has(name)) return undefined;
  if (names.addresses && isIP(name.replace(/^\[(.*)\]$/, '$1')) !== 0) return undefined;
  const allowed = [...names.own][0] + (names.names.size > 0 ? ` or ${[...names.names].join(', ')}` : '');
  return { status: 403, error: `Expected this server's own address in the Host header (${allowed}) but received ${JSON.stringify(host.slice(0, 100))}` };
}

/**
 * Why a browser's request comes from a page of another origin, or undefined when it has no
 * Origin (not a browser, or a same-origin navigation), the server's own (`http://` + Host) or
 * one of `allowed`. WebSocket and `fetch` requests of a page always carry its Origin.
 *
 * ## Example
 * ```ts
 * import { createServer } from 'node:http';
 * import { originProblem } from '@idxflow/sinks';
 * createServer((req, res) => {
 *   const problem = originProblem(req, ['https://dashboard.example']);
 *   if (problem) return void res.writeHead(403).end(problem);
 *   res.end('ok');
 * }).listen(8080, '127.0.0.1');
 * ```
 */
export function originProblem(req: IncomingMessage, allowed: readonly string[] = []): string | undefined {
  const origin = req.headers.origin;
  const host = String(req.headers.host ?? '');
  if (origin === undefined || origin.toLowerCase() === `http://${host.toLowerCase()}` || allowed.includes(origin)) return undefined;
  return `Expected no Origin or this server's own (http://${host.slice(0, 100)})${allowed.length > 0 ? ` or ${allowed.join(', ')}` : ''} but received ${JSON.stringify(origin.slice(0, 100))}`;
}
