// The corruptions of MNIST-C (Mu and Gilmer, 2019) and their severities, as data: each one's
// parameters at severities 1 to 5, the severity the released dataset used (the generator's
// default), whether it draws random numbers, and the image sizes its recipe allows.
import { MNIST_C_CORRUPTIONS } from '@idxflow/core';

/** The names `corrupt()` knows: the fifteen of MNIST-C, `identity`, and the recipe's other grey-image corruptions that idxflow implements. */
export const CORRUPTION_NAMES = [
  ...MNIST_C_CORRUPTIONS,
  'gaussian_noise',
  'speckle_noise',
  'gaussian_blur',
  'contrast',
  'quantize',
  'line',
  'inverse',
  'pixelate',
  'zoom_blur',
  'defocus_blur',
  'jpeg_compression',
  'elastic_transform',
] as const;

/** One corruption of `CORRUPTION_NAMES`. */
export type CorruptionName = (typeof CORRUPTION_NAMES)[number];

/** The sixteen folders of the released MNIST-C, in its order: `identity` and the fifteen corruptions (core's `MNIST_C_CORRUPTIONS`). */
export const MNIST_C_SUITE: readonly CorruptionName[] = MNIST_C_CORRUPTIONS;

/** What a corruption's recipe fixes. */
export interface Recipe {
  /** The parameter at severities 1 to 5 (index 0 is severity 1); undefined when the recipe has no severity. */
  readonly levels?: readonly (readonly number[])[];
  /** The severity the released MNIST-C used: the generator's default argument. */
  readonly released?: number;
  /** Whether the corruption draws random numbers (else every sample's output is fixed by its pixels and severity). */
  readonly random: boolean;
  /** Whether it draws a direction that `direction` can force (shear, rotate, translate). */
  readonly directed?: boolean;
  /** Largest width and height its recipe allows; the line corruptions draw on MNIST's 28 x 28 grid only. */
  readonly size?: { readonly exactly?: number; readonly max?: number; readonly square?: boolean };
}

const one = (values: readonly number[]): (readonly number[])[] => values.map((v) => [v]);

/** The recipe of each corruption; parameters are those of the published generator (docs/benchmarks.md). */
export const RECIPES: Record<CorruptionName, Recipe> = {
  identity: { random: false },
  // Poisson rate per unit of intensity.
  shot_noise: { levels: one([60, 25, 12, 5, 3]), released: 5, random: true },
  // Share of pixels set to 0 or 1 (salt and pepper, half each).
  impulse_noise: { levels: one([0.03, 0.06, 0.09, 0.17, 0.27]), released: 4, random: true },
  // sigma, largest shift, passes.
  glass_blur: { levels: [[0.7, 1, 2], [0.9, 2, 1], [1, 2, 3], [1.1, 3, 2], [1.5, 4, 2]], released: 1, random: true },
  // ImageMagick's radius and sigma; the angle is drawn in [-45, 45) degrees.
  motion_blur: { levels: [[10, 3], [15, 5], [15, 8], [15, 12], [20, 15]], released: 1, random: true },
  // Radians (skimage's AffineTransform shear), direction drawn.
  shear: { levels: one([0.2, 0.4, 0.6, 0.8, 1]), released: 2, random: true, directed: true },
  // The inverse map's factor: the digit shrinks to 0.9 ... 0.5 of its size.
  scale: { levels: one([1 / 0.9, 1 / 0.8, 1 / 0.7, 1 / 0.6, 1 / 0.5]), released: 3, random: false },
  // Radians, direction drawn.
  rotate: { levels: one([0.2, 0.4, 0.6, 0.8, 1]), released: 2, random: true, directed: true },
  // Added to HSV value.
  brightness: { levels: one([0.1, 0.2, 0.3, 0.4, 0.5]), released: 5, random: false },
  // Pixels along x and y, each direction drawn.
  translate: { levels: one([1, 2, 3, 4, 5]), released: 3, random: true, directed: true },
  stripe: { random: false },
  // Fog strength, plasma fractal decay; the fractal is 256 x 256.
  fog: { levels: [[1.5, 2], [2, 2], [2.5, 1.7], [2.5, 1.5], [3, 1.4]], released: 5, random: true, size: { max: 256 } },
  // Liquid mean, spread, its blur, its threshold, the mud's blur.
  spatter: {
    levels: [[0.65, 0.3, 4, 0.69, 0.6], [0.65, 0.3, 3, 0.68, 0.6], [0.65, 0.3, 2, 0.68, 0.5], [0.65, 0.3, 1, 0.65, 1.5], [0.67, 0.4, 1, 0.65, 1.5]],
    released: 4,
    random: true,
  },
  dotted_line: { random: true, size: { exactly: 28 } },
  zigzag: { random: true, size: { exactly: 28 } },
  canny_edges: { random: false },
  gaussian_noise: { levels: one([0.08, 0.12, 0.18, 0.26, 0.38]), released: 5, random: true },
  speckle_noise: { levels: one([0.15, 0.2, 0.35, 0.45, 0.6]), released: 5, random: true },
  gaussian_blur: { levels: one([1, 2, 3, 4, 6]), released: 2, random: false },
  contrast: { levels: one([0.4, 0.3, 0.2, 0.1, 0.05]), released: 4, random: false },
  // Bits kept.
  quantize: { levels: one([5, 4, 3, 2, 1]), released: 5, random: false },
  line: { random: true, size: { exactly: 28 } },
  inverse: { random: false },
  // Share of the side kept: down to int(28 c) with a BOX filter and back.
  pixelate: { levels: one([0.6, 0.5, 0.4, 0.3, 0.25]), released: 3, random: false },
  // Zoom factors numpy's arange(1, end, step): (end, step).
  zoom_blur: { levels: [[1.11, 0.01], [1.16, 0.01], [1.21, 0.02], [1.26, 0.02], [1.31, 0.03]], released: 5, random: false, size: { square: true } },
  // Disk radius, its antialiasing blur.
  defocus_blur: { levels: [[3, 0.1], [4, 0.5], [6, 0.5], [8, 0.5], [10, 0.5]], released: 1, random: false },
  // JPEG quality (PIL's save, libjpeg's islow DCTs).
  jpeg_compression: { levels: one([25, 18, 15, 10, 7]), released: 5, random: false },
  // alpha, sigma, largest move of the affine's points: multiples of the side (MNIST-C: 28 x each).
  elastic_transform: {
    levels: [[2, 0.7, 0.1], [2, 0.08, 0.2], [0.05, 0.01, 0.02], [0.07, 0.01, 0.02], [0.12, 0.01, 0.02]],
    released: 1,
    random: true,
    size: { square: true },
  },
};
