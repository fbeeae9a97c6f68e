/*
 * Geometry conventions of every idxflow kernel:
 * - an image is one channel, row-major, `width` columns by `height` rows;
 * - pixel centres sit at integer coordinates: x is the column, y the row, row 0 at the top
 *   (so y points down, as displayed);
 * - rotation and scaling are about the image centre ((width - 1) / 2, (height - 1) / 2);
 * - a positive angle turns the digit counter-clockwise as displayed, as
 *   torchvision.transforms.functional.rotate does;
 * - a positive shift moves the digit right (+x) and down (+y);
 * - scale > 1 enlarges the digit; a positive shear angle slants it so that lower rows move
 *   right (x' = x + tan(shear) * y about the centre).
 *
 * An `Affine` is the map the resampler needs: from OUTPUT pixel coordinates to the INPUT
 * position sampled there, x_in = a*x + b*y + c, y_in = d*x + e*y + f. `affineMatrix` builds
 * it by inverting the forward change of the digit.
 */

/** `[a, b, c, d, e, f]`: x_in = a*x + b*y + c, y_in = d*x + e*y + f. */
export type Affine = Float64Array;

/** Parameters of one affine change of the digit. */
export interface AffineParams {
  /** Degrees, counter-clockwise as displayed. */
  angle: number;
  /** Pixels to the right. */
  shiftX: number;
  /** Pixels down. */
  shiftY: number;
  /** Factor about the centre (1 = unchanged). */
  scale: number;
  /** Degrees along x: lower rows move right. */
  shear: number;
}

const DEG = Math.PI / 180;

/** Entries this close to an integer are made exact, so 90 and 180 degrees are exact permutations. */
function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-12 ? r : v;
}

/**
 * The output-to-input map of rotating, scaling, shearing and shifting a `width` x `height`
 * image, all about its centre, in one matrix.
 *
 * Forward, a point p of the digit moves to C + t + R * H * s * (p - C), with R the rotation
 * (counter-clockwise on screen, i.e. [[cos, sin], [-sin, cos]] in y-down coordinates), H the
 * shear [[1, tan], [0, 1]], s the scale, t the shift and C the centre. The resampler needs the
 * inverse: p = C + (R H s)^-1 (q - C - t).
 *
 * ## Example
 * ```ts
 * const m = affineMatrix({ angle: 90, shiftX: 0, shiftY: 0, scale: 1, shear: 0 }, 28, 28);
 * ```
 */
export function affineMatrix(params: AffineParams, width: number, height: number, out: Affine = new Float64Array(6)): Affine {
  const cos = Math.cos(params.angle * DEG);
  const sin = Math.sin(params.angle * DEG);
  const tan = Math.tan(params.shear * DEG);
  const s = params.scale;
  // (R H s)^-1 = H^-1 R^-1 / s, with R^-1 = [[cos, -sin], [sin, cos]] and H^-1 = [[1, -tan], [0, 1]].
  const a = snap((cos - tan * sin) / s);
  const b = snap((-sin - tan * cos) / s);
  const d = snap(sin / s);
  const e = snap(cos / s);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const qx = cx + params.shiftX;
  const qy = cy + params.shiftY;
  out[0] = a;
  out[1] = b;
  out[2] = cx - (a * qx + b * qy);
  out[3] = d;
  out[4] = e;
  out[5] = cy - (d * qx + e * qy);
  return out;
}

/** `out = first ∘ second`: apply `second`, then `first` (as output-to-input maps). */
export function multiplyAffine(first: Affine, second: Affine, out: Affine = new Float64Array(6)): Affine {
  const [a, b, c, d, e, f] = first;
  const [g, h, i, j, k, l] = second;
  out[0] = a * g + b * j;
  out[1] = a * h + b * k;
  out[2] = a * i + b * l + c;
  out[3] = d * g + e * j;
  out[4] = d * h + e * k;
  out[5] = d * i + e * l + f;
  return out;
}

/** The identity map. */
export function identityAffine(out: Affine = new Float64Array(6)): Affine {
  out.set([1, 0, 0, 0, 1, 0]);
  return out;
}
