/*
 * The ops of torchvision's automatic policies (torchvision 0.14, transforms/autoaugment.py,
 * `_apply_op`) on one grey byte channel, in place, each as `_apply_op` calls
 * torchvision.transforms.functional:
 *
 *   ShearX(m)     affine(angle 0, translate [0, 0], scale 1, shear [degrees(atan(m)), 0], center [0, 0])
 *   ShearY(m)     the same with shear [0, degrees(atan(m))]
 *   TranslateX(m) affine(angle 0, translate [int(m), 0], scale 1, shear [0, 0]) (about the centre)
 *   TranslateY(m) affine(... translate [0, int(m)] ...)
 *   Rotate(m)     rotate(m): counter-clockwise as displayed, about the centre
 *   Brightness(m) adjust_brightness(1 + m)     Contrast(m)   adjust_contrast(1 + m)
 *   Sharpness(m)  adjust_sharpness(1 + m)      Posterize(m)  posterize(int(m))
 *   Solarize(m)   solarize(m)                  AutoContrast, Equalize, Invert: the functions
 *   Color(m)      adjust_saturation(1 + m): torchvision returns a one-channel image unchanged
 *   Identity      nothing
 *
 * `center [0, 0]` of the shears is the top-left corner of the image (torchvision's centre
 * coordinates put (0, 0) at the image centre, and affine() subtracts half the size): the shear
 * pivots about pixel position (-0.5, -0.5), not about the centre as augment()'s shear does. The
 * matrices are `_get_inverse_affine_matrix`'s, in double precision as Python computes them,
 * resampled by warpResample (nearest by default, as the policies; fill 0 as torchvision's
 * `fill=None`).
 */
import { autocontrastPixels, equalizeBytes, invertPixels, posterizeBytes, solarizePixels } from './levels.js';
import { sharpenPixels } from './blur.js';
import { brightenedMean, mapBytes, toneTable } from './photometric.js';
import { torchGridSample } from './torchGrid.js';
import type { Affine } from './matrix.js';

/** The ops of torchvision's policies (`_apply_op`'s names). */
export type PolicyOp =
  | 'Identity'
  | 'ShearX'
  | 'ShearY'
  | 'TranslateX'
  | 'TranslateY'
  | 'Rotate'
  | 'Brightness'
  | 'Color'
  | 'Contrast'
  | 'Sharpness'
  | 'Posterize'
  | 'Solarize'
  | 'AutoContrast'
  | 'Equalize'
  | 'Invert';

/** Scratch buffers of `applyPolicyOp`, reused across samples. */
export class PolicyOpScratch {
  temp = new Uint8Array(0);
  table = new Uint8Array(256);
  histogram = new Int32Array(256);
  levels = new Uint8Array(256);
  matrix: Affine = new Float64Array(6);

  ensure(size: number): void {
    if (this.temp.length !== size) this.temp = new Uint8Array(size);
  }
}

/** How the geometric ops resample. */
export interface PolicyResampling {
  /** torchvision's `interpolation`: nearest for AutoAugment, RandAugment and TrivialAugmentWide, bilinear for AugMix. */
  interpolation: 'nearest' | 'bilinear';
  /** torchvision's `fill` (None is 0). */
  fill: number;
}

const RAD = Math.PI / 180;
const DEG = 180 / Math.PI;

/**
 * torchvision's `_get_inverse_affine_matrix(center, angle, translate, scale 1, shear)` (degrees):
 * the output-to-input map in torchvision's centre coordinates (x - (width - 1) / 2), in double
 * precision as Python computes it.
 */
export function torchvisionAffine(center: [number, number], angle: number, translate: [number, number], shear: [number, number], out: Affine): Affine {
  const rot = angle * RAD;
  const sx = shear[0] * RAD;
  const sy = shear[1] * RAD;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0];
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  for (let i = 0; i < 6; i++) out[i] = m[i];
  return out;
}

/** The output-to-input map of a geometric op of magnitude `m`, or undefined for a pixel op. */
export function policyOpMatrix(op: PolicyOp, m: number, width: number, height: number, out: Affine): Affine | undefined {
  const corner: [number, number] = [-width * 0.5, -height * 0.5];
  switch (op) {
    case 'ShearX':
      return torchvisionAffine(corner, 0, [0, 0], [Math.atan(m) * DEG, 0], out);
    case 'ShearY':
      return torchvisionAffine(corner, 0, [0, 0], [0, Math.atan(m) * DEG], out);
    case 'TranslateX':
      return torchvisionAffine([0, 0], 0, [Math.trunc(m), 0], [0, 0], out);
    case 'TranslateY':
      return torchvisionAffine([0, 0], 0, [0, Math.trunc(m)], [0, 0], out);
    case 'Rotate':
      return torchvisionAffine([0, 0], -m, [0, 0], [0, 0], out); // rotate() passes -angle
    default:
      return undefined;
  }
}

/**
 * One op of an automatic policy on one byte image, in place, as torchvision's `_apply_op(img,
 * op, magnitude, interpolation, fill)` computes it on a one-channel uint8 tensor (see the header
 * of policyOps.ts for each op).
 *
 * @param pixels `width * height` bytes, changed in place.
 * @param op The op's name, as torchvision's.
 * @param magnitude Its signed magnitude, as `_apply_op` receives it (bits for Posterize, a byte level for Solarize).
 * @param resampling Interpolation and fill of the geometric ops.
 * @param scratch Buffers reused across calls.
 *
 * ## Example
 * ```ts
 * const image = new Uint8Array(28 * 28);
 * applyPolicyOp(image, 28, 28, 'Rotate', -8, { interpolation: 'nearest', fill: 0 }, new PolicyOpScratch());
 * ```
 */
export function applyPolicyOp(pixels: Uint8Array, width: number, height: number, op: PolicyOp, magnitude: number, resampling: PolicyResampling, scratch: PolicyOpScratch): void {
  scratch.ensure(width * height);
  const result = policyOpInto(pixels, scratch.temp, true, width, height, op, magnitude, resampling, scratch);
  if (result !== pixels) pixels.set(result);
}

/**
 * One op of an automatic policy from `src`, as `applyPolicyOp`, without copies it does not need:
 * the geometric ops, Sharpness, Brightness and Contrast write their result into `out` (a buffer
 * other than `src`); the others change `src` in place when `writable`, else `out` after a copy;
 * Identity and Color leave `src` as it is.
 *
 * @returns The buffer holding the result: `src` or `out`.
 */
export function policyOpInto(src: Uint8Array, out: Uint8Array, writable: boolean, width: number, height: number, op: PolicyOp, magnitude: number, resampling: PolicyResampling, scratch: PolicyOpScratch): Uint8Array {
  const matrix = policyOpMatrix(op, magnitude, width, height, scratch.matrix);
  if (matrix) {
    torchGridSample(src, out, width, height, matrix, resampling);
    return out;
  }
  switch (op) {
    case 'Brightness':
      mapBytes(src, out, toneTable(scratch.table, { brightness: 1 + magnitude, contrast: NaN, mean: 0, gamma: NaN }));
      return out;
    case 'Contrast':
      mapBytes(src, out, toneTable(scratch.table, { brightness: NaN, contrast: 1 + magnitude, mean: brightenedMean(src, NaN), gamma: NaN }));
      return out;
    case 'Sharpness':
      sharpenPixels(src, out, width, height, 1 + magnitude);
      return out;
    case 'Identity':
    case 'Color': // adjust_saturation returns a one-channel image as it is
      return src;
    default:
      break;
  }
  const pixels = writable ? src : out;
  if (!writable) out.set(src);
  switch (op) {
    case 'Posterize':
      posterizeBytes(pixels, Math.trunc(magnitude));
      break;
    case 'Solarize':
      solarizePixels(pixels, magnitude);
      break;
    case 'AutoContrast':
      autocontrastPixels(pixels);
      break;
    case 'Equalize':
      equalizeBytes(pixels, scratch.histogram, scratch.levels);
      break;
    case 'Invert':
      invertPixels(pixels);
      break;
  }
  return pixels;
}
