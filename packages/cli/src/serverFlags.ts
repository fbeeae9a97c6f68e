// The flags of the commands that listen (serve, explore): where they bind and who may connect.
// Loopback unless a token is given, or the user says in so many words that anyone may read.
import { isLoopback } from '@idxflow/sinks';
import { onlyWith, type FlagRule, type FlagSpec } from './flags.js';
import { integerIn, shown } from './numbers.js';
import { UsageError } from './usageError.js';

/** --host, --port (default `port`), --token (with `tokenHelp` saying how it is sent) and --insecure-no-token. */
export function listenFlags(port: string, tokenHelp: string) {
  return {
    host: { type: 'string', arg: 'H', default: '127.0.0.1', help: 'address to bind (127.0.0.1: this machine only); any other needs --token, or --insecure-no-token to serve anyone who can reach it' },
    port: { type: 'string', arg: 'P', default: port, help: 'port, 0 to 65535 (0 picks a free one)', check: (t: string) => integerIn('port', t, 0, 65535) },
    token: {
      type: 'string',
      arg: 'T',
      help: `${tokenHelp}; 1 to 4096 visible ASCII characters`,
      check: (t: string) => {
        if (!/^[\x21-\x7e]{1,4096}$/.test(t)) throw new UsageError(`Expected 1 to 4096 visible ASCII characters (no spaces) for --token but received ${shown(t)}`);
      },
    },
    'insecure-no-token': { type: 'boolean', help: 'serve a non-loopback --host without a token' },
  } as const satisfies Record<string, FlagSpec>;
}

/** A non-loopback --host needs --token or --insecure-no-token; --insecure-no-token only there. */
export const LISTEN_RULES: readonly FlagRule[] = [
  ({ given, values }) => {
    const host = String(values.host);
    if (isLoopback(host) || given.has('token') || given.has('insecure-no-token')) return;
    throw new UsageError(`Expected --token T (or --insecure-no-token) to bind --host ${host}, which is not loopback: anyone who can reach it could read the data`);
  },
  onlyWith('insecure-no-token', ({ given, values }) => !given.has('token') && !isLoopback(String(values.host)), 'a non-loopback --host and no --token', ({ given, values }) => (given.has('token') ? '--token' : `--host ${String(values.host)}`)),
];
