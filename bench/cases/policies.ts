// Transforms (e) RandAugment(2, 9) and (f) TrivialAugmentWide: the 60,000-image train epoch from
// memory, shuffleRows(), batch(128), the policy stage (which gathers the shuffled rows itself, on
// the workers when it has any), then normalize(), as torchvision's DataLoader with
// Compose([RandAugment(2, 9) or TrivialAugmentWide(), ToTensor(), Normalize]) does in
// bench/baselines/torch_baseline.py. 6 epochs in one pipeline (epochsCase(), bench/cases/epochs.ts);
// the first warms the workers and is dropped, the figure is the median of the other 5.
import { normalize, randAugment, trivialAugment } from '@idxflow/transforms';
import type { CaseResult } from '../harness.js';
import { epochsCase } from './epochs.js';

export const POLICY_LABELS = {
  e: '(e) RandAugment(2, 9)',
  f: '(f) TrivialAugmentWide',
} as const;

export async function policyCase(name: keyof typeof POLICY_LABELS, workers: number): Promise<CaseResult> {
  const run = { seed: 1, workers };
  const policy = name === 'e' ? randAugment({ ops: 2, magnitude: 9 }, run) : trivialAugment({}, run);
  return epochsCase(`transforms: ${POLICY_LABELS[name]}, shuffle, batch(128), normalize`, workers, (source) => source.pipe(policy, normalize()));
}
