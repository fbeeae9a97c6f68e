// One small module for option checks, run when a stage is built, not inside its loop.
// Messages follow one shape: "Expected <what> for <name> but received <value> of type <type>".
import { OptionError } from './errors.js';

function received(value: unknown): string {
  return `${typeof value === 'string' ? JSON.stringify(value) : String(value)} of type ${typeof value}`;
}

/** Throws an OptionError unless `value` is an integer in `[min, max]`. */
export function integer(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range =
      min === -Infinity && max === Infinity
        ? 'integer'
        : max === Infinity
          ? `integer >= ${min}`
          : `integer between ${min} and ${max}`;
    throw new OptionError(`Expected ${range} for ${name} but received ${received(value)}`);
  }
  return value;
}

/** Throws an OptionError unless `value` is a finite number in `[min, max]`. */
export function finite(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? 'finite number' : `number between ${min} and ${max}`;
    throw new OptionError(`Expected ${range} for ${name} but received ${received(value)}`);
  }
  return value;
}

/** Throws an OptionError unless `value` is one of `choices`. */
export function oneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new OptionError(`Expected one of ${choices.join(', ')} for ${name} but received ${received(value)}`);
  }
  return value as T;
}

/** A seed: any integer in the safe range. */
export function seed(name: string, value: unknown): number {
  return integer(name, value, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}
