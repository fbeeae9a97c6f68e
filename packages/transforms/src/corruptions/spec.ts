// corrupt()'s options, checked when the stage is built.
import { OptionError } from '@idxflow/core/errors'; // errors alone: the workers import no RxJS for it
import { validate } from '@idxflow/core/internal';
import { CORRUPTION_NAMES, RECIPES, type CorruptionName } from './recipes.js';

/** What `corrupt()` applies. */
export interface CorruptOptions {
  /** One of `CORRUPTION_NAMES`, MNIST-C's spelling (`shot_noise`, `canny_edges`, ...). Required. */
  name: CorruptionName;
  /** 1 to 5, for the corruptions whose recipe has severities. Default: the severity of the released MNIST-C (`RECIPES[name].released`). */
  severity?: number;
  /**
   * For shear, rotate and translate: 1 or -1 forces the direction the recipe draws per sample
   * (translate: both dx and dy). Default: drawn, as in the recipe.
   */
  direction?: 1 | -1;
}

/** The checked options: the name, the severity's parameters, the forced direction (0: drawn). */
export interface CorruptSpec {
  /** The corruption. */
  readonly name: CorruptionName;
  /** The severity it runs at (the released one unless given), or undefined when its recipe has none. */
  readonly severity: number | undefined;
  /** The recipe's parameters at that severity (`RECIPES[name].levels[severity - 1]`). */
  readonly params: readonly number[];
  /** 1 or -1 where the direction of shear, rotate or translate is forced; 0 where it is drawn. */
  readonly direction: number;
}

/**
 * Checks `options` for `corrupt()` (an `OptionError` naming the option) and looks up the
 * severity's parameters: what `corruptImages()` takes to corrupt images outside a pipeline.
 *
 * @param options See `CorruptOptions`.
 *
 * ## Example
 * ```ts
 * const spec = corruptSpecOf({ name: 'shear', severity: 3, direction: -1 });
 * console.log(spec.params); // the recipe's parameters at severity 3
 * ```
 */
export function corruptSpecOf(options: CorruptOptions): CorruptSpec {
  if (typeof options !== 'object' || options === null) throw new OptionError(`Expected an object with a name for corrupt() but received ${String(options)}`);
  const name = validate.oneOf('name', options.name, CORRUPTION_NAMES);
  const recipe = RECIPES[name];
  let severity: number | undefined;
  if (recipe.levels === undefined) {
    if (options.severity !== undefined) throw new OptionError(`Expected no severity for ${name} (its recipe has none) but received ${String(options.severity)} of type ${typeof options.severity}`);
  } else severity = validate.integer('severity', options.severity ?? recipe.released, 1, 5);
  let direction = 0;
  if (options.direction !== undefined) {
    if (recipe.directed !== true) throw new OptionError(`Expected no direction for ${name} (only shear, rotate and translate draw one) but received ${String(options.direction)}`);
    if (options.direction !== 1 && options.direction !== -1) throw new OptionError(`Expected 1 or -1 for direction but received ${String(options.direction)} of type ${typeof options.direction}`);
    direction = options.direction;
  }
  const params = severity === undefined || recipe.levels === undefined ? [] : recipe.levels[severity - 1];
  return { name, severity, params, direction };
}

/**
 * Why `name` cannot corrupt images of `height` x `width` (the line corruptions draw on MNIST's
 * 28 x 28 grid, fog's fractal is 256 x 256 at most, ...), or undefined when it can.
 *
 * ## Example
 * ```ts
 * sizeRefusal('dotted_line', 64, 64); // 'images of 28 x 28 pixels for dotted_line (its recipe draws on MNIST's grid)'
 * sizeRefusal('fog', 28, 28); // undefined
 * ```
 */
export function sizeRefusal(name: CorruptionName, height: number, width: number): string | undefined {
  const size = RECIPES[name].size;
  if (size?.exactly !== undefined && (height !== size.exactly || width !== size.exactly)) return `images of ${size.exactly} x ${size.exactly} pixels for ${name} (its recipe draws on MNIST's grid)`;
  if (size?.max !== undefined && (height > size.max || width > size.max)) return `images of at most ${size.max} x ${size.max} pixels for ${name} (its fractal is ${size.max} x ${size.max})`;
  if (name === 'glass_blur' && (height < 10 || width < 10)) return 'images of at least 10 x 10 pixels for glass_blur';
  if (size?.square === true && height !== width) return `square images for ${name} (${name === 'elastic_transform' ? 'its recipe scales its parameters with the side' : 'its recipe crops the centre square'})`;
  if (name === 'pixelate' && (height < 4 || width < 4)) return 'images of at least 4 x 4 pixels for pixelate';
  return undefined;
}
