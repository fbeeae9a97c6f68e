// defocus_blur: the image convolved with an antialiased disk (the recipe's `disk()`: the pixels
// of a 17 x 17 grid, or 2 r + 1 for r > 8, within radius r, normalised, blurred by a 3 x 3
// Gaussian of sigma `alias`, or 5 x 5 for r > 8, as OpenCV's GaussianBlur does in float32), by
// OpenCV's filter2D: the border reflected without repeating the edge pixel (BORDER_REFLECT_101).

/** OpenCV's BORDER_REFLECT_101 index: -1 is 1, n is n - 2. */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * n - 2 - j;
  return j;
}

/** OpenCV's getGaussianKernel(size, sigma) as float32 values. */
function gaussianKernel(size: number, sigma: number): Float32Array {
  const kernel = new Float64Array(size);
  const scale = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const x = i - (size - 1) / 2;
    sum += kernel[i] = Math.exp(scale * x * x);
  }
  return Float32Array.from(kernel, (v) => v / sum);
}

const disks = new Map<string, { kernel: Float64Array; side: number }>();

/** The recipe's antialiased disk of `radius` and `alias` blur, normalised: side x side weights. */
export function defocusDisk(radius: number, alias: number): { kernel: Float64Array; side: number } {
  const key = `${radius}:${alias}`;
  const cached = disks.get(key);
  if (cached) return cached;
  const half = radius <= 8 ? 8 : radius;
  const side = 2 * half + 1;
  const aliased = new Float32Array(side * side);
  let count = 0;
  for (let y = -half; y <= half; y++) for (let x = -half; x <= half; x++) if (x * x + y * y <= radius * radius) count++;
  const inside = Math.fround(1 / count);
  for (let y = -half; y <= half; y++) for (let x = -half; x <= half; x++) if (x * x + y * y <= radius * radius) aliased[(y + half) * side + x + half] = inside;
  // GaussianBlur: rows, then columns, float32, BORDER_REFLECT_101.
  const g = gaussianKernel(radius <= 8 ? 3 : 5, alias);
  const r = (g.length - 1) / 2;
  const rows = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s = Math.fround(s + Math.fround(g[k + r] * aliased[y * side + reflect101(x + k, side)]));
      rows[y * side + x] = s;
    }
  }
  const kernel = new Float64Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s = Math.fround(s + Math.fround(g[k + r] * rows[reflect101(y + k, side) * side + x]));
      kernel[y * side + x] = s;
    }
  }
  const disk = { kernel, side };
  disks.set(key, disk);
  return disk;
}

/** Defocus blur: x / 255 correlated with the disk (filter2D), clipped, as the recipe's bytes. */
export function defocusBlur(src: Uint8Array, dst: Uint8Array, width: number, height: number, params: readonly number[]): void {
  const { kernel, side } = defocusDisk(params[0], params[1]);
  const half = (side - 1) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let ky = 0; ky < side; ky++) {
        const row = reflect101(y + ky - half, height) * width;
        for (let kx = 0; kx < side; kx++) s += kernel[ky * side + kx] * (src[row + reflect101(x + kx - half, width)] / 255);
      }
      const f = Math.fround(Math.min(Math.max(s, 0), 1) * 255);
      dst[y * width + x] = f >= 255 ? 255 : Math.floor(f);
    }
  }
}
