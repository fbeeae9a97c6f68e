// Transforms: the 60,000-image train epoch from memory, shuffle + batch(128) into normalised
// Float32 batches: (a) no augmentation, (b) rotate 15 + shift 2, (c) (b) + elastic 34:4, (d) (b)
// + horizontal flips of half the samples, brightness and contrast 0.8:1.2 on half each, and
// random erasing (torchvision's defaults, p 0.5). Every
// case runs the README's pipeline: shuffleRows(), batch(128), augment({ ..., normalize: {} }),
// where the augmentation's pass gathers the shuffled samples (on the workers, when it has any),
// timed over 6 epochs by epochsCase() (bench/cases/epochs.ts).
import { augment, type AugmentOptions } from '@idxflow/transforms';
import type { CaseResult } from '../harness.js';
import { epochsCase } from './epochs.js';
import { policyCase } from './policies.js';

export const AUGMENT_CASES: Record<string, AugmentOptions | undefined> = {
  a: undefined,
  b: { rotate: 15, shift: 2 },
  c: { rotate: 15, shift: 2, elastic: { alpha: 34, sigma: 4 } },
  d: {
    rotate: 15,
    shift: 2,
    flip: { horizontal: 0.5 },
    brightness: { range: [0.8, 1.2], p: 0.5 },
    contrast: { range: [0.8, 1.2], p: 0.5 },
    erase: { p: 0.5 },
  },
};
const LABELS = {
  a: '(a) no augmentation',
  b: '(b) rotate 15 + shift 2',
  c: '(c) (b) + elastic 34:4',
  d: '(d) (b) + hflip, brightness, contrast, erase',
} as const;

export async function transformCases(which: string): Promise<CaseResult> {
  const [name, workersText] = which.split(':') as [keyof typeof LABELS, string];
  const workers = Number(workersText);
  if ((name as string) === 'e' || (name as string) === 'f') return policyCase(name as unknown as 'e' | 'f', workers); // bench/cases/policies.ts
  const options = AUGMENT_CASES[name];
  return epochsCase(`transforms: ${LABELS[name]}, shuffle, batch(128), normalize`, workers, augment({ ...options, normalize: {} }, { seed: 1, workers }));
}
