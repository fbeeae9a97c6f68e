// The noise corruptions: each pixel x / 255 changed by its own draws, clipped to [0, 1].
import type { SampleStream } from './draws.js';
import { byteOf } from './pixels.js';

const clip = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Shot noise: Poisson(x c) / c. */
export function shotNoise(src: Uint8Array, dst: Uint8Array, c: number, draws: SampleStream): void {
  for (let i = 0; i < src.length; i++) dst[i] = byteOf(clip(draws.poisson((src[i] / 255) * c) / c));
}

/** Impulse noise (skimage's random_noise 's&p'): a share `amount` of pixels set to 1 or 0, half each. */
export function impulseNoise(src: Uint8Array, dst: Uint8Array, amount: number, draws: SampleStream): void {
  for (let i = 0; i < src.length; i++) {
    const flipped = draws.uniform() <= amount;
    const salt = draws.uniform() <= 0.5;
    dst[i] = flipped ? (salt ? 255 : 0) : byteOf(src[i] / 255);
  }
}

/** Gaussian noise: x + N(0, c^2). */
export function gaussianNoise(src: Uint8Array, dst: Uint8Array, c: number, draws: SampleStream): void {
  for (let i = 0; i < src.length; i++) dst[i] = byteOf(clip(src[i] / 255 + c * draws.normal()));
}

/** Speckle noise: x + x N(0, c^2). */
export function speckleNoise(src: Uint8Array, dst: Uint8Array, c: number, draws: SampleStream): void {
  for (let i = 0; i < src.length; i++) {
    const x = src[i] / 255;
    dst[i] = byteOf(clip(x + x * c * draws.normal()));
  }
}
