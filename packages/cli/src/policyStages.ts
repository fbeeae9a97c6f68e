// The stage of an automatic policy flag (policyFlags.ts reads the flags; this file loads the
// stages, which only a running export or serve needs).
import { augMix, autoAugment, randAugment, trivialAugment, type PolicySpec, type RunOptions } from '@idxflow/transforms';
import type { Block, Run } from '@idxflow/core';
import type { OperatorFunction } from 'rxjs';

/** The stage of a policy spec, through the public operators. */
export function policyStage(spec: PolicySpec, run: RunOptions): OperatorFunction<Run, Block> {
  switch (spec.kind) {
    case 'randAugment':
      return randAugment(spec, run);
    case 'trivialAugment':
      return trivialAugment(spec, run);
    case 'autoAugment':
      return autoAugment(spec, run);
    default:
      return augMix(spec, run);
  }
}
