import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS

/*
 * Geometry conventions of every idxflow kernel:
 * - an image is one channel, row-major, `width` columns by `height` rows;
 * - pixel centres sit at integer coordinates: x is the column, y the row, row 0 at the top
 *   (so y points down, as displayed);
 * - rotation, scaling and shear are about the image centre ((width - 1) / 2, (height - 1) / 2);
 * - a positive angle turns the digit counter-clockwise as displayed, as
 *   torchvision.transforms.functional.rotate does;
 * - a positive shift moves the digit right (+x) and down (+y);
 * - scale > 1 enlarges the digit;
 * - shear is torchvision's affine shear along x: x' = x - tan(shear) * y about the centre,
 *   so a positive shear moves rows below the centre to the left and rows above it to the right;
 *   shearY is its shear along y: y' = y - tan(shearY) * x, columns right of the centre move up.
 *
 * In one formula, a point p of the input moves to
 *   q = C + t + R(angle) * s * Sy(shearY) * Sx(shear) * (p - C)
 * with C the centre, t the shift, s the scale, Sx = [[1, -tan], [0, 1]], Sy = [[1, 0],
 * [-tanY, 1]] and, in these y-down coordinates, R = [[cos, sin], [-sin, cos]] (counter-clockwise
 * on screen). This is torchvision's `_get_inverse_affine_matrix(center, -angle, (shiftX,
 * shiftY), scale, (shear, shearY), inverted=False)`: rotate() passes -angle to affine() in the
 * same way.
 *
 * An `Affine` is the INVERSE of that: the map the resampler needs, from an OUTPUT pixel to the
 * INPUT position sampled there (x_in = a*x + b*y + c, y_in = d*x + e*y + f). `affineMatrix`
 * returns it; `invertAffine` turns it into the forward map when points must be moved.
 */

/** `[a, b, c, d, e, f]`: x_in = a*x + b*y + c, y_in = d*x + e*y + f (output to input). */
export type Affine = Float64Array;

/** Parameters of one affine change of the digit; all zero but `scale` = 1 is the identity. */
export interface AffineParams {
  /** Degrees, counter-clockwise as displayed. */
  angle: number;
  /** Pixels to the right. */
  shiftX: number;
  /** Pixels down. */
  shiftY: number;
  /** Factor about the centre (1 = unchanged, > 0). */
  scale: number;
  /** Degrees along x, as torchvision's affine shear x: rows below the centre move left. Within (-90, 90). */
  shear: number;
  /** Degrees along y, as torchvision's affine shear y: columns right of the centre move up. Within (-90, 90). Default 0. */
  shearY?: number;
}

const DEG = Math.PI / 180;

/**
 * An entry this close to an integer is made that integer. cos(90°) is 6e-17 in floating
 * point, not 0; snapping makes quarter and half turns exact pixel permutations.
 */
function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-12 ? r : v;
}

/**
 * The output-to-input map of rotating, scaling, shearing and shifting a `width` x `height`
 * image about its centre, composed into one matrix, so that one resampling does all four.
 *
 * With the forward change q = C + t + L (p - C), L = R s Sy Sx (see the header of matrix.ts),
 * the resampler needs p = C + L^-1 (q - C - t), where L^-1 = Sx^-1 Sy^-1 R^-1 / s =
 * [[cos + tan*(tanY*cos + sin), tan*(cos - tanY*sin) - sin], [tanY*cos + sin, cos - tanY*sin]] / s.
 * With shearY 0 every entry is, bit for bit, the one without it. Identity parameters give
 * exactly [1, 0, 0, 0, 1, 0].
 *
 * @param params Angle, shift, scale and shear of the digit.
 * @param width Image width in pixels.
 * @param height Image height in pixels.
 * @param out Where to write the matrix (a new one if omitted).
 *
 * ## Example
 * ```ts
 * const src = new Uint8Array(784), dst = new Uint8Array(784);
 * const m = affineMatrix({ angle: 15, shiftX: 2, shiftY: -1, scale: 1.1, shear: 0 }, 28, 28);
 * affineResample(src, dst, 28, 28, m, { interpolation: 'bilinear', fill: 0 });
 * ```
 */
export function affineMatrix(params: AffineParams, width: number, height: number, out: Affine = new Float64Array(6)): Affine {
  const { angle, shiftX, shiftY, scale, shear, shearY = 0 } = params;
  if (!(scale > 0 && scale < Infinity)) throw new OptionError(`Expected positive finite number for scale but received ${scale} of type ${typeof scale}`);
  if (!(Math.abs(shear) < 90)) throw new OptionError(`Expected number in (-90, 90) for shear but received ${shear} of type ${typeof shear}`);
  if (!(Math.abs(shearY) < 90)) throw new OptionError(`Expected number in (-90, 90) for shearY but received ${shearY} of type ${typeof shearY}`);
  if (!Number.isFinite(angle + shiftX + shiftY)) throw new OptionError(`Expected finite numbers for angle, shiftX and shiftY but received ${angle}, ${shiftX}, ${shiftY}`);
  const cos = Math.cos(angle * DEG);
  const sin = Math.sin(angle * DEG);
  const tan = Math.tan(shear * DEG);
  const tanY = Math.tan(shearY * DEG);
  // With tanY = 0 these are the entries without shear along y, exactly: 0 * cos + sin is sin,
  // cos - 0 * sin is cos (IEEE addition of a zero of either sign returns the other operand).
  const a = snap((cos + tan * (tanY * cos + sin)) / scale);
  const b = snap((tan * (cos - tanY * sin) - sin) / scale);
  const d = snap((tanY * cos + sin) / scale);
  const e = snap((cos - tanY * sin) / scale);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  // p = C + L^-1 (q - C - t): the constant part is C - L^-1 (C + t).
  const qx = cx + shiftX;
  const qy = cy + shiftY;
  out[0] = a;
  out[1] = b;
  out[2] = cx - (a * qx + b * qy);
  out[3] = d;
  out[4] = e;
  out[5] = cy - (d * qx + e * qy);
  return out;
}

/**
 * `first ∘ second`: the map that applies `second`, then `first`.
 *
 * For output-to-input maps, the change applied to the image FIRST goes on the LEFT: resampling
 * by `multiplyAffine(m1, m2)` equals resampling by `m1`, then resampling that result by `m2`.
 *
 * @param first Applied last.
 * @param second Applied first.
 * @param out Where to write (may be either input; a new matrix if omitted).
 *
 * ## Example
 * ```ts
 * const rotate = affineMatrix({ angle: 30, shiftX: 0, shiftY: 0, scale: 1, shear: 0 }, 28, 28);
 * const shift = affineMatrix({ angle: 0, shiftX: 2, shiftY: 0, scale: 1, shear: 0 }, 28, 28);
 * const both = multiplyAffine(rotate, shift); // rotate the digit, then shift it right
 * ```
 */
export function multiplyAffine(first: Affine, second: Affine, out: Affine = new Float64Array(6)): Affine {
  const a = first[0], b = first[1], c = first[2], d = first[3], e = first[4], f = first[5];
  const g = second[0], h = second[1], i = second[2], j = second[3], k = second[4], l = second[5];
  out[0] = a * g + b * j;
  out[1] = a * h + b * k;
  out[2] = a * i + b * l + c;
  out[3] = d * g + e * j;
  out[4] = d * h + e * k;
  out[5] = d * i + e * l + f;
  return out;
}

/**
 * The inverse map: turns the resampler's output-to-input matrix into the forward one, to
 * move points (landmarks, bounding boxes) the way the image moved.
 *
 * @param m An invertible affine map.
 * @param out Where to write (may be `m`; a new matrix if omitted).
 * @throws OptionError if `m` is singular.
 *
 * ## Example
 * ```ts
 * import { invertAffine, sampleDraws, specOf } from '@idxflow/transforms';
 * const draws = sampleDraws(specOf({ rotate: 90 }), { seed: 1, epoch: 0, index: 7 }, 28, 28);
 * const forward = invertAffine(Float64Array.from(draws.matrix));
 * const x = forward[0] * 20 + forward[1] * 5 + forward[2]; // where input (20, 5) lands
 * ```
 */
export function invertAffine(m: Affine, out: Affine = new Float64Array(6)): Affine {
  const a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5];
  const det = a * e - b * d;
  if (det === 0 || !Number.isFinite(det)) throw new OptionError(`Expected invertible matrix for m but received determinant ${det}`);
  // Inverse of [[a, b], [d, e]] is [[e, -b], [-d, a]] / det; the translation follows.
  out[0] = e / det;
  out[1] = -b / det;
  out[2] = (b * f - c * e) / det;
  out[3] = -d / det;
  out[4] = a / det;
  out[5] = (c * d - a * f) / det;
  return out;
}

/**
 * The identity map: a neutral start when composing steps with `multiplyAffine`.
 *
 * ## Example
 * ```ts
 * const m = identityAffine();
 * ```
 */
export function identityAffine(out: Affine = new Float64Array(6)): Affine {
  out[0] = 1;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  out[4] = 1;
  out[5] = 0;
  return out;
}

/**
 * The output-to-input map of mirroring a `width` x `height` image: left-right (`horizontal`),
 * top-bottom (`vertical`), or both. Pixel centres go onto pixel centres (x to width - 1 - x),
 * so resampling by it moves every pixel exactly: torchvision's `hflip` and `vflip`, bit for
 * bit. Composed with `multiplyAffine`, a flip costs no resampling of its own.
 *
 * @param horizontal Mirror left-right.
 * @param vertical Mirror top-bottom.
 * @param width Image width in pixels.
 * @param height Image height in pixels.
 * @param out Where to write the matrix (a new one if omitted).
 *
 * ## Example
 * ```ts
 * const flip = flipAffine(true, false, 28, 28); // [-1, 0, 27, 0, 1, 0]
 * const both = multiplyAffine(flip, affineMatrix({ angle: 10, shiftX: 0, shiftY: 0, scale: 1, shear: 0 }, 28, 28));
 * ```
 */
export function flipAffine(horizontal: boolean, vertical: boolean, width: number, height: number, out: Affine = new Float64Array(6)): Affine {
  identityAffine(out);
  if (horizontal) {
    out[0] = -1;
    out[2] = width - 1;
  }
  if (vertical) {
    out[4] = -1;
    out[5] = height - 1;
  }
  return out;
}
