// RandomResizedCrop and RandomPerspective against torchvision 0.14 (Debian's, run by
// /usr/bin/python3) on 1,000 MNIST test digits: torchvision's own get_params draws each digit's
// crop box or corners, torchvision's F.resized_crop / F.perspective gives the bytes, and our
// kernels must give the same bytes from the same parameters. Skipped, saying so, where python3
// lacks torch and torchvision; failed instead under CI=true.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { perspectiveCoefficients, resizedCrop, torchPerspective } from '../../packages/transforms/src/kernels/index.js';
import { raw } from '../fixtures/mnist.js';
import { describeWithPython, python } from '../fixtures/python.js';

const DIGITS = 1000;

const SCRIPT = `
import json, sys, torch
import torchvision.transforms as T
import torchvision.transforms.functional as F
job = json.load(open(sys.argv[1]))
torch.manual_seed(job['seed'])
out = []
for k, pixels in enumerate(job['images']):
    img = torch.tensor(pixels, dtype=torch.uint8).reshape(1, 28, 28)
    mode = F.InterpolationMode.NEAREST if k % 4 == 3 else F.InterpolationMode.BILINEAR
    if job['kind'] == 'crop':
        top, left, h, w = T.RandomResizedCrop.get_params(img, job['scale'], job['ratio'])
        r = F.resized_crop(img, top, left, h, w, [28, 28], interpolation=mode)
        out.append({'params': [top, left, h, w], 'bytes': r.reshape(-1).tolist()})
    else:
        start, end = T.RandomPerspective.get_params(28, 28, job['distortion'])
        fill = job['fills'][k % len(job['fills'])]
        r = F.perspective(img, start, end, interpolation=mode, fill=[float(fill)])
        coeffs = F._get_perspective_coeffs(start, end)
        out.append({'params': [start, end, fill, coeffs], 'bytes': r.reshape(-1).tolist()})
print(json.dumps(out))
`;

interface Result {
  params: unknown[];
  bytes: number[];
}

function digits(): Uint8Array[] {
  const file = readFileSync(raw('t10k-images-idx3-ubyte'));
  return Array.from({ length: DIGITS }, (_, i) => file.subarray(16 + i * 784, 16 + (i + 1) * 784));
}

function torchvision(job: Record<string, unknown>, images: Uint8Array[]): Result[] {
  const file = join(mkdtempSync(join(tmpdir(), 'idxflow-tvgeo-')), 'job.json');
  writeFileSync(file, JSON.stringify({ ...job, images: images.map((i) => Array.from(i)) }));
  return python(SCRIPT, file) as Result[];
}

/** Differing pixels of all cases, as "digit (x, y): ours != theirs". */
function differing(ours: Uint8Array[], results: Result[]): string[] {
  const out: string[] = [];
  ours.forEach((bytes, k) => {
    for (let i = 0; i < 784; i++) if (bytes[i] !== results[k].bytes[i]) out.push(`digit ${k} (${i % 28}, ${Math.floor(i / 28)}): ${bytes[i]} != ${results[k].bytes[i]}`);
  });
  return out;
}

describeWithPython(['torch', 'torchvision'], 'RandomResizedCrop and RandomPerspective against torchvision 0.14', () => {
  it("resizedCrop gives F.resized_crop's bytes on 1,000 digits with get_params' boxes (scale 0.08:1, ratio 3/4:4/3; every 4th nearest)", () => {
    const images = digits();
    const results = torchvision({ kind: 'crop', seed: 7, scale: [0.08, 1], ratio: [3 / 4, 4 / 3] }, images);
    const ours = images.map((src, k) => {
      const [top, left, height, width] = results[k].params as number[];
      const dst = new Uint8Array(784);
      resizedCrop(src, dst, 28, 28, { top, left, height, width }, 28, 28, k % 4 === 3 ? 'nearest' : 'bilinear');
      return dst;
    });
    // The boxes are varied: not all the full image (the fallback), and of many sizes.
    const sizes = new Set(results.map((r) => `${r.params[2]}x${r.params[3]}`));
    expect(sizes.size).toBeGreaterThan(100);
    expect(differing(ours, results)).toEqual([]);
  });

  it("resizedCrop gives F.resized_crop's bytes for boxes wider than tall and the reverse (ratio 0.2:5, scale 0.01:1)", () => {
    const images = digits().slice(0, 300);
    const results = torchvision({ kind: 'crop', seed: 8, scale: [0.01, 1], ratio: [0.2, 5] }, images);
    const ours = images.map((src, k) => {
      const [top, left, height, width] = results[k].params as number[];
      const dst = new Uint8Array(784);
      resizedCrop(src, dst, 28, 28, { top, left, height, width }, 28, 28, k % 4 === 3 ? 'nearest' : 'bilinear');
      return dst;
    });
    expect(differing(ours, results)).toEqual([]);
  });

  it("torchPerspective gives F.perspective's bytes on 1,000 digits from torchvision's own coefficients (its float32 least squares): the grid and sampling, exactly", () => {
    const images = digits();
    const results = torchvision({ kind: 'perspective', seed: 9, distortion: 0.5, fills: [0, 0, 0, 128] }, images);
    const ours = images.map((src, k) => {
      const [, , fill, coefficients] = results[k].params as [number[][], number[][], number, number[]];
      const dst = new Uint8Array(784);
      torchPerspective(src, dst, 28, 28, coefficients, k % 4 === 3 ? 'nearest' : 'bilinear', fill);
      return dst;
    });
    expect(differing(ours, results)).toEqual([]);
  });

  it("torchPerspective gives F.perspective's bytes on 1,000 digits with get_params' corners, within the geometry's tolerance (distortion 0.5; fills 0 and 128; every 4th nearest)", () => {
    const images = digits();
    const results = torchvision({ kind: 'perspective', seed: 9, distortion: 0.5, fills: [0, 0, 0, 0, 128, 128, 128, 128] }, images);
    const ours = images.map((src, k) => {
      const [start, end, fill] = results[k].params as [number[][], number[][], number];
      const dst = new Uint8Array(784);
      torchPerspective(src, dst, 28, 28, perspectiveCoefficients(start.flat(), end.flat()), k % 4 === 3 ? 'nearest' : 'bilinear', fill);
      return dst;
    });
    // torchvision solves for the coefficients by float32 least squares (LAPACK's sgels), we
    // exactly: the grid then differs by float32 error (the previous test shows the rest exact).
    const groups = new Map<string, string[]>();
    for (const line of differing(ours, results)) {
      const k = Number(/^digit (\d+)/.exec(line)![1]);
      const key = `${k % 4 === 3 ? 'nearest' : 'bilinear'}, fill ${(results[k].params as unknown[])[2]}`;
      groups.set(key, [...(groups.get(key) ?? []), line]);
    }
    const pixels = (mode: string, fill: number): number => images.filter((_, k) => (k % 4 === 3) === (mode === 'nearest') && (results[k].params as unknown[])[2] === fill).length * 784;
    // Bilinear: the geometry's tolerance, at most 1 pixel in 10,000, by at most 1 level.
    for (const fill of [0, 128]) {
      const diff = groups.get(`bilinear, fill ${fill}`) ?? [];
      expect(pixels('bilinear', fill)).toBeGreaterThan(200_000);
      expect(diff.length, `bilinear, fill ${fill}: ${diff.slice(0, 5).join('; ')}`).toBeLessThanOrEqual(pixels('bilinear', fill) / 10_000);
      for (const line of diff) {
        const [, a, b] = /: (\d+) != (\d+)$/.exec(line)!;
        expect(Math.abs(Number(a) - Number(b)), line).toBeLessThanOrEqual(1);
      }
    }
    // Nearest: the corners are whole pixels, so many positions land exactly half-way between
    // two pixels (the image's border among them), ties that float32 coefficients break either
    // way; where they fall the other way the pixel is its neighbour's (or the fill).
    for (const fill of [0, 128]) {
      const diff = groups.get(`nearest, fill ${fill}`) ?? [];
      expect(diff.length, `nearest, fill ${fill}`).toBeLessThanOrEqual(pixels('nearest', fill) / 1000);
    }
  });
});
