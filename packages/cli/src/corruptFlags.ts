// --corrupt NAME[:SEVERITY] and --suite mnist-c: MNIST-C's corruptions from the command line.
import { CORRUPTION_NAMES, RECIPES, type CorruptOptions } from '@idxflow/transforms';
import type { FlagRule, FlagSpec } from './flags.js';
import { shown } from './numbers.js';
import { UsageError } from './usageError.js';

/** "NAME" or "NAME:SEVERITY" → corrupt()'s options, checked against the recipe table. */
export function corruptionOf(text: string): CorruptOptions {
  const [name, severity, ...rest] = text.split(':');
  if (rest.length > 0 || !(CORRUPTION_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`Expected NAME[:SEVERITY] with NAME one of ${CORRUPTION_NAMES.join(', ')} for --corrupt but received ${shown(text)}`);
  }
  const recipe = RECIPES[name as CorruptOptions['name']];
  if (severity === undefined) return { name: name as CorruptOptions['name'] };
  if (recipe.levels === undefined) throw new UsageError(`Expected ${name} without :SEVERITY for --corrupt (its recipe has no severities) but received ${shown(text)}`);
  if (!/^[1-5]$/.test(severity)) throw new UsageError(`Expected a SEVERITY of 1 to 5 after ${name}: for --corrupt but received ${shown(text)}`);
  return { name: name as CorruptOptions['name'], severity: Number(severity) };
}

/** The suites --suite writes. */
export const SUITES = ['mnist-c'] as const;

export const CORRUPT_FLAGS = {
  corrupt: {
    type: 'string',
    arg: 'NAME[:SEVERITY]',
    help: `an MNIST-C corruption (Mu and Gilmer 2019) after the augmentation, SEVERITY 1 to 5 where its recipe has them (default: the released dataset's): ${CORRUPTION_NAMES.join(', ')}`,
    check: corruptionOf,
  },
} as const satisfies Record<string, FlagSpec>;

export const SUITE_FLAGS = {
  suite: {
    type: 'string',
    arg: 'mnist-c',
    help: "the released benchmark's layout in --out: 16 folders (identity and MNIST-C's 15 corruptions at their released severities), each <corruption>/{train,test}_{images,labels}.npy (uint8) and a manifest.json, and a README.md card; of any dataset; --split test writes the test files alone",
    check: (t) => {
      if (!(SUITES as readonly string[]).includes(t)) throw new UsageError(`Expected one of ${SUITES.join(', ')} for --suite but received ${shown(t)}`);
    },
  },
} as const satisfies Record<string, FlagSpec>;

/** The automatic policies' flags: each, like --corrupt, the pipeline's second random stage. */
const POLICY_FLAG_NAMES = ['auto-augment', 'rand-augment', 'trivial-augment', 'augmix'];

/** --corrupt works on bytes: not with --normalize; and not with an automatic policy, whose order with it would be a guess. */
export const CORRUPT_RULES: readonly FlagRule[] = [
  ({ given }) => {
    if (given.has('corrupt') && given.has('normalize')) throw new UsageError('Expected --corrupt without --normalize (the corruptions work on byte images; normalise when reading them)');
  },
  ({ given }) => {
    const policy = POLICY_FLAG_NAMES.find((f) => given.has(f));
    if (given.has('corrupt') && policy) throw new UsageError(`Expected --corrupt without --${policy} (both run after the augmentation; export the policy's output, then corrupt it with --npy and --corrupt)`);
  },
];

/** --suite: a named dataset, both splits, no augmentation, no other corruption; npy. */
export const SUITE_RULES: readonly FlagRule[] = [
  ({ given }) => {
    if (!given.has('suite')) return;
    const clash = ['corrupt', 'normalize', 'format', 'copies', 'shuffle', 'shard', 'shards', 'shard-size', 'images', 'images-dir', 'parquet', 'npz', 'npy', 'csv', 'tasks', 'mixup', 'cutmix', ...POLICY_FLAG_NAMES].find((f) => given.has(f));
    if (clash) throw new UsageError(`Expected --suite without --${clash} (a suite is both splits of a named --dataset, as the released files: npy, unshuffled, one pass)`);
  },
  ({ given, values }) => {
    if (given.has('suite') && given.has('split') && values.split === 'train') throw new UsageError('Expected --split all (the default with --suite) or test for --suite but received "train"');
  },
];
