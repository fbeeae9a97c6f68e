// Corrupts a run of byte images: the work one worker does for one block. No RxJS here.
import { OptionError } from '@idxflow/core/errors'; // errors alone: the workers import no RxJS for it
import { stageTag, streamKey } from '@idxflow/core/internal';
import type { PixelJob } from '../pixelStage.js';
import { inverseMap, warpUnits } from './affine.js';
import { gaussianBlur, glassBlur, motionBlur } from './blur.js';
import { CannyScratch, cannyEdges } from './canny.js';
import { SampleStream } from './draws.js';
import { fog, PLASMA_SIDE, spatter } from './fog.js';
import { dottedLine, line, zigzag } from './lines.js';
import { gaussianNoise, impulseNoise, shotNoise, speckleNoise } from './noise.js';
import { pixelate } from './pixelate.js';
import { zoomBlur } from './zoomBlur.js';
import { defocusBlur } from './defocus.js';
import { elasticTransform, type ElasticScratch } from './elasticTransform.js';
import { jpegCompression, quantisationTable } from './jpeg.js';
import { brightness, contrast, inverse, quantize, stripe } from './pixels.js';
import type { CorruptSpec } from './spec.js';

/** The random-stage kind of `corrupt()` ("CR"): its streams are (seed, stageTag(CORRUPT_STAGE, randomStages), epoch, index). */
export const CORRUPT_STAGE = 0x4352;

/** One block's worth of work: bytes in, bytes out, every sample of the block (corrupt() gathers Rows first). */
export interface CorruptJob extends Omit<PixelJob<Uint8Array>, 'rows'> {
  /** The checked corruption (`corruptSpecOf()`). */
  spec: CorruptSpec;
}

/** Scratch reused across samples (one set per thread). */
class Scratch {
  draws = new SampleStream();
  canny = new CannyScratch();
  unit = new Float64Array(0);
  second = new Float64Array(0);
  line = new Float64Array(0);
  plasma = new Float64Array(0);
  bytes = new Uint8Array(0);
  floats = new Float32Array(0);
  floatSum = new Float32Array(0);
  elastic: ElasticScratch = { unit: this.unit, warped: this.second, dx: new Float64Array(0), dy: new Float64Array(0), line: this.line };
  map = new Float64Array(6);
  block = new Float64Array(64);
  /** JPEG quantisation tables by quality, made once. */
  tables = new Map<number, Int32Array>();

  ensure(size: number, side: number, plasma: boolean): void {
    if (this.unit.length !== size) {
      this.unit = new Float64Array(size);
      this.second = new Float64Array(size);
      this.bytes = new Uint8Array(2 * size);
      this.floats = new Float32Array(size);
      this.floatSum = new Float32Array(size);
    }
    if (this.line.length < side) this.line = new Float64Array(side);
    if (this.elastic.unit !== this.unit || this.elastic.line !== this.line) {
      this.elastic = { unit: this.unit, warped: this.second, dx: new Float64Array(size), dy: new Float64Array(size), line: this.line };
    }
    if (plasma && this.plasma.length === 0) this.plasma = new Float64Array(PLASMA_SIDE * PLASMA_SIDE);
  }
}

const scratch = new Scratch();

/**
 * Corrupts every image of the job, outside a pipeline (what `corrupt()` runs on its workers, and
 * `idxflow preview --corrupt` on one thread); each sample's draws come from (seed, stage, epoch,
 * source index) alone, so the bytes equal the stage's for the same sample.
 *
 * ## Example
 * ```ts
 * const images = new Uint8Array(2 * 28 * 28).fill(200);
 * const out = corruptImages({ images, indices: Uint32Array.of(0, 1), epoch: 0, seed: 1, stage: 0, height: 28, width: 28, spec: corruptSpecOf({ name: 'shot_noise' }) });
 * ```
 */
export function corruptImages(job: CorruptJob): Uint8Array {
  const { images, indices, height, width, spec } = job;
  const size = height * width;
  const n = indices.length;
  const out = job.output ?? new Uint8Array(n * size);
  if (out.length !== n * size || images.length < n * size) throw new OptionError(`Expected ${n * size} input and output pixels but received ${images.length} and ${out.length}`);
  scratch.ensure(size, Math.max(height, width), spec.name === 'fog');
  const tag = stageTag(CORRUPT_STAGE, job.stage);
  for (let i = 0; i < n; i++) {
    scratch.draws.reset(streamKey(job.seed, tag, job.epoch, indices[i]));
    corruptSample(images.subarray(i * size, (i + 1) * size), out.subarray(i * size, (i + 1) * size), width, height, spec);
  }
  return out;
}

/** The sign the recipe draws for shear, rotate and translate, or the forced one. */
const sign = (spec: CorruptSpec): number => (spec.direction !== 0 ? spec.direction : scratch.draws.sign());

/** The quantisation table of a JPEG quality, from this thread's cache. */
function tableOf(quality: number): Int32Array {
  let table = scratch.tables.get(quality);
  if (table === undefined) scratch.tables.set(quality, (table = quantisationTable(quality)));
  return table;
}

function corruptSample(src: Uint8Array, dst: Uint8Array, width: number, height: number, spec: CorruptSpec): void {
  const { draws, unit, second, line: row } = scratch;
  const p = spec.params;
  switch (spec.name) {
    case 'identity': return dst.set(src);
    case 'inverse': return inverse(src, dst);
    case 'stripe': return stripe(src, dst, width);
    case 'quantize': return quantize(src, dst, p[0]);
    case 'brightness': return brightness(src, dst, p[0]);
    case 'contrast': return contrast(src, dst, p[0]);
    case 'canny_edges': return cannyEdges(src, dst, width, height, scratch.canny);
    case 'scale': return warpUnits(src, dst, width, height, inverseMap('scale', p[0], width, height), unit);
    case 'shear':
    case 'rotate': return warpUnits(src, dst, width, height, inverseMap(spec.name, p[0] * sign(spec), width, height), unit);
    case 'translate': {
      const dx = p[0] * sign(spec);
      const dy = p[0] * sign(spec);
      return warpUnits(src, dst, width, height, inverseMap('translate', 0, width, height, dx, dy), unit);
    }
    case 'shot_noise': return shotNoise(src, dst, p[0], draws);
    case 'impulse_noise': return impulseNoise(src, dst, p[0], draws);
    case 'gaussian_noise': return gaussianNoise(src, dst, p[0], draws);
    case 'speckle_noise': return speckleNoise(src, dst, p[0], draws);
    case 'gaussian_blur': return gaussianBlur(src, dst, width, height, p[0], unit, row);
    case 'glass_blur': return glassBlur(src, dst, width, height, p, draws, unit, row);
    case 'motion_blur': return motionBlur(src, dst, width, height, p, draws);
    case 'fog': return fog(src, dst, width, height, p, draws, scratch.plasma);
    case 'spatter': return spatter(src, dst, width, height, p, draws, unit, second, row);
    case 'dotted_line': return dottedLine(src, dst, draws, unit);
    case 'line': return line(src, dst, draws, unit);
    case 'zigzag': return zigzag(src, dst, draws, unit);
    case 'pixelate': return pixelate(src, dst, width, height, p[0], scratch.bytes);
    case 'defocus_blur': return defocusBlur(src, dst, width, height, p);
    case 'zoom_blur': return zoomBlur(src, dst, width, p, scratch.floats, scratch.floatSum);
    case 'jpeg_compression': return jpegCompression(src, dst, width, height, tableOf(p[0]), scratch.block);
    case 'elastic_transform': return elasticTransform(src, dst, width, p, draws, scratch.elastic, scratch.map);
  }
}
