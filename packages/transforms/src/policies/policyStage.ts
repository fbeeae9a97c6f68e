import { BlockMismatchError, checkBlock, checkRows, isRows, layoutOf, type Block, type Run, type TaskStaging } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { pixelBlockOf, pixelJobOf, pixelStage, sharedPixelJob, type PixelJob } from '../pixelStage.js';
import type { RunOptions } from '../augment.js';
import { policyImages, type PolicyJob } from './policyImages.js';
import { policySpecOf, type AugMixOptions, type AutoAugmentOptions, type PolicyOptionsOf, type PolicySpec, type RandAugmentOptions, type TrivialAugmentOptions } from './spec.js';

// The worker of augment(): it runs policy jobs too, so one augmentPool() serves both stages.
const WORKER = new URL('../worker.js', import.meta.url);

// checkInput has refused Float32 images.
const jobOf = (input: Run, policy: PolicySpec, seed: number): PolicyJob => ({ ...(pixelJobOf(input, seed) as PixelJob<Uint8Array>), policy });

function checkInput(input: Run, name: string): void {
  if (isRows(input)) checkRows(name, input);
  else checkBlock(name, input);
  if (!(layoutOf(input).images instanceof Uint8Array)) {
    throw new BlockMismatchError({ file: name, expected: 'byte (Uint8Array) images, as torchvision defines its automatic policies for uint8 tensors: put normalize() after the policy', found: 'Float32 images' });
  }
}

function sharedJobOf(input: Run, policy: PolicySpec, seed: number, staging: TaskStaging): PolicyJob {
  const job = jobOf(input, policy, seed);
  return sharedPixelJob(input, job, new Uint8Array((job.rows ?? job.indices).length * job.height * job.width), staging);
}

/** The stage of one policy: its draws keyed by (seed, stage, epoch, source index), on the workers when asked. */
function policyStage<K extends keyof PolicyOptionsOf>(kind: K, options: PolicyOptionsOf[K], run: RunOptions): OperatorFunction<Run, Block> {
  const policy = policySpecOf(kind, options);
  const name = `${kind}()`;
  return pixelStage(
    {
      worker: WORKER,
      poolMaker: 'augmentPool',
      accept: (input) => (checkInput(input, name), input),
      job: (input, seed) => jobOf(input, policy, seed),
      sharedJob: (input, seed, staging) => sharedJobOf(input, policy, seed, staging),
      images: policyImages,
      blockOf: pixelBlockOf,
    },
    run,
  );
}

/**
 * torchvision's `RandAugment(num_ops, magnitude, num_magnitude_bins)` as a stage: each sample
 * gets `ops` ops in turn, each drawn uniformly from the 14 of its space (Identity, ShearX/Y,
 * TranslateX/Y, Rotate, Brightness, Color, Contrast, Sharpness, Posterize, Solarize,
 * AutoContrast, Equalize), all at magnitude bin `magnitude`, signed ops negated half the time;
 * nearest resampling, fill 0, as torchvision's defaults. On one grey channel Color
 * (`adjust_saturation`) leaves the image as it is, as torchvision does.
 *
 * A stage of its own, not an `augment()` option: the ops run in a drawn order, each rounded to
 * bytes, exactly as torchvision's `_apply_op` runs them. Draws are keyed by (seed, stage,
 * epoch, source index): the same bytes for any worker count or block size, and
 * `policyDraws()` tells what a sample drew. Byte images only (as torchvision's uint8 tensors):
 * normalise after it.
 *
 * @param options `ops` (default 2), `magnitude` (default 9), `bins` (default 31), `interpolation`, `fill`.
 * @param run Seed and workers, as `augment()`'s.
 *
 * ## Example
 * ```ts
 * import { mnist, shuffleRows, batch } from '@idxflow/core';
 * import { randAugment, normalize } from '@idxflow/transforms';
 * mnist().pipe(shuffleRows({ seed: 1 }), batch(128), randAugment({ ops: 2, magnitude: 9 }, { seed: 1, workers: 2 }), normalize());
 * ```
 */
export function randAugment(options: RandAugmentOptions = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return policyStage('randAugment', options, run);
}

/**
 * torchvision's `TrivialAugmentWide(num_magnitude_bins)` as a stage: each sample gets one op
 * drawn uniformly from the 14 of its wide space, at a magnitude bin drawn uniformly, signed ops
 * negated half the time; nearest resampling, fill 0. See `randAugment()` for what the stage
 * guarantees.
 *
 * @param options `bins` (default 31), `interpolation`, `fill`.
 * @param run Seed and workers, as `augment()`'s.
 *
 * ## Example
 * ```ts
 * import { mnist, batch } from '@idxflow/core';
 * import { trivialAugment } from '@idxflow/transforms';
 * mnist().pipe(batch(128), trivialAugment({}, { seed: 1, workers: 2 }));
 * ```
 */
export function trivialAugment(options: TrivialAugmentOptions = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return policyStage('trivialAugment', options, run);
}

/**
 * torchvision's `AutoAugment(policy)` as a stage: each sample draws one of the policy's 25
 * sub-policies, whose two ops each apply with their own probability at their learned magnitude
 * bin (of 10), signed ops negated half the time; nearest resampling, fill 0. `'svhn'` is the
 * policy learned on digits. Invert is in its space (not in RandAugment's). See `randAugment()`
 * for what the stage guarantees.
 *
 * @param options `policy` (default `'imagenet'`, as torchvision's), `interpolation`, `fill`.
 * @param run Seed and workers, as `augment()`'s.
 *
 * ## Example
 * ```ts
 * import { mnist, batch } from '@idxflow/core';
 * import { autoAugment } from '@idxflow/transforms';
 * mnist().pipe(batch(128), autoAugment({ policy: 'svhn' }, { seed: 1 }));
 * ```
 */
export function autoAugment(options: AutoAugmentOptions = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return policyStage('autoAugment', options, run);
}

/**
 * torchvision's `AugMix(severity, mixture_width, chain_depth, alpha)` (all ops) as a stage:
 * `width` chains of 1 to 3 ops (or `depth`) from the 13 of its space, magnitude bins below
 * `severity`, mixed with the original image by weights from Dirichlet(alpha) and Beta(alpha,
 * alpha), in float32, truncated to bytes; bilinear resampling, as torchvision's default. The
 * Gamma variates behind the weights come from the sample's own stream (Marsaglia and Tsang), so
 * they are not torch's, but `policyDraws()` gives them to replay. See `randAugment()` for what
 * the stage guarantees.
 *
 * @param options `severity` (default 3), `width` (default 3), `depth` (default -1: 1 to 3), `alpha` (default 1), `interpolation`, `fill`.
 * @param run Seed and workers, as `augment()`'s.
 *
 * ## Example
 * ```ts
 * import { mnist, batch } from '@idxflow/core';
 * import { augMix } from '@idxflow/transforms';
 * mnist().pipe(batch(128), augMix({ severity: 3, width: 3 }, { seed: 1 }));
 * ```
 */
export function augMix(options: AugMixOptions = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return policyStage('augMix', options, run);
}
