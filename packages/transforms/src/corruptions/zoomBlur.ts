// zoom_blur: the mean of the image and of its centre zoomed by each factor of a list (the
// recipe's clipped_zoom: the central ceil(h / z) pixels scaled by scipy.ndimage.zoom, order 1,
// and cropped back to the centre), in float32 as the recipe's float32 arrays compute it.

/** The recipe's zoom factors at a severity: numpy's arange(1, end, step), as 1 + i step. */
export function zoomFactors(end: number, step: number): number[] {
  const count = Math.ceil((end - 1) / step);
  return Array.from({ length: count }, (_, i) => 1 + i * step);
}

/** Python's round(): half to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Adds to `sum` (float32 arithmetic) the centre of `unit` (side x side, float32 values) zoomed by
 * `z`: the crop of ceil(side / z) pixels from (side - ch) / 2, scaled to round(ch z) by
 * scipy's order-1 zoom (output o reads input o (ch - 1) / (out - 1)), its centre side x side.
 */
function addClippedZoom(unit: Float32Array, side: number, z: number, sum: Float32Array): void {
  const ch = Math.ceil(side / z);
  const top = Math.floor((side - ch) / 2);
  const out = roundHalfEven(ch * z);
  const scale = out > 1 ? (ch - 1) / (out - 1) : 0;
  const trim = Math.floor((out - side) / 2);
  const at = (r: number, c: number): number => (r < ch && c < ch ? unit[(top + r) * side + top + c] : 0);
  for (let y = 0; y < side; y++) {
    const cy = (y + trim) * scale;
    const ry = Math.floor(cy);
    const ty = cy - ry;
    const wy = [1 - ty, ty];
    for (let x = 0; x < side; x++) {
      const cx = (x + trim) * scale;
      const rx = Math.floor(cx);
      const tx = cx - rx;
      const wx = [1 - tx, tx];
      let t = 0;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) t += at(ry + i, rx + j) * wy[i] * wx[j];
      sum[y * side + x] = Math.fround(sum[y * side + x] + Math.fround(t));
    }
  }
}

/** Zoom blur of a square image: (x + sum of the zooms) / (count + 1), clipped, as the recipe's bytes. */
export function zoomBlur(src: Uint8Array, dst: Uint8Array, side: number, params: readonly number[], unit: Float32Array, sum: Float32Array): void {
  const [end, step] = params;
  const factors = zoomFactors(end, step);
  for (let i = 0; i < src.length; i++) unit[i] = Math.fround(src[i] / 255);
  sum.fill(0);
  for (const z of factors) addClippedZoom(unit, side, z, sum);
  for (let i = 0; i < src.length; i++) {
    const v = Math.fround(Math.fround(unit[i] + sum[i]) / (factors.length + 1));
    const f = Math.fround(Math.min(Math.max(v, 0), 1) * 255);
    dst[i] = f >= 255 ? 255 : Math.floor(f);
  }
}
