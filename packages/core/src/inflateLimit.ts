// The ceiling on what compressed bytes may inflate to: the guard against decompression bombs
// (a 1 MB deflate stream can hold 1 GB of zeros). Apache POI's ZipSecureFile refuses an archive
// member that inflates more than 100-fold for the same reason; real datasets stay far below
// (MNIST's images inflate 4.8-fold, Fashion-MNIST's 1.8-fold). Small files are always allowed
// their first 64 MiB, so a short file of zeros (a test fixture, a blank split) still reads.
import { InflateLimitError } from './errors.js';
import { integer } from './validate.js';

/** Options of the decoders that inflate (gunzip, zip members, the sources that use them). */
export interface InflateLimitOptions {
  /**
   * Most bytes one compressed byte may inflate to, over a whole file or zip member; beyond it
   * decoding stops with an `InflateLimitError` (a decompression bomb, or data far more regular
   * than images). The first 64 MiB of every file are allowed whatever the ratio. Default 100.
   */
  maxInflateRatio?: number;
}

/** The default of `maxInflateRatio`. */
export const DEFAULT_MAX_INFLATE_RATIO = 100;

/** Bytes any file may inflate to, whatever its ratio. */
export const INFLATE_ALLOWANCE = 64 * 1024 * 1024;

/** The ratio of `options`, validated (a whole number >= 1). */
export function inflateRatioOf(options: InflateLimitOptions | undefined): number {
  return integer('maxInflateRatio', options?.maxInflateRatio ?? DEFAULT_MAX_INFLATE_RATIO, 1);
}

/** The most bytes `compressed` compressed bytes may inflate to under `ratio`. */
export function inflateCeiling(compressed: number, ratio: number): number {
  return Math.max(INFLATE_ALLOWANCE, compressed * ratio);
}

/** The error for `inflated` bytes (or more) out of `compressed` compressed ones. */
export function inflateLimitError(where: { file: string; offset?: number }, compressed: number, inflated: number | bigint, ratio: number): InflateLimitError {
  return new InflateLimitError({
    ...where,
    expected: `at most ${inflateCeiling(compressed, ratio)} inflated bytes from ${compressed} compressed ones (${ratio} times as many, or 64 MiB; \`maxInflateRatio\` raises it)`,
    found: `${inflated} bytes or more`,
  });
}
