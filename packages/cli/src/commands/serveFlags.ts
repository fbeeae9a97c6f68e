// The flags of `idxflow serve`, their rules and its --help, apart from the server (serve.ts),
// which commandTable.ts imports only when serve runs.
import { usageOf, type FlagRule, type FlagSpec } from '../flags.js';
import { integerIn, shown } from '../numbers.js';
import { DATA_FLAGS, DATA_RULES, dataUsage, NORMALIZE_FLAG, WORKERS_FLAG } from '../options.js';
import { UsageError } from '../usageError.js';
import { LISTEN_RULES, listenFlags } from '../serverFlags.js';
import { SERVE_MIX_FLAGS } from '../mixFlags.js';

export const MAX_BATCH = 65536; // the server's largest batch a client may ask for
export const MAX_CLIENTS = 4096; // each holds a few batches and a socket

/** "train,test" → distinct names. */
export function splitNamesOf(text: string): string[] {
  const names = text.split(',');
  if (names.some((s) => !/^[\w.-]+$/.test(s)) || new Set(names).size !== names.length) {
    throw new UsageError(`Expected distinct comma-separated split names (letters, digits, _ . -) for --split but received ${shown(text)}`);
  }
  return names;
}

const SPLIT: FlagSpec = {
  type: 'string',
  arg: 'NAMES',
  default: 'train,test',
  help: 'splits to serve, comma-separated (train, test), the first the default; with --images, one name for its split',
  check: splitNamesOf,
};

const SERVER_FLAGS = {
  ...listenFlags('8080', 'require "Authorization: Bearer T"'),
  batch: { type: 'string', arg: 'N', default: '128', help: `default batch size, 1 to ${MAX_BATCH} (clients may ask for another)`, check: (t) => integerIn('batch', t, 1, MAX_BATCH) },
  normalize: { ...NORMALIZE_FLAG, help: `send ${NORMALIZE_FLAG.help}` },
  workers: { ...WORKERS_FLAG, help: `${WORKERS_FLAG.help}; shared by all clients` },
  'max-clients': {
    type: 'string',
    arg: 'N',
    default: '256',
    help: `streams at once, 1 to ${MAX_CLIENTS}; more get 503 with Retry-After`,
    check: (t) => integerIn('max-clients', t, 1, MAX_CLIENTS),
  },
  'max-memory': {
    type: 'string',
    arg: 'MIB',
    default: '4096',
    help: `MiB that the batches of all clients may hold, 16 to 1048576: each client gets its share (--max-memory / --max-clients, shown by /health) and may ask for batches of at most a third of it`,
    check: (t) => integerIn('max-memory', t, 16, 1_048_576),
  },
  'allow-host': {
    type: 'string',
    arg: 'NAME',
    repeatable: true,
    help: 'a name clients reach the server by (a Kubernetes Service name), accepted in the Host header at any port besides 127.0.0.1, localhost and the --host address; repeatable; * accepts any. Other names get 403 (a page of another site whose name leads here)',
    check: (t) => {
      if (!/^(\*|[\w.-]+|\[[\da-fA-F:.]+\])$/.test(t)) throw new UsageError(`Expected a host name (letters, digits, _ . -), [IPv6] or * for --allow-host but received ${shown(t)}`);
    },
  },
  'allow-origin': {
    type: 'string',
    arg: 'ORIGIN',
    repeatable: true,
    help: 'a web page origin (https://dashboard.example) allowed to open /ws and /batches from a browser; repeatable. Pages of other origins get 403',
    check: (t) => {
      if (!/^https?:\/\/[^/\s]+$/.test(t)) throw new UsageError(`Expected an origin such as https://dashboard.example (scheme and host, no path) for --allow-origin but received ${shown(t)}`);
    },
  },
} as const satisfies Record<string, FlagSpec>;

export const SERVE_FLAGS = { ...DATA_FLAGS, split: SPLIT, ...SERVER_FLAGS, ...SERVE_MIX_FLAGS } as const satisfies Record<string, FlagSpec>;

export const SERVE_RULES: readonly FlagRule[] = [
  ({ given, values }) => {
    const names = splitNamesOf(String(values.split));
    if (given.has('images') && given.has('split') && names.length > 1) throw new UsageError('Expected one --split name with --images and --labels');
    const other = names.find((name) => name !== 'train' && name !== 'test');
    if (!given.has('images') && other !== undefined) throw new UsageError(`Expected train or test in --split for --dataset ${String(values.dataset)} but received ${shown(other)}`);
  },
  ...LISTEN_RULES,
  ...DATA_RULES,
];

export const serveUsage = `Usage: idxflow serve [options]

Streams shuffled, augmented batches over HTTP (GET /batches) and WebSocket (/ws) to
trainers in any language. One copy of each split and one worker pool serve every client.
Query parameters: seed, epoch, epochs, batch, rank, worldSize, offset (positions of the
first epoch's order that all ranks consumed together: the rest is striped across worldSize
ranks, to resume a job on another number of ranks), start (samples of the first epoch's
share to skip, to resume), part and parts (DataLoader workers), split, eval (1: the split in
order, not shuffled, not augmented). The framing is documented in
packages/core/src/protocol/PROTOCOL.md. --seed is the seed of requests that give none.
A request whose Host header names another server (127.0.0.1, localhost, the --host address,
--allow-host names and, with a non-loopback --host, this machine's name and IP addresses are
this one) gets 403, and so does a browser's request to /batches or /ws from a page of another
origin (--allow-origin names those allowed), token or not. Each client may hold --max-memory /
--max-clients bytes of batches, which caps the batch size a client may ask for; GET /health
shows both figures.

${dataUsage(SPLIT)}
${usageOf('Server', SERVER_FLAGS)}
${usageOf('Mixing (each batch after its augmentation and --normalize)', SERVE_MIX_FLAGS)}`;
