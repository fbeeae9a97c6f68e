import { idxFileInfo } from '@idxflow/core';
import { UsageError } from '../usageError.js';

export { UsageError } from '../usageError.js';

export async function info(args: { positionals: string[]; json: boolean; maxInflateRatio?: number }, out: NodeJS.WritableStream): Promise<void> {
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) {
    throw new UsageError(`Expected one FILE for idxflow info but received ${args.positionals.length === 0 ? 'none' : args.positionals.length} (Usage: idxflow info FILE [--json])`);
  }
  const result = await idxFileInfo(file, { maxInflateRatio: args.maxInflateRatio });
  if (args.json) out.write(JSON.stringify(result) + '\n');
  else out.write(`${file}\n  type   ${result.type}\n  dims   ${result.dims.join(' x ')}\n  count  ${result.count}\n`);
}
