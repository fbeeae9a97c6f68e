// One sample's resized crop and perspective as augment() draws them (torchvision's get_params,
// from the sample's pixel stream), and the one map its geometry composes into: which kernel
// resamples it, and by what. No RxJS here.
import { randomBetween, randomUniform } from '@idxflow/core/internal';
import { applies, PIXEL_DRAWS } from './draws.js';
import { multiplyProjective, perspectiveMatrix, solvePerspective, projectiveOf, type Affine, type CropBox, type Projective } from './kernels/index.js';
import type { AugmentSpec, PerspectiveStep, ResizedCropStep } from './spec.js';

/** torchvision's `RandomResizedCrop.get_params` tries this many boxes before the centre crop. */
export const RESIZED_CROP_TRIES = 10;

/** Python's `round()`: half to even. */
function pythonRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/** An integer uniform in [low, high] from draw `counter` (torch's `randint(low, high + 1)`). */
function integerIn(key: number, counter: number, low: number, high: number): number {
  return Math.min(high, low + Math.floor(randomUniform(key, counter) * (high - low + 1)));
}

/**
 * The box `RandomResizedCrop.get_params` draws for the sample, into `box`; false when its
 * chance fails. Ten tries of an area share (uniform in `scale`) and an aspect ratio w / h
 * (log-uniform in `ratio`), w and h rounded half to even, the first that fits placed uniformly;
 * else the centre crop of the ratio nearest the image's, as torchvision.
 */
export function cropBoxOf(step: ResizedCropStep, pixelKey: number, width: number, height: number, box: CropBox): boolean {
  const at = PIXEL_DRAWS.resizedCrop;
  if (!applies(pixelKey, at, step.p)) return false;
  const area = width * height;
  const logLow = Math.log(step.ratio[0]);
  const logHigh = Math.log(step.ratio[1]);
  for (let k = 0; k < RESIZED_CROP_TRIES; k++) {
    const target = area * randomBetween(pixelKey, at + 1 + 2 * k, step.scale[0], step.scale[1]);
    const aspect = Math.exp(randomBetween(pixelKey, at + 2 + 2 * k, logLow, logHigh));
    const w = pythonRound(Math.sqrt(target * aspect));
    const h = pythonRound(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      box.top = integerIn(pixelKey, at + 1 + 2 * RESIZED_CROP_TRIES, 0, height - h);
      box.left = integerIn(pixelKey, at + 2 + 2 * RESIZED_CROP_TRIES, 0, width - w);
      box.height = h;
      box.width = w;
      return true;
    }
  }
  // torchvision's fallback: the centre crop.
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < step.ratio[0]) h = pythonRound(w / step.ratio[0]);
  else if (inRatio > step.ratio[1]) w = pythonRound(h * step.ratio[1]);
  box.top = Math.floor((height - h) / 2);
  box.left = Math.floor((width - w) / 2);
  box.height = h;
  box.width = w;
  return true;
}

/**
 * The end points `RandomPerspective.get_params` draws for the sample, into `end` (top-left,
 * top-right, bottom-right, bottom-left, x then y); false when its chance fails. The start points
 * are the image's corners (`imageCorners`).
 */
export function perspectiveEndOf(step: PerspectiveStep, pixelKey: number, width: number, height: number, end: Float64Array): boolean {
  const at = PIXEL_DRAWS.perspective;
  if (!applies(pixelKey, at, step.p)) return false;
  const dx = Math.trunc(step.distortion * Math.floor(width / 2));
  const dy = Math.trunc(step.distortion * Math.floor(height / 2));
  const left = (k: number): number => integerIn(pixelKey, at + 1 + k, 0, dx);
  const right = (k: number): number => integerIn(pixelKey, at + 1 + k, width - dx - 1, width - 1);
  const top = (k: number): number => integerIn(pixelKey, at + 1 + k, 0, dy);
  const bottom = (k: number): number => integerIn(pixelKey, at + 1 + k, height - dy - 1, height - 1);
  end.set([left(0), top(1), right(2), top(3), right(4), bottom(5), left(6), bottom(7)]);
  return true;
}

/** torchvision's start points: the corners of the image, top-left, top-right, bottom-right, bottom-left. */
export function imageCorners(width: number, height: number): number[] {
  return [0, 0, width - 1, 0, width - 1, height - 1, 0, height - 1];
}

/** How a sample is resampled: which kernel, and by what. */
export type WarpKind = 'affine' | 'crop' | 'perspective' | 'projective';

/** A sample's crop, perspective and composed map (one set per thread). */
export class ProjectiveScratch {
  box: CropBox = { top: 0, left: 0, height: 0, width: 0 };
  end = new Float64Array(8);
  coefficients = new Float64Array(8);
  matrix: Projective = new Float64Array(9);
  step: Projective = new Float64Array(9);
  /** The mirrorings that go with torchvision's crop or perspective kernel (bit 1 left-right, bit 2 top-bottom). */
  flips = 0;
  /** Whether the sample drew a crop box. */
  cropped = false;
  /** Whether it drew end points, and whether they make a perspective (equations not singular). */
  drawn = false;
  distorted = false;
}

/**
 * The mirrorings `m` is exactly (bit 1 left-right, bit 2 top-bottom; 0 the identity), or -1 when
 * it moves pixels otherwise. flipAffine's matrices, composed with neutral affine steps, are exact.
 */
function flipsOfMatrix(m: Affine, width: number, height: number): number {
  if (m[1] !== 0 || m[3] !== 0) return -1;
  const horizontal = m[0] === -1 && m[2] === width - 1 ? 1 : m[0] === 1 && m[2] === 0 ? 0 : -1;
  const vertical = m[4] === -1 && m[5] === height - 1 ? 2 : m[4] === 1 && m[5] === 0 ? 0 : -1;
  return horizontal < 0 || vertical < 0 ? -1 : horizontal | vertical;
}

/**
 * Draws the sample's crop and perspective and decides its resampling: `'affine'` when it has
 * neither (the affine matrix and field as before); `'crop'` or `'perspective'` when that step is
 * its only geometry on a byte image but for flips (torchvision's kernels, torchvision's bytes:
 * the crop, then its mirror image; or the source mirrored, then the perspective); otherwise
 * `'projective'`, with `scratch.matrix` the composed output-to-input map: crop, then the affine
 * steps, then the perspective (the change applied first on the left).
 */
export function sampleProjective(spec: AugmentSpec, pixelKey: number, width: number, height: number, affine: Affine, warped: boolean, bytes: boolean, scratch: ProjectiveScratch): WarpKind {
  scratch.cropped = spec.resizedCrop !== undefined && cropBoxOf(spec.resizedCrop, pixelKey, width, height, scratch.box);
  // End points that leave torchvision's eight equations singular (two on one point, or a map
  // whose horizon passes through the origin, which its form cannot express; seen at distortion 1)
  // get no map (torchvision's least squares returns a near-singular one): the sample is left undistorted.
  scratch.drawn = spec.perspective !== undefined && perspectiveEndOf(spec.perspective, pixelKey, width, height, scratch.end);
  scratch.distorted = scratch.drawn && solvePerspective(imageCorners(width, height), scratch.end, scratch.coefficients);
  if (!scratch.cropped && !scratch.distorted) return 'affine';
  scratch.flips = bytes && !warped && scratch.cropped !== scratch.distorted ? flipsOfMatrix(affine, width, height) : -1;
  if (scratch.flips >= 0) return scratch.cropped ? 'crop' : 'perspective';
  const m = scratch.matrix;
  if (scratch.cropped) cropMatrix(scratch.box, width, height, m);
  else m.set([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  multiplyProjective(m, projectiveOf(affine, scratch.step), m);
  if (scratch.distorted) multiplyProjective(m, perspectiveMatrix(scratch.coefficients, scratch.step), m);
  return 'projective';
}

/** The output-to-input map of resizing `box` to the whole image (half-pixel centres, as torch's align_corners=False). */
export function cropMatrix(box: CropBox, width: number, height: number, out: Projective): Projective {
  const sx = box.width / width;
  const sy = box.height / height;
  out.set([sx, 0, box.left + 0.5 * sx - 0.5, 0, sy, box.top + 0.5 * sy - 0.5, 0, 0, 1]);
  return out;
}
