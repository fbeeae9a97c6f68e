// What the automatic policies draw: over 100,000 samples, the frequency of every op, magnitude
// bin, sign, sub-policy, chain depth and mixing weight matches the policy's definition in
// torchvision 0.14 (autoaugment.py) by a chi-square test at 0.001, its critical values from
// scipy.stats.chi2.ppf (Python, independent of this code); and the stages give the same bytes
// for workers 0, 1, 2 and blocks of 1, 7, 1000.
import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, BlockMismatchError, mnist } from '@idxflow/core';
import { augMix, autoAugment, policyDraws, policySpecOf, randAugment, toFloat, trivialAugment, type PolicyDraws, type PolicySpec } from '@idxflow/transforms';
import { AUTO_AUGMENT_POLICIES } from '@idxflow/transforms/internal';
import { hashOf, run } from '../fixtures/hash.js';
import { outcome } from '../fixtures/outcome.js';
import { describeWithPython, python } from '../fixtures/python.js';

const N = 100_000;
const RAND_OPS = ['Identity', 'ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness', 'Posterize', 'Solarize', 'AutoContrast', 'Equalize'];
const AUGMIX_OPS = ['ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Posterize', 'Solarize', 'AutoContrast', 'Equalize', 'Brightness', 'Color', 'Contrast', 'Sharpness'];
const SIGNED = new Set(['ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness']);

function drawsOf(spec: PolicySpec): PolicyDraws[] {
  return Array.from({ length: N }, (_, index) => policyDraws(spec, { seed: 9, epoch: 2, index }, 28, 28));
}

/** Pearson's statistic of observed counts against expected probabilities. */
function chiSquare(observed: number[], probabilities: number[]): number {
  const total = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((sum, o, i) => sum + (o - total * probabilities[i]) ** 2 / (total * probabilities[i]), 0);
}

function countsOf<T>(values: T[], categories: T[]): number[] {
  const counts = categories.map(() => 0);
  for (const v of values) counts[categories.indexOf(v)]++;
  return counts;
}

const uniform = (n: number): number[] => Array.from({ length: n }, () => 1 / n);

/** The 0.999 quantile of chi-square with `df` degrees of freedom, from scipy. */
let critical: (df: number) => number = () => NaN;

describeWithPython(['scipy'], 'policy draws against the policies\' definitions (chi-square at 0.001, 100,000 draws)', () => {
  critical = (df) => python(`import scipy.stats; print(scipy.stats.chi2.ppf(0.999, ${df}))`) as number;

  /** Expects the counts to fit the probabilities; `what` names the test in a failure. */
  const fits = (what: string, observed: number[], probabilities: number[]): void => {
    expect(observed.reduce((a, b) => a + b, 0), what).toBeGreaterThan(1000);
    expect(chiSquare(observed, probabilities), what).toBeLessThan(critical(observed.length - 1));
  };

  it('randAugment(3, 9): each position draws the 14 ops uniformly, signed ops negated half the time, every magnitude the bin 9 value', () => {
    const draws = drawsOf(policySpecOf('randAugment', { ops: 3, magnitude: 9 }));
    for (let p = 0; p < 3; p++) fits(`op at position ${p}`, countsOf(draws.map((d) => d.chains[0][p].op), RAND_OPS), uniform(14));
    const signed = draws.flatMap((d) => d.chains[0]).filter((s) => SIGNED.has(s.op));
    fits('signs', countsOf(signed.map((s) => s.negated), [false, true]), [0.5, 0.5]);
    expect(new Set(signed.map((s) => s.bin))).toEqual(new Set([9]));
    const rotations = new Set(signed.filter((s) => s.op === 'Rotate').map((s) => s.magnitude));
    expect(rotations).toEqual(new Set([9, -9])); // linspace(0, 30, 31)[9]
  });

  it('trivialAugment: the 14 ops uniformly, each table\'s 31 bins uniformly, signs half and half', () => {
    const steps = drawsOf(policySpecOf('trivialAugment', {})).map((d) => d.chains[0][0]);
    fits('ops', countsOf(steps.map((s) => s.op), RAND_OPS), uniform(14));
    const binned = steps.filter((s) => s.bin !== null);
    expect(binned.length).toBeGreaterThan(0.75 * N); // 11 of 14 ops have a table
    fits('bins', countsOf(binned.map((s) => s.bin), Array.from({ length: 31 }, (_, b) => b)), uniform(31));
    fits('signs', countsOf(steps.filter((s) => SIGNED.has(s.op)).map((s) => s.negated), [false, true]), [0.5, 0.5]);
    expect(steps.filter((s) => !SIGNED.has(s.op)).every((s) => !s.negated)).toBe(true);
  });

  for (const policy of ['imagenet', 'cifar10', 'svhn'] as const) {
    it(`autoAugment ${policy}: the 25 sub-policies uniformly, each op applied with its own probability, signs half and half`, () => {
      const draws = drawsOf(policySpecOf('autoAugment', { policy }));
      const table = AUTO_AUGMENT_POLICIES[policy];
      fits('sub-policies', countsOf(draws.map((d) => d.subPolicy), Array.from({ length: 25 }, (_, i) => i)), uniform(25));
      for (let slot = 0; slot < 2; slot++) {
        // Per sub-policy and slot, applied or not: 50 cells, each against probability p / 25 or (1 - p) / 25.
        const observed: number[] = [];
        const expected: number[] = [];
        table.forEach((sub, i) => {
          const p = sub[slot][1];
          const of = draws.filter((d) => d.subPolicy === i);
          const applied = of.filter((d) => d.chains[0][slot].applied).length;
          expect(of.every((d) => d.chains[0][slot].op === sub[slot][0])).toBe(true);
          if (p > 0 && p < 1) {
            observed.push(applied, of.length - applied);
            expected.push(p / 25, (1 - p) / 25);
          } else {
            expect(applied, `sub-policy ${i}, probability ${p}`).toBe(p === 1 ? of.length : 0);
          }
        });
        const share = expected.reduce((a, b) => a + b, 0);
        fits(`applied, slot ${slot}`, observed, expected.map((e) => e / share));
      }
      const signed = draws.flatMap((d) => d.chains[0]).filter((s) => SIGNED.has(s.op));
      if (signed.length > 0) fits('signs', countsOf(signed.map((s) => s.negated), [false, true]), [0.5, 0.5]);
    });
  }

  it('augMix(severity 3, width 3, depth -1, alpha 1): depths 1 to 3, the 13 ops, bins below the severity, and Beta(1, 1) and Dirichlet(1, 1, 1) weights', () => {
    const draws = drawsOf(policySpecOf('augMix', {}));
    const chains = draws.flatMap((d) => d.chains);
    fits('depths', countsOf(chains.map((c) => c.length), [1, 2, 3]), uniform(3));
    const steps = chains.flat();
    fits('ops', countsOf(steps.map((s) => s.op), AUGMIX_OPS), uniform(13));
    fits('bins', countsOf(steps.filter((s) => s.bin !== null).map((s) => s.bin), [0, 1, 2]), uniform(3));
    // m[0] ~ Beta(1, 1), uniform on [0, 1): ten bins of 0.1.
    fits('Beta(1, 1) weight of the original', countsOf(draws.map((d) => Math.min(9, Math.floor(d.mix!.original * 10))), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), uniform(10));
    // The first chain's share of the rest, w / m[1] ~ Beta(1, 2): P(x < t) = 1 - (1 - t)^2.
    const shares = draws.map((d) => d.mix!.weights[0] / (1 - d.mix!.original));
    const beta12 = Array.from({ length: 10 }, (_, b) => (1 - b / 10) ** 2 - (1 - (b + 1) / 10) ** 2);
    fits('Dirichlet(1, 1, 1) first weight', countsOf(shares.map((x) => Math.min(9, Math.floor(x * 10))), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), beta12);
    // The weights sum to 1, as torchvision's (float32).
    for (const d of draws.slice(0, 1000)) expect(Math.abs(d.mix!.original + d.mix!.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
  });

  it('a smaller alpha (0.3) gives Beta(0.3, 0.3) weights: mass at both ends, as its density says', () => {
    const draws = drawsOf(policySpecOf('augMix', { alpha: 0.3 }));
    const cdf = python(`import json, scipy.stats; print(json.dumps([float(scipy.stats.beta.cdf(b / 10, 0.3, 0.3)) for b in range(11)]))`) as number[];
    const probabilities = Array.from({ length: 10 }, (_, b) => cdf[b + 1] - cdf[b]);
    fits('Beta(0.3, 0.3)', countsOf(draws.map((d) => Math.min(9, Math.floor(d.mix!.original * 10))), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), probabilities);
  });
});

describe('the policy stages', () => {
  it('give byte-identical output for 0, 1 and 2 workers and block sizes 1, 7 and 1000, for each policy', async () => {
    const stages = [
      (w: number) => randAugment({ ops: 2, magnitude: 9 }, { seed: 11, workers: w, taskImages: 500 }),
      (w: number) => trivialAugment({}, { seed: 11, workers: w, taskImages: 500 }),
      (w: number) => autoAugment({ policy: 'svhn' }, { seed: 11, workers: w, taskImages: 500 }),
      (w: number) => augMix({}, { seed: 11, workers: w, taskImages: 500 }),
    ];
    for (const [k, stage] of stages.entries()) {
      const hashes = new Set<string>();
      for (const workers of [0, 1, 2]) {
        for (const size of [1, 7, 1000]) {
          const out = await run(mnist({ split: 'test' }).pipe(batch(size), stage(workers)));
          expect(out.reduce((n, b) => n + b.shape[0], 0)).toBe(10000);
          hashes.add(hashOf(out));
        }
      }
      expect(hashes.size, `stage ${k}`).toBe(1);
    }
  });

  it('draws apart from augment() and from another policy stage: a second stage in the pipeline gets other ops', () => {
    const spec = policySpecOf('trivialAugment', {});
    const first = Array.from({ length: 200 }, (_, index) => JSON.stringify(policyDraws(spec, { seed: 1, stage: 0, epoch: 0, index }, 28, 28)));
    const second = Array.from({ length: 200 }, (_, index) => JSON.stringify(policyDraws(spec, { seed: 1, stage: 1, epoch: 0, index }, 28, 28)));
    expect(first.filter((d, i) => d === second[i]).length).toBeLessThan(40); // 1 in 14 agree on the op (Identity and the rest)
  });

  it('sends Float32 images to error as a BlockMismatchError (torchvision: uint8 only), inline and on workers', async () => {
    const block = { images: new Uint8Array(2 * 784), labels: new Uint8Array(2), indices: Uint32Array.of(0, 1), epoch: 0, shape: [2, 28, 28] as [number, number, number] };
    for (const workers of [0, 1]) {
      const result = await outcome(of(block).pipe(toFloat(), randAugment({}, { workers })));
      expect(result.error).toBeInstanceOf(BlockMismatchError);
    }
  });

  it('checks its options when built, naming them', () => {
    expect(() => randAugment({ magnitude: 31 })).toThrow('Expected integer between 0 and 30 for magnitude');
    expect(() => trivialAugment({ bins: 1 })).toThrow('bins');
    expect(() => autoAugment({ policy: 'mnist' as 'svhn' })).toThrow('Expected one of imagenet, cifar10, svhn for policy');
    expect(() => augMix({ severity: 11 })).toThrow('severity');
    expect(() => augMix({ depth: 0 })).toThrow('depth');
    expect(() => augMix({ alpha: 0 })).toThrow('alpha');
  });
});
