// MNIST's own preprocessing, as its page describes it (LeCun, Cortes and Burges, "The MNIST
// database"): "size normalized to fit in a 20x20 pixel box while preserving their aspect ratio
// [...] grey levels as a result of the anti-aliasing technique used by the normalization
// algorithm [...] centered in a 28x28 image by computing the center of mass of the pixels, and
// translating the image so as to position this point at the center of the 28x28 field."
import type { GreyImage } from './decodeGrey.js';
import { loadSharp } from './decodeGrey.js';

/** Pixels above this (of 255) count as ink when the digit's bounding box is found. */
const INK = 32;
const BOX = 20;
const FIELD = 28;

/** White digits on black: an image whose border is mostly light (ink on paper) is inverted. */
function whiteOnBlack(image: GreyImage): Uint8Array {
  const { pixels, width: w, height: h } = image;
  let sum = 0;
  for (let x = 0; x < w; x++) sum += pixels[x] + pixels[(h - 1) * w + x];
  for (let y = 1; y < h - 1; y++) sum += pixels[y * w] + pixels[y * w + w - 1];
  const border = 2 * w + 2 * Math.max(0, h - 2);
  return sum / border > 127 ? pixels.map((v) => 255 - v) : pixels;
}

/** The bounding box of the ink, or undefined for a blank image. */
function inkBox(pixels: Uint8Array, w: number, h: number): { left: number; top: number; width: number; height: number } | undefined {
  let [x0, y0, x1, y1] = [w, h, -1, -1];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (pixels[y * w + x] <= INK) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? undefined : { left: x0, top: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** The centre of mass of `pixels` (w x h), pixel centres at integer coordinates. */
function centreOfMass(pixels: Uint8Array, w: number, h: number): { x: number; y: number } {
  let [m, mx, my] = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = pixels[y * w + x];
      m += v;
      mx += x * v;
      my += y * v;
    }
  }
  return m === 0 ? { x: (w - 1) / 2, y: (h - 1) / 2 } : { x: mx / m, y: my / m };
}

/**
 * An image prepared as MNIST's digits were: white on black (inverted if its border is light),
 * cropped to the ink, resized (libvips' area-averaging reduce) to fit 20 x 20 with its aspect
 * ratio kept, and placed in a 28 x 28 black field translated by whole pixels so its centre of
 * mass is the field's centre (13.5, 13.5) to within half a pixel. A blank image stays blank.
 *
 * @param image The decoded grey image.
 * @returns 784 bytes, row-major.
 */
export async function mnistStyle(image: GreyImage): Promise<Uint8Array> {
  const pixels = whiteOnBlack(image);
  const out = new Uint8Array(FIELD * FIELD);
  const box = inkBox(pixels, image.width, image.height);
  if (!box) return out;
  const scale = BOX / Math.max(box.width, box.height);
  const [w, h] = [Math.max(1, Math.round(box.width * scale)), Math.max(1, Math.round(box.height * scale))];
  const sharp = await loadSharp();
  const small = await sharp(pixels, { raw: { width: image.width, height: image.height, channels: 1 } })
    .extract(box)
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .toColourspace('b-w') // one channel out, as in (sharp's default output is sRGB)
    .raw()
    .toBuffer();
  const com = centreOfMass(small, w, h);
  const dx = Math.round((FIELD - 1) / 2 - com.x);
  const dy = Math.round((FIELD - 1) / 2 - com.y);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [tx, ty] = [x + dx, y + dy];
      if (tx >= 0 && tx < FIELD && ty >= 0 && ty < FIELD) out[ty * FIELD + tx] = small[y * w + x];
    }
  }
  return out;
}
