// The one resampling loop of idxflow: an affine map plus an optional displacement field,
// sampled bilinearly or by nearest neighbour, with a constant fill outside the image.
import type { Affine } from './matrix.js';

/** How to resample. */
export interface ResampleOptions {
  /** Bilinear (the operators' default) or nearest neighbour (ties round towards +x, +y). */
  interpolation: 'bilinear' | 'nearest';
  /** Value of every position outside the image (the operators default to 0, black). */
  fill: number;
  /**
   * Stores `table[byte]` into a Float32 `dst`, where `byte` is what byte output would hold
   * (e.g. the 256 normalised values): resampling and a lookup in one pass. Default none.
   */
  table?: Float32Array;
}

/** One single-channel image, row-major. */
export type Pixels = Uint8Array | Float32Array;

/**
 * Resamples one image in a single pass: output pixel (x, y) takes the input at
 * `matrix(x + dx, y + dy)`. The displacement is added to the output position, as Simard et
 * al. (2003) add theirs to the sampling position, and then the affine map is applied: the
 * result is the affinely changed image, elastically distorted. Rotation, shift, scale, shear
 * and elastic distortion thus cost one interpolation, not one each.
 *
 * Bilinear interpolation weighs the four input pixels around the position; neighbours outside
 * the image count as `fill` (torchvision's behaviour with a fill value), so the digit fades
 * into the fill over one pixel at the border. Byte output is rounded to nearest (ties up) and
 * clamped to [0, 255]. A position that lands exactly on a pixel centre returns that pixel
 * exactly: identity maps, integer shifts and quarter turns are exact, for bytes too.
 *
 * @param src Input pixels, `width * height`.
 * @param dst Output pixels, `width * height`; Float32 output of a byte input is not rounded.
 * @param width Image width.
 * @param height Image height.
 * @param matrix Output-to-input map (see matrix.ts), e.g. from `affineMatrix`.
 * @param dx Horizontal displacement per output pixel in pixels, or undefined for none.
 * @param dy Vertical displacement per output pixel in pixels, or undefined for none.
 * @param options Interpolation and fill.
 *
 * ## Example
 * ```ts
 * const src = new Uint8Array(784), dst = new Uint8Array(784);
 * const dx = new Float32Array(784), dy = new Float32Array(784);
 * elasticField(dx, dy, 28, 28, 34, 4, Math.random);
 * warpResample(src, dst, 28, 28, affineMatrix({ angle: 10, shiftX: 0, shiftY: 0, scale: 1, shear: 0 }, 28, 28),
 *   dx, dy, { interpolation: 'bilinear', fill: 0 });
 * ```
 */
export function warpResample(
  src: Pixels,
  dst: Pixels,
  width: number,
  height: number,
  matrix: Affine,
  dx: Float32Array | undefined,
  dy: Float32Array | undefined,
  options: ResampleOptions,
): void {
  const size = width * height;
  checkLengths(src, dst, size, dx, dy);
  if (options.table !== undefined && !(options.table.length >= 256 && dst instanceof Float32Array)) {
    throw new RangeError(`Expected a table of 256 values and Float32 dst but received ${options.table.length} values and ${dst.constructor.name} dst`);
  }
  const a = matrix[0], b = matrix[1], c = matrix[2], d = matrix[3], e = matrix[4], f = matrix[5];
  const warped = dx !== undefined && dy !== undefined;
  const table = options.table;
  const bytes = dst instanceof Uint8Array || table !== undefined;
  const nearest = options.interpolation === 'nearest';
  const fill = options.fill;
  // Bilinear or nearest samples of bytes with a byte fill stay in [0, 255]: clamp only otherwise.
  const clamp = !(src instanceof Uint8Array && fill >= 0 && fill <= 255);
  for (let y = 0, i = 0; y < height; y++) {
    // The position is linear along a row: start it once per row and step by (a, d). Steps of
    // exactly representable entries (quarter turns, integer shifts, scale 2) stay exact.
    let rowX = b * y + c;
    let rowY = e * y + f;
    for (let x = 0; x < width; x++, i++, rowX += a, rowY += d) {
      let sx = rowX;
      let sy = rowY;
      if (warped) {
        // matrix(x + u, y + v) = matrix(x, y) + A (u, v), A the linear part.
        const u = dx[i];
        const v = dy[i];
        sx += a * u + b * v;
        sy += d * u + e * v;
      }
      const value = nearest ? nearestAt(src, width, height, sx, sy, fill) : bilinearAt(src, width, height, sx, sy, fill);
      if (!bytes) {
        dst[i] = value;
        continue;
      }
      // ToUint8 truncates, so v + 0.5 stores round(v) (ties up) for v in [0, 255]; | 0 as well.
      const byte = clamp ? (value > 0 ? (value < 255 ? value + 0.5 : 255) : 0) : value + 0.5;
      if (table === undefined) dst[i] = byte;
      else dst[i] = table[byte | 0];
    }
  }
}

/** The pixel whose centre is nearest to (sx, sy), or `fill` outside the image (and for NaN). */
function nearestAt(src: Pixels, width: number, height: number, sx: number, sy: number, fill: number): number {
  if (!(sx >= -0.5 && sy >= -0.5 && sx < width - 0.5 && sy < height - 0.5)) return fill;
  // sx + 0.5 >= 0 here, so truncation is floor: round half up without Math.floor.
  return src[((sy + 0.5) | 0) * width + ((sx + 0.5) | 0)];
}

/**
 * Bilinear sample at (sx, sy); neighbours outside the image are `fill`. Weights as
 * p + f (q - p), so a zero fraction returns the pixel itself, bit for bit.
 */
function bilinearAt(src: Pixels, width: number, height: number, sx: number, sy: number, fill: number): number {
  let p00: number, p01: number, p10: number, p11: number, x0: number, y0: number;
  if (sx >= 0 && sy >= 0 && sx < width - 1 && sy < height - 1) {
    // Inside, the common case first: truncation is floor, and all four neighbours exist.
    x0 = sx | 0;
    y0 = sy | 0;
    const k = y0 * width + x0;
    p00 = src[k];
    p01 = src[k + 1];
    p10 = src[k + width];
    p11 = src[k + width + 1];
  } else {
    // A full pixel or more outside: all four neighbours are fill. Also rejects NaN.
    if (!(sx > -1 && sy > -1 && sx < width && sy < height)) return fill;
    // sx + 1 > 0 here, so truncation is floor.
    x0 = ((sx + 1) | 0) - 1;
    y0 = ((sy + 1) | 0) - 1;
    const k = y0 * width + x0;
    const left = x0 >= 0, right = x0 < width - 1, top = y0 >= 0, bottom = y0 < height - 1;
    p00 = left && top ? src[k] : fill;
    p01 = right && top ? src[k + 1] : fill;
    p10 = left && bottom ? src[k + width] : fill;
    p11 = right && bottom ? src[k + width + 1] : fill;
  }
  const fx = sx - x0;
  const fy = sy - y0;
  const upper = p00 + fx * (p01 - p00);
  const lower = p10 + fx * (p11 - p10);
  return upper + fy * (lower - upper);
}

/** Checks buffer lengths once per image, so a short buffer fails loudly instead of reading undefined. */
function checkLengths(src: Pixels, dst: Pixels, size: number, dx: Float32Array | undefined, dy: Float32Array | undefined): void {
  if (!(size > 0)) throw new RangeError(`Expected positive width * height but received ${size}`);
  if (src.length < size) throw new RangeError(`Expected at least ${size} pixels for src but received ${src.length}`);
  if (dst.length < size) throw new RangeError(`Expected at least ${size} pixels for dst but received ${dst.length}`);
  if ((dx === undefined) !== (dy === undefined)) throw new TypeError('Expected dx and dy both given or both undefined but received one of them');
  if (dx !== undefined && dx.length < size) throw new RangeError(`Expected at least ${size} values for dx but received ${dx.length}`);
  if (dy !== undefined && dy.length < size) throw new RangeError(`Expected at least ${size} values for dy but received ${dy.length}`);
}
