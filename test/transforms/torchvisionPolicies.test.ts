// The automatic policies against torchvision 0.14 (Debian's /usr/bin/python3): every op of every
// policy's space, magnitude forced, on 1,000 MNIST test digits through torchvision's own
// `_apply_op` (torchvision.transforms.autoaugment); 1,000 samples per policy replayed op by op
// from policyDraws(); torch's linspace tables. Bytes must be identical. Skipped, saying so,
// where python3 lacks torch and torchvision; failed instead under CI=true.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, of } from 'rxjs';
import { expect, it } from 'vitest';
import type { Block } from '@idxflow/core';
import {
  applyPolicyOp,
  augMix,
  augMixSpace,
  autoAugment,
  autoAugmentSpace,
  policyDraws,
  PolicyOpScratch,
  policySpecOf,
  randAugment,
  randAugmentSpace,
  torchLinspace,
  trivialAugment,
  trivialAugmentSpace,
  type OpSpace,
  type PolicyDraws,
  type PolicySpec,
} from '@idxflow/transforms/internal';
import { raw } from '../fixtures/mnist.js';
import { describeWithPython, python } from '../fixtures/python.js';

const DIGITS = 1000;
const SIZE = 784;

// Compares: reads our bytes for each case from a file and gives, per case, how many pixels of
// torchvision's differ (and the first few).
const OPS_SCRIPT = `
import json, sys, numpy, torch
from torchvision.transforms.autoaugment import _apply_op
from torchvision.transforms import InterpolationMode
job = json.load(open(sys.argv[1]))
n = job['count']
digits = torch.from_numpy(numpy.fromfile(job['path'], dtype=numpy.uint8, offset=16, count=n * 784).copy()).reshape(n, 1, 28, 28)
ours = numpy.fromfile(job['ours'], dtype=numpy.uint8).reshape(len(job['cases']), n, 1, 28, 28)
out = []
for k, (op, m, interp, fill) in enumerate(job['cases']):
    mode = InterpolationMode.NEAREST if interp == 'nearest' else InterpolationMode.BILINEAR
    theirs = _apply_op(digits, op, m, interpolation=mode, fill=None if fill == 0 else [float(fill)]).numpy()
    differ = numpy.nonzero((theirs != ours[k]).reshape(-1))[0]
    out.append([int(len(differ)), bool((theirs != digits.numpy()).any())])
print(json.dumps({'version': __import__('torchvision').__version__, 'cases': out}))
`;

// Replays each digit's draws: one chain of [op, magnitude] (AutoAugment's unapplied ops left
// out), or AugMix's chains mixed with float32 weights as AugMix.forward mixes them.
const REPLAY_SCRIPT = `
import json, sys, numpy, torch
from torchvision.transforms.autoaugment import _apply_op
from torchvision.transforms import InterpolationMode
job = json.load(open(sys.argv[1]))
n = job['count']
digits = torch.from_numpy(numpy.fromfile(job['path'], dtype=numpy.uint8, offset=16, count=n * 784).copy()).reshape(n, 1, 28, 28)
mode = InterpolationMode.NEAREST if job['interpolation'] == 'nearest' else InterpolationMode.BILINEAR
fill = None if job['fill'] == 0 else [float(job['fill'])]
images = []
for d, draw in enumerate(job['draws']):
    img = digits[d]
    if draw['mix'] is None:
        for op, m in draw['chains'][0]: img = _apply_op(img, op, m, interpolation=mode, fill=fill)
    else:
        batch = img.view(1, 1, 28, 28)
        mix = torch.tensor([draw['mix']['original']], dtype=torch.float32).view(1, 1, 1, 1) * batch
        for c, chain in enumerate(draw['chains']):
            aug = batch
            for op, m in chain: aug = _apply_op(aug, op, m, interpolation=mode, fill=fill)
            mix.add_(torch.tensor([draw['mix']['weights'][c]], dtype=torch.float32).view(1, 1, 1, 1) * aug)
        img = mix.view(1, 28, 28).to(dtype=torch.uint8)
    images.append(img.reshape(-1).numpy().tobytes())
print(json.dumps(b''.join(images).hex()))
`;

function digits(): Block {
  const file = readFileSync(raw('t10k-images-idx3-ubyte'));
  const images = Uint8Array.from(file.subarray(16, 16 + DIGITS * SIZE));
  return { images, labels: new Uint8Array(DIGITS), indices: Uint32Array.from({ length: DIGITS }, (_, i) => i), epoch: 0, shape: [DIGITS, 28, 28] };
}

function jobFile(job: object): string {
  const file = join(mkdtempSync(join(tmpdir(), 'idxflow-policy-')), 'job.json');
  writeFileSync(file, JSON.stringify(job));
  return file;
}

type Case = [op: string, magnitude: number, interpolation: 'nearest' | 'bilinear', fill: number];

/** Every op of a space at bins 0, 1, 2, 9, the middle and the last two, both signs where signed. */
function casesOf(space: OpSpace[], interpolation: 'nearest' | 'bilinear', fill = 0): Case[] {
  return space.flatMap((s) => {
    const table = s.magnitudes ?? [0];
    const last = table.length - 1;
    const bins = [...new Set([0, 1, 2, 9, Math.floor(last / 2), last - 1, last].filter((b) => b >= 0 && b <= last))];
    return bins.flatMap((b) => (s.signed ? [1, -1] : [1]).map((sign): Case => [s.op, sign * table[b], interpolation, fill]));
  });
}

const policies: [string, PolicySpec, (run: { seed: number }) => ReturnType<typeof randAugment>][] = [
  ['randAugment(2, 9)', policySpecOf('randAugment', { ops: 2, magnitude: 9 }), (run) => randAugment({ ops: 2, magnitude: 9 }, run)],
  ['randAugment(3, 25, bins 31)', policySpecOf('randAugment', { ops: 3, magnitude: 25 }), (run) => randAugment({ ops: 3, magnitude: 25 }, run)],
  ['trivialAugment', policySpecOf('trivialAugment', {}), (run) => trivialAugment({}, run)],
  ['autoAugment imagenet', policySpecOf('autoAugment', { policy: 'imagenet' }), (run) => autoAugment({ policy: 'imagenet' }, run)],
  ['autoAugment cifar10', policySpecOf('autoAugment', { policy: 'cifar10' }), (run) => autoAugment({ policy: 'cifar10' }, run)],
  ['autoAugment svhn', policySpecOf('autoAugment', { policy: 'svhn' }), (run) => autoAugment({ policy: 'svhn' }, run)],
  ['augMix', policySpecOf('augMix', {}), (run) => augMix({}, run)],
  // torchvision's interpolation and fill arguments (the CLI's --policy-interpolation and --policy-fill).
  ['randAugment(2, 9) bilinear, fill 128', policySpecOf('randAugment', { ops: 2, magnitude: 9, interpolation: 'bilinear', fill: 128 }), (run) => randAugment({ ops: 2, magnitude: 9, interpolation: 'bilinear', fill: 128 }, run)],
  ['augMix nearest, fill 200', policySpecOf('augMix', { interpolation: 'nearest', fill: 200 }), (run) => augMix({ interpolation: 'nearest', fill: 200 }, run)],
];

describeWithPython(['numpy', 'torch', 'torchvision'], "the automatic policies against torchvision's _apply_op (/usr/bin/python3)", () => {
  it("gives torch's float32 linspace tables, value for value (torch.linspace for the policies' ranges, 2 to 100 bins)", () => {
    const ends: [number, number][] = [[0, 0.3], [0, 0.99], [0, 0.9], [0, 30], [0, 135], [0, 32], [0, (150 / 331) * 28], [0, 28 / 3], [255, 0]];
    const theirs = python(`
import json, torch
print(json.dumps([[torch.linspace(s, e, n).tolist() for n in range(2, 101)] for s, e in ${JSON.stringify(ends)}]))`) as number[][][];
    const wrong: string[] = [];
    ends.forEach(([s, e], k) => {
      for (let n = 2; n <= 100; n++) {
        const ours = torchLinspace(s, e, n);
        ours.forEach((v, i) => {
          if (v !== theirs[k][n - 2][i]) wrong.push(`linspace(${s}, ${e}, ${n})[${i}]: ${v} != ${theirs[k][n - 2][i]}`);
        });
      }
    });
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('gives _apply_op\'s bytes for every op of every space, magnitude forced, on 1,000 digits (nearest and AugMix\'s bilinear; fill 0, and 100, 37 or 128 for the geometric ops, RandAugment\'s bilinear too)', () => {
    const unique = new Map<string, Case>();
    for (const c of [
      ...casesOf(trivialAugmentSpace(31), 'nearest'),
      ...casesOf(randAugmentSpace(31, 28, 28), 'nearest'),
      ...casesOf(autoAugmentSpace(28, 28), 'nearest'),
      ...casesOf(augMixSpace(28, 28), 'bilinear'),
      // A fill other than torchvision's None: its mask (nearest: where the mask is below 0.5; bilinear: a blend).
      ...casesOf(trivialAugmentSpace(31).slice(1, 6), 'nearest', 100),
      ...casesOf(augMixSpace(28, 28).slice(0, 5), 'bilinear', 37),
      ...casesOf(randAugmentSpace(31, 28, 28).slice(1, 6), 'bilinear', 128),
    ])
      unique.set(c.join('|'), c);
    const cases = [...unique.values()];
    const block = digits();
    const ours = Buffer.alloc(cases.length * DIGITS * SIZE);
    const scratch = new PolicyOpScratch();
    cases.forEach(([op, m, interpolation, fill], k) => {
      for (let d = 0; d < DIGITS; d++) {
        const image = block.images.slice(d * SIZE, (d + 1) * SIZE) as Uint8Array;
        applyPolicyOp(image, 28, 28, op as OpSpace['op'], m, { interpolation, fill }, scratch);
        ours.set(image, (k * DIGITS + d) * SIZE);
      }
    });
    const oursFile = join(mkdtempSync(join(tmpdir(), 'idxflow-policy-')), 'ours.bin');
    writeFileSync(oursFile, ours);
    const answer = python(OPS_SCRIPT, jobFile({ path: raw('t10k-images-idx3-ubyte'), count: DIGITS, ours: oursFile, cases })) as { version: string; cases: [number, boolean][] };
    expect(answer.version).toMatch(/^0\.14\./);
    const differing = cases.map((c, k) => `${c.join(' ')}: ${answer.cases[k][0]} pixels`).filter((_, k) => answer.cases[k][0] > 0);
    console.log(`${cases.length} cases (op, magnitude, interpolation) x ${DIGITS} digits: ${differing.length} with a differing pixel`);
    expect(differing).toEqual([]);
    // Every op but Identity and Color (one channel: torchvision returns the image) changes the digits at some magnitude.
    const changing = new Set(cases.filter((_, k) => answer.cases[k][1]).map(([op]) => op));
    expect([...changing].sort()).toEqual(['AutoContrast', 'Brightness', 'Contrast', 'Equalize', 'Invert', 'Posterize', 'Rotate', 'Sharpness', 'ShearX', 'ShearY', 'Solarize', 'TranslateX', 'TranslateY']);
  });

  for (const [name, spec, stage] of policies) {
    it(`${name}: 1,000 samples replayed op by op through _apply_op from policyDraws() give the stage's bytes`, async () => {
      const block = digits();
      const draws = Array.from({ length: DIGITS }, (_, index) => policyDraws(spec, { seed: 5, epoch: 0, index }, 28, 28));
      const job = {
        path: raw('t10k-images-idx3-ubyte'),
        count: DIGITS,
        interpolation: spec.interpolation,
        fill: spec.fill,
        draws: draws.map((d: PolicyDraws) => ({ chains: d.chains.map((chain) => chain.filter((s) => s.applied).map((s) => [s.op, s.magnitude])), mix: d.mix ?? null })),
      };
      const theirs = Buffer.from(python(REPLAY_SCRIPT, jobFile(job)) as string, 'hex');
      const out = (await lastValueFrom(of(block).pipe(stage({ seed: 5 })))).images as Uint8Array;
      let differing = 0;
      for (let i = 0; i < out.length; i++) if (out[i] !== theirs[i]) differing++;
      expect(differing, name).toBe(0);
      expect(Buffer.from(out).equals(Buffer.from(block.images)), name).toBe(false);
    });
  }
});
