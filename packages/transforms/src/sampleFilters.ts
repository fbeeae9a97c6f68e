// torchvision's single-image steps of augment() on one sample, after brightness, contrast and
// gamma and before noise: blur, sharpness, posterize, solarize, autocontrast, equalize,
// invert, in that order, in place. Each is a pure function of the pixels and its drawn
// parameter (kernels/levels.ts, kernels/blur.ts); this file draws the parameters and runs them.
import { BlockMismatchError } from '@idxflow/core/internal';
import { applies, integerDraw, PIXEL_DRAWS, valueDraw } from './draws.js';
import { autocontrastPixels, BlurScratch, equalizeBytes, gaussianBlurPixels, invertPixels, posterizeBytes, sharpenPixels, solarizePixels } from './kernels/index.js';
import type { PixelSteps } from './specPixels.js';

/** One sample's draws of these steps: 0 sigma, NaN factor or threshold, -1 bits and false mean none. */
export interface FilterPlan {
  blurSigma: number;
  sharpness: number;
  bits: number;
  threshold: number;
  autocontrast: boolean;
  equalize: boolean;
  invert: boolean;
}

/** Scratch buffers of these steps (one set per thread). */
export class FilterScratch {
  bytes = new Uint8Array(0);
  floats = new Float32Array(0);
  readonly blur = new BlurScratch();
  readonly histogram = new Int32Array(256);
  readonly table = new Uint8Array(256);

  ensure(size: number): void {
    if (this.bytes.length === size) return;
    this.bytes = new Uint8Array(size);
    this.floats = new Float32Array(size);
  }
}

/** Draws the sample's filter steps into `plan`. */
export function drawFilters(steps: PixelSteps, key: number, plan: FilterPlan): void {
  const { blur, sharpness, posterize, solarize } = steps;
  plan.blurSigma = blur && applies(key, PIXEL_DRAWS.blur, blur.p) ? valueDraw(key, PIXEL_DRAWS.blur, blur.sigma) : 0;
  plan.sharpness = sharpness && applies(key, PIXEL_DRAWS.sharpness, sharpness.p) ? valueDraw(key, PIXEL_DRAWS.sharpness, sharpness.range) : NaN;
  plan.bits = posterize && applies(key, PIXEL_DRAWS.posterize, posterize.p) ? integerDraw(key, PIXEL_DRAWS.posterize, posterize.range) : -1;
  plan.threshold = solarize && applies(key, PIXEL_DRAWS.solarize, solarize.p) ? valueDraw(key, PIXEL_DRAWS.solarize, solarize.range) : NaN;
  plan.autocontrast = steps.autocontrast !== undefined && applies(key, PIXEL_DRAWS.autocontrast, steps.autocontrast);
  plan.equalize = steps.equalize !== undefined && applies(key, PIXEL_DRAWS.equalize, steps.equalize);
  plan.invert = steps.invert !== undefined && applies(key, PIXEL_DRAWS.invert, steps.invert);
}

/** Whether the plan's steps are byte maps only (posterize, solarize, invert): then they compose into a table of 256 bytes. */
export function filtersMapBytes(plan: FilterPlan): boolean {
  return plan.blurSigma === 0 && plan.sharpness !== plan.sharpness && !plan.autocontrast && !plan.equalize;
}

/** Whether the plan does anything. */
export function filtersOn(plan: FilterPlan): boolean {
  return plan.blurSigma > 0 || plan.sharpness === plan.sharpness || plan.bits >= 0 || plan.threshold === plan.threshold || plan.autocontrast || plan.equalize || plan.invert;
}

/**
 * Why the filter steps cannot run on these images, or undefined when they can: posterize and
 * equalize on Float32 images (torchvision defines them for uint8 only), or a blur kernel whose
 * reflect padding reaches beyond the image (each size at most 2 x side - 1).
 */
export function inputRefusal(steps: PixelSteps | undefined, float: boolean, height: number, width: number, stage: string): BlockMismatchError | undefined {
  const step = steps?.posterize ? 'posterize' : steps?.equalize !== undefined ? 'equalize' : undefined;
  if (float && step !== undefined) {
    return new BlockMismatchError({ file: stage, expected: `byte (Uint8Array) images for ${step}, which torchvision defines for uint8 only`, found: 'Float32 images' });
  }
  const kernel = steps?.blur?.kernel;
  if (kernel && (kernel[0] > 2 * width - 1 || kernel[1] > 2 * height - 1)) {
    return new BlockMismatchError({
      file: stage,
      expected: `images of at least ${(kernel[0] + 1) / 2} x ${(kernel[1] + 1) / 2} pixels (width x height) for blur's kernel of ${kernel[0]} x ${kernel[1]}: reflect padding reaches one side back at most`,
      found: `${width} x ${height}`,
    });
  }
  return undefined;
}

/** The plan's steps on one sample's pixels (bytes, or Float32 in [0, 1]), in place. */
export function applyFilters(pixels: Uint8Array | Float32Array, width: number, height: number, steps: PixelSteps, plan: FilterPlan, scratch: FilterScratch): void {
  const bytes = pixels instanceof Uint8Array;
  const temp = bytes ? scratch.bytes : scratch.floats;
  if (plan.blurSigma > 0) {
    const [kx, ky] = steps.blur!.kernel;
    gaussianBlurPixels(pixels, temp, width, height, kx, ky, plan.blurSigma, scratch.blur);
    pixels.set(temp);
  }
  if (plan.sharpness === plan.sharpness) {
    sharpenPixels(pixels, temp, width, height, plan.sharpness);
    pixels.set(temp);
  }
  if ((plan.bits >= 0 || plan.equalize) && !bytes) throw inputRefusal(steps, true, height, width, 'augment()')!;
  if (plan.bits >= 0) posterizeBytes(pixels as Uint8Array, plan.bits);
  if (plan.threshold === plan.threshold) solarizePixels(pixels, bytes ? plan.threshold : plan.threshold / 255);
  if (plan.autocontrast) autocontrastPixels(pixels);
  if (plan.equalize) equalizeBytes(pixels as Uint8Array, scratch.histogram, scratch.table);
  if (plan.invert) invertPixels(pixels);
}
