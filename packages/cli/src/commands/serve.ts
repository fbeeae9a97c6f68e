import { asRows, batch, epochs, gather, loadBlock, shard, shuffleRows, skipSamples, type Block, type Run, type WorkerPool } from '@idxflow/core';
import { serve, type BatchServer, type ServeParams } from '@idxflow/sinks';
import { augment, augmentPool, normalize, type AugmentOptions, type PolicySpec } from '@idxflow/transforms';
import { filter, map, of, type Observable } from 'rxjs';
import { usageOf, type FlagRule, type FlagSpec } from '../flags.js';
import { integerIn, shown } from '../numbers.js';
import { augmentOptions, DATA_FLAGS, DATA_RULES, dataUsage, NORMALIZE_FLAG, normalizeOf, policyOf, policyStage, seedOf, sourceOf, WORKERS_FLAG, workersOf } from '../options.js';
import { LISTEN_RULES, listenFlags } from '../serverFlags.js';
import { UsageError } from '../usageError.js';

const MAX_BATCH = 65536; // the server's largest batch a client may ask for
const MAX_CLIENTS = 4096; // each holds a few batches and a socket
/**
 * Batches of the largest size one client's stream holds at most: the frame queued on its socket,
 * the worker tasks in flight (as many batches as fit in one largest batch, see pipelineFor), and
 * the one waiting between them. (Measured: a client that never reads holds about two largest
 * batches; bench/cases/serve.ts, case stalled:64.)
 */
const FRAMES_PER_CLIENT = 3;

/** "train,test" → distinct names. */
function splitNamesOf(text: string): string[] {
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

export const SERVE_FLAGS = { ...DATA_FLAGS, split: SPLIT, ...SERVER_FLAGS } as const satisfies Record<string, FlagSpec>;

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
${usageOf('Server', SERVER_FLAGS)}`;

/** How every client's pipeline is built: the data loaded once, one pool, the flags' augmentation. */
interface Engine {
  splits: Map<string, Block>;
  augmentation: AugmentOptions;
  /** An automatic policy after augment()'s pass, before normalisation. */
  policy: PolicySpec | undefined;
  normalization: { mean: number; std: number } | undefined;
  pool: WorkerPool | undefined;
  /** The largest batch a client may ask for (memoryOf). */
  maxBatch: number;
}

/** Samples in one rank's share of `n` positions of an epoch (shard() pads to a multiple of worldSize). */
const shareOf = (n: number, worldSize: number): number => Math.ceil(n / worldSize);

/** Refuses an `offset` past the epoch and a `start` past the rank's share of what remains: 400. */
function checkResumePoint(n: number, p: ServeParams): void {
  if (p.offset > n) throw new RangeError(`Expected offset between 0 and ${n} (the samples of an epoch of ${p.split}) but received ${p.offset}`);
  const share = shareOf(n - p.offset, p.worldSize);
  const of = p.offset === 0 ? `an epoch of ${p.split}` : `the ${n - p.offset} samples of ${p.split} after offset ${p.offset}`;
  if (p.start > share) throw new RangeError(`Expected start between 0 and ${share} (this rank's share of ${of}) but received ${p.start}`);
}

/** One client's pipeline: what the query asks of the loaded split. */
function pipelineFor(engine: Engine, p: ServeParams): Observable<Block> {
  const data = engine.splits.get(p.split)!;
  checkResumePoint(data.shape[0], p);
  const passes = of(data).pipe(
    epochs(p.epochs),
    map((block) => ({ ...block, epoch: block.epoch + p.epoch })),
  );
  // The batches of this request: shuffled unless eval, the first epoch's first `offset`
  // positions dropped (what all ranks of a job consumed, whatever their number), this rank's
  // share of the rest, resumed at `start`, and every parts-th batch for DataLoader worker
  // `part` (row numbers only, so skipping is cheap).
  const ordered: Observable<Run> = p.eval ? passes.pipe(asRows()) : passes.pipe(shuffleRows({ seed: p.seed }));
  const runs = ordered.pipe(
    skipSamples(p.offset),
    shard({ rank: p.rank, worldSize: p.worldSize }),
    skipSamples(p.start),
    batch(p.batch),
    filter((_, k) => k % p.parts === p.part),
  );
  if (p.eval) return engine.normalization ? runs.pipe(normalize(engine.normalization)) : runs.pipe(gather());
  const options = { ...engine.augmentation, normalize: engine.normalization };
  // One batch a task, and a window of one task per worker but at most one largest batch of
  // samples in flight: a client holds FRAMES_PER_CLIENT largest batches, whatever its speed.
  const pool = engine.pool;
  const window = pool && Math.max(1, Math.min(pool.workers, Math.floor(engine.maxBatch / p.batch)));
  const run = pool ? { seed: p.seed, pool, taskImages: p.batch, window } : { seed: p.seed };
  if (engine.policy === undefined) return runs.pipe(augment(options, run));
  // The policy after augment()'s steps, then normalisation (policies take bytes, as torchvision's).
  const augmented = runs.pipe(augment(engine.augmentation, run), policyStage(engine.policy, run));
  return engine.normalization ? augmented.pipe(normalize(engine.normalization)) : augmented;
}

/**
 * What each client may hold (`--max-memory` shared by `--max-clients`) and the largest batch
 * that keeps to it: FRAMES_PER_CLIENT frames of `bytesPerSample` bytes a sample.
 */
function memoryOf(flags: Record<string, string | boolean | undefined>, maxClients: number, bytesPerSample: number, defaultBatch: number): { clientMemory: number; maxBatch: number } {
  const maxMemory = integerIn('max-memory', String(flags['max-memory']), 16, 1_048_576);
  const clientMemory = Math.floor((maxMemory * 2 ** 20) / maxClients);
  const maxBatch = Math.min(MAX_BATCH, Math.floor(clientMemory / (FRAMES_PER_CLIENT * bytesPerSample)));
  const why = `--max-memory ${maxMemory} MiB shared by --max-clients ${maxClients} gives each client ${clientMemory} bytes, ${FRAMES_PER_CLIENT} batches of ${bytesPerSample} bytes a sample`;
  if (maxBatch < defaultBatch) throw new UsageError(`Expected --batch at most ${maxBatch} (${why}) but received ${defaultBatch}: raise --max-memory or lower --max-clients`);
  return { clientMemory, maxBatch };
}

/** Bytes a sample takes in a frame: its pixels (4 each when normalised), its label and its index. */
const bytesPerSampleOf = (splits: Map<string, Block>, normalised: boolean): number =>
  Math.max(...[...splits.values()].map((b) => b.shape[1] * b.shape[2])) * (normalised ? 4 : 1) + 5;

const listOf = (value: string | boolean | undefined): string[] => (typeof value === 'string' ? value.split(',') : []);

/** Loads the splits and starts the server; `flags` as readCommandLine checked them (SERVE_RULES). */
export async function serveCommand(flags: Record<string, string | boolean | undefined>): Promise<BatchServer & { close(): Promise<void> }> {
  const augmentation = augmentOptions(flags);
  const workers = workersOf(flags);
  const defaultBatch = integerIn('batch', String(flags.batch), 1, MAX_BATCH);
  const maxClients = integerIn('max-clients', String(flags['max-clients']), 1, MAX_CLIENTS);
  const normalization = normalizeOf(flags.normalize);
  const host = String(flags.host);
  const port = integerIn('port', String(flags.port), 0, 65535);
  const token = typeof flags.token === 'string' ? flags.token : undefined;
  const names = splitNamesOf(String(flags.split));
  const own = typeof flags.images === 'string' ? [flags.split === SERVE_FLAGS.split.default ? 'train' : names[0]] : names;
  const splits = new Map<string, Block>();
  for (const name of own) {
    const { source, name: sourceName } = sourceOf({ ...flags, split: typeof flags.images === 'string' ? 'train' : name });
    splits.set(name, await loadBlock(source, { name: sourceName })); // validates the data flags before binding
  }
  const memory = memoryOf(flags, maxClients, bytesPerSampleOf(splits, normalization !== undefined), defaultBatch);
  const pool = workers > 0 ? augmentPool(workers) : undefined;
  const engine: Engine = { splits, augmentation, policy: policyOf(flags), normalization, pool, maxBatch: memory.maxBatch };
  try {
    const server = await serve((p) => pipelineFor(engine, p), {
      host,
      port,
      token,
      insecureNoToken: flags['insecure-no-token'] === true,
      defaultBatch,
      defaultSeed: seedOf(flags),
      splits: [...splits.keys()],
      maxClients,
      ...memory,
      allowHosts: listOf(flags['allow-host']),
      allowOrigins: listOf(flags['allow-origin']),
    });
    return { ...server, close: () => server.close().then(() => pool?.destroy()) };
  } catch (error) {
    await pool?.destroy();
    throw error;
  }
}
