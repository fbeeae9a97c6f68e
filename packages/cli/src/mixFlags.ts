// export's --mixup, --cutmix and --mix-batch: their bounds and --help lines, the rules that tie
// them to the formats that store soft labels (the sinks' contract, SINK_STORES), and the stages
// mixing.ts has the stages they add. They mix samples within a group, so the groups are fixed by export position (not by
// the blocks a run happens to read): a resumed run, or a part of a split export, mixes each
// sample with the very partner an uninterrupted single run gives it.
import { EXPORT_FORMATS, SINK_STORES, type ExportFormat } from '@idxflow/sinks';
import type { CommandLine, FlagRule, FlagSpec } from './flags.js';
import { decimalIn, integerIn } from './numbers.js';
import { UsageError } from './usageError.js';

// Beta(ALPHA, ALPHA): towards 0 the weights pile up at 0 and 1 (little mixing), towards 1000
// at 0.5; the sampler works in logs, so neither end underflows.
const ALPHA = [0.001, 1000] as const;
const MAX_MIX_BATCH = 65_536;

/** The export formats that store soft labels, by the sinks' contract: npy, npz, wds, hf. */
const KEEPING = EXPORT_FORMATS.filter((format) => SINK_STORES[format].has('softLabels')).join(', ').replace(/, ([^,]+)$/, ' or $1');

/** The flags of mixing. */
export const MIX_FLAGS = {
  mixup: { type: 'string', arg: 'ALPHA', help: `MixUp (Zhang et al. 2018): each sample blended with a partner of its group, weight from Beta(ALPHA, ALPHA), ALPHA from ${ALPHA[0]} to ${ALPHA[1]} (0.2 is common); labels become soft labels, which only ${KEEPING} store`, check: (t) => alphaOf('mixup', t) },
  cutmix: { type: 'string', arg: 'ALPHA', help: `CutMix (Yun et al. 2019): a box of a partner pasted in, area from Beta(ALPHA, ALPHA), ALPHA from ${ALPHA[0]} to ${ALPHA[1]}; after --mixup when both are given`, check: (t) => alphaOf('cutmix', t) },
  'mix-batch': { type: 'string', arg: 'N', default: '128', help: `samples that mix together: groups of N consecutive export positions within a pass (a pass's last group may be smaller), 2 to ${MAX_MIX_BATCH}; part of what the export is, as --seed`, check: (t) => integerIn('mix-batch', t, 2, MAX_MIX_BATCH) },
} as const satisfies Record<string, FlagSpec>;

/** serve's --mixup and --cutmix: each client's batches are the groups that mix. */
export const SERVE_MIX_FLAGS = {
  mixup: { ...MIX_FLAGS.mixup, help: `MixUp (Zhang et al. 2018): each sample of a batch blended with a partner of the same batch, weight from Beta(ALPHA, ALPHA), ALPHA from ${ALPHA[0]} to ${ALPHA[1]}; the frames carry the soft labels (not in eval streams)` },
  cutmix: { ...MIX_FLAGS.cutmix, help: `CutMix (Yun et al. 2019) within each batch, area from Beta(ALPHA, ALPHA), ALPHA from ${ALPHA[0]} to ${ALPHA[1]}; after --mixup when both are given` },
} as const satisfies Record<string, FlagSpec>;

const alphaOf = (flag: string, text: string): number => decimalIn(flag, text, ALPHA, 'ALPHA');

/** --mixup and --cutmix only with a format that stores soft labels; --mix-batch only with one of them. */
export const MIX_RULES: readonly FlagRule[] = [
  (line: CommandLine) => {
    const format = String(line.values.format) as ExportFormat;
    for (const flag of ['mixup', 'cutmix'] as const) {
      if (line.given.has(flag) && format in SINK_STORES && !SINK_STORES[format].has('softLabels')) {
        throw new UsageError(`Expected --format ${KEEPING} with --${flag} (its soft labels: ${format} holds one class per sample) but received --format ${format}`);
      }
    }
    if (line.given.has('mix-batch') && !line.given.has('mixup') && !line.given.has('cutmix')) throw new UsageError('Expected --mix-batch only with --mixup or --cutmix but received neither');
  },
];

/** What the flags ask: the weights' ALPHAs and the group size; undefined without --mixup and --cutmix. */
export interface Mixing {
  mixup: number | undefined;
  cutmix: number | undefined;
  group: number;
}

/** The mixing the flags ask for (MIX_RULES checked them). */
export function mixingOf(flags: Record<string, string | boolean | undefined>): Mixing | undefined {
  const mixupAlpha = typeof flags.mixup === 'string' ? alphaOf('mixup', flags.mixup) : undefined;
  const cutmixAlpha = typeof flags.cutmix === 'string' ? alphaOf('cutmix', flags.cutmix) : undefined;
  if (mixupAlpha === undefined && cutmixAlpha === undefined) return undefined;
  return { mixup: mixupAlpha, cutmix: cutmixAlpha, group: integerIn('mix-batch', String(flags['mix-batch'] ?? '128'), 2, MAX_MIX_BATCH) };
}
