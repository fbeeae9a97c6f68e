// Applies a policy to a run of images: the work one worker does for one block. No RxJS here.
import { OptionError } from '@idxflow/core/errors'; // errors alone: the workers import no RxJS for it
import { reusablePixels } from '@idxflow/core/internal';
import { policyOpInto, PolicyOpScratch, type PolicyResampling } from '../kernels/policyOps.js';
import type { PolicyStep } from './draws.js';
import { policyDraws, type PolicyDraws } from './draws.js';
import type { PixelJob } from '../pixelStage.js';
import type { PolicySpec } from './spec.js';

/** One block's worth of work for a policy stage: bytes in, bytes out. */
export interface PolicyJob extends PixelJob<Uint8Array> {
  /** What to do: `policySpecOf(kind, options)`. */
  policy: PolicySpec;
}

class Scratch {
  ops = new PolicyOpScratch();
  chain = new Uint8Array(0);
  /** The other buffer of a chain's ping-pong. */
  spare = new Uint8Array(0);
  mix = new Float32Array(0);

  ensure(size: number): void {
    if (this.chain.length !== size) {
      this.chain = new Uint8Array(size);
      this.spare = new Uint8Array(size);
      this.mix = new Float32Array(size);
    }
  }
}

const scratch = new Scratch();

/**
 * Applies a policy stage's drawn ops to every image of the job, op by op as torchvision does
 * (each op's result rounded to bytes before the next), on the calling thread. The draws of a
 * sample are `policyDraws(spec, { seed, stage, epoch, index }, height, width)`.
 *
 * @param job The bytes, their keys and the policy: see `PolicyJob`.
 * @returns `job.output` (or new bytes).
 *
 * ## Example
 * ```ts
 * import { loadBlock, mnist } from '@idxflow/core';
 * import { policyImages, policySpecOf } from '@idxflow/transforms';
 * const block = await loadBlock(mnist({ split: 'test' }));
 * // The bytes trivialAugment({}, { seed: 1 }) gives these samples in epoch 0.
 * const out = policyImages({ images: block.images as Uint8Array, indices: block.indices, epoch: 0, seed: 1, stage: 0, height: 28, width: 28, policy: policySpecOf('trivialAugment', {}) });
 * ```
 */
export function policyImages(job: PolicyJob): Uint8Array {
  const { images, indices, rows, epoch, seed, stage, height, width, policy } = job;
  const size = height * width;
  const n = (rows ?? indices).length;
  const out = job.output ?? reusablePixels(Uint8Array, n * size);
  if (out.length !== n * size) throw new OptionError(`Expected an output of ${n * size} values but received ${out.length}`);
  scratch.ensure(size);
  const resampling: PolicyResampling = { interpolation: policy.interpolation, fill: policy.fill };
  for (let i = 0; i < n; i++) {
    const row = rows === undefined ? i : rows[i];
    const src = images.subarray(row * size, (row + 1) * size);
    const dst = out.subarray(i * size, (i + 1) * size);
    const draws = policyDraws(policy, { seed, stage, epoch, index: indices[row] }, height, width);
    applyDraws(src, dst, width, height, draws, resampling);
  }
  return out;
}

/**
 * One sample's draws on its bytes: the ops of the chain in turn, or AugMix's chains mixed with
 * the original in float32 and truncated, as torchvision's `AugMix.forward`.
 */
export function applyDraws(src: Uint8Array, dst: Uint8Array, width: number, height: number, draws: PolicyDraws, resampling: PolicyResampling): void {
  if (draws.mix === undefined) {
    applyChain(src, dst, width, height, draws.chains[0], resampling);
    return;
  }
  const f32 = Math.fround;
  const mix = scratch.mix;
  const chain = scratch.chain;
  const original = draws.mix.original;
  for (let p = 0; p < src.length; p++) mix[p] = f32(original * src[p]);
  draws.chains.forEach((steps, c) => {
    applyChain(src, chain, width, height, steps, resampling);
    const w = draws.mix!.weights[c];
    for (let p = 0; p < src.length; p++) mix[p] = f32(mix[p] + f32(w * chain[p]));
  });
  for (let p = 0; p < src.length; p++) dst[p] = mix[p] < 255 ? mix[p] : 255; // .to(uint8) truncates
}

/**
 * The applied steps of a chain from `src` into `dst`, each op reading the previous result: the
 * ops that write elsewhere go back and forth between `dst` and a spare buffer, the in-place ones
 * work where the result is (`src` is never written), and one copy at most puts it in `dst`.
 */
function applyChain(src: Uint8Array, dst: Uint8Array, width: number, height: number, steps: PolicyStep[], resampling: PolicyResampling): void {
  scratch.ensure(width * height);
  let current = src;
  for (const s of steps) {
    if (!s.applied) continue;
    const out = current === dst ? scratch.spare : dst;
    current = policyOpInto(current, out, current !== src, width, height, s.op, s.magnitude, resampling, scratch.ops);
  }
  if (current !== dst) dst.set(current);
}
