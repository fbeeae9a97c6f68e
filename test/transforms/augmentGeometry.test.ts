// augment()'s resizedCrop and perspective: through the pipeline on 1,000 MNIST test digits, the
// bytes torchvision 0.14 gives (F.resized_crop, F.perspective) for the parameters sampleDraws()
// reports; the draws replayed from the pixel stream's uniforms through torchvision's own
// get_params code (torch's RNG swapped for those uniforms) and compared with torchvision's own
// draws by a two-sample chi-square; their chance p; the composition
// with other steps in one resampling; and the option checks.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Block } from '@idxflow/core';
import { randomUniform, streamKey } from '@idxflow/core/internal';
import { augment, PIXEL_DRAWS, sampleDraws, specOf, streamTags, toFloat, type AugmentOptions } from '@idxflow/transforms/internal';
import { run } from '../fixtures/hash.js';
import { raw } from '../fixtures/mnist.js';
import { describeWithPython, python } from '../fixtures/python.js';

const DIGITS = 1000;
const SEED = 21;

function digits(n = DIGITS): Block {
  const file = readFileSync(raw('t10k-images-idx3-ubyte'));
  const images = Uint8Array.from(file.subarray(16, 16 + n * 784));
  return { images, labels: new Uint8Array(n), indices: Uint32Array.from({ length: n }, (_, i) => i), epoch: 0, shape: [n, 28, 28] };
}

function pythonWithJob(script: string, job: unknown): unknown {
  const file = join(mkdtempSync(join(tmpdir(), 'idxflow-geo-')), 'job.json');
  writeFileSync(file, JSON.stringify(job));
  return python(script, file);
}

const APPLY = `
import json, sys, torch
import torchvision.transforms.functional as F
job = json.load(open(sys.argv[1]))
mode = F.InterpolationMode.NEAREST if job['interpolation'] == 'nearest' else F.InterpolationMode.BILINEAR
out = []
for k, case in enumerate(job['cases']):
    img = torch.tensor(job['images'][k * 784:(k + 1) * 784], dtype=torch.uint8).reshape(1, 28, 28)
    if 'box' in case:
        b = case['box']
        img = F.resized_crop(img, b['top'], b['left'], b['height'], b['width'], [28, 28], interpolation=mode)
    if case.get('hflip'): img = F.hflip(img)
    if case.get('vflip'): img = F.vflip(img)
    if 'perspective' in case:
        img = F.perspective(img, case['perspective']['start'], case['perspective']['end'], interpolation=mode, fill=[float(job['fill'])])
    out.append(img.reshape(-1).tolist())
print(json.dumps(out))
`;

/** augment()'s bytes and torchvision's for the parameters each sample drew (sampleDraws). */
async function againstTorchvision(options: AugmentOptions): Promise<{ ours: Uint8Array; theirs: number[][]; moved: number }> {
  const block = digits();
  const [out] = await run(of(block).pipe(augment(options, { seed: SEED })));
  const spec = specOf(options);
  const cases = Array.from({ length: DIGITS }, (_, index) => {
    const d = sampleDraws(spec, { seed: SEED, epoch: 0, index }, 28, 28);
    return { ...(d.resizedCrop ? { box: d.resizedCrop } : {}), hflip: d.flipHorizontal, vflip: d.flipVertical, ...(d.perspective ? { perspective: d.perspective } : {}) };
  });
  const theirs = pythonWithJob(APPLY, { images: Array.from(block.images), cases, interpolation: options.interpolation ?? 'bilinear', fill: options.fill ?? 0 }) as number[][];
  return { ours: out.images as Uint8Array, theirs, moved: cases.filter((c) => 'box' in c || 'perspective' in c).length };
}

function differing(ours: Uint8Array, theirs: number[][]): { at: string; by: number }[] {
  const out: { at: string; by: number }[] = [];
  theirs.forEach((bytes, k) => bytes.forEach((v, i) => ours[k * 784 + i] !== v && out.push({ at: `digit ${k} (${i % 28}, ${Math.floor(i / 28)})`, by: Math.abs(ours[k * 784 + i] - v) })));
  return out;
}

// torchvision's get_params, verbatim but for torch's generator: uniform_(a, b) is a + (b - a) u
// and randint(low, high) is low + floor(u (high - low)), u the next of the sample's uniforms.
const REPLAY = `
import json, math, sys
job = json.load(open(sys.argv[1]))
def crop(u, width, height, scale, ratio):
    area = height * width
    log_ratio = [math.log(ratio[0]), math.log(ratio[1])]
    for k in range(10):
        target_area = area * (scale[0] + (scale[1] - scale[0]) * u[1 + 2 * k])
        aspect_ratio = math.exp(log_ratio[0] + (log_ratio[1] - log_ratio[0]) * u[2 + 2 * k])
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            i = 0 + math.floor(u[21] * (height - h + 1))
            j = 0 + math.floor(u[22] * (width - w + 1))
            return [i, j, h, w]
    in_ratio = float(width) / float(height)
    if in_ratio < min(ratio):
        w = width
        h = int(round(w / min(ratio)))
    elif in_ratio > max(ratio):
        h = height
        w = int(round(h * max(ratio)))
    else:
        w = width
        h = height
    return [(height - h) // 2, (width - w) // 2, h, w]
def randint(u, low, high):
    return low + math.floor(u * (high - low))
def corners(u, width, height, distortion_scale):
    half_height = height // 2
    half_width = width // 2
    dw = int(distortion_scale * half_width)
    dh = int(distortion_scale * half_height)
    topleft = [randint(u[1], 0, dw + 1), randint(u[2], 0, dh + 1)]
    topright = [randint(u[3], width - dw - 1, width), randint(u[4], 0, dh + 1)]
    botright = [randint(u[5], width - dw - 1, width), randint(u[6], height - dh - 1, height)]
    botleft = [randint(u[7], 0, dw + 1), randint(u[8], height - dh - 1, height)]
    return [topleft, topright, botright, botleft]
out = []
for u in job['uniforms']:
    if job['kind'] == 'crop': out.append(crop(u, job['width'], job['height'], job['scale'], job['ratio']))
    else: out.append(corners(u, job['width'], job['height'], job['distortion']))
print(json.dumps(out))
`;

// torchvision's own draws, from torch's generator, for the two-sample test.
const TORCH_DRAWS = `
import json, sys, torch
import torchvision.transforms as T
job = json.load(open(sys.argv[1]))
torch.manual_seed(1)
img = torch.zeros(1, 28, 28, dtype=torch.uint8)
boxes = [list(T.RandomResizedCrop.get_params(img, [0.08, 1.0], [3 / 4, 4 / 3])) for _ in range(job['n'])]
corners = [T.RandomPerspective.get_params(28, 28, 0.5)[1] for _ in range(job['n'])]
print(json.dumps({'boxes': boxes, 'corners': corners}))
`;

/** The two-sample chi-square statistic of equal-sized samples' counts, and its degrees of freedom. */
function homogeneity(a: number[], b: number[]): { statistic: number; df: number } {
  const keys = [...new Set([...a, ...b])];
  const count = (values: number[]): Map<number, number> => values.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<number, number>());
  const [ca, cb] = [count(a), count(b)];
  const statistic = keys.reduce((sum, k) => sum + ((ca.get(k) ?? 0) - (cb.get(k) ?? 0)) ** 2 / ((ca.get(k) ?? 0) + (cb.get(k) ?? 0)), 0);
  return { statistic, df: keys.length - 1 };
}

const RANK = `
import json, sys
import numpy as np
job = json.load(open(sys.argv[1]))
start = [[0, 0], [27, 0], [27, 27], [0, 27]]
ranks = []
for end in job['ends']:
    a = np.zeros((8, 8))
    for i, (p1, p2) in enumerate(zip(end, start)):
        a[2 * i] = [p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]]
        a[2 * i + 1] = [0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]]
    ranks.append(int(np.linalg.matrix_rank(a)))
print(json.dumps(ranks))
`;

/** The pixel stream's uniforms from `first` on, per sample. */
function uniforms(n: number, first: number, count: number): number[][] {
  const tag = streamTags(0).pixel;
  return Array.from({ length: n }, (_, index) => Array.from({ length: count }, (_, c) => randomUniform(streamKey(SEED, tag, 0, index), first + c)));
}

describeWithPython(['torch', 'torchvision'], "augment()'s resizedCrop and perspective against torchvision 0.14", () => {
  it("resizedCrop: F.resized_crop's bytes for each sample's drawn box, bilinear (every digit, 1,000) and nearest (scale 0.2:0.6, p 0.5)", async () => {
    const bilinear = await againstTorchvision({ resizedCrop: {} });
    expect(bilinear.moved).toBe(DIGITS);
    expect(differing(bilinear.ours, bilinear.theirs)).toEqual([]);
    const nearest = await againstTorchvision({ resizedCrop: { scale: [0.2, 0.6], p: 0.5 }, interpolation: 'nearest' });
    expect(nearest.moved).toBeGreaterThan(400);
    expect(nearest.moved).toBeLessThan(600);
    expect(differing(nearest.ours, nearest.theirs)).toEqual([]);
  });

  it("perspective: F.perspective's bytes for each sample's drawn corners, within the geometry's tolerance (bilinear, fill 0 and 40)", async () => {
    for (const fill of [0, 40]) {
      const { ours, theirs, moved } = await againstTorchvision({ perspective: { distortion: 0.6 }, fill });
      expect(moved).toBe(DIGITS);
      const diff = differing(ours, theirs);
      expect(diff.length, JSON.stringify(diff.slice(0, 5))).toBeLessThanOrEqual((DIGITS * 784) / 10_000);
      expect(Math.max(0, ...diff.map((d) => d.by))).toBeLessThanOrEqual(1);
    }
  });

  it("resizedCrop with flips (RandomResizedCrop, then RandomHorizontalFlip and RandomVerticalFlip): hflip and vflip of F.resized_crop's bytes, exactly", async () => {
    const { ours, theirs, moved } = await againstTorchvision({ resizedCrop: {}, flip: { horizontal: 0.5, vertical: 0.3 } });
    expect(moved).toBe(DIGITS);
    expect(differing(ours, theirs)).toEqual([]);
  });

  it("perspective after flips: F.perspective of the mirrored digit, within the geometry's tolerance", async () => {
    const { ours, theirs } = await againstTorchvision({ perspective: { distortion: 0.5 }, flip: { horizontal: 0.5 } });
    const diff = differing(ours, theirs);
    expect(diff.length, JSON.stringify(diff.slice(0, 5))).toBeLessThanOrEqual((DIGITS * 784) / 10_000);
    expect(Math.max(0, ...diff.map((d) => d.by))).toBeLessThanOrEqual(1);
  });

  it("the draws are torchvision's get_params replayed on the same uniforms: 2,000 boxes (two scale and ratio settings, fallback included) and 2,000 corner sets", async () => {
    const n = 2000;
    for (const [scale, ratio] of [[[0.08, 1], [3 / 4, 4 / 3]], [[0.9, 1], [3, 4]]] as [[number, number], [number, number]][]) {
      // [0.9, 1] x [3, 4] fits no try in a square image: every box is the fallback's centre crop.
      const spec = specOf({ resizedCrop: { scale, ratio } });
      const ours = Array.from({ length: n }, (_, index) => {
        const b = sampleDraws(spec, { seed: SEED, epoch: 0, index }, 28, 28).resizedCrop!;
        return [b.top, b.left, b.height, b.width];
      });
      const theirs = pythonWithJob(REPLAY, { kind: 'crop', uniforms: uniforms(n, PIXEL_DRAWS.resizedCrop, 23), width: 28, height: 28, scale, ratio });
      expect(ours).toEqual(theirs);
      expect(new Set(ours.map((b) => b.join())).size).toBeGreaterThan(ratio[0] === 3 ? 0 : 500);
    }
    for (const distortion of [0.5, 1]) {
      const spec = specOf({ perspective: { distortion } });
      const ours = Array.from({ length: n }, (_, index) => sampleDraws(spec, { seed: SEED, epoch: 0, index }, 28, 28).perspective!.end);
      const theirs = pythonWithJob(REPLAY, { kind: 'corners', uniforms: uniforms(n, PIXEL_DRAWS.perspective, 9), width: 28, height: 28, distortion });
      expect(ours).toEqual(theirs);
    }
  });
});

describeWithPython(['torch', 'torchvision', 'scipy'], "the draws against torchvision's own get_params (two-sample chi-square at 0.001, 20,000 draws each)", () => {
  it("box heights, widths, tops and lefts, and each corner coordinate, are distributed as torchvision's", () => {
    const n = 20_000;
    const theirs = pythonWithJob(TORCH_DRAWS, { n }) as { boxes: number[][]; corners: number[][][] };
    const crop = specOf({ resizedCrop: {} });
    const perspective = specOf({ perspective: { distortion: 0.5 } });
    const ours = Array.from({ length: n }, (_, index) => sampleDraws(crop, { seed: 9, epoch: 0, index }, 28, 28).resizedCrop!);
    const corners = Array.from({ length: n }, (_, index) => sampleDraws(perspective, { seed: 9, epoch: 0, index }, 28, 28).perspective!.end);
    const tests: [string, number[], number[]][] = [
      ['top', ours.map((b) => b.top), theirs.boxes.map((b) => b[0])],
      ['left', ours.map((b) => b.left), theirs.boxes.map((b) => b[1])],
      ['height', ours.map((b) => b.height), theirs.boxes.map((b) => b[2])],
      ['width', ours.map((b) => b.width), theirs.boxes.map((b) => b[3])],
      ...[0, 1, 2, 3].flatMap((k) => [0, 1].map((axis): [string, number[], number[]] => [`corner ${k} ${'xy'[axis]}`, corners.map((c) => c[k][axis]), theirs.corners.map((c) => c[k][axis])])),
    ];
    const results = tests.map(([what, a, b]) => ({ what, ...homogeneity(a, b) }));
    const critical = python(`import json, scipy.stats; print(json.dumps([scipy.stats.chi2.ppf(0.999, df) for df in ${JSON.stringify(results.map((r) => r.df))}]))`) as number[];
    results.forEach(({ what, statistic, df }, k) => {
      expect(df, what).toBeGreaterThan(2);
      expect(statistic, what).toBeLessThan(critical[k]);
    });
  });
});

describeWithPython(['numpy'], 'the corners left undistorted', () => {
  it("are those whose torchvision equations numpy finds singular (rank below 8), of 5,000 draws at distortion 1", () => {
    // Two corners on one point, or a map whose horizon passes through the origin, which the form
    // with the last coefficient 1 cannot express.
    const spec = specOf({ perspective: { distortion: 1 } });
    const ends = Array.from({ length: 5000 }, (_, index) => sampleDraws(spec, { seed: 2, epoch: 0, index }, 28, 28).perspective!);
    const ranks = pythonWithJob(RANK, { ends: ends.map((p) => p.end) }) as number[];
    const singular = ranks.map((r) => r < 8);
    expect(singular.filter(Boolean).length).toBeGreaterThan(0);
    expect(ends.map((p) => p.coefficients === undefined)).toEqual(singular);
  });
});

describe("augment()'s resizedCrop and perspective in augment's one resampling", () => {
  it('applies each to a share p of the samples (binomial, 10,000 draws)', () => {
    for (const options of [{ resizedCrop: { p: 0.3 } }, { perspective: { p: 0.3 } }] as AugmentOptions[]) {
      const spec = specOf(options);
      let applied = 0;
      for (let index = 0; index < 10_000; index++) {
        const d = sampleDraws(spec, { seed: 3, epoch: 0, index }, 28, 28);
        if (d.resizedCrop || d.perspective) applied++;
      }
      // 0.3 +- 4.5 standard deviations of a binomial(10,000, 0.3)
      expect(Math.abs(applied - 3000)).toBeLessThan(4.5 * Math.sqrt(10_000 * 0.3 * 0.7));
    }
  });

  it('composes with the affine steps into one map: a full-image crop and a perspective of distortion 0 leave rotate()s bytes, and the composed map is crop, then the rotation, then the perspective', async () => {
    const block = digits(200);
    const [rotated] = await run(of(block).pipe(augment({ rotate: 30 }, { seed: 4 })));
    const [same] = await run(of(block).pipe(augment({ rotate: 30, resizedCrop: { scale: [1, 1], ratio: [1, 1] }, perspective: { distortion: 0 } }, { seed: 4 })));
    expect(Buffer.from(same.images as Uint8Array).equals(Buffer.from(rotated.images as Uint8Array))).toBe(true);
    // A sample with a crop box, a rotation and corners: its map sends output pixel q to
    // crop(rotation(perspective(q))), each map written out here from its own definition.
    const spec = specOf({ rotate: 30, resizedCrop: {}, perspective: {} });
    const d = sampleDraws(spec, { seed: 4, epoch: 0, index: 3 }, 28, 28);
    expect(d.resampling).toBe('projective');
    const [c0, c1, c2, c3, c4, c5, c6, c7] = d.perspective!.coefficients!;
    const perspective = (x: number, y: number): [number, number] => {
      const X = x + 0.5, Y = y + 0.5, w = c6 * X + c7 * Y + 1;
      return [(c0 * X + c1 * Y + c2) / w - 0.5, (c3 * X + c4 * Y + c5) / w - 0.5];
    };
    const m = d.matrix;
    const rotation = (x: number, y: number): [number, number] => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
    const b = d.resizedCrop!;
    const crop = (x: number, y: number): [number, number] => [b.left + ((x + 0.5) * b.width) / 28 - 0.5, b.top + ((y + 0.5) * b.height) / 28 - 0.5];
    const p = d.projective!;
    for (const [x, y] of [[0, 0], [27, 3], [13, 20], [5, 27]]) {
      const w = p[6] * x + p[7] * y + p[8];
      const expected = crop(...rotation(...perspective(x, y)));
      expect((p[0] * x + p[1] * y + p[2]) / w).toBeCloseTo(expected[0], 9);
      expect((p[3] * x + p[4] * y + p[5]) / w).toBeCloseTo(expected[1], 9);
    }
  });

  it("leaves a sample undistorted when its drawn corners leave torchvision's eight equations singular (seen at distortion 1), and says so in its draws", async () => {
    const spec = specOf({ perspective: { distortion: 1 } });
    const degenerate = Array.from({ length: 5000 }, (_, index) => index).filter((index) => sampleDraws(spec, { seed: 2, epoch: 0, index }, 28, 28).perspective!.coefficients === undefined);
    expect(degenerate.length).toBeGreaterThan(0);
    const block = digits(degenerate.length);
    block.indices.set(degenerate);
    const [out] = await run(of(block).pipe(augment({ perspective: { distortion: 1 } }, { seed: 2 })));
    expect(Buffer.from(out.images as Uint8Array).equals(Buffer.from(block.images))).toBe(true);
  });

  it("Float32 images take the projective map: within half a level of the byte path's torchvision bytes where the crop's sampling stays inside its box", async () => {
    const block = digits(200);
    const options: AugmentOptions = { resizedCrop: { scale: [0.2, 0.8] } };
    const [bytes] = await run(of(block).pipe(augment(options, { seed: 6 })));
    const [floats] = await run(of(block).pipe(toFloat(), augment(options, { seed: 6 })));
    expect(floats.images).toBeInstanceOf(Float32Array);
    const spec = specOf(options);
    let compared = 0;
    for (let k = 0; k < 200; k++) {
      const d = sampleDraws(spec, { seed: 6, epoch: 0, index: k }, 28, 28);
      expect(d.resampling).toBe('crop');
      const b = d.resizedCrop!;
      for (let i = 0; i < 784; i++) {
        const sx = b.left + (((i % 28) + 0.5) * b.width) / 28 - 0.5;
        const sy = b.top + ((Math.floor(i / 28) + 0.5) * b.height) / 28 - 0.5;
        if (!(sx >= b.left && sx <= b.left + b.width - 1 && sy >= b.top && sy <= b.top + b.height - 1)) continue;
        compared++;
        expect(Math.abs((floats.images[k * 784 + i] as number) * 255 - (bytes.images[k * 784 + i] as number)), `digit ${k} pixel ${i}`).toBeLessThanOrEqual(0.5001);
      }
    }
    expect(compared).toBeGreaterThan(200 * 600);
  });

  it('refuses bad options when the stage is built, naming them', () => {
    const refused: [AugmentOptions, RegExp][] = [
      [{ resizedCrop: { scale: [0.5, 0.2] } }, /\[min, max\] with 0 <= min <= max <= 1 for resizedCrop\.scale but received \[0\.5,0\.2\]/],
      [{ resizedCrop: { scale: [0, 1.5] } }, /for resizedCrop\.scale/],
      [{ resizedCrop: { scale: [0, 0] } }, /positive maximum for resizedCrop\.scale/],
      [{ resizedCrop: { ratio: [0, 2] } }, /for resizedCrop\.ratio/],
      [{ resizedCrop: { p: -1 } }, /probability between 0 and 1 for resizedCrop\.p/],
      [{ resizedCrop: 0.5 as unknown as AugmentOptions['resizedCrop'] }, /Expected \{ scale, ratio, p \} for resizedCrop but received 0\.5/],
      [{ perspective: { distortion: 1.5 } }, /number from 0 to 1 for perspective\.distortion but received 1\.5/],
      [{ perspective: { p: 2 } }, /probability between 0 and 1 for perspective\.p/],
    ];
    for (const [options, message] of refused) expect(() => specOf(options), JSON.stringify(options)).toThrow(message);
  });
});
