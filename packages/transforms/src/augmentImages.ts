// Augments a run of images: the work one worker does for one block. No RxJS here.
import { randomBetween, RandomStage, reusablePixels, stageTag, streamKey } from '@idxflow/core';
import { affineMatrix, elasticField, gatherLookup, lookupBytes, multiplyAffine, warpResample, type Affine } from './kernels/index.js';
import type { AugmentSpec } from './spec.js';

/** One block's worth of work. */
export interface AugmentJob {
  /** Input pixels, `height * width` per sample. */
  images: Uint8Array | Float32Array;
  /** Each input sample's index in its source file (keys its random draws). */
  indices: Uint32Array;
  /** The input samples to augment, in output order; all of them when absent (a gather in the same pass). */
  rows?: Uint32Array;
  epoch: number;
  seed: number;
  /** The samples' random-stage count: which random stage of the pipeline this is (keys the draws). */
  stage: number;
  height: number;
  width: number;
  spec: AugmentSpec;
  /** Where to write the result (`n * height * width` values of the output type), if not new memory. */
  output?: Uint8Array | Float32Array;
}

// Draws per affine step; each step owns a fixed slice of the sample's stream so adding a
// parameter or a step never changes the draws of the others.
const DRAWS_PER_STEP = 8;

/** Scratch buffers reused across samples (one set per thread). */
class Scratch {
  matrix: Affine = new Float64Array(6);
  step: Affine = new Float64Array(6);
  product: Affine = new Float64Array(6);
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
const IDENTITY: readonly number[] = [1, 0, 0, 0, 1, 0];

/** Fills `scratch.matrix` with the composed affine map of every affine step for one sample. */
function sampleMatrix(spec: AugmentSpec, key: number, width: number, height: number): Affine {
  scratch.matrix.set(IDENTITY);
  spec.steps.forEach((step, k) => {
    if (step.kind !== 'affine') return;
    const c = k * DRAWS_PER_STEP;
    const shift = step.shift;
    affineMatrix(
      {
        angle: randomBetween(key, c, step.rotate[0], step.rotate[1]),
        shiftX: randomBetween(key, c + 1, shift[0], shift[1]),
        shiftY: randomBetween(key, c + 2, shift[0], shift[1]),
        scale: randomBetween(key, c + 3, step.scale[0], step.scale[1]),
        shear: randomBetween(key, c + 4, step.shear[0], step.shear[1]),
      },
      width,
      height,
      scratch.step,
    );
    // Steps apply in order; the resampler's matrix maps output to input, so later steps go on the right.
    multiplyAffine(scratch.matrix, scratch.step, scratch.product);
    scratch.matrix.set(scratch.product);
  });
  return scratch.matrix;
}

/**
 * Applies the spec's geometry to every image of the job in one resampling per image, then
 * normalises if asked. Each sample's randomness comes from (seed, stage, epoch, source index),
 * so the result does not depend on how samples were grouped or which thread ran them.
 *
 * A byte image's resampled value is rounded to the byte it would be stored as, then
 * normalised by table in the same pass, so that `augment({ ..., normalize })` gives the bits of
 * `augment({ ... })` followed by `normalize()`, only faster. With `rows`, the samples are
 * gathered in the same pass too.
 *
 * @returns `job.output` (or new pixels): Float32 when normalising or when the input is Float32.
 */
export function augmentImages(job: AugmentJob): Uint8Array | Float32Array {
  const { images, rows, height, width, spec } = job;
  const size = height * width;
  const n = samplesOf(job);
  const normalize = spec.normalize;
  const out = job.output ?? outputFor(job, n * size);
  if (out.length !== n * size) throw new RangeError(`Expected an output of ${n * size} values but received ${out.length}`);
  const table = normalize && images instanceof Uint8Array ? byteTable(normalize.mean, normalize.std) : undefined;
  scratch.ensure(height, width);
  // No geometry (normalisation alone, or the gather): one pass over the block, or over each sample.
  if (spec.steps.length > 0) augmentSamples(job, out, table);
  else if (rows === undefined) copyPixels(images.subarray(0, n * size), out, table);
  else if (table) gatherLookup(images as Uint8Array, rows, size, out as Float32Array, table);
  else for (let i = 0; i < n; i++) copyPixels(images.subarray(rows[i] * size, (rows[i] + 1) * size), out.subarray(i * size, (i + 1) * size), table);
  if (normalize && !table) normalizeInPlace(out as Float32Array, 1, normalize.mean, normalize.std);
  return out;
}

/** The per-sample loop of `augmentImages`: draw, build the geometry, resample once. */
function augmentSamples(job: AugmentJob, out: Uint8Array | Float32Array, table: Float32Array | undefined): void {
  const { images, indices, rows, epoch, seed, stage, height, width, spec } = job;
  const size = height * width;
  const n = samplesOf(job);
  const elastic = spec.steps.find((s) => s.kind === 'elastic');
  const affineTag = stageTag(RandomStage.augment, stage);
  const elasticTag = stageTag(RandomStage.elastic, stage);
  const options = { interpolation: spec.interpolation, fill: spec.fill, table }; // normalised in the resampling pass
  for (let i = 0; i < n; i++) {
    const row = rows === undefined ? i : rows[i];
    if (rows !== undefined && i + 1 < n) touchSample(images, rows[i + 1] * size, size);
    const index = indices[row];
    const src = images.subarray(row * size, (row + 1) * size);
    const dst = out.subarray(i * size, (i + 1) * size);
    const matrix = sampleMatrix(spec, streamKey(seed, affineTag, epoch, index), width, height);
    let dx: Float32Array | undefined;
    let dy: Float32Array | undefined;
    if (elastic && elastic.kind === 'elastic' && elastic.alpha > 0) {
      const key = streamKey(seed, elasticTag, epoch, index);
      elasticField(scratch.dx, scratch.dy, width, height, elastic.alpha, elastic.sigma, key);
      dx = scratch.dx;
      dy = scratch.dy;
    }
    if (dx === undefined && isIdentity(matrix)) {
      copyPixels(src, dst, table); // nothing moves: resampling would return every pixel exactly
    } else {
      warpResample(src, dst, width, height, matrix, dx, dy, options);
    }
  }
}

/**
 * Reads one value per 64-byte cache line of the sample at `start`, the next one to resample,
 * so that its cache misses overlap one another and the current sample's work instead of
 * stalling the kernel a line at a time: rows of a shuffled epoch are random reads from
 * memory (4% more images/s in the bench's case (b) on 2 workers).
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

/** The 256 normalised byte values: `(v / 255 - mean) / std` as `normalizeInPlace` computes it. */
export function byteTable(mean: number, std: number): Float32Array {
  const key = `${mean}:${std}`;
  if (key !== tableKey) {
    tableValues = Float32Array.from({ length: 256 }, (_, v) => v);
    normalizeInPlace(tableValues, 1 / 255, mean, std);
    tableKey = key;
  }
  return tableValues;
}

/** `v * unit` standardised: `(v * unit - mean) / std`, in place. */
export function normalizeInPlace(values: Float32Array, unit: number, mean: number, std: number): void {
  const a = unit / std;
  const b = -mean / std;
  for (let i = 0; i < values.length; i++) values[i] = values[i] * a + b;
}
