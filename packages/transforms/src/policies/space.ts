/*
 * The augmentation spaces of torchvision 0.14's automatic policies
 * (transforms/autoaugment.py, `_augmentation_space`): for each op, its magnitudes (a float32
 * tensor) and whether a sign is drawn. The tables are torch's own float32 values: `linspace`
 * reproduces torch's CPU kernel (ATen RangeFactoriesKernel.cpp as Debian's torch 1.13 runs it on
 * x86-64: blocks of two 8-wide vectors whose first value is a fused multiply-add and whose others
 * add `j * step`, the rest scalar fused multiply-adds), which differs from a plain
 * `start + i * step` in the last bit of about half the tables.
 */

import type { PolicyOp } from '../kernels/policyOps.js';

export type { PolicyOp };

/** One op of a space: its magnitude table (undefined: torchvision's scalar 0) and whether a sign is drawn. */
export interface OpSpace {
  op: PolicyOp;
  magnitudes: number[] | undefined;
  signed: boolean;
}

const f32 = Math.fround;

/** `a * b + c` for float32 values, rounded once to float32 (a * b is exact in double precision). */
function fma32(a: number, b: number, c: number): number {
  return f32(a * b + c);
}

/**
 * torch.linspace(start, end, steps) in float32, value for value as torch's CPU kernel computes
 * it (see the header).
 *
 * ## Example
 * ```ts
 * torchLinspace(0, 0.3, 31)[9]; // 0.09 as float32
 * ```
 */
export function torchLinspace(start: number, end: number, steps: number): number[] {
  const s = f32(start);
  const e = f32(end);
  if (steps === 1) return [s];
  const step = f32(f32(e - s) / (steps - 1));
  const half = Math.floor(steps / 2);
  const first = (i: number): number => (i < half ? fma32(step, i, s) : fma32(-step, steps - i - 1, e));
  const out: number[] = [];
  const V = 8;
  let i = 0;
  for (; i + 2 * V <= steps; ) {
    for (let v = 0; v < 2; v++, i += V) {
      const base = first(i);
      for (let j = 0; j < V; j++) out.push(f32(base + f32(j * step)));
    }
  }
  for (; i < steps; i++) out.push(first(i));
  return out;
}

/** `top - round(arange(bins) / ((bins - 1) / levels))`: torchvision's posterize bits, float32 quotients rounded half to even. */
export function posterizeBits(bins: number, top: number, levels: number): number[] {
  const divisor = f32((bins - 1) / levels);
  return Array.from({ length: bins }, (_, i) => top - roundHalfEven(f32(i / divisor)));
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const S = (op: PolicyOp, magnitudes: number[] | undefined, signed: boolean): OpSpace => ({ op, magnitudes, signed });

/** RandAugment's 14 ops, as `RandAugment._augmentation_space(bins, (height, width))` orders them. */
export function randAugmentSpace(bins: number, height: number, width: number): OpSpace[] {
  const lin = (end: number): number[] => torchLinspace(0, end, bins);
  return [
    S('Identity', undefined, false),
    S('ShearX', lin(0.3), true),
    S('ShearY', lin(0.3), true),
    S('TranslateX', lin((150 / 331) * width), true),
    S('TranslateY', lin((150 / 331) * height), true),
    S('Rotate', lin(30), true),
    S('Brightness', lin(0.9), true),
    S('Color', lin(0.9), true),
    S('Contrast', lin(0.9), true),
    S('Sharpness', lin(0.9), true),
    S('Posterize', posterizeBits(bins, 8, 4), false),
    S('Solarize', torchLinspace(255, 0, bins), false),
    S('AutoContrast', undefined, false),
    S('Equalize', undefined, false),
  ];
}

/** AutoAugment's space (10 bins): RandAugment's without Identity, with Invert. */
export function autoAugmentSpace(height: number, width: number): OpSpace[] {
  return [...randAugmentSpace(10, height, width).slice(1), S('Invert', undefined, false)];
}

/** TrivialAugmentWide's 14 ops (`TrivialAugmentWide._augmentation_space(bins)`): wider ranges, independent of the image size. */
export function trivialAugmentSpace(bins: number): OpSpace[] {
  const lin = (end: number): number[] => torchLinspace(0, end, bins);
  return [
    S('Identity', undefined, false),
    S('ShearX', lin(0.99), true),
    S('ShearY', lin(0.99), true),
    S('TranslateX', lin(32), true),
    S('TranslateY', lin(32), true),
    S('Rotate', lin(135), true),
    S('Brightness', lin(0.99), true),
    S('Color', lin(0.99), true),
    S('Contrast', lin(0.99), true),
    S('Sharpness', lin(0.99), true),
    S('Posterize', posterizeBits(bins, 8, 6), false),
    S('Solarize', torchLinspace(255, 0, bins), false),
    S('AutoContrast', undefined, false),
    S('Equalize', undefined, false),
  ];
}

/** AugMix's 13 ops (`all_ops=True`, 10 bins, `AugMix._augmentation_space(10, (height, width))`). */
export function augMixSpace(height: number, width: number): OpSpace[] {
  const lin = (end: number): number[] => torchLinspace(0, end, 10);
  return [
    S('ShearX', lin(0.3), true),
    S('ShearY', lin(0.3), true),
    S('TranslateX', lin(width / 3), true),
    S('TranslateY', lin(height / 3), true),
    S('Rotate', lin(30), true),
    S('Posterize', posterizeBits(10, 4, 4), false),
    S('Solarize', torchLinspace(255, 0, 10), false),
    S('AutoContrast', undefined, false),
    S('Equalize', undefined, false),
    S('Brightness', lin(0.9), true),
    S('Color', lin(0.9), true),
    S('Contrast', lin(0.9), true),
    S('Sharpness', lin(0.9), true),
  ];
}
