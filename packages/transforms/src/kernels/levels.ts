/*
 * The point operations of torchvision's functional tensor code (torchvision 0.14,
 * transforms/functional_tensor.py, the version Debian ships), on one grey channel, in place:
 *
 *   invert(img)          = 255 - img                              (1 - img for floats)
 *   posterize(img, bits) = img & -(2 ** (8 - bits))               (uint8 only)
 *   solarize(img, t)     = where(img >= t, 255 - img, img)
 *   autocontrast(img)    = ((img - min) * (255 / (max - min))).clamp(0, 255).to(uint8), where
 *                          torch computes 255 / t as reciprocal(t) * 255 (Tensor.__rtruediv__)
 *                          (the image itself when max == min: torchvision's scale is then inf)
 *   equalize(img)        = _scale_channel: a lookup table from the histogram in integers,
 *                          step = (sum of the counts of every occupied level but the highest) // 255,
 *                          lut[v] = (cumsum(hist)[v - 1] + step // 2) // step, lut[0] = 0;
 *                          the image itself when step is 0                      (uint8 only)
 *
 * Autocontrast computes in float32 and truncates (`.to(uint8)`); Math.fround reproduces each
 * float32 operation. The rest is integer arithmetic and exact.
 */

const f32 = Math.fround;

/**
 * torchvision's `invert` on bytes (`255 - v`) or on Float32 values in [0, 1] (`1 - v`), in place.
 *
 * ## Example
 * ```ts
 * declare const image: Uint8Array;
 * invertPixels(image); // white digits on black become black on white
 * ```
 */
export function invertPixels(pixels: Uint8Array | Float32Array): void {
  const bound = pixels instanceof Uint8Array ? 255 : 1;
  for (let i = 0; i < pixels.length; i++) pixels[i] = bound - pixels[i];
}

/**
 * torchvision's `posterize(img, bits)` on bytes, in place: the `bits` highest bits of each byte
 * are kept (0 to 8; 0 makes every pixel 0).
 *
 * ## Example
 * ```ts
 * declare const image: Uint8Array;
 * posterizeBytes(image, 2); // four levels: 0, 64, 128, 192
 * ```
 */
export function posterizeBytes(pixels: Uint8Array, bits: number): void {
  const mask = -(2 ** (8 - bits)) & 0xff;
  for (let i = 0; i < pixels.length; i++) pixels[i] &= mask;
}

/**
 * torchvision's `solarize(img, threshold)`, in place: every value at or above `threshold` is
 * inverted. For Float32 values in [0, 1], the threshold is in the same units.
 *
 * ## Example
 * ```ts
 * declare const image: Uint8Array;
 * solarizePixels(image, 128); // the stroke's core (>= 128) turns dark, its soft edge stays
 * ```
 */
export function solarizePixels(pixels: Uint8Array | Float32Array, threshold: number): void {
  const bound = pixels instanceof Uint8Array ? 255 : 1;
  for (let i = 0; i < pixels.length; i++) if (pixels[i] >= threshold) pixels[i] = bound - pixels[i];
}

/** Scratch of autocontrastPixels: each byte level's result. */
const AUTOCONTRAST = new Uint8Array(256);

/**
 * torchvision's `autocontrast` on one channel, in place: the darkest value goes to 0 and the
 * brightest to 255 (1 for Float32), linearly, computed in float32 and truncated for bytes.
 *
 * ## Example
 * ```ts
 * declare const image: Uint8Array;
 * autocontrastPixels(image); // a faint digit (values 0 to 90) spans 0 to 255
 * ```
 */
export function autocontrastPixels(pixels: Uint8Array | Float32Array): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return; // torchvision: an infinite scale, replaced by min 0, scale 1
  const bytes = pixels instanceof Uint8Array;
  const bound = bytes ? 255 : 1;
  const scale = f32(f32(1 / f32(max - min)) * bound); // torch's 255 / t: reciprocal(t) * 255, two roundings
  if (bytes) {
    // the same float32 operations once per level in [min, max], then a lookup per pixel
    for (let v = min; v <= max; v++) {
      const x = f32(f32(v - min) * scale);
      AUTOCONTRAST[v] = Math.trunc(x > 0 ? (x < 255 ? x : 255) : 0);
    }
    for (let i = 0; i < pixels.length; i++) pixels[i] = AUTOCONTRAST[pixels[i]];
    return;
  }
  for (let i = 0; i < pixels.length; i++) {
    const x = f32(f32(pixels[i] - min) * scale);
    const clamped = x > 0 ? (x < bound ? x : bound) : 0;
    pixels[i] = bytes ? Math.trunc(clamped) : clamped;
  }
}

/**
 * torchvision's `equalize` on one byte channel, in place: histogram equalisation by its integer
 * lookup table (`_scale_channel`).
 *
 * @param pixels Bytes, changed in place.
 * @param histogram 256 counts of scratch (overwritten).
 * @param table 256 bytes of scratch (overwritten).
 *
 * ## Example
 * ```ts
 * declare const image: Uint8Array;
 * equalizeBytes(image, new Int32Array(256), new Uint8Array(256));
 * ```
 */
export function equalizeBytes(pixels: Uint8Array, histogram: Int32Array, table: Uint8Array): void {
  histogram.fill(0);
  for (let i = 0; i < pixels.length; i++) histogram[pixels[i]]++;
  let highest = 255;
  while (highest > 0 && histogram[highest] === 0) highest--;
  // every occupied level but the highest: the counts below it (empty levels add 0)
  let below = 0;
  for (let v = 0; v < highest; v++) below += histogram[v];
  const step = Math.floor(below / 255);
  if (step === 0) return;
  const half = Math.floor(step / 2);
  let cumulative = 0;
  for (let v = 0; v < 256; v++) {
    table[v] = Math.min(255, Math.floor((cumulative + half) / step)); // cumsum up to v - 1, shifted by one
    cumulative += histogram[v];
  }
  for (let i = 0; i < pixels.length; i++) pixels[i] = table[pixels[i]];
}
