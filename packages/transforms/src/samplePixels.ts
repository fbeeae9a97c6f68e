// The pixel steps of augment() on one sample, in the pass of its resampling: thickness,
// brightness, contrast, gamma, the filters (sampleFilters.ts), noise, erasing, then the
// normalisation's table. No RxJS here; scratch memory is reused from sample to sample.
//
// Brightness, gamma, posterize, solarize and invert map bytes to bytes whatever the image, so
// when they are all a sample gets (besides erasing) their table is composed with the
// normalisation's and the resampling stores the final values directly: no pass of their own. Contrast needs the mean of the
// resampled image, thickness and noise its pixels: then the sample is resampled to bytes first.
import { randomUniform } from '@idxflow/core/internal';
import { applies, drawnValue, PIXEL_DRAWS, valueDraw } from './draws.js';
import {
  addGaussianNoise,
  adjustFloats,
  brightenedMean,
  ERASE_ATTEMPTS,
  eraseBox,
  fillBox,
  invertPixels,
  lookupBytes,
  mapBytes,
  mapToFloats,
  posterizeBytes,
  solarizePixels,
  thickenStroke,
  toneTable,
  type Tones,
} from './kernels/index.js';
import { applyFilters, drawFilters, FilterScratch, filtersMapBytes, filtersOn, type FilterPlan } from './sampleFilters.js';
import type { PixelSteps } from './specPixels.js';
import { resampleByWarp, type Warp } from './resampleWarp.js';

/** One sample's draws: what its pixel steps do (0 radius or sigma, and NaN factors, mean none). */
export class Plan implements FilterPlan {
  radius = 0;
  brightness = NaN;
  contrast = NaN;
  gamma = NaN;
  blurSigma = 0;
  sharpness = NaN;
  bits = -1;
  threshold = NaN;
  autocontrast = false;
  equalize = false;
  invert = false;
  sigma = 0;
  erase = false;
}

/** Scratch buffers of the pixel steps (one set per thread). */
export class PixelScratch {
  /** The resampled sample, for byte images that need their pixels before the output. */
  resampled = new Uint8Array(0);
  thick = new Uint8Array(0);
  noisy = new Uint8Array(0);
  filtered = new Uint8Array(0);
  readonly filters = new FilterScratch();
  thickFloats = new Float32Array(0);
  uniforms = new Float64Array(0);
  readonly table = new Uint8Array(256);
  readonly values = new Float32Array(256);
  readonly box = new Int32Array(4);
  readonly attempt = new Float64Array(4);
  readonly plan = new Plan();
  readonly tones: Tones = { brightness: NaN, contrast: NaN, mean: 0, gamma: NaN };

  ensure(size: number): void {
    if (this.resampled.length === size) return;
    this.resampled = new Uint8Array(size);
    this.thick = new Uint8Array(size);
    this.noisy = new Uint8Array(size);
    this.filtered = new Uint8Array(size);
    this.filters.ensure(size);
    this.thickFloats = new Float32Array(size);
    this.uniforms = new Float64Array(size + 1);
  }
}

/** A sample's keys: its pixel stream and its noise stream. */
export interface SampleKeys {
  pixel: number;
  noise: number;
}

export type { Warp } from './resampleWarp.js';

/** Draws the sample's pixel steps into `scratch.plan` (and its erasing box into `scratch.box`). */
export function drawPlan(steps: PixelSteps, key: number, width: number, height: number, scratch: PixelScratch): Plan {
  const plan = scratch.plan;
  plan.radius = steps.thickness ? drawnValue(key, PIXEL_DRAWS.thickness, steps.thickness, 0) : 0;
  if (Math.abs(plan.radius) < 1) plan.radius = 0;
  for (const kind of TONES) {
    const step = steps[kind];
    plan[kind] = step && applies(key, PIXEL_DRAWS[kind], step.p) ? valueDraw(key, PIXEL_DRAWS[kind], step.range) : NaN;
  }
  drawFilters(steps, key, plan);
  plan.sigma = steps.noise ? drawnValue(key, PIXEL_DRAWS.noise, steps.noise, 0) : 0;
  plan.erase = drawBox(steps, key, width, height, scratch);
  return plan;
}

const TONES = ['brightness', 'contrast', 'gamma'] as const;

/** The erasing box of this sample in `scratch.box`, or false when it gets none. */
function drawBox(steps: PixelSteps, key: number, width: number, height: number, scratch: PixelScratch): boolean {
  const erase = steps.erase;
  if (erase === undefined || !applies(key, PIXEL_DRAWS.erase, erase.p)) return false;
  const u = scratch.attempt;
  for (let k = 0; k < ERASE_ATTEMPTS; k++) {
    for (let j = 0; j < 4; j++) u[j] = randomUniform(key, PIXEL_DRAWS.erase + 1 + 4 * k + j);
    if (eraseBox(u, height, width, erase.scale, erase.ratio, scratch.box)) return true;
  }
  return false;
}

/** The byte table of the plan's brightness, contrast and gamma (contrast over `pixels`), or undefined when none applies. */
function tones(plan: Plan, pixels: Uint8Array | undefined, scratch: PixelScratch): Uint8Array | undefined {
  const { brightness, contrast, gamma } = plan;
  if (Number.isNaN(brightness) && Number.isNaN(contrast) && Number.isNaN(gamma)) return undefined;
  // contrast blends with the mean of the image as brightness left it
  const mean = Number.isNaN(contrast) ? 0 : brightenedMean(pixels!, brightness);
  const factors = scratch.tones;
  factors.brightness = brightness;
  factors.contrast = contrast;
  factors.mean = mean;
  factors.gamma = gamma;
  return toneTable(scratch.table, factors);
}

/** `table` followed by the plan's byte-map filters (posterize, solarize, invert), applied to the table's 256 entries; `table` itself when none is on. */
function byteMaps(plan: Plan, table: Uint8Array | undefined, scratch: PixelScratch): Uint8Array | undefined {
  if (!filtersOn(plan)) return table;
  if (table === undefined) {
    table = scratch.table;
    for (let v = 0; v < 256; v++) table[v] = v;
  }
  if (plan.bits >= 0) posterizeBytes(table, plan.bits);
  if (plan.threshold === plan.threshold) solarizePixels(table, plan.threshold);
  if (plan.invert) invertPixels(table);
  return table;
}

/** `normalized` after `table` (the 256 output values of each byte), or `normalized` alone. */
function composed(normalized: Float32Array, table: Uint8Array | undefined, scratch: PixelScratch): Float32Array {
  if (table === undefined) return normalized;
  for (let v = 0; v < 256; v++) scratch.values[v] = normalized[table[v]];
  return scratch.values;
}

/** A byte value as a byte image stores it: rounded, clamped to [0, 255]. */
function byteOf(value: number): number {
  return Math.min(255, Math.max(0, Math.round(value)));
}

/**
 * One byte sample: its geometry (`warp`) from `src`, then its pixel steps, into `dst`: bytes, or
 * Float32 through `normalized` (the 256 normalised byte values).
 */
export function samplePixelsBytes(
  src: Uint8Array,
  dst: Uint8Array | Float32Array,
  width: number,
  height: number,
  steps: PixelSteps,
  keys: SampleKeys,
  warp: Warp,
  normalized: Float32Array | undefined,
  scratch: PixelScratch,
): void {
  const plan = drawPlan(steps, keys.pixel, width, height, scratch);
  if (plan.radius === 0 && Number.isNaN(plan.contrast) && plan.sigma === 0 && filtersMapBytes(plan)) {
    // Tone maps known before resampling: one pass stores the final values.
    const table = byteMaps(plan, tones(plan, undefined, scratch), scratch);
    if (normalized) resampleInto(src, dst, width, height, warp, composed(normalized, table, scratch));
    else {
      resampleInto(src, dst, width, height, warp, undefined);
      if (table) mapBytes(dst as Uint8Array, dst as Uint8Array, table);
    }
  } else {
    stagedBytes(src, dst, width, height, steps, plan, keys, warp, normalized, scratch);
  }
  if (plan.erase) {
    const byte = byteOf(steps.erase!.value);
    fillBox(dst, width, scratch.box, normalized ? normalized[byte] : byte);
  }
}

/** `src` resampled by `warp` into `dst`, through `table` when given (Float32 `dst`). */
function resampleInto(src: Uint8Array, dst: Uint8Array | Float32Array, width: number, height: number, warp: Warp, table: Float32Array | undefined): void {
  if (!warp.moved) {
    if (table) lookupBytes(src, dst as Float32Array, table);
    else dst.set(src);
  } else if (table) {
    warp.tabled.table = table;
    resampleByWarp(src, dst, width, height, warp, warp.tabled);
  } else {
    resampleByWarp(src, dst, width, height, warp, warp.plain);
  }
}

/** The pixel steps that need the resampled bytes: resampled first, then each step, then the output. */
function stagedBytes(
  src: Uint8Array,
  dst: Uint8Array | Float32Array,
  width: number,
  height: number,
  steps: PixelSteps,
  plan: Plan,
  keys: SampleKeys,
  warp: Warp,
  normalized: Float32Array | undefined,
  scratch: PixelScratch,
): void {
  let pixels = src;
  if (warp.moved) resampleByWarp(src, (pixels = scratch.resampled), width, height, warp, warp.plain);
  if (plan.radius !== 0) {
    thickenStroke(pixels, scratch.thick, width, height, plan.radius);
    pixels = scratch.thick;
  }
  let table = tones(plan, pixels, scratch);
  if (filtersOn(plan)) {
    if (table) mapBytes(pixels, scratch.filtered, table);
    else scratch.filtered.set(pixels);
    applyFilters(scratch.filtered, width, height, steps, plan, scratch.filters);
    pixels = scratch.filtered;
    table = undefined;
  }
  if (plan.sigma > 0) {
    if (table) mapBytes(pixels, scratch.noisy, table);
    else scratch.noisy.set(pixels);
    addGaussianNoise(scratch.noisy, plan.sigma * 255, noiseUniforms(scratch, keys.noise, width * height));
    pixels = scratch.noisy;
    table = undefined;
  }
  if (normalized) mapToFloats(pixels, dst as Float32Array, normalized, table);
  else if (table) mapBytes(pixels, dst as Uint8Array, table);
  else dst.set(pixels);
}

/** Fills the scratch's uniforms from the noise stream: draw i for pixel i. */
function noiseUniforms(scratch: PixelScratch, key: number, size: number): Float64Array {
  const u = scratch.uniforms;
  for (let i = 0; i < size + (size & 1); i++) u[i] = randomUniform(key, i);
  return u;
}

/** One Float32 sample (values in [0, 1]), already resampled into `pixels`: its pixel steps, in place. */
export function samplePixelsFloats(pixels: Float32Array, width: number, height: number, steps: PixelSteps, keys: SampleKeys, scratch: PixelScratch): void {
  const plan = drawPlan(steps, keys.pixel, width, height, scratch);
  if (plan.radius !== 0) {
    thickenStroke(pixels, scratch.thickFloats, width, height, plan.radius);
    pixels.set(scratch.thickFloats);
  }
  for (const kind of TONES) if (!Number.isNaN(plan[kind])) adjustFloats(pixels, kind, plan[kind]);
  if (filtersOn(plan)) applyFilters(pixels, width, height, steps, plan, scratch.filters);
  if (plan.sigma > 0) addGaussianNoise(pixels, plan.sigma, noiseUniforms(scratch, keys.noise, pixels.length));
  if (plan.erase) fillBox(pixels, width, scratch.box, steps.erase!.value);
}
