// Stroke thickness: grey-level dilation and erosion by a disk, the maximum (minimum) of the
// pixels within a distance of each pixel. A common handwriting augmentation: a thicker or
// thinner pen. Pixels outside the image take no part (the window is cut at the border).
import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS

/** Half-widths of the disk's rows, reused: row dy spans |dx| <= halfWidths[dy + reach]. */
const halfWidths = new Int32Array(2 * 64 + 1);

/** Rows above and below the centre reached by a disk of `radius`, after filling `halfWidths`. */
function diskRows(radius: number): number {
  const reach = Math.floor(radius);
  const r2 = radius * radius;
  for (let dy = -reach; dy <= reach; dy++) halfWidths[dy + reach] = Math.floor(Math.sqrt(r2 - dy * dy));
  return reach;
}

/**
 * Grey-level dilation (`radius > 0`: each pixel becomes the maximum within the disk, a thicker
 * light stroke on a dark ground) or erosion (`radius < 0`: the minimum within the disk of
 * `|radius|`, a thinner stroke) of one image. The disk is every pixel at distance at most
 * `|radius|` (dx^2 + dy^2 <= r^2): below 1 the centre alone (a copy), 1 the 4 neighbours, 1.5
 * the 3 x 3 square, 2 a 13-pixel disk. Pixels outside the image are not in any window.
 *
 * @param src Input pixels, `width * height`.
 * @param dst Output pixels, `width * height` (not `src`).
 * @param width Image width.
 * @param height Image height.
 * @param radius Disk radius in pixels, |radius| <= 64; the sign chooses dilation or erosion.
 *
 * ## Example
 * ```ts
 * const image = new Uint8Array(28 * 28);
 * const thicker = new Uint8Array(784);
 * thickenStroke(image, thicker, 28, 28, 1.5); // 3 x 3 maximum filter
 * ```
 */
export function thickenStroke(src: Uint8Array | Float32Array, dst: Uint8Array | Float32Array, width: number, height: number, radius: number): void {
  const size = width * height;
  if (src.length < size || dst.length < size) throw new OptionError(`Expected at least ${size} pixels for src and dst but received ${src.length} and ${dst.length}`);
  if (!(Math.abs(radius) <= 64)) throw new OptionError(`Expected radius within [-64, 64] but received ${radius}`);
  if (src.buffer === dst.buffer && src.byteOffset === dst.byteOffset) throw new OptionError('Expected dst apart from src');
  const reach = diskRows(Math.abs(radius));
  const dilate = radius > 0;
  for (let y = 0; y < height; y++) {
    const top = Math.max(-reach, -y);
    const bottom = Math.min(reach, height - 1 - y);
    for (let x = 0; x < width; x++) {
      let best = src[y * width + x];
      for (let dy = top; dy <= bottom; dy++) {
        const half = halfWidths[dy + reach];
        const row = (y + dy) * width;
        const end = row + Math.min(width - 1, x + half);
        for (let k = row + Math.max(0, x - half); k <= end; k++) {
          const v = src[k];
          if (dilate ? v > best : v < best) best = v;
        }
      }
      dst[y * width + x] = best;
    }
  }
}
