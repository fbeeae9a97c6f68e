// Whether a listening address is this machine only, apart from the request checks
// (requestChecks.ts) that need node:crypto: a flag parser that checks --host loads this file only.

/** Whether `host` is this machine only (127.x.x.x, ::1, localhost): no token needed to bind it. */
export const isLoopback = (host: string): boolean => /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);
