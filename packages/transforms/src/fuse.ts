// Fusion of adjacent geometric stages: `rotate(15), shift(2), normalize()` in one pipe runs
// as ONE resampling (and normalisation) per sample, in one worker job per block.
//
// How: every geometric operator returns an Observable tagged with what it would run
// (its upstream, its spec and how to run it). An operator applied to a tagged Observable
// builds one stage from the tag's upstream with the steps appended, instead of a second
// stage on top. Nothing runs until subscription, so this costs nothing at run time.
import { validate, workerMap, type Block, type PixelArray } from '@idxflow/core';
import { map, type Observable, type OperatorFunction } from 'rxjs';
import { augmentImages, type AugmentJob } from './augmentImages.js';
import type { AugmentSpec, Step } from './spec.js';

/** How an augmentation stage runs. */
export interface RunOptions {
  /** Seed of every random draw. Default 0. */
  seed?: number;
  /** Worker threads; 0 runs on the main thread. Default 0. */
  workers?: number;
  /** Blocks in flight across the workers. Default `2 * workers`. */
  window?: number;
}

interface Fusable {
  upstream: Observable<Block>;
  spec: AugmentSpec;
  run: Required<Pick<RunOptions, 'seed' | 'workers'>> & Pick<RunOptions, 'window'>;
}

const FUSABLE = Symbol('idxflow.fusable');
type Tagged = Observable<Block> & { [FUSABLE]?: Fusable };

const WORKER = new URL('./worker.js', import.meta.url);

function runOptions(run: RunOptions): Fusable['run'] {
  return {
    seed: validate.seed('seed', run.seed ?? 0),
    workers: validate.integer('workers', run.workers ?? 0, 0, 256),
    window: run.window === undefined ? undefined : validate.integer('window', run.window, 1),
  };
}

/**
 * Structured clone copies a typed array's WHOLE buffer, so a view (a batch sliced from a
 * bigger block) is compacted first. SharedArrayBuffer-backed arrays are shared, not copied.
 */
function compact<T extends PixelArray | Uint32Array>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer || array.byteLength === array.buffer.byteLength) return array;
  return array.slice() as T;
}

function jobOf(block: Block, spec: AugmentSpec, seed: number): AugmentJob {
  const [, height, width] = block.shape;
  return { images: compact(block.images), indices: compact(block.indices), epoch: block.epoch, seed, height, width, spec };
}

function stage(fusable: Fusable): Observable<Block> {
  const { upstream, spec, run } = fusable;
  const withImages = (images: PixelArray, block: Block): Block => ({ ...block, images });
  const stageOf: OperatorFunction<Block, Block> =
    run.workers === 0
      ? map((block) => withImages(augmentImages(jobOf(block, spec, run.seed)), block))
      : workerMap({ filename: WORKER, workers: run.workers, window: run.window }, (block: Block) => jobOf(block, spec, run.seed), withImages);
  // Inline (workers 0) needs no compaction: augmentImages reads the view in place.
  const out = upstream.pipe(stageOf) as Tagged;
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

/** Folds normalisation into the geometric stage before it; undefined when there is none. */
export function fuseNormalize(source: Observable<Block>, normalize: { mean: number; std: number }): Observable<Block> | undefined {
  const prior = (source as Tagged)[FUSABLE];
  if (!prior || prior.spec.normalize) return undefined;
  return stage({ ...prior, spec: { ...prior.spec, normalize } });
}
