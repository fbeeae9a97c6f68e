// JPEG compression as the recipe runs it (PIL's `save(out, 'JPEG', quality=c)` then reading the
// file back): the lossy part of baseline JPEG for one grey channel, as libjpeg(-turbo) computes
// it. Entropy coding is lossless and skipped. Each 8 x 8 block (edge blocks padded by repeating
// the last column and row, as libjpeg pads them) is level-shifted by 128, transformed by
// libjpeg's default integer DCT ("islow": the Loeffler-Ligtenberg-Moschytz factorisation,
// ICASSP 1989, in fixed point with 13-bit constants and 2 extra bits between the passes),
// quantised with the IJG luminance table scaled for the quality, dequantised, transformed back by
// the matching integer inverse DCT, shifted back and clamped. The integer arithmetic is what
// makes the bytes libjpeg's: a float DCT rounds some coefficients to the other quantisation step.

/** The IJG luminance quantisation table (JPEG standard, Annex K, table K.1), row-major. */
const LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/**
 * The quantisation table for `quality` (1 to 100) as libjpeg's jpeg_set_quality makes it with
 * baseline forced (PIL's default): scale 5000 / quality below 50 (integer division), else
 * 200 - 2 quality, in percent; each entry (base * scale + 50) / 100, integer, clamped to 1 ... 255.
 */
export function quantisationTable(quality: number): Int32Array {
  const q = Math.min(Math.max(Math.trunc(quality), 1), 100);
  const scale = q < 50 ? Math.trunc(5000 / q) : 200 - 2 * q;
  return Int32Array.from(LUMINANCE, (base) => Math.min(Math.max(Math.trunc((base * scale + 50) / 100), 1), 255));
}

const CONST_BITS = 13;
const PASS1_BITS = 2;
const c = (k: number): number => Math.cos((k * Math.PI) / 16);
const fix = (x: number): number => Math.floor(x * (1 << CONST_BITS) + 0.5);
// The factorisation's rotations, sqrt(2) times sums of cos(k pi / 16), in fixed point.
const F0_298 = fix(Math.SQRT2 * (-c(1) + c(3) + c(5) - c(7)));
const F0_390 = fix(Math.SQRT2 * (c(3) - c(5)));
const F0_541 = fix(Math.SQRT2 * c(6));
const F0_765 = fix(Math.SQRT2 * (c(2) - c(6)));
const F0_899 = fix(Math.SQRT2 * (c(3) - c(7)));
const F1_175 = fix(Math.SQRT2 * c(3));
const F1_501 = fix(Math.SQRT2 * (c(1) + c(3) - c(5) - c(7)));
const F1_847 = fix(Math.SQRT2 * (c(2) + c(6)));
const F1_961 = fix(Math.SQRT2 * (c(3) + c(5)));
const F2_053 = fix(Math.SQRT2 * (c(1) + c(3) - c(5) + c(7)));
const F2_562 = fix(Math.SQRT2 * (c(1) + c(3)));
const F3_072 = fix(Math.SQRT2 * (c(1) + c(3) + c(5) - c(7)));

/** x / 2^n rounded half up (libjpeg's DESCALE: add half, shift right arithmetically). Doubles hold every value exactly. */
const descale = (x: number, n: number): number => Math.floor((x + 2 ** (n - 1)) / 2 ** n);

/**
 * The forward DCT of 8 values `v[o], v[o + s], ..., v[o + 7 s]` in place. `pass` 1 leaves them
 * scaled by sqrt(8) 2^PASS1_BITS, pass 2 removes the extra bits: after both, 8 times the
 * orthonormal 2-D DCT, as libjpeg's quantiser expects.
 */
function forward8(v: Float64Array, o: number, s: number, pass: 1 | 2): void {
  const d0 = v[o], d1 = v[o + s], d2 = v[o + 2 * s], d3 = v[o + 3 * s], d4 = v[o + 4 * s], d5 = v[o + 5 * s], d6 = v[o + 6 * s], d7 = v[o + 7 * s];
  const t0 = d0 + d7, t7 = d0 - d7, t1 = d1 + d6, t6 = d1 - d6, t2 = d2 + d5, t5 = d2 - d5, t3 = d3 + d4, t4 = d3 - d4;
  const t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
  const bits = pass === 1 ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS;
  v[o] = pass === 1 ? (t10 + t11) * (1 << PASS1_BITS) : descale(t10 + t11, PASS1_BITS);
  v[o + 4 * s] = pass === 1 ? (t10 - t11) * (1 << PASS1_BITS) : descale(t10 - t11, PASS1_BITS);
  const z1 = (t12 + t13) * F0_541;
  v[o + 2 * s] = descale(z1 + t13 * F0_765, bits);
  v[o + 6 * s] = descale(z1 - t12 * F1_847, bits);
  const z5 = (t4 + t5 + t6 + t7) * F1_175;
  const a = -(t4 + t7) * F0_899, b = -(t5 + t6) * F2_562;
  const c3 = -(t4 + t6) * F1_961 + z5, c4 = -(t5 + t7) * F0_390 + z5;
  v[o + 7 * s] = descale(t4 * F0_298 + a + c3, bits);
  v[o + 5 * s] = descale(t5 * F2_053 + b + c4, bits);
  v[o + 3 * s] = descale(t6 * F3_072 + b + c3, bits);
  v[o + s] = descale(t7 * F1_501 + a + c4, bits);
}

/**
 * The inverse DCT of 8 dequantised coefficients in place, libjpeg's islow: pass 1 (columns)
 * leaves 2^PASS1_BITS of extra precision, pass 2 (rows) removes it and the factor 8.
 */
function inverse8(v: Float64Array, o: number, s: number, pass: 1 | 2): void {
  const bits = pass === 1 ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS + 3;
  const z1 = (v[o + 2 * s] + v[o + 6 * s]) * F0_541;
  const e2 = z1 - v[o + 6 * s] * F1_847;
  const e3 = z1 + v[o + 2 * s] * F0_765;
  const e0 = (v[o] + v[o + 4 * s]) * (1 << CONST_BITS);
  const e1 = (v[o] - v[o + 4 * s]) * (1 << CONST_BITS);
  const t10 = e0 + e3, t13 = e0 - e3, t11 = e1 + e2, t12 = e1 - e2;
  const i7 = v[o + 7 * s], i5 = v[o + 5 * s], i3 = v[o + 3 * s], i1 = v[o + s];
  const z5 = (i7 + i5 + i3 + i1) * F1_175;
  const a = -(i7 + i1) * F0_899, b = -(i5 + i3) * F2_562;
  const c3 = -(i7 + i3) * F1_961 + z5, c4 = -(i5 + i1) * F0_390 + z5;
  const o0 = i7 * F0_298 + a + c3, o1 = i5 * F2_053 + b + c4, o2 = i3 * F3_072 + b + c3, o3 = i1 * F1_501 + a + c4;
  v[o] = descale(t10 + o3, bits);
  v[o + 7 * s] = descale(t10 - o3, bits);
  v[o + s] = descale(t11 + o2, bits);
  v[o + 6 * s] = descale(t11 - o2, bits);
  v[o + 2 * s] = descale(t12 + o1, bits);
  v[o + 5 * s] = descale(t12 - o1, bits);
  v[o + 3 * s] = descale(t13 + o0, bits);
  v[o + 4 * s] = descale(t13 - o0, bits);
}

/**
 * One JPEG round trip of a grey image at `quality` (the recipe's 25, 18, 15, 10, 7), into `dst`.
 *
 * @param table `quantisationTable(quality)`.
 * @param block Scratch of 64 values.
 */
export function jpegCompression(src: Uint8Array, dst: Uint8Array, width: number, height: number, table: Int32Array, block: Float64Array): void {
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        const row = Math.min(by + y, height - 1) * width;
        for (let x = 0; x < 8; x++) block[y * 8 + x] = src[row + Math.min(bx + x, width - 1)] - 128;
      }
      for (let r = 0; r < 8; r++) forward8(block, r * 8, 1, 1);
      for (let col = 0; col < 8; col++) forward8(block, col, 8, 2);
      for (let k = 0; k < 64; k++) {
        // libjpeg's quantiser: |x| + half the divisor (8 q: the DCT's factor 8), integer-divided, the sign put back; then dequantised.
        const divisor = 8 * table[k];
        const level = Math.floor((Math.abs(block[k]) + (divisor >> 1)) / divisor);
        block[k] = (block[k] < 0 ? -level : level) * table[k];
      }
      for (let col = 0; col < 8; col++) inverse8(block, col, 8, 1);
      for (let r = 0; r < 8; r++) inverse8(block, r * 8, 1, 2);
      for (let y = 0; y < 8 && by + y < height; y++) {
        for (let x = 0; x < 8 && bx + x < width; x++) {
          const v = block[y * 8 + x] + 128;
          dst[(by + y) * width + bx + x] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
  }
}
