// The flags of `idxflow info` and its --help, apart from the reading of the header (info.ts),
// which commandTable.ts imports only when info runs.
import { HELP_FLAG, usageOf, type FlagSpec } from '../flags.js';
import { MAX_INFLATE_RATIO_FLAG } from '../inflateRatioFlag.js';

export const INFO_FLAGS = {
  json: { type: 'boolean', help: 'print {"type":"u8","dims":[60000,28,28],"count":60000}' },
  'max-inflate-ratio': MAX_INFLATE_RATIO_FLAG,
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const infoUsage = `Usage: idxflow info FILE [--json] [--max-inflate-ratio N]

Prints the element type, dimensions and record count of an IDX file (raw or .gz), from its
header; the file's size is checked against it (a .gz by its trailer), never inflated whole.
${usageOf('Options', INFO_FLAGS)}`;
