// Random erasing (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020) with the
// semantics of torchvision's RandomErasing.get_params: up to 10 attempts, each drawing an area
// and a log-uniform aspect ratio, kept when the box fits in the image.
import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS

/** Attempts before giving up (the image is then left as it is), as torchvision. */
export const ERASE_ATTEMPTS = 10;

/** Python's round(): to nearest, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * One attempt of torchvision's `RandomErasing.get_params`, from four uniforms on [0, 1): the
 * area `height * width * U(scale)`, the aspect ratio `exp(U(log ratio))` (torchvision takes the
 * logs in float32), the box's height `round(sqrt(area * ratio))` and width
 * `round(sqrt(area / ratio))`, and, if the box is smaller than the image both ways, its top row
 * and left column uniform among the positions that keep it inside.
 *
 * @param u Four uniforms: area, ratio, row, column.
 * @param height Image height.
 * @param width Image width.
 * @param scale `[min, max]` share of the area.
 * @param ratio `[min, max]` aspect ratio, height / width.
 * @param box Where to write `[top, left, boxHeight, boxWidth]`.
 * @returns Whether the attempt gave a box (else try the next four uniforms).
 *
 * ## Example
 * ```ts
 * const image = new Uint8Array(28 * 28).fill(255);
 * const box = new Int32Array(4);
 * if (eraseBox([0.5, 0.5, 0.5, 0.5], 28, 28, [0.02, 0.33], [0.3, 3.3], box)) fillBox(image, 28, box, 0);
 * ```
 */
export function eraseBox(
  u: ArrayLike<number>,
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  box: Int32Array,
): boolean {
  const area = height * width * (scale[0] + (scale[1] - scale[0]) * u[0]);
  const low = Math.fround(Math.log(ratio[0]));
  const high = Math.fround(Math.log(ratio[1]));
  const aspect = Math.exp(low + (high - low) * u[1]);
  const h = roundHalfEven(Math.sqrt(area * aspect));
  const w = roundHalfEven(Math.sqrt(area / aspect));
  if (!(h < height && w < width)) return false;
  box[0] = Math.floor(u[2] * (height - h + 1));
  box[1] = Math.floor(u[3] * (width - w + 1));
  box[2] = h;
  box[3] = w;
  return true;
}

/**
 * Writes `value` into the box `[top, left, boxHeight, boxWidth]` of one image: torchvision's
 * `erase(img, i, j, h, w, v)`.
 *
 * @param pixels One image, changed in place.
 * @param width Image width.
 * @param box `[top, left, boxHeight, boxWidth]`, inside the image.
 * @param value What to write (stored as the array stores it).
 *
 * ## Example
 * ```ts
 * const image = new Uint8Array(28 * 28).fill(255);
 * fillBox(image, 28, Int32Array.of(3, 4, 10, 6), 0);
 * ```
 */
export function fillBox(pixels: Uint8Array | Float32Array, width: number, box: Int32Array, value: number): void {
  const [top, left, h, w] = box;
  if (top < 0 || left < 0 || left + w > width || (top + h) * width > pixels.length) {
    throw new OptionError(`Expected a box inside the image but received [${top}, ${left}, ${h}, ${w}]`);
  }
  for (let y = top; y < top + h; y++) pixels.fill(value, y * width + left, y * width + left + w);
}
