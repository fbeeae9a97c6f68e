// How augmentation options name what to draw: ranges, and the share of samples that get a step.
// Checked when a stage is built; messages name the option ("rotate.p", "brightness.range").
import { OptionError } from '@idxflow/core';

/** A number `x` meaning the range [-x, x], or an explicit `[min, max]`. */
export type Range = number | readonly [number, number];

/** A factor range: `[min, max]`, or one number `f` meaning exactly `f` (`[f, f]`). */
export type Factor = number | readonly [number, number];

/**
 * An option's range, or the range with the probability `p` that a sample gets the step at all
 * (drawn per sample; otherwise the step leaves the sample as it is). `p` defaults to 1.
 *
 * ## Example
 * ```ts
 * augment({ rotate: 15 });                        // every sample, uniform in [-15, 15]
 * augment({ rotate: { range: 15, p: 0.5 } });     // half the samples, the others unrotated
 * ```
 */
export type Chance<R> = R | { readonly range: R; readonly p?: number };

/** `value` as messages show it: `-3 of type number`. */
export function received(value: unknown): string {
  return `${JSON.stringify(value)} of type ${Array.isArray(value) ? 'array' : typeof value}`;
}

/**
 * Normalises a `Range` (symmetric: `x` is [-x, x]) or a `Factor` (`f` is [f, f]), validating it.
 *
 * @param name The option, for messages.
 * @param value What the user wrote; undefined gives `[neutral, neutral]`.
 * @param symmetric Whether one number `x` means [-x, x] (else [x, x]).
 * @param neutral The value that changes nothing.
 */
export function toRange(name: string, value: Range | undefined, symmetric: boolean, neutral: number): [number, number] {
  if (value === undefined) return [neutral, neutral];
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (!symmetric) return [value, value];
    if (value < 0) throw new OptionError(`Expected non-negative number or [min, max] for ${name} but received ${received(value)}`);
    return [-value, value];
  }
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isFinite(v)) && value[0] <= value[1]) {
    return [value[0], value[1]];
  }
  throw new OptionError(`Expected ${symmetric ? 'number or ' : ''}[min, max] with min <= max for ${name} but received ${received(value)}`);
}

/** A probability in [0, 1]; undefined gives `fallback`. */
export function probability(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new OptionError(`Expected probability between 0 and 1 for ${name} but received ${received(value)}`);
  return value;
}

/** Splits a `Chance` into its range (as written) and its probability, naming `name.range` and `name.p`. */
export function chanceOf<R>(name: string, value: Chance<R> | undefined): { range: R | undefined; p: number; rangeName: string } {
  if (value === undefined) return { range: undefined, p: 1, rangeName: name };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { range: value as R, p: 1, rangeName: name };
  const { range, p } = value as { range?: R; p?: number };
  if (range === undefined) throw new OptionError(`Expected a range or { range, p } for ${name} but received ${received(value)}`);
  return { range, p: probability(`${name}.p`, p, 1), rangeName: `${name}.range` };
}

/** A range with its probability: the normalised form of a `Chance`. */
export interface Drawn {
  /** Uniform in [range[0], range[1]). */
  range: [number, number];
  /** Probability that a sample gets the step. */
  p: number;
}

/** `chanceOf` then `toRange`: a `Drawn`, or undefined when the option is absent. */
export function drawnOf(name: string, value: Chance<Range> | undefined, symmetric: boolean, neutral: number): Drawn | undefined {
  if (value === undefined) return undefined;
  const { range, p, rangeName } = chanceOf(name, value);
  return { range: toRange(rangeName, range, symmetric, neutral), p };
}
