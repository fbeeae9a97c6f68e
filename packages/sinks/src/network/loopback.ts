// Whether a listening address is this machine only, apart from the request checks
// (requestChecks.ts) that need node:crypto: a flag parser that checks --host loads this file only.

/**
 * Whether `host` is this machine only (127.x.x.x, ::1, localhost): a server bound there is
 * reachable from this machine alone, so it needs no token (`idxflow serve` asks for one
 * anywhere else).
 *
 * ## Example
 * ```ts
 * import { isLoopback } from '@idxflow/sinks';
 * isLoopback('127.0.0.1'); // true
 * isLoopback('0.0.0.0'); // false: every interface
 * ```
 */
export const isLoopback = (host: string): boolean => /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);
