// How the explore server answers: the same safe headers on every response.
import type { ServerResponse } from 'node:http';

/** Headers of every answer: no caching, no sniffing, no embedding, no reading from other origins. */
const COMMON = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** Answers `status` with `body` (an object is sent as JSON). */
export function send(res: ServerResponse, status: number, body: object | Buffer, headers: Record<string, string> = {}): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(`${JSON.stringify(body)}\n`);
  const type = Buffer.isBuffer(body) ? {} : { 'content-type': 'application/json' };
  res.writeHead(status, { ...COMMON, ...type, 'content-length': String(bytes.length), ...headers });
  res.end(bytes);
}
