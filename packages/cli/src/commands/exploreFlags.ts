// The flags of `idxflow explore`, their rules and its --help, apart from the page's server
// (explore.ts), which commandTable.ts imports only when explore runs.
import { usageOf, type FlagRule, type FlagSpec } from '../flags.js';
import { choice, DATA_FLAGS, DATA_RULES, dataUsage } from '../options.js';
import { UsageError } from '../usageError.js';
import { LISTEN_RULES, listenFlags } from '../serverFlags.js';
import { CORRUPT_FLAGS, CORRUPT_RULES } from '../corruptFlags.js';

const SERVER_FLAGS = listenFlags('8090', 'require it from the page (open the printed URL, which carries it)');

/** The page shows train or test (MedMNIST's val is for export and preview). */
const EXPLORE_SPLIT: FlagSpec = { type: 'string', arg: 'train|test', default: 'train', help: 'split', check: (t) => choice('split', t, ['train', 'test']) };

export const EXPLORE_FLAGS = { ...DATA_FLAGS, split: EXPLORE_SPLIT, ...CORRUPT_FLAGS, ...SERVER_FLAGS } as const satisfies Record<string, FlagSpec>;

/** The page loads named datasets (and may switch between them) or one pair of IDX files. */
const OTHER_SOURCES = ['images-dir', 'parquet', 'npz', 'npy', 'csv', 'limit', 'orientation'] as const;

export const EXPLORE_RULES: readonly FlagRule[] = [
  ({ given, values }) => {
    const other = OTHER_SOURCES.find((flag) => given.has(flag));
    if (other !== undefined) throw new UsageError(`Expected no --${other} for idxflow explore, whose page reads a --dataset's whole splits or --images and --labels (export and preview take --${other})`);
    // The page switches between the catalog's datasets; MNIST-C's folder is one corruption's files (its corruptions are the page's corruption control).
    if (values.dataset === 'mnist-c') throw new UsageError('Expected a --dataset of the catalog for idxflow explore but received "mnist-c" (export and preview read the MNIST-C folder; the page shows the corruptions of any dataset)');
  },
  ...LISTEN_RULES,
  ...CORRUPT_RULES,
  ...DATA_RULES,
];

export const exploreUsage = `Usage: idxflow explore [options]

Serves a local web page that shows source digits next to augmented draws of them, with a
control for every augmentation and a picker of MNIST-C's corruptions, redrawn as you move them;
click a draw to see what was drawn for it (angle, shift, scale, ..., the elastic field). The page gives the "idxflow export" command
and the augment({...}) call that reproduce the bytes it shows, and statistics over a few
thousand samples. The flags below set what it starts with (--dataset or --images and --labels
for the data). See docs/explore.md.

${dataUsage(EXPLORE_SPLIT)}
${usageOf('Corruption (the page\'s picker starts with it)', CORRUPT_FLAGS)}
${usageOf('Server', SERVER_FLAGS)}`;
