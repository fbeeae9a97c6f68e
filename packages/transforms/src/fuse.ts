// Fusion of adjacent geometric stages: `rotate(15), shift(2), normalize()` in one pipe runs
// as ONE resampling (and normalisation) per sample, in one worker job per block.
//
// How: every geometric operator returns an Observable tagged with what it would run
// (its upstream, its spec and how to run it). An operator applied to a tagged Observable
// builds one stage from the tag's upstream with the steps appended, instead of a second
// stage on top. Nothing runs until subscription, so this costs nothing at run time.
import { deferredRows, emit, gatherRows, hasRows, holdUntil, validate, workerMap, type Block, type PixelArray, type Rows, type TaskStaging } from '@idxflow/core';
import { concatAll, map, Observable, type OperatorFunction } from 'rxjs';
import { augmentImages, outputFor, samplesOf, type AugmentJob } from './augmentImages.js';
import type { AugmentSpec, Step } from './spec.js';

/** How an augmentation stage runs. */
export interface RunOptions {
  /** Seed of every random draw. Default 0. */
  seed?: number;
  /** Worker threads; 0 runs on the main thread. Default 0. */
  workers?: number;
  /** Worker tasks in flight or waiting to be taken downstream. Default `4 * workers`. */
  window?: number;
  /**
   * Images per worker task: consecutive blocks are grouped up to this many (a block is never
   * split), so that the pool's fixed cost per task (about 0.1 ms) is paid per thousand
   * images, not per batch. Default 1024. A group also goes out when no block arrives for a
   * turn of the event loop, so a slow source is not kept waiting for a full group.
   */
  taskImages?: number;
}

interface Fusable {
  upstream: Observable<Block>;
  spec: AugmentSpec;
  run: Required<Pick<RunOptions, 'seed' | 'workers' | 'taskImages'>> & Pick<RunOptions, 'window'>;
}

const FUSABLE = Symbol('idxflow.fusable');
type Tagged = Observable<Block> & { [FUSABLE]?: Fusable };

const WORKER = new URL('./worker.js', import.meta.url);

function runOptions(run: RunOptions): Fusable['run'] {
  return {
    seed: validate.seed('seed', run.seed ?? 0),
    workers: validate.integer('workers', run.workers ?? 0, 0, 256),
    window: run.window === undefined ? undefined : validate.integer('window', run.window, 1),
    taskImages: validate.integer('taskImages', run.taskImages ?? 1024, 1),
  };
}

/** What a stage augments: a block, or the rows of an epoch to gather in the same pass. */
type Input = Block | Rows;

const isRows = (input: Input): input is Rows => 'rows' in input;
const samplesIn = (input: Input): number => (isRows(input) ? input.rows.length : input.shape[0]);

function jobOf(input: Input, spec: AugmentSpec, seed: number): AugmentJob {
  const block = isRows(input) ? input.from : input;
  const [, height, width] = block.shape;
  const rows = isRows(input) ? input.rows : undefined;
  return { images: block.images, indices: block.indices, rows, epoch: block.epoch, seed, height, width, spec };
}

/** The output Block: the input's labels and indices (gathered, for rows) with the new pixels. */
function blockOf(input: Input, images: PixelArray): Block {
  return isRows(input) ? gatherRows(input, images) : { ...input, images };
}

/**
 * A worker's job: the pixels and indices go through shared memory (structured clone would
 * copy them, and the whole buffer of a view), the rest is a few numbers. Rows read the epoch,
 * already in shared memory, in place: only the row numbers are staged.
 */
function sharedJobOf(input: Input, spec: AugmentSpec, seed: number, staging: TaskStaging): AugmentJob {
  const job = jobOf(input, spec, seed);
  const output = staging.move(outputFor(job, samplesOf(job) * job.height * job.width));
  if (job.rows) return { ...job, rows: staging.share(job.rows), output };
  return { ...job, images: staging.share(job.images), indices: staging.share(job.indices), output };
}

/**
 * Groups consecutive inputs into one array per worker task, up to `limit` images. A group goes
 * out when it is full, when upstream completes, or when a turn of the event loop passes
 * without a block. Flow control: a full group is emitted inside upstream's `next`, so holds
 * reach the producer directly; a group sent from the timer passes its holds on to the next
 * block upstream sends.
 */
function taskGroups(limit: number): OperatorFunction<Input, Input[]> {
  return (source) =>
    new Observable<Input[]>((subscriber) => {
      let group: Input[] = [];
      let images = 0;
      let timer: ReturnType<typeof setImmediate> | undefined;
      let held: Promise<void> | undefined;
      const flush = (): Promise<void> | undefined => {
        if (timer !== undefined) clearImmediate(timer);
        timer = undefined;
        if (group.length === 0) return undefined;
        const out = group;
        group = [];
        images = 0;
        return emit(subscriber, out);
      };
      const subscription = source.subscribe({
        next(input) {
          if (held) holdUntil(held);
          held = undefined;
          group.push(input);
          images += samplesIn(input);
          if (images >= limit) flush();
          else timer ??= setImmediate(() => (held = flush()));
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        if (timer !== undefined) clearImmediate(timer);
        subscription.unsubscribe();
      };
    });
}

function stage(fusable: Fusable): Observable<Block> {
  const { upstream, spec, run } = fusable;
  const onWorkers = (source: Observable<Input>): Observable<Block> =>
    source.pipe(
      taskGroups(run.taskImages),
      workerMap(
        { filename: WORKER, workers: run.workers, window: run.window },
        (group: Input[], staging) => group.map((input) => sharedJobOf(input, spec, run.seed, staging)),
        (outputs: PixelArray[], group) => group.map((input, i) => blockOf(input, outputs[i])),
      ),
      concatAll(), // each group's blocks, in order, synchronously: holds reach the pool's emitter
    );
  // Inline (workers 0) needs no copy: augmentImages reads the block in place.
  const stageOf: OperatorFunction<Input, Block> =
    run.workers === 0 ? map((input) => blockOf(input, augmentImages(jobOf(input, spec, run.seed)))) : onWorkers;
  // After shuffle() (and batch()), this pass gathers the samples itself, on the workers: the
  // main thread copies no pixels (see deferredRows).
  const inputs: Observable<Input> = deferredRows(upstream, run.workers > 0) ?? upstream;
  const out = inputs.pipe(stageOf) as Tagged;
  out[FUSABLE] = fusable;
  return out;
}

/** Appends geometric steps to the stage before it when they can share its resampling. */
export function fuseSteps(
  steps: Step[],
  resampling: Pick<AugmentSpec, 'interpolation' | 'fill'>,
  run: RunOptions,
): OperatorFunction<Block, Block> {
  const options = runOptions(run);
  return (source) => {
    const prior = (source as Tagged)[FUSABLE];
    const fits =
      prior !== undefined &&
      prior.spec.normalize === undefined &&
      prior.spec.interpolation === resampling.interpolation &&
      prior.spec.fill === resampling.fill &&
      prior.run.seed === options.seed &&
      !(steps.some((s) => s.kind === 'elastic') && prior.spec.steps.some((s) => s.kind === 'elastic'));
    if (prior && fits) {
      const workers = Math.max(prior.run.workers, options.workers);
      return stage({ upstream: prior.upstream, spec: { ...prior.spec, steps: [...prior.spec.steps, ...steps] }, run: { ...prior.run, workers } });
    }
    return stage({ upstream: source, spec: { steps, ...resampling }, run: options });
  };
}

/**
 * Folds normalisation into the geometric stage before it, or into the gather of a `shuffle()`
 * (and `batch()`) before it; undefined when there is neither.
 */
export function fuseNormalize(source: Observable<Block>, normalize: { mean: number; std: number }): Observable<Block> | undefined {
  const prior = (source as Tagged)[FUSABLE];
  if (prior) return prior.spec.normalize ? undefined : stage({ ...prior, spec: { ...prior.spec, normalize } });
  if (!hasRows(source)) return undefined;
  return stage({ upstream: source, spec: { steps: [], interpolation: 'bilinear', fill: 0, normalize }, run: runOptions({}) });
}
