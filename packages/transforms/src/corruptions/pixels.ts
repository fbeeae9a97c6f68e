// The corruptions that change each pixel by a formula of its own value (and the image's):
// inverse, stripe, quantize, brightness, contrast. Values are in units of the full range
// (0 to 1), as the recipe computes them, in Float64Array scratch.

/** The byte the released files hold for a recipe value `v` in [0, 1]: `v * 255` as float32, clipped, truncated (numpy's `astype(np.uint8)`). */
export function byteOf(v: number): number {
  const f = Math.fround(v * 255);
  return f <= 0 ? 0 : f >= 255 ? 255 : Math.floor(f);
}

/** 255 - x. */
export function inverse(src: Uint8Array, dst: Uint8Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = 255 - src[i];
}

/** 255 - x in the outer quarter of columns on each side (MNIST-C's columns 0-6 and 21-27 of 28). */
export function stripe(src: Uint8Array, dst: Uint8Array, width: number): void {
  const band = Math.floor(width / 4);
  for (let i = 0; i < src.length; i++) {
    const x = i % width;
    dst[i] = x < band || x >= width - band ? 255 - src[i] : src[i];
  }
}

/** numpy's round: half to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Keeps `bits` bits: x * (2^bits - 1) / 255, rounded half to even, times 255 / (2^bits - 1), in
 * float32 as the recipe's float32 array computes it.
 */
export function quantize(src: Uint8Array, dst: Uint8Array, bits: number): void {
  const levels = 2 ** bits - 1;
  const down = Math.fround(levels / 255);
  const up = Math.fround(255 / levels);
  for (let i = 0; i < src.length; i++) {
    const q = roundHalfEven(Math.fround(src[i] * down));
    const f = Math.fround(q * up);
    dst[i] = f >= 255 ? 255 : Math.floor(f);
  }
}

// skimage's rgb2gray weights (ITU-R 709), summed in the order of its matrix product.
const GREY = [0.2125, 0.7154, 0.0721] as const;

/** HSV value + `c` of a grey pixel (which is its grey value), back to grey: min(x + c, 1). */
export function brightness(src: Uint8Array, dst: Uint8Array, c: number): void {
  for (let i = 0; i < src.length; i++) {
    const v = Math.min(src[i] / 255 + c, 1);
    dst[i] = byteOf(GREY[0] * v + GREY[1] * v + GREY[2] * v);
  }
}

/** (x - mean) * c + mean, the mean over the image. */
export function contrast(src: Uint8Array, dst: Uint8Array, c: number): void {
  let sum = 0;
  for (let i = 0; i < src.length; i++) sum += src[i] / 255;
  const mean = sum / src.length;
  for (let i = 0; i < src.length; i++) dst[i] = byteOf(Math.min(Math.max((src[i] / 255 - mean) * c + mean, 0), 1));
}
