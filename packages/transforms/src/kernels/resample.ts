// The one resampling loop of idxflow: an affine map plus an optional displacement field,
// sampled bilinearly or by nearest neighbour, with a constant fill outside the image.
import type { Affine } from './matrix.js';
import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS

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
    throw new OptionError(`Expected a table of 256 values and Float32 dst but received ${options.table.length} values and ${dst.constructor.name} dst`);
  }
  const a = matrix[0], b = matrix[1], c = matrix[2], d = matrix[3], e = matrix[4], f = matrix[5];
  const warped = dx !== undefined && dy !== undefined;
  const table = options.table;
  const bytes = dst instanceof Uint8Array || table !== undefined;
  const nearest = options.interpolation === 'nearest';
  const fill = options.fill;
  // Bilinear or nearest samples of bytes with a byte fill stay in [0, 255]: clamp only otherwise.
  const clamp = !(src instanceof Uint8Array && fill >= 0 && fill <= 255);
  // A position whose neighbours all equal the fill samples to exactly the fill, so only
  // positions strictly within one pixel of the content (the pixels other than the fill) are
  // interpolated: about half of an MNIST digit's positions. Along a row without displacement
  // the position is linear, so the columns that can reach the content are found per row.
  const box = contentBox(src, width, height, fill);
  const left = box[0] - 1, right = box[1] + 1, top = box[2] - 1, bottom = box[3] + 1;
  const outside = stored(fill, bytes, clamp, table);
  if (!warped && !nearest && bytes && src instanceof Uint8Array && left >= 0 && top >= 0 && right <= width - 1 && bottom <= height - 1) {
    // The common case (an affine map of a byte image whose content is clear of the border)
    // in a loop of its own: faster than the general loop below (docs/benchmarks.md), same values.
    affineInterior(src, dst, width, height, matrix, left, right, top, bottom, outside, table);
    return;
  }
  for (let y = 0, row = 0; y < height; y++, row += width) {
    // Output (x, y) maps to (rowX + a x, rowY + d x): exact for exactly representable entries
    // (quarter turns, integer shifts, scale 2).
    const rowX = b * y + c;
    const rowY = e * y + f;
    let from = 0;
    let to = width;
    if (!warped) {
      const span = rowSpan(rowX, rowY, a, d, left, right, top, bottom, width);
      from = span[0];
      to = span[1];
    }
    for (let x = 0; x < from; x++) dst[row + x] = outside;
    for (let x = from, i = row + from; x < to; x++, i++) {
      let sx = rowX + a * x;
      let sy = rowY + d * x;
      if (warped) {
        // matrix(x + u, y + v) = matrix(x, y) + A (u, v), A the linear part.
        const u = dx[i];
        const v = dy[i];
        sx += a * u + b * v;
        sy += d * u + e * v;
      }
      // Always true without displacement (the row's span holds just the positions within the
      // box), yet testing anyway is faster here than testing only with displacement. This is
      // `within()` written out: calling it was slower on displaced images, with the same
      // outputs (docs/benchmarks.md).
      if (!(sx > left && sx < right && sy > top && sy < bottom)) {
        dst[i] = outside; // also for NaN
        continue;
      }
      const value = nearest ? nearestAt(src, width, height, sx, sy, fill) : bilinearAt(src, width, height, sx, sy, fill);
      dst[i] = stored(value, bytes, clamp, table);
    }
    for (let x = to; x < width; x++) dst[row + x] = outside;
  }
}

/**
 * `warpResample`'s loop for an affine map, bilinear, of a byte image to bytes (or a table's
 * values of bytes), when every position within the box is inside the image: no per-position
 * test at all, as each row's span holds exactly the positions within the box.
 */
function affineInterior(
  src: Uint8Array,
  dst: Pixels,
  width: number,
  height: number,
  matrix: Affine,
  left: number,
  right: number,
  top: number,
  bottom: number,
  outside: number,
  table: Float32Array | undefined,
): void {
  const a = matrix[0], b = matrix[1], c = matrix[2], d = matrix[3], e = matrix[4], f = matrix[5];
  for (let y = 0, row = 0; y < height; y++, row += width) {
    const rowX = b * y + c;
    const rowY = e * y + f;
    const span = rowSpan(rowX, rowY, a, d, left, right, top, bottom, width);
    const from = span[0], to = span[1];
    for (let x = 0; x < from; x++) dst[row + x] = outside;
    for (let x = from, i = row + from; x < to; x++, i++) {
      const sx = rowX + a * x;
      const sy = rowY + d * x;
      // Within the box, so 0 <= sx < width - 1 and 0 <= sy < height - 1: truncation is floor.
      const x0 = sx | 0;
      const y0 = sy | 0;
      const k = y0 * width + x0;
      const p00 = src[k], p01 = src[k + 1], p10 = src[k + width], p11 = src[k + width + 1];
      // bilinearAt's weights, written out: as a shared function V8 compiled both loops slower.
      const fx = sx - x0;
      const fy = sy - y0;
      const upper = p00 + fx * (p01 - p00);
      const lower = p10 + fx * (p11 - p10);
      const value = upper + fy * (lower - upper);
      const byte = (value + 0.5) | 0; // rounded as stored() rounds: value is in [0, 255]
      dst[i] = table === undefined ? byte : table[byte];
    }
    for (let x = to; x < width; x++) dst[row + x] = outside;
  }
}

/** Whether (sx, sy) lies strictly within the box (false for NaN). */
function within(sx: number, sy: number, left: number, right: number, top: number, bottom: number): boolean {
  return sx > left && sx < right && sy > top && sy < bottom;
}

const span = new Int32Array(2);

/**
 * The columns [from, to) of the output row whose positions `(rowX + a x, rowY + d x)` lie
 * strictly within the box. Each coordinate is monotone in x even after rounding, so these
 * columns are one run: `spanStart`/`spanEnd` bracket it, and a few `within` tests at either
 * end make it exact.
 */
function rowSpan(rowX: number, rowY: number, a: number, d: number, left: number, right: number, top: number, bottom: number, width: number): Int32Array {
  let from = Math.min(width, Math.max(spanStart(rowX, a, left, right), spanStart(rowY, d, top, bottom)));
  let to = Math.max(from, Math.min(spanEnd(rowX, a, left, right, width), spanEnd(rowY, d, top, bottom, width)));
  while (from < to && !within(rowX + a * from, rowY + d * from, left, right, top, bottom)) from++;
  while (to > from && !within(rowX + a * (to - 1), rowY + d * (to - 1), left, right, top, bottom)) to--;
  span[0] = from;
  span[1] = to;
  return span;
}

/** What `warpResample` stores for the sampled `value`: itself, its byte, or the table's value of its byte. */
function stored(value: number, bytes: boolean, clamp: boolean, table: Float32Array | undefined): number {
  if (!bytes) return value;
  // ToUint8 truncates, so v + 0.5 stores round(v) (ties up) for v in [0, 255]; | 0 as well.
  const byte = clamp ? (value > 0 ? (value < 255 ? value + 0.5 : 255) : 0) : value + 0.5;
  return table === undefined ? byte : table[byte | 0];
}

// Steps smaller than this are treated as zero by spanStart/spanEnd (no columns excluded):
// a position's rounding error (~1e-13 px) is then far below the one-column margin they keep.
const TINY_STEP = 1e-6;

/** A column at or before the first x with `low < start + step x < high`, or 0. */
function spanStart(start: number, step: number, low: number, high: number): number {
  if (!(Math.abs(step) > TINY_STEP && Number.isFinite(start))) return 0;
  const first = Math.min((low - start) / step, (high - start) / step);
  return Math.max(0, Math.floor(first));
}

/** A column after the last x with `low < start + step x < high`, or `width`. */
function spanEnd(start: number, step: number, low: number, high: number, width: number): number {
  if (!(Math.abs(step) > TINY_STEP && Number.isFinite(start))) return width;
  const last = Math.max((low - start) / step, (high - start) / step);
  return Math.min(width, Math.ceil(last) + 1);
}

/**
 * The box of the pixels of `src` other than `fill`, inclusive: [left, right, top, bottom]
 * (an empty box when there are none). The whole image for Float32 pixels or a fill that is
 * not a byte value.
 */
function contentBox(src: Pixels, width: number, height: number, fill: number): Int32Array {
  if (!(src instanceof Uint8Array && Number.isInteger(fill) && fill >= 0 && fill <= 255)) return setBox(0, width - 1, 0, height - 1);
  if (LITTLE_ENDIAN && width % 4 === 0 && src.byteOffset % 4 === 0) return contentBoxByWords(src, width, height, fill);
  let top = 0;
  while (top < height && rowEquals(src, top * width, width, fill)) top++;
  if (top === height) return setBox(1, -1, 1, -1); // no content: every position is outside
  let bottom = height - 1;
  while (rowEquals(src, bottom * width, width, fill)) bottom--;
  let left = 0;
  while (columnEquals(src, top * width + left, bottom * width + left, width, fill)) left++;
  let right = width - 1;
  while (columnEquals(src, top * width + right, bottom * width + right, width, fill)) right--;
  return setBox(left, right, top, bottom);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * `contentBox` four pixels per read (pixel XOR fill, so a word is 0 where all four are fill;
 * byte k of a little-endian word is column 4j + k): the first and last rows with content,
 * then between them the first and last columns of words with content, as `contentBox` scans
 * bytes. Each scan stops at content, so an MNIST digit costs about 160 reads of 196 (train set
 * mean 157), and no stores.
 */
function contentBoxByWords(src: Uint8Array, width: number, height: number, fill: number): Int32Array {
  const perRow = width >> 2;
  const words = new Int32Array(src.buffer, src.byteOffset, perRow * height);
  const fills = fill * 0x01010101;
  let top = 0;
  while (top < height && wordsDiffer(words, top * perRow, (top + 1) * perRow - 1, 1, fills) === 0) top++;
  if (top === height) return setBox(1, -1, 1, -1);
  // Row `top` has content, so each scan below stops at content before its bound.
  let bottom = height - 1;
  while (bottom > top && wordsDiffer(words, bottom * perRow, (bottom + 1) * perRow - 1, 1, fills) === 0) bottom--;
  const firstRow = top * perRow;
  const lastRow = bottom * perRow;
  let first = 0;
  let low = 0;
  for (; first < perRow; first++) {
    low = wordsDiffer(words, firstRow + first, lastRow + first, perRow, fills);
    if (low !== 0) break;
  }
  let last = perRow - 1;
  let high = 0;
  for (; last >= first; last--) {
    high = wordsDiffer(words, firstRow + last, lastRow + last, perRow, fills);
    if (high !== 0) break;
  }
  const left = first * 4 + ((31 - Math.clz32(low & -low)) >> 3); // lowest set bit's byte
  const right = last * 4 + ((31 - Math.clz32(high)) >> 3); // highest set bit's byte
  return setBox(left, right, top, bottom);
}

/** The words `first`, `first + stride`, ..., `last` XOR `fills`, OR-ed: 0 when all are fill. */
function wordsDiffer(words: Int32Array, first: number, last: number, stride: number, fills: number): number {
  let differ = 0;
  for (let k = first; k <= last; k += stride) differ |= words[k] ^ fills;
  return differ;
}

/** Whether `count` pixels from `start` all equal the byte `fill`. */
function rowEquals(src: Uint8Array, start: number, count: number, fill: number): boolean {
  let differ = 0;
  for (let k = start, end = start + count; k < end; k++) differ |= src[k] ^ fill;
  return differ === 0;
}

/** Whether the pixels `first`, `first + stride`, ..., `last` all equal the byte `fill`. */
function columnEquals(src: Uint8Array, first: number, last: number, stride: number, fill: number): boolean {
  let differ = 0;
  for (let k = first; k <= last; k += stride) differ |= src[k] ^ fill;
  return differ === 0;
}

const box = new Int32Array(4);

function setBox(left: number, right: number, top: number, bottom: number): Int32Array {
  box[0] = left;
  box[1] = right;
  box[2] = top;
  box[3] = bottom;
  return box;
}

/** The pixel whose centre is nearest to (sx, sy), or `fill` outside the image (and for NaN). */
export function nearestAt(src: Pixels, width: number, height: number, sx: number, sy: number, fill: number): number {
  if (!(sx >= -0.5 && sy >= -0.5 && sx < width - 0.5 && sy < height - 0.5)) return fill;
  // sx + 0.5 >= 0 here, so truncation is floor: round half up without Math.floor.
  return src[((sy + 0.5) | 0) * width + ((sx + 0.5) | 0)];
}

/**
 * Bilinear sample at (sx, sy); neighbours outside the image are `fill`. Weights as
 * p + f (q - p), so a zero fraction returns the pixel itself, bit for bit.
 */
export function bilinearAt(src: Pixels, width: number, height: number, sx: number, sy: number, fill: number): number {
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
  if (!(size > 0)) throw new OptionError(`Expected positive width * height but received ${size}`);
  if (src.length < size) throw new OptionError(`Expected at least ${size} pixels for src but received ${src.length}`);
  if (dst.length < size) throw new OptionError(`Expected at least ${size} pixels for dst but received ${dst.length}`);
  if ((dx === undefined) !== (dy === undefined)) throw new OptionError('Expected dx and dy both given or both undefined but received one of them');
  if (dx !== undefined && dx.length < size) throw new OptionError(`Expected at least ${size} values for dx but received ${dx.length}`);
  if (dy !== undefined && dy.length < size) throw new OptionError(`Expected at least ${size} values for dy but received ${dy.length}`);
}
