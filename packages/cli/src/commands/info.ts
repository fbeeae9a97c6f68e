import { decodeIdx, fromFile, gunzip, type IdxHeader } from '@idxflow/core';
import { lastValueFrom, reduce } from 'rxjs';
import { HELP_FLAG, usageOf, type FlagSpec } from '../flags.js';
import { UsageError } from '../usageError.js';

export { UsageError } from '../usageError.js';

/** What `idxflow info` reports of an IDX file. */
export interface IdxInfo {
  type: string;
  dims: number[];
  count: number;
}

/**
 * Reads a whole IDX file (raw or gzipped) and reports its type, dimensions and record count.
 * Every byte is decoded, so a truncated or padded file is reported as an error.
 */
export async function idxInfo(file: string): Promise<IdxInfo> {
  let header: IdxHeader | undefined;
  const count = await lastValueFrom(
    fromFile(file).pipe(
      gunzip({ file }),
      decodeIdx({ file, onHeader: (h) => (header = h) }),
      reduce((n, records) => n + records.count, 0),
    ),
    { defaultValue: 0 },
  );
  return { type: header!.type, dims: [...header!.dims], count };
}

export const INFO_FLAGS = {
  json: { type: 'boolean', help: 'print {"type":"u8","dims":[60000,28,28],"count":60000}' },
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const infoUsage = `Usage: idxflow info FILE [--json]

Prints the element type, dimensions and record count of an IDX file (raw or .gz).
${usageOf('Options', INFO_FLAGS)}`;

export async function info(args: { positionals: string[]; json: boolean }, out: NodeJS.WritableStream): Promise<void> {
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) {
    throw new UsageError(`Expected one FILE for idxflow info but received ${args.positionals.length === 0 ? 'none' : args.positionals.length} (Usage: idxflow info FILE [--json])`);
  }
  const result = await idxInfo(file);
  if (args.json) out.write(JSON.stringify(result) + '\n');
  else out.write(`${file}\n  type   ${result.type}\n  dims   ${result.dims.join(' x ')}\n  count  ${result.count}\n`);
}
