/*
 * torchvision's `resized_crop` on a uint8 tensor as torch 1.13 computes it, bit for bit: `crop`
 * (a view), then `resize` without antialias (torchvision 0.14's default for tensors), that is
 * `interpolate(mode, align_corners=False)` on float32 and `round()` back to bytes. A tensor of
 * one channel counts as channels-last, so torch runs `cpu_upsample_linear_channels_last`: per
 * output pixel the four products of the float32 weights `h * w`, times the pixels, summed once
 * (found against torch: 0 float values apart on 235,200 outputs), rounded half to even. The
 * weights are UpSample.h's `compute_source_index_and_lambda`: scale = float32(in / out), the
 * source index `scale * (o + 0.5) - 0.5` in double, clamped at 0, its upper neighbour clamped at
 * the crop's last pixel, lambda1 its fraction in float32 and lambda0 `1 - lambda1` in float32.
 */
import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS
import { roundHalfEven } from './torchGrid.js';

const f32 = Math.fround;

/** A crop box: rows `[top, top + height)`, columns `[left, left + width)`, within the image. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Per output position along one axis: the two source indices and their float32 weights. */
interface AxisTaps {
  first: Int32Array;
  second: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

const rows: AxisTaps = { first: new Int32Array(0), second: new Int32Array(0), w0: new Float32Array(0), w1: new Float32Array(0) };
const cols: AxisTaps = { first: new Int32Array(0), second: new Int32Array(0), w0: new Float32Array(0), w1: new Float32Array(0) };

function ensure(taps: AxisTaps, n: number): void {
  if (taps.first.length >= n) return;
  taps.first = new Int32Array(n);
  taps.second = new Int32Array(n);
  taps.w0 = new Float32Array(n);
  taps.w1 = new Float32Array(n);
}

/** UpSample.h's linear taps of `size` crop pixels from `offset` onto `out` positions. */
function linearTaps(taps: AxisTaps, offset: number, size: number, out: number): void {
  ensure(taps, out);
  const scale = f32(size / out);
  for (let o = 0; o < out; o++) {
    if (size === out) {
      taps.first[o] = taps.second[o] = offset + o;
      taps.w0[o] = 1;
      taps.w1[o] = 0;
      continue;
    }
    const real = Math.max(scale * (o + 0.5) - 0.5, 0);
    const i0 = Math.trunc(real);
    const lambda1 = f32(Math.min(real - i0, 1));
    taps.first[o] = offset + i0;
    taps.second[o] = offset + i0 + (i0 < size - 1 ? 1 : 0);
    taps.w1[o] = lambda1;
    taps.w0[o] = f32(1 - lambda1);
  }
}

/** UpSample.h's `nearest_idx`: the source index floor(float32(o * scale)), at most the last. */
function nearestTaps(taps: AxisTaps, offset: number, size: number, out: number): void {
  ensure(taps, out);
  const scale = f32(size / out);
  for (let o = 0; o < out; o++) {
    const i = size === out ? o : out === 2 * size ? o >> 1 : Math.min(Math.floor(f32(o * scale)), size - 1);
    taps.first[o] = taps.second[o] = offset + i;
    taps.w0[o] = 1;
    taps.w1[o] = 0;
  }
}

/**
 * Crops `box` out of byte image `src` and resizes it to `outWidth` x `outHeight` into `dst`, as
 * torchvision 0.14's `F.resized_crop(img, top, left, height, width, [outHeight, outWidth],
 * interpolation)` does on a uint8 tensor (no antialias): one resampling, torch's bytes.
 *
 * @param src Input pixels, `width * height`.
 * @param dst Output pixels, `outWidth * outHeight`.
 * @param width Input width.
 * @param height Input height.
 * @param box The crop, within the image.
 * @param outWidth Output width.
 * @param outHeight Output height.
 * @param interpolation `'bilinear'` (torchvision's default) or `'nearest'`.
 *
 * ## Example
 * ```ts
 * const src = new Uint8Array(784), dst = new Uint8Array(784);
 * resizedCrop(src, dst, 28, 28, { top: 4, left: 6, height: 15, width: 17 }, 28, 28, 'bilinear');
 * ```
 */
export function resizedCrop(
  src: Uint8Array,
  dst: Uint8Array,
  width: number,
  height: number,
  box: CropBox,
  outWidth: number,
  outHeight: number,
  interpolation: 'bilinear' | 'nearest',
): void {
  const { top, left } = box;
  if (!(Number.isInteger(top) && Number.isInteger(left) && box.height >= 1 && box.width >= 1 && top >= 0 && left >= 0 && top + box.height <= height && left + box.width <= width)) {
    throw new OptionError(`Expected a crop box within the ${width} x ${height} image but received ${JSON.stringify(box)}`);
  }
  if (src.length < width * height || dst.length < outWidth * outHeight) throw new OptionError(`Expected ${width * height} pixels for src and ${outWidth * outHeight} for dst but received ${src.length} and ${dst.length}`);
  const taps = interpolation === 'nearest' ? nearestTaps : linearTaps;
  taps(rows, top, box.height, outHeight);
  taps(cols, left, box.width, outWidth);
  for (let y = 0, i = 0; y < outHeight; y++) {
    const r0 = rows.first[y] * width;
    const r1 = rows.second[y] * width;
    const h0 = rows.w0[y];
    const h1 = rows.w1[y];
    for (let x = 0; x < outWidth; x++, i++) {
      const c0 = cols.first[x];
      const c1 = cols.second[x];
      const w0 = cols.w0[x];
      const w1 = cols.w1[x];
      // The weights' products in float32, each times its pixel exactly, summed once (exact in double).
      const sum = f32(h0 * w0) * src[r0 + c0] + f32(h0 * w1) * src[r0 + c1] + f32(h1 * w0) * src[r1 + c0] + f32(h1 * w1) * src[r1 + c1];
      dst[i] = roundHalfEven(f32(sum));
    }
  }
}
