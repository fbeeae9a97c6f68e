// A sample's one resampling, by the kernel its geometry calls for (see sampleProjective): the
// affine matrix and elastic field (warpResample), torchvision's resized crop or perspective
// alone (their bytes), or the composed projective map. No RxJS here.
import { lookupBytes, projectiveResample, resizedCrop, torchPerspective, warpResample, type Affine, type Pixels, type ResampleOptions } from './kernels/index.js';
import type { ProjectiveScratch, WarpKind } from './sampleProjective.js';

/** A sample's geometry, as augmentImages drew it, and how to resample. */
export interface Warp {
  matrix: Affine;
  dx: Float32Array | undefined;
  dy: Float32Array | undefined;
  /** False when nothing moves (then the pixels are the source's). */
  moved: boolean;
  /** Which kernel resamples the sample. */
  kind: WarpKind;
  /** The crop box, end points and composed map, when `kind` is not `'affine'`. */
  projective: ProjectiveScratch;
  /** Interpolation and fill, without a table. */
  plain: ResampleOptions;
  /** The same, storing `table[byte]` (`table` is filled per sample). */
  tabled: ResampleOptions & { table: Float32Array };
}

let staged = new Uint8Array(0);
let mirrored = new Uint8Array(0);

/** `src` mirrored (bit 1 left-right, bit 2 top-bottom) into `dst`, which may be `src`: pixel centres onto pixel centres, exact. */
function mirror(src: Uint8Array, dst: Uint8Array, width: number, height: number, flips: number): void {
  const h = (flips & 1) !== 0;
  const v = (flips & 2) !== 0;
  // In place: swap pairs, each visited once (the first half of the pixels in reading order).
  const size = width * height;
  for (let i = 0; i < size; i++) {
    const x = i % width;
    const y = (i - x) / width;
    const j = (v ? height - 1 - y : y) * width + (h ? width - 1 - x : x);
    if (src === dst) {
      if (j > i) [dst[i], dst[j]] = [dst[j], dst[i]];
    } else {
      dst[i] = src[j];
    }
  }
}

/** `src` resampled by `warp` into `dst` with `options` (a table maps the bytes to `dst`'s Float32 values). */
export function resampleByWarp(src: Pixels, dst: Pixels, width: number, height: number, warp: Warp, options: ResampleOptions): void {
  switch (warp.kind) {
    case 'affine':
      warpResample(src, dst, width, height, warp.matrix, warp.dx, warp.dy, options);
      return;
    case 'projective':
      projectiveResample(src, dst, width, height, warp.projective.matrix, warp.dx, warp.dy, options);
      return;
    default: {
      // torchvision's kernels write bytes (the kinds are chosen for byte images only).
      const table = options.table;
      const flips = warp.projective.flips;
      if (staged.length < width * height) staged = new Uint8Array(width * height);
      const out = table === undefined ? (dst as Uint8Array) : staged;
      if (warp.kind === 'crop') {
        // torchvision's order: the crop (RandomResizedCrop), then the mirroring (RandomHorizontalFlip).
        resizedCrop(src as Uint8Array, out, width, height, warp.projective.box, width, height, options.interpolation);
        if (flips !== 0) mirror(out, out, width, height, flips);
      } else {
        // The mirroring first (flips come before the perspective), then the perspective.
        let from = src as Uint8Array;
        if (flips !== 0) {
          if (mirrored.length < width * height) mirrored = new Uint8Array(width * height);
          mirror(from, mirrored, width, height, flips);
          from = mirrored;
        }
        torchPerspective(from, out, width, height, warp.projective.coefficients, options.interpolation, options.fill);
      }
      if (table !== undefined) lookupBytes(out.subarray(0, width * height), dst as Float32Array, table);
    }
  }
}
