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
 * kernels build or compose a 256-entry table and a sample costs one lookup per pixel, whatever
 * the number of steps. Math.fround reproduces each float32 operation: the product, sum or
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

/**
 * Composes torchvision's `adjust_brightness(., factor)` onto a byte table: `table[v]` becomes
 * the brightness-adjusted `table[v]`. Start from `identityTable` to get the map itself.
 *
 * @param table 256 bytes, changed in place.
 * @param factor Brightness factor >= 0 (1 changes nothing).
 *
 * ## Example
 * ```ts
 * const table = brightnessTable(identityTable(new Uint8Array(256)), 1.2);
 * table[200]; // 240
 * ```
 */
export function brightnessTable(table: Uint8Array, factor: number): Uint8Array {
  const f = f32(factor);
  for (let v = 0; v < 256; v++) {
    const x = f32(f * table[v]);
    table[v] = x < 255 ? x : 255; // x >= 0; the store truncates, as .to(uint8)
  }
  return table;
}

/**
 * Composes torchvision's `adjust_contrast(., factor)` onto a byte table, for an image whose mean
 * (of the pixels `table` maps them to) is `mean`: see `tableMean`.
 *
 * @param table 256 bytes, changed in place.
 * @param factor Contrast factor >= 0 (1 changes nothing, 0 gives the mean everywhere).
 * @param mean The image's mean as torchvision computes it (float32), e.g. from `tableMean`.
 *
 * ## Example
 * ```ts
 * const table = identityTable(new Uint8Array(256));
 * contrastTable(table, 1.5, tableMean(image, table));
 * ```
 */
export function contrastTable(table: Uint8Array, factor: number, mean: number): Uint8Array {
  const f = f32(factor);
  const offset = f32(f32(1 - factor) * f32(mean));
  for (let v = 0; v < 256; v++) {
    const x = f32(f32(f * table[v]) + offset);
    table[v] = x > 0 ? (x < 255 ? x : 255) : 0;
  }
  return table;
}

/**
 * Composes torchvision's `adjust_gamma(., gamma)` (gain 1) onto a byte table.
 *
 * @param table 256 bytes, changed in place.
 * @param gamma Exponent >= 0 (1 changes nothing, < 1 brightens).
 *
 * ## Example
 * ```ts
 * const table = gammaTable(identityTable(new Uint8Array(256)), 0.5);
 * ```
 */
export function gammaTable(table: Uint8Array, gamma: number): Uint8Array {
  const g = f32(gamma);
  for (let v = 0; v < 256; v++) {
    const x = f32(Math.pow(f32(table[v] / 255), g));
    table[v] = f32((x < 1 ? x : 1) * TO_BYTES); // x >= 0; truncated by the store
  }
  return table;
}

/**
 * The mean of `table[src[i]]` over the image as torch's float32 `mean` gives it: the sum (exact)
 * divided by the count, rounded to float32.
 *
 * @param src Byte pixels.
 * @param table 256 bytes that the pixels go through first; the pixels themselves when absent.
 *
 * ## Example
 * ```ts
 * const mean = tableMean(image);
 * ```
 */
export function tableMean(src: Uint8Array, table?: Uint8Array): number {
  let sum = 0;
  if (table === undefined) for (let i = 0; i < src.length; i++) sum += src[i];
  else for (let i = 0; i < src.length; i++) sum += table[src[i]];
  return f32(sum / src.length);
}

/**
 * Fills `table` with the identity map, `table[v] = v`.
 *
 * ## Example
 * ```ts
 * const table = identityTable(new Uint8Array(256));
 * ```
 */
export function identityTable(table: Uint8Array): Uint8Array {
  for (let v = 0; v < 256; v++) table[v] = v;
  return table;
}

/**
 * `dst[i] = table[src[i]]` for byte pixels.
 *
 * ## Example
 * ```ts
 * mapBytes(image, out, brightnessTable(identityTable(new Uint8Array(256)), 0.8));
 * ```
 */
export function mapBytes(src: Uint8Array, dst: Uint8Array, table: Uint8Array): void {
  if (dst.length < src.length) throw new RangeError(`Expected at least ${src.length} values for dst but received ${dst.length}`);
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]];
}

/**
 * `dst[i] = table[src[i]]` from byte pixels to Float32 values (e.g. normalised ones): for one
 * sample, a plain loop is quicker than staging it for `lookupBytes`.
 *
 * ## Example
 * ```ts
 * mapToFloats(image, out, Float32Array.from({ length: 256 }, (_, v) => v / 255));
 * ```
 */
export function mapToFloats(src: Uint8Array, dst: Float32Array, table: Float32Array): void {
  if (dst.length < src.length) throw new RangeError(`Expected at least ${src.length} values for dst but received ${dst.length}`);
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]];
}

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
