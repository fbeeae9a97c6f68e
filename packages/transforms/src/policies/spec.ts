// The options of the automatic policies, checked once when a stage is built.
import { OptionError } from '@idxflow/core/errors';
import { validate } from '@idxflow/core/internal';
import { AUTO_AUGMENT_POLICIES } from './autoPolicies.js';

/** What every policy shares: how its geometric ops resample. */
export interface PolicyResampleOptions {
  /** `'nearest'` (torchvision's default for AutoAugment, RandAugment and TrivialAugmentWide) or `'bilinear'` (AugMix's default). */
  interpolation?: 'nearest' | 'bilinear';
  /** The byte value outside the image after a geometric op (torchvision's `fill`; None is 0). Default 0. */
  fill?: number;
}

/** `randAugment()`'s options: torchvision's `RandAugment(num_ops, magnitude, num_magnitude_bins)`. */
export interface RandAugmentOptions extends PolicyResampleOptions {
  /** Ops applied in turn, each drawn uniformly from the 14 (`num_ops`). Default 2. */
  ops?: number;
  /** The magnitude bin of every op, 0 to `bins - 1` (`magnitude`). Default 9. */
  magnitude?: number;
  /** Magnitude bins (`num_magnitude_bins`), at least 2. Default 31. */
  bins?: number;
}

/** `trivialAugment()`'s options: torchvision's `TrivialAugmentWide(num_magnitude_bins)`. */
export interface TrivialAugmentOptions extends PolicyResampleOptions {
  /** Magnitude bins, at least 2; each sample draws one op and one bin. Default 31. */
  bins?: number;
}

/** `autoAugment()`'s options: torchvision's `AutoAugment(policy)`. */
export interface AutoAugmentOptions extends PolicyResampleOptions {
  /** The learned policy: ImageNet's, CIFAR-10's or SVHN's (digits). Default `'imagenet'`, as torchvision's. */
  policy?: 'imagenet' | 'cifar10' | 'svhn';
}

/** `augMix()`'s options: torchvision's `AugMix(severity, mixture_width, chain_depth, alpha)` with `all_ops=True`. */
export interface AugMixOptions extends PolicyResampleOptions {
  /** The ops' magnitude bins are drawn from the first `severity` of 10, 1 to 10. Default 3. */
  severity?: number;
  /** Chains mixed (`mixture_width`), 1 to 64. Default 3. */
  width?: number;
  /** Ops per chain, 1 to 16, or -1: drawn from 1 to 3 per chain (`chain_depth`). Default -1. */
  depth?: number;
  /** The Dirichlet and Beta parameter of the mixing weights, > 0. Default 1. */
  alpha?: number;
}

/** A policy's options, checked: what `policyImages` and `policyDraws` read. */
export type PolicySpec =
  | { kind: 'randAugment'; ops: number; magnitude: number; bins: number; interpolation: 'nearest' | 'bilinear'; fill: number }
  | { kind: 'trivialAugment'; bins: number; interpolation: 'nearest' | 'bilinear'; fill: number }
  | { kind: 'autoAugment'; policy: 'imagenet' | 'cifar10' | 'svhn'; interpolation: 'nearest' | 'bilinear'; fill: number }
  | { kind: 'augMix'; severity: number; width: number; depth: number; alpha: number; interpolation: 'nearest' | 'bilinear'; fill: number };

/** The options of each policy, by kind. */
export interface PolicyOptionsOf {
  /** `randAugment()`'s options. */
  randAugment: RandAugmentOptions;
  /** `trivialAugment()`'s options. */
  trivialAugment: TrivialAugmentOptions;
  /** `autoAugment()`'s options. */
  autoAugment: AutoAugmentOptions;
  /** `augMix()`'s options. */
  augMix: AugMixOptions;
}

function resampling(options: PolicyResampleOptions, interpolation: 'nearest' | 'bilinear'): { interpolation: 'nearest' | 'bilinear'; fill: number } {
  return {
    interpolation: validate.oneOf('interpolation', options.interpolation ?? interpolation, ['nearest', 'bilinear'] as const),
    fill: validate.finite('fill', options.fill ?? 0, 0, 255),
  };
}

/**
 * Checks a policy's options and fills in torchvision's defaults; throws a `RangeError` or
 * `TypeError` naming the option otherwise.
 *
 * ## Example
 * ```ts
 * policySpecOf('randAugment', { ops: 2, magnitude: 9 }); // { kind: 'randAugment', ops: 2, magnitude: 9, bins: 31, ... }
 * ```
 */
export function policySpecOf<K extends keyof PolicyOptionsOf>(kind: K, options: PolicyOptionsOf[K]): PolicySpec {
  if (typeof options !== 'object' || options === null) throw new OptionError(`Expected an options object for ${kind}() but received ${String(options)}`);
  switch (kind) {
    case 'randAugment': {
      const o = options as RandAugmentOptions;
      const bins = validate.integer('bins', o.bins ?? 31, 2, 1000);
      return { kind, ops: validate.integer('ops', o.ops ?? 2, 0, 64), magnitude: validate.integer('magnitude', o.magnitude ?? 9, 0, bins - 1), bins, ...resampling(o, 'nearest') };
    }
    case 'trivialAugment': {
      const o = options as TrivialAugmentOptions;
      return { kind, bins: validate.integer('bins', o.bins ?? 31, 2, 1000), ...resampling(o, 'nearest') };
    }
    case 'autoAugment': {
      const o = options as AutoAugmentOptions;
      const policy = validate.oneOf('policy', o.policy ?? 'imagenet', Object.keys(AUTO_AUGMENT_POLICIES) as ('imagenet' | 'cifar10' | 'svhn')[]);
      return { kind, policy, ...resampling(o, 'nearest') };
    }
    default: {
      const o = options as AugMixOptions;
      const depth = validate.integer('depth', o.depth ?? -1, -1, 16);
      if (depth === 0) throw new OptionError('Expected -1 or an integer from 1 to 16 for depth but received 0');
      return {
        kind: 'augMix',
        severity: validate.integer('severity', o.severity ?? 3, 1, 10),
        width: validate.integer('width', o.width ?? 3, 1, 64),
        depth,
        alpha: validate.finite('alpha', o.alpha ?? 1, Number.MIN_VALUE, 1e6),
        ...resampling(o, 'bilinear'),
      };
    }
  }
}
