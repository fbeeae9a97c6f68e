/*
 * torchvision's tensor resampling as torch computes it, in float32 operation for operation:
 * `_gen_affine_grid` (a base grid of centre coordinates times theta / (size / 2)) then
 * `grid_sample(mode, padding_mode="zeros", align_corners=False)` and `_cast_squeeze_out`
 * (round half to even back to bytes). The automatic policies need it bit for bit: their ops pivot
 * at the image corner and land on exact halves (a shear by 0.1 blends two pixels 0.95 : 0.05,
 * a 45° turn puts positions exactly between pixels in float32), where warpResample's double
 * precision positions and ties-up rounding give the other byte. A `fill` other than 0 takes the
 * place of the zeros outside, as torchvision's mask does.
 */
import type { Affine } from './matrix.js';
import type { PolicyResampling } from './policyOps.js';

const f32 = Math.fround;

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/**
 * Resamples byte `src` into `dst` by torchvision's output-to-input `matrix` in its centre
 * coordinates (`_get_inverse_affine_matrix`'s), as `F_t.affine` / `F_t.rotate` do.
 *
 * ## Example
 * ```ts
 * const src = new Uint8Array(784), dst = new Uint8Array(784);
 * torchGridSample(src, dst, 28, 28, torchvisionAffine([0, 0], -30, [0, 0], [0, 0], new Float64Array(6)), { interpolation: 'nearest', fill: 0 });
 * ```
 */
export function torchGridSample(src: Uint8Array, dst: Uint8Array, width: number, height: number, matrix: Affine, resampling: PolicyResampling): void {
  const hw = f32(0.5 * width);
  const hh = f32(0.5 * height);
  // rescaled_theta = theta.T / [w / 2, h / 2], in float32
  const r00 = f32(f32(matrix[0]) / hw), r10 = f32(f32(matrix[1]) / hw), r20 = f32(f32(matrix[2]) / hw);
  const r01 = f32(f32(matrix[3]) / hh), r11 = f32(f32(matrix[4]) / hh), r21 = f32(f32(matrix[5]) / hh);
  const nearest = resampling.interpolation === 'nearest';
  const fill = resampling.fill;
  for (let y = 0; y < height; y++) {
    const by = f32(y - height * 0.5 + 0.5);
    // bmm of [x, y, 1] by the rescaled theta: x * r0 rounded, then fused multiply-adds (the
    // product of two float32 values is exact in double precision, the sum rounded once)
    const ry0 = by * r10;
    const ry1 = by * r11;
    for (let x = 0; x < width; x++) {
      const bx = f32(x - width * 0.5 + 0.5);
      const gx = f32(f32(ry0 + f32(bx * r00)) + r20);
      const gy = f32(f32(ry1 + f32(bx * r01)) + r21);
      // GridSamplerKernel.cpp's unnormalize (align_corners=False): (g + 1) * (size / 2) - 0.5
      const ix = f32(f32(gx + 1) * hw - 0.5);
      const iy = f32(f32(gy + 1) * hh - 0.5);
      let value: number;
      if (nearest) {
        const nx = roundHalfEven(ix);
        const ny = roundHalfEven(iy);
        value = nx >= 0 && nx < width && ny >= 0 && ny < height ? src[ny * width + nx] : fill;
      } else {
        value = bilinear(src, width, height, ix, iy, fill);
      }
      dst[y * width + x] = value;
    }
  }
}

/** grid_sample's bilinear weights and sum (GridSamplerKernel.cpp), float32, zeros (or the fill's share) outside, rounded half to even. */
function bilinear(src: Uint8Array, width: number, height: number, ix: number, iy: number, fill: number): number {
  const x0 = Math.floor(ix);
  const y0 = Math.floor(iy);
  const w = f32(ix - x0);
  const e = f32(1 - w);
  const n = f32(iy - y0);
  const s = f32(1 - n);
  const nw = f32(s * e), ne = f32(s * w), sw = f32(n * e), se = f32(n * w);
  const at = (x: number, y: number): number => (x >= 0 && x < width && y >= 0 && y < height ? src[y * width + x] : -1);
  const vnw = at(x0, y0), vne = at(x0 + 1, y0), vsw = at(x0, y0 + 1), vse = at(x0 + 1, y0 + 1);
  let sum = f32((vne < 0 ? 0 : vne) * ne + f32((vnw < 0 ? 0 : vnw) * nw));
  sum = f32((vsw < 0 ? 0 : vsw) * sw + sum);
  sum = f32((vse < 0 ? 0 : vse) * se + sum);
  if (fill !== 0) {
    // torchvision's mask: the same weights over a channel of ones, then img * mask + (1 - mask) * fill
    const mask = f32(f32(f32((vnw < 0 ? 0 : nw) + (vne < 0 ? 0 : ne)) + (vsw < 0 ? 0 : sw)) + (vse < 0 ? 0 : se));
    sum = f32(f32(sum * mask) + f32(f32(1 - mask) * fill));
  }
  const r = roundHalfEven(sum);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}
