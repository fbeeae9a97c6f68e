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
