import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS

/*
 * Brightness, contrast and gamma as torchvision computes them (transforms/_functional_tensor.py,
 * torchvision 0.14 to 0.2x): for uint8 images in float32 arithmetic, clamped to [0, 255] and
 * converted back by truncation (`.to(torch.uint8)`), not rounding.
 *
 *   adjust_brightness(img, f) = _blend(img, 0, f)
 *   adjust_contrast(img, f)   = _blend(img, mean(img as float32), f)
 *   _blend(a, b, f)           = (f * a + (1 - f) * b).clamp(0, 255).to(uint8)
 *   adjust_gamma(img, g)      = (convert_image_dtype(img, float32) ** g).clamp(0, 1)  then
 *                               convert_image_dtype(., uint8) = trunc(x * 255.999)
 *
 * Each is a map from byte to byte, given the factor (and, for contrast, the mean), so the byte
 * kernel builds one 256-entry table of all three and a sample costs one lookup per pixel,
 * whatever the number of steps. Math.fround reproduces each float32 operation: the product, sum or
 * quotient of two float32 values is exact in double precision or rounded once to float32 as
 * float32 hardware does; the mean's sum of at most 2^16 bytes is exact in either, and torch
 * divides it by the count. pow is rounded from double precision (torch's float32 pow is within
 * 1 ulp of it, and gave the same bytes on 512,000 values of the test's script).
 *
 * Float32 images are taken to be in [0, 1], as torchvision's float tensors, and computed with
 * the same formulas clamped to [0, 1], per pixel.
 */

const f32 = Math.fround;
/** torchvision's convert_image_dtype to uint8 multiplies by 255 + 1 - 1e-3, in float32. */
const TO_BYTES = f32(255.999);

/** The factors of one sample's tone steps; NaN skips a step. */
export interface Tones {
  /** torchvision's `adjust_brightness` factor (>= 0). */
  brightness: number;
  /** torchvision's `adjust_contrast` factor (>= 0). */
  contrast: number;
  /** The mean contrast blends with: `brightenedMean` of the image. */
  mean: number;
  /** torchvision's `adjust_gamma` exponent (>= 0, gain 1). */
  gamma: number;
}

/**
 * Fills `table` with the byte map of torchvision's `adjust_brightness`, then `adjust_contrast`,
 * then `adjust_gamma` (each skipped when its factor is NaN), in one pass over the 256 bytes.
 *
 * @param table 256 bytes out.
 * @param tones The factors, and the image's mean for contrast (see `brightenedMean`).
 *
 * ## Example
 * ```ts
 * const image = new Uint8Array(28 * 28), out = new Uint8Array(28 * 28);
 * const table = toneTable(new Uint8Array(256), { brightness: 1.2, contrast: 0.8, mean: brightenedMean(image, 1.2), gamma: NaN });
 * mapBytes(image, out, table);
 * ```
 */
export function toneTable(table: Uint8Array, tones: Tones): Uint8Array {
  const { brightness, contrast, gamma } = tones;
  // One tight loop per step (a loop testing for every step per entry is several times slower,
  // docs/benchmarks.md); the first
  // step maps the bytes themselves, the others what the table holds.
  let first = true;
  if (brightness === brightness) {
    brightnessPass(table, f32(brightness));
    first = false;
  }
  if (contrast === contrast) {
    contrastPass(table, f32(contrast), f32(f32(1 - contrast) * f32(tones.mean)), first);
    first = false;
  }
  if (gamma === gamma) gammaPass(table, f32(gamma), first);
  else if (first) for (let v = 0; v < 256; v++) table[v] = v;
  return table;
}

/** `table[v] = trunc(min(255, f32(f v)))`: _blend with black (f >= 0). */
function brightnessPass(table: Uint8Array, f: number): void {
  for (let v = 0; v < 256; v++) {
    const x = f32(f * v);
    table[v] = x < 255 ? x : 255; // the store truncates, as .to(uint8)
  }
}

/** `table[v] = trunc(clamp(f32(f32(f table[v]) + offset), 0, 255))` (of `v` when `first`): _blend with the mean. */
function contrastPass(table: Uint8Array, f: number, offset: number, first: boolean): void {
  for (let v = 0; v < 256; v++) {
    const x = f32(f32(f * (first ? v : table[v])) + offset);
    table[v] = x > 0 ? (x < 255 ? x : 255) : 0;
  }
}

/** `table[v] = trunc(f32(min(1, f32(f32(table[v] / 255) ^ g)) * 255.999))` (of `v` when `first`): adjust_gamma. */
function gammaPass(table: Uint8Array, g: number, first: boolean): void {
  for (let v = 0; v < 256; v++) {
    const x = f32(Math.pow(f32((first ? v : table[v]) / 255), g));
    table[v] = f32((x < 1 ? x : 1) * TO_BYTES); // x >= 0
  }
}

/** torchvision's adjust_brightness of one byte: f32(f v), clamped to 255, truncated (v >= 0). */
function brightByte(f: number, v: number): number {
  const x = f32(f * v);
  return x < 255 ? Math.trunc(x) : 255;
}

/**
 * The mean of an image after `adjust_brightness(., brightness)` (NaN: the image itself) as
 * torch's float32 `mean` gives it, the value `adjust_contrast` blends with: the sum (exact)
 * divided by the count, rounded to float32. Zero pixels are skipped four at a time (a zero
 * stays zero): most of a digit.
 *
 * @param src Byte pixels.
 * @param brightness The brightness factor applied first, or NaN.
 *
 * ## Example
 * ```ts
 * const image = new Uint8Array(28 * 28);
 * const mean = brightenedMean(image, NaN); // the image's own mean, as float32
 * ```
 */
export function brightenedMean(src: Uint8Array, brightness: number): number {
  const f = f32(brightness);
  const n = src.length;
  const words = wordsOf(src);
  let sum = 0;
  for (let w = 0; w < words.length; w++) {
    const x = words[w];
    if (x === 0) continue;
    if (brightness === brightness) {
      for (let i = 4 * w; i < 4 * w + 4; i++) sum += brightByte(f, src[i]);
    } else {
      sum += (x & 0xff) + ((x >>> 8) & 0xff) + ((x >>> 16) & 0xff) + (x >>> 24);
    }
  }
  for (let i = 4 * words.length; i < n; i++) sum += brightness === brightness ? brightByte(f, src[i]) : src[i];
  return f32(sum / n);
}

const NO_WORDS = new Uint32Array(0);

/** `src` read four bytes at a time (a view; empty when `src` is not 4-aligned): a zero word is four zero pixels. */
function wordsOf(src: Uint8Array): Uint32Array {
  return src.byteOffset % 4 === 0 ? new Uint32Array(src.buffer, src.byteOffset, src.length >> 2) : NO_WORDS;
}

/**
 * `dst[i] = table[src[i]]` for byte pixels.
 *
 * ## Example
 * ```ts
 * const image = new Uint8Array(28 * 28), out = new Uint8Array(28 * 28);
 * mapBytes(image, out, toneTable(new Uint8Array(256), { brightness: 0.8, contrast: NaN, mean: 0, gamma: NaN }));
 * ```
 */
export function mapBytes(src: Uint8Array, dst: Uint8Array, table: Uint8Array): void {
  if (dst.length < src.length) throw new OptionError(`Expected at least ${src.length} values for dst but received ${dst.length}`);
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]];
}

/**
 * `dst[i] = values[src[i]]` from byte pixels to Float32 values (e.g. normalised ones), or
 * `values[table[src[i]]]` with a byte map first: for one sample, a plain loop is quicker than
 * staging it for `lookupBytes`. Zero pixels, most of a digit, are written four at a time.
 *
 * ## Example
 * ```ts
 * const image = new Uint8Array(28 * 28), out = new Float32Array(28 * 28);
 * mapToFloats(image, out, Float32Array.from({ length: 256 }, (_, v) => v / 255));
 * ```
 */
export function mapToFloats(src: Uint8Array, dst: Float32Array, values: Float32Array, table?: Uint8Array): void {
  const n = src.length;
  if (dst.length < n) throw new OptionError(`Expected at least ${n} values for dst but received ${dst.length}`);
  const map = table ?? IDENTITY;
  const zero = values[map[0]];
  const words = wordsOf(src);
  for (let w = 0, i = 0; w < words.length; w++, i += 4) {
    if (words[w] === 0) {
      dst[i] = zero;
      dst[i + 1] = zero;
      dst[i + 2] = zero;
      dst[i + 3] = zero;
    } else {
      dst[i] = values[map[src[i]]];
      dst[i + 1] = values[map[src[i + 1]]];
      dst[i + 2] = values[map[src[i + 2]]];
      dst[i + 3] = values[map[src[i + 3]]];
    }
  }
  for (let i = 4 * words.length; i < n; i++) dst[i] = values[map[src[i]]];
}

const IDENTITY = Uint8Array.from({ length: 256 }, (_, v) => v);

/**
 * Brightness, contrast or gamma on Float32 pixels in [0, 1], in place, as torchvision computes
 * them on float tensors (clamped to [0, 1]); contrast blends with the mean of `pixels`.
 *
 * @param pixels Values in [0, 1], changed in place.
 * @param kind Which adjustment.
 * @param factor Its factor (or gamma).
 *
 * ## Example
 * ```ts
 * const pixels = new Float32Array(28 * 28).fill(0.5);
 * adjustFloats(pixels, 'contrast', 1.3);
 * ```
 */
export function adjustFloats(pixels: Float32Array, kind: 'brightness' | 'contrast' | 'gamma', factor: number): void {
  const f = f32(factor);
  let offset = 0;
  if (kind === 'contrast') {
    let sum = 0;
    for (let i = 0; i < pixels.length; i++) sum += pixels[i];
    offset = f32(f32(1 - factor) * f32(sum / pixels.length));
  }
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    const x = kind === 'gamma' ? Math.pow(v, f) : f32(f * v) + offset;
    pixels[i] = x > 0 ? (x < 1 ? x : 1) : 0;
  }
}
