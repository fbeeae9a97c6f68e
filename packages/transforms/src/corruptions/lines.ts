// The line corruptions of MNIST-C, drawn on its 28 x 28 grid: a line between two points whose
// intensity falls off as log(1 - d / 2.3) + 1 with the vertical distance d from it, added to
// the digit and clipped; dotted_line keeps every other pair of columns of it, zigzag joins
// short segments.
import type { SampleStream } from './draws.js';
import { byteOf } from './pixels.js';

const SIDE = 28;
const REACH = 2.3;

/** Adds the line from (c0, r0) to (c1, r1) to `unit` (28 x 28, units of the full range) and clips, in columns floor(c0) to ceil(c1) - 1; `dotted` drops columns 0-1, 4-5, ... */
function addLine(unit: Float64Array, c0: number, r0: number, c1: number, r1: number, dotted: boolean): void {
  if (c1 === c0) return;
  const m = (r1 - r0) / (c1 - c0);
  const left = Math.floor(c0);
  const right = Math.ceil(c1);
  for (let c = Math.max(left, 0); c < Math.min(right, SIDE); c++) {
    if (dotted && Math.floor(c / 2) % 2 === 0) continue;
    const f = m * (c - c0) + r0;
    for (let r = 0; r < SIDE; r++) {
      const d = Math.min(Math.abs(r - f), REACH - 1e-10);
      const v = Math.min(Math.max(Math.log(1 - d / REACH) + 1, 0), 1);
      const i = r * SIDE + c;
      unit[i] = Math.min(unit[i] + v, 1);
    }
  }
}

const toUnits = (src: Uint8Array, unit: Float64Array): void => {
  for (let i = 0; i < src.length; i++) unit[i] = src[i] / 255;
};
const toBytes = (unit: Float64Array, dst: Uint8Array): void => {
  for (let i = 0; i < dst.length; i++) dst[i] = byteOf(unit[i]);
};

/** A dotted line across the image, from (0, r0) to (27, r1), r0 and r1 in [0, 27). */
export function dottedLine(src: Uint8Array, dst: Uint8Array, draws: SampleStream, unit: Float64Array): void {
  toUnits(src, unit);
  const r0 = draws.integer(0, 27);
  const r1 = draws.integer(0, 27);
  addLine(unit, 0, r0, 27, r1, true);
  toBytes(unit, dst);
}

/** A solid line from (c0, r0) to (c1, r1): c0 in [0, 5), c1 in [22, 27), r0 and r1 in [0, 27). */
export function line(src: Uint8Array, dst: Uint8Array, draws: SampleStream, unit: Float64Array): void {
  toUnits(src, unit);
  const c0 = draws.integer(0, 5);
  const c1 = draws.integer(22, 27);
  const r0 = draws.integer(0, 27);
  const r1 = draws.integer(0, 27);
  addLine(unit, c0, r0, c1, r1, false);
  toBytes(unit, dst);
}

/**
 * A zigzag from column 2 to 25: teeth of length 2 and height 2 along a line from (2, r0) to
 * (25, r0 + k), r0 in [0, 27), k in [-5, 5), the recipe's last short tooth included.
 */
export function zigzag(src: Uint8Array, dst: Uint8Array, draws: SampleStream, unit: Float64Array): void {
  toUnits(src, unit);
  const a = 2, b = 2, c0 = 2, c1 = 25;
  const r0 = draws.integer(0, 27);
  const r1 = r0 + draws.integer(-5, 5);
  const theta = Math.atan((r1 - r0) / (c1 - c0));
  const d = (c1 - c0) / Math.cos(theta);
  const cs = [0];
  const rs = [0];
  const teeth = Math.floor((d - a) / (2 * a)) + 1;
  let last = 0;
  for (let i = 0; i < teeth; i++) {
    cs.push((2 * i + 1) * a);
    rs.push((last = (-1) ** i * b));
  }
  const end = 2 * a * Math.floor(d / (2 * a));
  if (d !== end) {
    cs.push(d);
    rs.push(last / (2 * (d - end)));
  }
  const cos = Math.cos(theta), sin = Math.sin(theta);
  const xs = cs.map((c, i) => cos * c - sin * rs[i] + c0);
  const ys = cs.map((c, i) => sin * c + cos * rs[i] + r0);
  for (let i = 1; i < xs.length; i++) addLine(unit, xs[i - 1], ys[i - 1], xs[i], ys[i], false);
  toBytes(unit, dst);
}
