import { availableParallelism } from 'node:os';
import { asRows, batch, epochs, gather, loadBlock, shard, shuffleRows, skipSamples, type Block, type Run, type WorkerPool } from '@idxflow/core';
import { serve, type BatchServer, type ServeParams } from '@idxflow/sinks';
import { augment, augmentPool, normalize, type AugmentOptions } from '@idxflow/transforms';
import { filter, map, of, type Observable } from 'rxjs';
import { augmentOptions, DATA_FLAGS, DATA_USAGE, parseInteger, seedOf, sourceOf } from '../options.js';
import { UsageError } from './info.js';

export const SERVE_FLAGS = {
  ...DATA_FLAGS,
  split: { type: 'string', default: 'train,test' },
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8080' },
  token: { type: 'string' },
  'insecure-no-token': { type: 'boolean', default: false },
  batch: { type: 'string', default: '128' },
  normalize: { type: 'string' },
  workers: { type: 'string' },
  'max-clients': { type: 'string', default: '256' },
} as const;

export const serveUsage = `Usage: idxflow serve [options]

Streams shuffled, augmented batches over HTTP (GET /batches) and WebSocket (/ws) to
trainers in any language. One copy of each split and one worker pool serve every client.
Query parameters: seed, epoch, epochs, batch, rank, worldSize, start (samples of the first
epoch's share to skip, to resume), part and parts (DataLoader workers), split, eval (1: the
split in order, not shuffled, not augmented). The framing is documented in
packages/core/src/protocol/PROTOCOL.md.

${DATA_USAGE}
  --split NAMES          splits to serve, comma-separated, the first the default (default train,test)
Server:
  --host H               address to bind (default 127.0.0.1: this machine only); any other
                         needs --token, or --insecure-no-token to serve anyone who can reach it
  --port P               port (default 8080; 0 picks a free one)
  --token T              require "Authorization: Bearer T"
  --batch N              default batch size (clients may ask for another)
  --seed N               seed of requests that give none (default 0)
  --normalize MEAN:STD   send float32 (v/255 - MEAN)/STD instead of bytes
  --workers N            augmentation threads, shared by all clients (default: cores - 1, at least 1)
  --max-clients N        streams at once; more get 503 with Retry-After (default 256)`;

/** How every client's pipeline is built: the data loaded once, one pool, the flags' augmentation. */
interface Engine {
  splits: Map<string, Block>;
  augmentation: AugmentOptions;
  normalization: { mean: number; std: number } | undefined;
  pool: WorkerPool | undefined;
}

/** Samples in one rank's share of an epoch of `n` (shard() pads to a multiple of worldSize). */
const shareOf = (n: number, worldSize: number): number => Math.ceil(n / worldSize);

/** One client's pipeline: what the query asks of the loaded split. */
function pipelineFor(engine: Engine, p: ServeParams): Observable<Block> {
  const data = engine.splits.get(p.split)!;
  const share = shareOf(data.shape[0], p.worldSize);
  if (p.start > share) throw new RangeError(`Expected start between 0 and ${share} (this rank's share of an epoch of ${p.split}) but received ${p.start}`);
  const passes = of(data).pipe(
    epochs(p.epochs),
    map((block) => ({ ...block, epoch: block.epoch + p.epoch })),
  );
  // The batches of this request: shuffled unless eval, this rank's share, resumed at `start`,
  // and every parts-th batch for DataLoader worker `part` (row numbers only, so skipping is cheap).
  const ordered: Observable<Run> = p.eval ? passes.pipe(asRows()) : passes.pipe(shuffleRows({ seed: p.seed }));
  const runs = ordered.pipe(
    shard({ rank: p.rank, worldSize: p.worldSize }),
    skipSamples(p.start),
    batch(p.batch),
    filter((_, k) => k % p.parts === p.part),
  );
  if (p.eval) return engine.normalization ? runs.pipe(normalize(engine.normalization)) : runs.pipe(gather());
  const options = { ...engine.augmentation, normalize: engine.normalization };
  // One batch a task and a window of one task per worker: a client holds a batch or two, whatever its speed.
  const pool = engine.pool;
  return runs.pipe(augment(options, pool ? { seed: p.seed, pool, taskImages: p.batch, window: pool.workers } : { seed: p.seed }));
}

function parseNormalize(text: unknown): { mean: number; std: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const parts = text.split(':').map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[1] === 0) throw new UsageError(`Expected MEAN:STD with STD != 0 for --normalize but received "${text}"`);
  return { mean: parts[0], std: parts[1] };
}

export async function serveCommand(flags: Record<string, string | boolean | undefined>): Promise<BatchServer & { close(): Promise<void> }> {
  const augmentation = augmentOptions(flags);
  const workers = flags.workers === undefined ? Math.max(1, availableParallelism() - 1) : parseInteger('workers', String(flags.workers), 0);
  const defaultBatch = parseInteger('batch', String(flags.batch), 1);
  const maxClients = parseInteger('max-clients', String(flags['max-clients']), 1);
  const normalization = parseNormalize(flags.normalize);
  const host = String(flags.host);
  const port = parseInteger('port', String(flags.port), 0);
  const token = typeof flags.token === 'string' ? flags.token : undefined;
  const insecureNoToken = flags['insecure-no-token'] === true;
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host) && token === undefined && !insecureNoToken) {
    throw new UsageError(`Expected --token T (or --insecure-no-token) to bind --host ${host}, which is not loopback: anyone who can reach it could read the data`);
  }
  const names = String(flags.split).split(',');
  if (names.some((s) => s === '') || new Set(names).size !== names.length) throw new UsageError(`Expected distinct comma-separated split names for --split but received "${String(flags.split)}"`);
  if (typeof flags.images === 'string' && names.length > 1 && flags.split !== SERVE_FLAGS.split.default) {
    throw new UsageError('Expected one --split name with --images and --labels');
  }
  const own = typeof flags.images === 'string' ? [flags.split === SERVE_FLAGS.split.default ? 'train' : names[0]] : names;
  const splits = new Map<string, Block>();
  for (const name of own) {
    const { source } = sourceOf({ ...flags, split: typeof flags.images === 'string' ? 'train' : name });
    splits.set(name, await loadBlock(source)); // validates the data flags before binding
  }
  const pool = workers > 0 ? augmentPool(workers) : undefined;
  const engine: Engine = { splits, augmentation, normalization, pool };
  try {
    const server = await serve((p) => pipelineFor(engine, p), {
      host,
      port,
      token,
      insecureNoToken,
      defaultBatch,
      defaultSeed: seedOf(flags),
      splits: [...splits.keys()],
      maxClients,
    });
    return { ...server, close: () => server.close().then(() => pool?.destroy()) };
  } catch (error) {
    await pool?.destroy();
    throw error;
  }
}
