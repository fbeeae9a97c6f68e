// --max-inflate-ratio, shared by info and the commands that read data, in a module of its own:
// info's flags need it, and not the data flags of options.ts (the datasets, the augmentations).
import { DEFAULT_MAX_INFLATE_RATIO } from '@idxflow/core';
import type { FlagSpec } from './flags.js';
import { integerIn } from './numbers.js';

/** The most a --max-inflate-ratio may be: past deflate's own 1032, any ratio is the same as none. */
const MAX_INFLATE_RATIO = 1032;

/** --max-inflate-ratio of the commands that read compressed files. */
export const MAX_INFLATE_RATIO_FLAG: FlagSpec = {
  type: 'string',
  arg: 'N',
  help: `the most bytes a compressed byte (.gz, zip and npz members) may inflate to beyond a file's first 64 MiB, 1 to ${MAX_INFLATE_RATIO}: more stops a decompression bomb (default ${DEFAULT_MAX_INFLATE_RATIO})`,
  check: (t) => inflateRatioOf(t),
};

/** --max-inflate-ratio as a number; undefined when not given. */
export function inflateRatioOf(text: unknown): number | undefined {
  return typeof text === 'string' ? integerIn('max-inflate-ratio', text, 1, MAX_INFLATE_RATIO) : undefined;
}
