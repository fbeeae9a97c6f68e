// Augments a run of images: the work one worker does for one block. No RxJS here.
import { reusablePixels, streamKey } from '@idxflow/core/internal';
import { gatherLookup, lookupBytes, type Affine, type ResampleOptions } from './kernels/index.js';
import { GeometryScratch, sampleField, sampleMatrix, streamTags, type StreamTags } from './sampleGeometry.js';
import { inputRefusal } from './sampleFilters.js';
import { PixelScratch, samplePixelsBytes, samplePixelsFloats, type SampleKeys, type Warp } from './samplePixels.js';
import type { PixelJob } from './pixelStage.js';
import { ProjectiveScratch, sampleProjective } from './sampleProjective.js';
import { resampleByWarp } from './resampleWarp.js';
import type { AugmentSpec, ElasticStep } from './spec.js';
import { OptionError } from '@idxflow/core';

/** One block's worth of work. */
export interface AugmentJob extends PixelJob {
  /** What to do: `specOf(options)`. */
  spec: AugmentSpec;
}

/** Scratch buffers reused across samples (one set per thread). */
class Scratch {
  geometry = new GeometryScratch();
  projective = new ProjectiveScratch();
  keys: SampleKeys = { pixel: 0, noise: 0 };
  pixels = new PixelScratch();
  dx = new Float32Array(0);
  dy = new Float32Array(0);
  /** Where `touchSample` leaves what it read. */
  touched = 0;

  private height = 0;
  private width = 0;

  ensure(height: number, width: number): void {
    const size = height * width;
    if (this.height !== height || this.width !== width) {
      this.height = height;
      this.width = width;
      this.dx = new Float32Array(size);
      this.dy = new Float32Array(size);
    }
  }
}

const scratch = new Scratch();

/**
 * Applies the spec's geometry to every image of the job in one resampling per image, then its
 * pixel steps (thickness, brightness, contrast, gamma, noise, erasing), then normalises if asked. Each sample's randomness comes from (seed, stage, epoch, source index),
 * so the result does not depend on how samples were grouped or which thread ran them.
 *
 * A byte image's resampled value is rounded to the byte it would be stored as, then
 * normalised by table in the same pass, so that `augment({ ..., normalize })` gives the bits of
 * `augment({ ... })` followed by `normalize()`, only faster. With `rows`, the samples are
 * gathered in the same pass too.
 *
 * This is the work `augment()` does on each block, for use outside a pipeline: a few samples
 * for a preview, a check of what an export wrote. It runs on the calling thread.
 *
 * @param job The pixels, their keys and the spec: see `AugmentJob`.
 * @returns `job.output` (or new pixels): Float32 when normalising or when the input is Float32.
 *
 * ## Example
 * ```ts
 * import { loadBlock, mnist } from '@idxflow/core';
 * import { augmentImages, specOf } from '@idxflow/transforms';
 * const block = await loadBlock(mnist({ split: 'test' }));
 * const [, height, width] = block.shape;
 * // The bytes augment({ rotate: 15 }, { seed: 1 }) gives these samples in epoch 0.
 * const rotated = augmentImages({ images: block.images, indices: block.indices, epoch: 0, seed: 1, stage: 0, height, width, spec: specOf({ rotate: 15 }) });
 * ```
 */
export function augmentImages(job: AugmentJob): Uint8Array | Float32Array {
  const { images, rows, height, width, spec } = job;
  const size = height * width;
  const n = samplesOf(job);
  const normalize = spec.normalize;
  const refusal = inputRefusal(spec.pixels, images instanceof Float32Array, height, width, 'augment()');
  if (refusal) throw refusal; // augment() refuses these on the main thread already; a direct caller (preview) here
  const out = job.output ?? outputFor(job, n * size);
  if (out.length !== n * size) throw new OptionError(`Expected an output of ${n * size} values but received ${out.length}`);
  const table = normalize && images instanceof Uint8Array ? byteTable(normalize.mean, normalize.std) : undefined;
  scratch.ensure(height, width);
  // No geometry (normalisation alone, or the gather): one pass over the block, or over each sample.
  if (spec.steps.length > 0 || spec.pixels || spec.resizedCrop || spec.perspective) augmentSamples(job, out, table);
  else if (rows === undefined) copyPixels(images.subarray(0, n * size), out, table);
  else if (table) gatherLookup(images as Uint8Array, rows, size, out as Float32Array, table);
  else for (let i = 0; i < n; i++) copyPixels(images.subarray(rows[i] * size, (rows[i] + 1) * size), out.subarray(i * size, (i + 1) * size), table);
  if (normalize && !table) normalizeInPlace(out as Float32Array, 1, normalize.mean, normalize.std);
  return out;
}

/** What every sample of a job shares: the spec, the stream tags, the resampling options. */
interface SampleContext {
  spec: AugmentSpec;
  width: number;
  height: number;
  seed: number;
  epoch: number;
  tags: StreamTags;
  elastic: ElasticStep | undefined;
  /** Whether any draw of the pixel stream can be read (a chance below 1, a flip, a pixel step). */
  pixelDraws: boolean;
  /** Resampling straight into the output (normalised by table for bytes, when normalising). */
  resampling: ResampleOptions;
  /** The sample's geometry for the pixel steps, refilled per sample. */
  warp: Warp;
  table: Float32Array | undefined;
}

/** The per-sample loop of `augmentImages`: draw, build the geometry, resample once, then the pixel steps. */
function augmentSamples(job: AugmentJob, out: Uint8Array | Float32Array, table: Float32Array | undefined): void {
  const { images, indices, rows, epoch, seed, stage, height, width, spec } = job;
  const size = height * width;
  const n = samplesOf(job);
  const context: SampleContext = {
    spec,
    width,
    height,
    seed,
    epoch,
    tags: streamTags(stage),
    elastic: spec.steps.find((s): s is ElasticStep => s.kind === 'elastic'),
    pixelDraws: spec.pixels !== undefined || spec.resizedCrop !== undefined || spec.perspective !== undefined || spec.steps.some((s) => (s.kind === 'affine' ? s.p.some((p) => p < 1) || s.flip.some((p) => p > 0) : s.p < 1)),
    resampling: { interpolation: spec.interpolation, fill: spec.fill, table }, // normalised in the resampling pass
    warp: {
      matrix: scratch.geometry.matrix,
      dx: undefined,
      dy: undefined,
      moved: false,
      kind: 'affine',
      projective: scratch.projective,
      plain: { interpolation: spec.interpolation, fill: spec.fill },
      tabled: { interpolation: spec.interpolation, fill: spec.fill, table: new Float32Array(256) },
    },
    table,
  };
  if (spec.pixels) scratch.pixels.ensure(size);
  for (let i = 0; i < n; i++) {
    const row = rows === undefined ? i : rows[i];
    if (rows !== undefined && i + 1 < n) touchSample(images, rows[i + 1] * size, size);
    augmentSample(images.subarray(row * size, (row + 1) * size), out.subarray(i * size, (i + 1) * size), indices[row], context);
  }
}

/** One sample: its draws, its geometry in one resampling, then its pixel steps. */
function augmentSample(src: Uint8Array | Float32Array, dst: Uint8Array | Float32Array, index: number, context: SampleContext): void {
  const { spec, width, height, seed, epoch, tags, elastic } = context;
  const keys = scratch.keys;
  keys.pixel = context.pixelDraws ? streamKey(seed, tags.pixel, epoch, index) : 0;
  const matrix = sampleMatrix(spec, streamKey(seed, tags.affine, epoch, index), keys.pixel, width, height, scratch.geometry);
  const elasticKey = elastic ? streamKey(seed, tags.elastic, epoch, index) : 0;
  const warped = sampleField(elastic, keys.pixel, elasticKey, width, height, scratch.dx, scratch.dy);
  const dx = warped ? scratch.dx : undefined;
  const dy = warped ? scratch.dy : undefined;
  const warp = context.warp;
  warp.kind = spec.resizedCrop || spec.perspective ? sampleProjective(spec, keys.pixel, width, height, matrix, warped, src instanceof Uint8Array, scratch.projective) : 'affine';
  // Nothing moves: resampling would return every pixel exactly.
  const moved = dx !== undefined || !isIdentity(matrix) || warp.kind !== 'affine';
  warp.matrix = matrix;
  warp.dx = dx;
  warp.dy = dy;
  warp.moved = moved;
  const pixels = spec.pixels;
  if (pixels === undefined) {
    if (moved) resampleByWarp(src, dst, width, height, warp, context.resampling);
    else copyPixels(src, dst, context.table);
    return;
  }
  keys.noise = pixels.noise ? streamKey(seed, tags.noise, epoch, index) : 0;
  if (src instanceof Uint8Array) {
    samplePixelsBytes(src, dst, width, height, pixels, keys, warp, context.table, scratch.pixels);
  } else {
    if (moved) resampleByWarp(src, dst, width, height, warp, warp.plain);
    else dst.set(src);
    samplePixelsFloats(dst as Float32Array, width, height, pixels, keys, scratch.pixels);
  }
}

/**
 * Reads one value per 64-byte cache line of the sample at `start`, the next one to resample,
 * so that its cache misses overlap one another and the current sample's work instead of
 * stalling the kernel a line at a time: rows of a shuffled epoch are random reads from
 * memory (docs/benchmarks.md has what it gains).
 */
function touchSample(images: Uint8Array | Float32Array, start: number, size: number): void {
  const step = 64 / images.BYTES_PER_ELEMENT;
  let any = images[start + size - 1];
  for (let k = start; k < start + size; k += step) any += images[k];
  scratch.touched = any; // kept, so that the reads are not optimised away
}

/** Samples in the job's output. */
export function samplesOf(job: Pick<AugmentJob, 'indices' | 'rows'>): number {
  return (job.rows ?? job.indices).length;
}

/** `src` into `dst`: through the normalisation table when there is one, else as is. */
function copyPixels(src: Uint8Array | Float32Array, dst: Uint8Array | Float32Array, table: Float32Array | undefined): void {
  if (table) lookupBytes(src as Uint8Array, dst as Float32Array, table); // a table exists for byte input only
  else dst.set(src);
}

/** The array augmentImages writes for `job`: Float32 when normalising or for Float32 input, recycled memory when there is some. */
export function outputFor(job: Pick<AugmentJob, 'images' | 'spec'>, length: number): Uint8Array | Float32Array {
  const float = job.spec.normalize !== undefined || job.images instanceof Float32Array;
  return float ? reusablePixels(Float32Array, length) : reusablePixels(Uint8Array, length);
}

function isIdentity(m: Affine): boolean {
  return m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 0 && m[4] === 1 && m[5] === 0;
}

let tableKey = '';
let tableValues = new Float32Array(256);

/**
 * The 256 normalised byte values: `(v / 255 - mean) / std` as `normalizeInPlace` computes it.
 * A copy of the table cached for the last mean and std, the caller's own to keep or change.
 */
export function byteTable(mean: number, std: number): Float32Array {
  const key = `${mean}:${std}`;
  if (key !== tableKey) {
    tableValues = Float32Array.from({ length: 256 }, (_, v) => v);
    normalizeInPlace(tableValues, 1 / 255, mean, std);
    tableKey = key;
  }
  return tableValues.slice();
}

/** `v * unit` standardised: `(v * unit - mean) / std`, in place. */
export function normalizeInPlace(values: Float32Array, unit: number, mean: number, std: number): void {
  const a = unit / std;
  const b = -mean / std;
  for (let i = 0; i < values.length; i++) values[i] = values[i] * a + b;
}
