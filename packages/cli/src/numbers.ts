// Numbers on the command line are decimal only: Number() would also read "1e3", "0x10", " 2 ",
// "" (as 0) and "Infinity", none of which a user means as a count, an angle or a seed.
import { UsageError } from './usageError.js';

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const INTEGER = /^[+-]?\d+$/;

/** A received value as a message shows it: quoted and escaped (one line whatever it holds), long ones cut. */
export function shown(text: string): string {
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 60))}... (${text.length} characters)` : JSON.stringify(text);
}

/** A number as a bound shows it: 2147483647, 0.001, -180. */
const bound = (n: number): string => String(n);

/** Whether `text` is digits with an optional sign and decimal point: "12", "-0.5", ".5". */
export const isDecimal = (text: string): boolean => DECIMAL.test(text);

/** A decimal number (see isDecimal); `value` is the whole flag value when `text` is a part of it. */
export function decimal(flag: string, text: string, value = text): number {
  if (!DECIMAL.test(text)) throw new UsageError(`Expected a decimal number for --${flag} but received ${shown(text)}${value === text ? '' : ` in ${shown(value)}`}`);
  return Number(text);
}

/**
 * A decimal number within [min, max]; `what` names the unit or meaning in the message
 * ("degrees", "a factor"), and `value` is the whole flag value when `text` is a part of it.
 */
export function decimalIn(flag: string, text: string, [min, max]: readonly [number, number], what = 'a number', value = text): number {
  const n = decimal(flag, text, value);
  if (!(n >= min && n <= max)) throw new UsageError(`Expected ${what} from ${bound(min)} to ${bound(max)} for --${flag} but received ${shown(value)}`);
  return n;
}

/** An integer in decimal digits within [min, max] (both safe integers). */
export function integerIn(flag: string, text: string, min: number, max: number, why = ''): number {
  const n = Number(text);
  if (!INTEGER.test(text) || !(n >= min && n <= max) || !Number.isSafeInteger(n)) {
    throw new UsageError(`Expected an integer from ${bound(min)} to ${bound(max)}${why} for --${flag} but received ${shown(text)}`);
  }
  return n;
}
