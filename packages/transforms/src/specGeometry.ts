// The geometric steps of one augment() call, normalised from its options: one affine step (the
// matrix of rotation, shift, scale, shears and flips) and one elastic step, each if asked for.
import { drawnOf, probability, received, type Drawn } from './ranges.js';
import type { AugmentOptions } from './spec.js';
import { OptionError } from '@idxflow/core';

/** One affine step of a fused chain: ranges to draw from, and the probability of each. */
export interface AffineStep {
  kind: 'affine';
  rotate: [number, number];
  shift: [number, number];
  scale: [number, number];
  shear: [number, number];
  shearY: [number, number];
  /** Probability that each of rotate, shift, scale, shear and shearY is drawn (else it is neutral). */
  p: [number, number, number, number, number];
  /** Probabilities of mirroring left-right and top-bottom, before the rest of the step. */
  flip: [number, number];
}

/** One elastic step of a fused chain. */
export interface ElasticStep {
  kind: 'elastic';
  alpha: number;
  sigma: number;
  /** Probability that a sample is distorted. */
  p: number;
}

export type Step = AffineStep | ElasticStep;

const NONE: Drawn = { range: [0, 0], p: 1 };

/** The affine step the options ask for, or undefined when it changes nothing. */
function affineStepOf(options: AugmentOptions): AffineStep | undefined {
  const rotate = drawnOf('rotate', options.rotate, true, 0) ?? NONE;
  const shift = drawnOf('shift', options.shift, true, 0) ?? NONE;
  const scale = drawnOf('scale', options.scale, false, 1) ?? { range: [1, 1], p: 1 };
  const shear = drawnOf('shear', options.shear, true, 0) ?? NONE;
  const shearY = drawnOf('shearY', options.shearY, true, 0) ?? NONE;
  if (scale.range[0] <= 0) throw new OptionError(`Expected positive factors for scale but received ${received(options.scale)}`);
  for (const [name, drawn] of [['shear', shear], ['shearY', shearY]] as const) {
    if (!(drawn.range[0] > -90 && drawn.range[1] < 90)) throw new OptionError(`Expected degrees within (-90, 90) for ${name} but received ${received(options[name])}`);
  }
  const flip = flipOf(options.flip);
  const step: AffineStep = {
    kind: 'affine',
    rotate: rotate.range,
    shift: shift.range,
    scale: scale.range,
    shear: shear.range,
    shearY: shearY.range,
    p: [rotate.p, shift.p, scale.p, shear.p, shearY.p],
    flip,
  };
  const still = [step.rotate, step.shift, step.shear, step.shearY].every(([a, b]) => a === 0 && b === 0) && step.scale[0] === 1 && step.scale[1] === 1;
  return still && flip[0] === 0 && flip[1] === 0 ? undefined : step;
}

function flipOf(flip: AugmentOptions['flip']): [number, number] {
  if (flip === undefined) return [0, 0];
  if (typeof flip !== 'object' || flip === null || Array.isArray(flip)) throw new OptionError(`Expected { horizontal, vertical } for flip but received ${received(flip)}`);
  return [probability('flip.horizontal', flip.horizontal, 0), probability('flip.vertical', flip.vertical, 0)];
}

function elasticStepOf(elastic: AugmentOptions['elastic']): ElasticStep | undefined {
  if (elastic === undefined) return undefined;
  if (typeof elastic !== 'object' || elastic === null) throw new OptionError(`Expected { alpha, sigma } for elastic but received ${received(elastic)}`);
  const { alpha, sigma } = elastic;
  if (!(typeof alpha === 'number' && alpha >= 0 && Number.isFinite(alpha))) throw new OptionError(`Expected non-negative number for elastic.alpha but received ${received(alpha)}`);
  if (!(typeof sigma === 'number' && sigma > 0 && Number.isFinite(sigma))) throw new OptionError(`Expected positive number for elastic.sigma but received ${received(sigma)}`);
  return { kind: 'elastic', alpha, sigma, p: probability('elastic.p', elastic.p, 1) };
}

/** The steps for one `augment()` call: an affine step (if any) then an elastic step (if any). */
export function stepsOf(options: AugmentOptions): Step[] {
  const steps: Step[] = [];
  const affine = affineStepOf(options);
  if (affine) steps.push(affine);
  const elastic = elasticStepOf(options.elastic);
  if (elastic) steps.push(elastic);
  return steps;
}

/** torchvision's `RandomResizedCrop` of a spec: its ranges and the chance a sample is cropped. */
export interface ResizedCropStep {
  /** Share of the image's area, uniform in `[min, max]`. */
  scale: [number, number];
  /** Aspect ratio (width / height), log-uniform in `[min, max]`. */
  ratio: [number, number];
  /** Probability that a sample is cropped. */
  p: number;
}

/** torchvision's `RandomPerspective` of a spec. */
export interface PerspectiveStep {
  /** How far each corner may move, as a share of half the side (0 to 1). */
  distortion: number;
  /** Probability that a sample is distorted. */
  p: number;
}

/** A `[min, max]` pair within [low, high], min <= max. */
function pairOf(name: string, value: unknown, fallback: [number, number], low: number, high: number): [number, number] {
  if (value === undefined) return fallback;
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && v >= low && v <= high) && value[0] <= value[1]) return [value[0], value[1]];
  throw new OptionError(`Expected [min, max] with ${low} <= min <= max <= ${high} for ${name} but received ${received(value)}`);
}

/** The resized crop the options ask for, checked; undefined when absent. */
export function resizedCropStepOf(crop: AugmentOptions['resizedCrop']): ResizedCropStep | undefined {
  if (crop === undefined) return undefined;
  if (typeof crop !== 'object' || crop === null || Array.isArray(crop)) throw new OptionError(`Expected { scale, ratio, p } for resizedCrop but received ${received(crop)}`);
  const scale = pairOf('resizedCrop.scale', crop.scale, [0.08, 1], 0, 1);
  if (!(scale[1] > 0)) throw new OptionError(`Expected a positive maximum for resizedCrop.scale but received ${received(crop.scale)}`);
  const ratio = pairOf('resizedCrop.ratio', crop.ratio, [3 / 4, 4 / 3], 1e-3, 1e3);
  return { scale, ratio, p: probability('resizedCrop.p', crop.p, 1) };
}

/** The perspective the options ask for, checked; undefined when absent. */
export function perspectiveStepOf(perspective: AugmentOptions['perspective']): PerspectiveStep | undefined {
  if (perspective === undefined) return undefined;
  if (typeof perspective !== 'object' || perspective === null || Array.isArray(perspective)) throw new OptionError(`Expected { distortion, p } for perspective but received ${received(perspective)}`);
  const distortion = perspective.distortion ?? 0.5;
  if (!(typeof distortion === 'number' && distortion >= 0 && distortion <= 1)) throw new OptionError(`Expected a number from 0 to 1 for perspective.distortion but received ${received(distortion)}`);
  return { distortion, p: probability('perspective.p', perspective.p, 1) };
}
