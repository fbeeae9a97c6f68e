// One sample's geometry as augment() draws it: its affine parameters, flips and composed
// matrix, and its elastic field. augmentImages resamples by it; sampleDraws reports it. One
// place draws, so what a user inspects is what the pipeline does. No RxJS here.
import { randomBetween, RandomStage, stageTag } from '@idxflow/core/internal';
import { applies, PIXEL_DRAWS } from './draws.js';
import { affineMatrix, elasticField, flipAffine, multiplyAffine, type Affine, type AffineParams } from './kernels/index.js';
import type { AffineStep, AugmentSpec, ElasticStep } from './spec.js';

// Draws per affine step; each step owns a fixed slice of the sample's stream so adding a
// parameter or a step never changes the draws of the others.
const DRAWS_PER_STEP = 8;

/** The stage words of an augment() stage's streams, for its `stage`-th random stage. */
export interface StreamTags {
  affine: number;
  elastic: number;
  pixel: number;
  noise: number;
}

/** The stream tags of the `stage`-th random stage of a pipeline (see `stageTag`). */
export function streamTags(stage: number): StreamTags {
  return {
    affine: stageTag(RandomStage.augment, stage),
    elastic: stageTag(RandomStage.elastic, stage),
    pixel: stageTag(RandomStage.pixel, stage),
    noise: stageTag(RandomStage.noise, stage),
  };
}

/** Matrices reused across samples (one set per thread). */
export class GeometryScratch {
  matrix: Affine = new Float64Array(6);
  step: Affine = new Float64Array(6);
  product: Affine = new Float64Array(6);
  flip: Affine = new Float64Array(6);
}

/** Whether parameter `k` of the step (rotate, shift, scale, shear, shearY) applies to the sample: its chance, pixel draw `k`. */
function chance(step: AffineStep, k: number, pixelKey: number): boolean {
  return applies(pixelKey, PIXEL_DRAWS.affineChance + k, step.p[k]);
}

/**
 * The rotation, shift, scale and shears that affine step number `k` of a spec draws for the
 * sample of affine stream `key` and pixel stream `pixelKey`: neutral where its chance fails.
 */
export function affineParamsOf(step: AffineStep, k: number, key: number, pixelKey: number): Required<AffineParams> {
  const c = k * DRAWS_PER_STEP;
  const shift = chance(step, 1, pixelKey);
  // The affine stream's counters c to c + 4 are those of the first release; shearY took c + 5.
  return {
    angle: chance(step, 0, pixelKey) ? randomBetween(key, c, step.rotate[0], step.rotate[1]) : 0,
    shiftX: shift ? randomBetween(key, c + 1, step.shift[0], step.shift[1]) : 0,
    shiftY: shift ? randomBetween(key, c + 2, step.shift[0], step.shift[1]) : 0,
    scale: chance(step, 2, pixelKey) ? randomBetween(key, c + 3, step.scale[0], step.scale[1]) : 1,
    shear: chance(step, 3, pixelKey) ? randomBetween(key, c + 4, step.shear[0], step.shear[1]) : 0,
    shearY: chance(step, 4, pixelKey) ? randomBetween(key, c + 5, step.shearY[0], step.shearY[1]) : 0,
  };
}

/** Which mirrorings of the step the sample gets: bit 1 left-right, bit 2 top-bottom. */
export function flipsOf(step: AffineStep, pixelKey: number): number {
  const horizontal = applies(pixelKey, PIXEL_DRAWS.flipHorizontal, step.flip[0]);
  const vertical = applies(pixelKey, PIXEL_DRAWS.flipVertical, step.flip[1]);
  return (horizontal ? 1 : 0) | (vertical ? 2 : 0);
}

/** `scratch.step` preceded by this sample's flips (mirroring comes first), if any. */
function flipped(step: AffineStep, pixelKey: number, width: number, height: number, scratch: GeometryScratch): Affine {
  const flips = flipsOf(step, pixelKey);
  if (flips === 0) return scratch.step;
  // The change applied first goes on the left of an output-to-input product.
  multiplyAffine(flipAffine((flips & 1) !== 0, (flips & 2) !== 0, width, height, scratch.flip), scratch.step, scratch.product);
  scratch.step.set(scratch.product);
  return scratch.step;
}

const IDENTITY: readonly number[] = [1, 0, 0, 0, 1, 0];

/** Fills `scratch.matrix` with the composed output-to-input affine map of every affine step for one sample. */
export function sampleMatrix(spec: AugmentSpec, key: number, pixelKey: number, width: number, height: number, scratch: GeometryScratch): Affine {
  scratch.matrix.set(IDENTITY);
  spec.steps.forEach((step, k) => {
    if (step.kind !== 'affine') return;
    affineMatrix(affineParamsOf(step, k, key, pixelKey), width, height, scratch.step);
    // Steps apply in order; the resampler's matrix maps output to input, so later steps go on the right.
    multiplyAffine(scratch.matrix, flipped(step, pixelKey, width, height, scratch), scratch.product);
    scratch.matrix.set(scratch.product);
  });
  return scratch.matrix;
}

/**
 * Fills `dx` and `dy` with the sample's elastic field and returns true, or returns false when
 * it gets none (no elastic step, alpha 0, or its chance failed). `elasticKey` is the key of
 * the sample's elastic stream.
 */
export function sampleField(
  elastic: ElasticStep | undefined,
  pixelKey: number,
  elasticKey: number,
  width: number,
  height: number,
  dx: Float32Array,
  dy: Float32Array,
): boolean {
  if (!elastic || !(elastic.alpha > 0) || !applies(pixelKey, PIXEL_DRAWS.elasticChance, elastic.p)) return false;
  elasticField(dx, dy, width, height, elastic.alpha, elastic.sigma, elasticKey);
  return true;
}
