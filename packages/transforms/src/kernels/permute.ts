// A fixed pixel permutation, the transform of Permuted MNIST (Goodfellow et al. 2013).

/**
 * Moves the pixels of one image by a fixed permutation: output pixel `i` is input pixel
 * `permutation[i]` (row-major), as numpy's `x.reshape(-1)[permutation]` and Avalanche's
 * `PixelsPermutation` do.
 *
 * @param src Input pixels, `permutation.length` of them.
 * @param dst Output pixels, as many (not `src`).
 * @param permutation A permutation of `0 .. size - 1`.
 *
 * ## Example
 * ```ts
 * const dst = new Uint8Array(4);
 * permutePixels(Uint8Array.of(10, 20, 30, 40), dst, Uint32Array.of(3, 0, 1, 2)); // dst: 40, 10, 20, 30
 * ```
 */
export function permutePixels(src: Uint8Array | Float32Array, dst: Uint8Array | Float32Array, permutation: Uint32Array): void {
  for (let i = 0; i < permutation.length; i++) dst[i] = src[permutation[i]];
}
