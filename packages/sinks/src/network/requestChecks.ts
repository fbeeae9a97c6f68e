// The request checks `serve` and `idxflow explore` share: the request target, and the token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a server keeps of its token: its SHA-256, so that the compare takes the same time whatever is sent. */
export const tokenDigest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * Why the request lacks the token whose digest is `expected`, or undefined when it carries it
 * ("Authorization: Bearer <token>", or `queryToken` where a server takes one in the query).
 * Constant-time compare.
 *
 * ## Example
 * ```ts
 * const problem = tokenProblem(req, tokenDigest('s3cret'));
 * if (problem) return send(res, 401, { error: problem });
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
 * const url = requestTarget(req);
 * if (!url) return send(res, 400, { error: 'Expected an origin-form request target' });
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
