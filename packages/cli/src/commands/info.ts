import { idxFileInfo } from '@idxflow/core';
import { HELP_FLAG, usageOf, type FlagSpec } from '../flags.js';
import { MAX_INFLATE_RATIO_FLAG } from '../options.js';
import { UsageError } from '../usageError.js';

export { UsageError } from '../usageError.js';

export const INFO_FLAGS = {
  json: { type: 'boolean', help: 'print {"type":"u8","dims":[60000,28,28],"count":60000}' },
  'max-inflate-ratio': MAX_INFLATE_RATIO_FLAG,
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const infoUsage = `Usage: idxflow info FILE [--json] [--max-inflate-ratio N]

Prints the element type, dimensions and record count of an IDX file (raw or .gz), from its
header; the file's size is checked against it (a .gz by its trailer), never inflated whole.
${usageOf('Options', INFO_FLAGS)}`;

export async function info(args: { positionals: string[]; json: boolean; maxInflateRatio?: number }, out: NodeJS.WritableStream): Promise<void> {
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) {
    throw new UsageError(`Expected one FILE for idxflow info but received ${args.positionals.length === 0 ? 'none' : args.positionals.length} (Usage: idxflow info FILE [--json])`);
  }
  const result = await idxFileInfo(file, { maxInflateRatio: args.maxInflateRatio });
  if (args.json) out.write(JSON.stringify(result) + '\n');
  else out.write(`${file}\n  type   ${result.type}\n  dims   ${result.dims.join(' x ')}\n  count  ${result.count}\n`);
}
