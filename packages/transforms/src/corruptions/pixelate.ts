// pixelate: the image resized down by a factor and back up with PIL's BOX filter, as the recipe
// does (`x.resize((int(28 c), int(28 c)), BOX)`, then back to 28 x 28). Pillow's resampling in
// 8 bits: each output pixel a weighted sum of the input pixels under its box, weights in fixed
// point of 22 bits, rows first into a byte image, then columns.
import { OptionError } from '@idxflow/core/errors'; // errors alone: the workers import no RxJS for it

const PRECISION = 22;
const HALF = 1 << (PRECISION - 1);

/** Pillow's box filter: 1 on (-0.5, 0.5]. */
const box = (x: number): number => (x > -0.5 && x <= 0.5 ? 1 : 0);

type Coefficients = { first: Int32Array; weights: Int32Array[] };

const cached = new Map<string, Coefficients>();

/** `weightsOf`, computed once per pair of sizes. */
function coefficients(inSize: number, outSize: number): Coefficients {
  const key = `${inSize}:${outSize}`;
  let found = cached.get(key);
  if (found === undefined) cached.set(key, (found = weightsOf(inSize, outSize)));
  return found;
}

/** The first input index and the fixed-point weights of each of `outSize` outputs (Pillow's precompute_coeffs and normalize_coeffs_8bpc). */
function weightsOf(inSize: number, outSize: number): { first: Int32Array; weights: Int32Array[] } {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 0.5 * filterScale;
  const ss = 1 / filterScale;
  const first = new Int32Array(outSize);
  const weights: Int32Array[] = [];
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const w = new Float64Array(Math.max(xmax, 0));
    let sum = 0;
    for (let x = 0; x < xmax; x++) sum += w[x] = box((x + xmin - center + 0.5) * ss);
    const fixed = new Int32Array(w.length);
    for (let x = 0; x < xmax; x++) {
      const k = sum === 0 ? w[x] : w[x] / sum;
      fixed[x] = Math.trunc(k < 0 ? -0.5 + k * (1 << PRECISION) : 0.5 + k * (1 << PRECISION));
    }
    first[xx] = xmin;
    weights.push(fixed);
  }
  return { first, weights };
}

const clip8 = (v: number): number => {
  const shifted = Math.floor(v / (1 << PRECISION)); // an arithmetic shift of a sum that can pass 2^31
  return shifted < 0 ? 0 : shifted > 255 ? 255 : shifted;
};

/** Resizes `src` (inW x inH bytes) to outW x outH with Pillow's BOX filter: horizontal pass, then vertical. */
export function boxResize(src: Uint8Array, inW: number, inH: number, dst: Uint8Array, outW: number, outH: number, scratch: Uint8Array): void {
  let rows = src;
  if (outW !== inW) {
    rows = scratch.subarray(0, outW * inH);
    const { first, weights } = coefficients(inW, outW);
    for (let y = 0; y < inH; y++) {
      for (let xx = 0; xx < outW; xx++) {
        let sum = HALF;
        const k = weights[xx];
        for (let x = 0; x < k.length; x++) sum += src[y * inW + first[xx] + x] * k[x];
        rows[y * outW + xx] = clip8(sum);
      }
    }
  }
  if (outH === inH) {
    dst.set(rows.subarray(0, outW * outH));
    return;
  }
  const { first, weights } = coefficients(inH, outH);
  for (let yy = 0; yy < outH; yy++) {
    const k = weights[yy];
    for (let x = 0; x < outW; x++) {
      let sum = HALF;
      for (let y = 0; y < k.length; y++) sum += rows[(first[yy] + y) * outW + x] * k[y];
      dst[yy * outW + x] = clip8(sum);
    }
  }
}

/** Pixelate: down to int(width c) x int(height c) and back, both with the BOX filter. */
export function pixelate(src: Uint8Array, dst: Uint8Array, width: number, height: number, c: number, scratch: Uint8Array): void {
  const w = Math.trunc(width * c);
  const h = Math.trunc(height * c);
  const size = width * height;
  if (scratch.length < 2 * size) throw new OptionError(`Expected scratch of ${2 * size} bytes but received ${scratch.length}`);
  const small = scratch.subarray(0, w * h);
  const rows = scratch.subarray(size, 2 * size);
  boxResize(src, width, height, small, w, h, rows);
  boxResize(small, w, h, dst, width, height, rows);
}
