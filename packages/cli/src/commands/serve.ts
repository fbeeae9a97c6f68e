import { asRows, batch, type Block, epochs, gather, loadBlock, OptionError, type Run, shard, shuffleRows, skipSamples, type WorkerPool } from '@idxflow/core';
import { serve, type BatchServer, type ServeParams } from '@idxflow/sinks';
import { augment, augmentPool, normalize, type AugmentOptions, type PolicySpec } from '@idxflow/transforms';
import { filter, map, of, type Observable } from 'rxjs';
import { integerIn } from '../numbers.js';
import { augmentOptions, normalizeOf, policyOf, seedOf, workersOf } from '../options.js';
import { sourceOf } from '../dataSources.js';
import { mixingOf, type Mixing } from '../mixFlags.js';
import { classesOf, mixStages } from '../mixing.js';
import { policyStage } from '../policyStages.js';
import { UsageError } from '../usageError.js';
import { MAX_BATCH, MAX_CLIENTS, SERVE_FLAGS, splitNamesOf } from './serveFlags.js';

/**
 * Batches of the largest size one client's stream holds at most: the frame queued on its socket,
 * the worker tasks in flight (as many batches as fit in one largest batch, see pipelineFor), and
 * the one waiting between them. (Measured: a client that never reads holds about two largest
 * batches; bench/cases/serve.ts, case stalled:64.)
 */
const FRAMES_PER_CLIENT = 3;

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
  /** --mixup and --cutmix, applied to each batch of a training stream. */
  mixing: Mixing | undefined;
}

/** Samples in one rank's share of `n` positions of an epoch (shard() pads to a multiple of worldSize). */
const shareOf = (n: number, worldSize: number): number => Math.ceil(n / worldSize);

/** Refuses an `offset` past the epoch and a `start` past the rank's share of what remains: 400. */
function checkResumePoint(n: number, p: ServeParams): void {
  if (p.offset > n) throw new OptionError(`Expected offset between 0 and ${n} (the samples of an epoch of ${p.split}) but received ${p.offset}`);
  const share = shareOf(n - p.offset, p.worldSize);
  const of = p.offset === 0 ? `an epoch of ${p.split}` : `the ${n - p.offset} samples of ${p.split} after offset ${p.offset}`;
  if (p.start > share) throw new OptionError(`Expected start between 0 and ${share} (this rank's share of ${of}) but received ${p.start}`);
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
  // With a policy: augment()'s steps, the policy, then normalisation (policies take bytes, as torchvision's).
  const policed = engine.policy === undefined ? undefined : runs.pipe(augment(engine.augmentation, run), policyStage(engine.policy, run));
  const augmented = policed === undefined ? runs.pipe(augment(options, run)) : engine.normalization ? policed.pipe(normalize(engine.normalization)) : policed;
  const mixing = engine.mixing ? mixStages(engine.mixing, p.seed, classesOf(data.labels)) : [];
  return mixing.reduce((source, stage) => source.pipe(stage), augmented);
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

/** Bytes a sample takes in a frame: its pixels (4 each when normalised), its label and its index, and its soft labels when mixed. */
const bytesPerSampleOf = (splits: Map<string, Block>, normalised: boolean, mixed: boolean): number =>
  Math.max(...[...splits.values()].map((b) => b.shape[1] * b.shape[2] * (normalised ? 4 : 1) + 5 + (mixed ? 4 * classesOf(b.labels) : 0)));

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
  const mixing = mixingOf(flags);
  const memory = memoryOf(flags, maxClients, bytesPerSampleOf(splits, normalization !== undefined, mixing !== undefined), defaultBatch);
  const pool = workers > 0 ? augmentPool(workers) : undefined;
  const engine: Engine = { splits, augmentation, policy: policyOf(flags), normalization, pool, maxBatch: memory.maxBatch, mixing };
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
