// What idxflow prints for an error and the exit code it ends with: 2 for a command line that
// cannot run or an export refused (nothing was done), 130 for an interrupted export, 1 for the rest.
import { DatasetNotFoundError, IdxflowError } from '@idxflow/core';
import { ExportBusyError, ExportInterruptedError, ExportRefusedError } from '@idxflow/sinks';
import { datasetNotFoundMessage } from './datasetMessage.js';
import { InterruptedError } from './interrupted.js';
import { UsageError } from './usageError.js';

/** The exit code and the stderr text (ending in a newline) of `error`. */
export function errorReport(error: unknown): { code: number; text: string } {
  if (error instanceof ExportInterruptedError) {
    const files = `${error.kept} complete file${error.kept === 1 ? '' : 's'} (${error.keptSamples} images)`;
    return { code: 130, text: `idxflow: interrupted: kept ${files} in ${error.file}, removed the incomplete one; rerun the same command to resume\n` };
  }
  if (error instanceof InterruptedError) return { code: 130, text: `idxflow: ${error.message}
` };
  if (error instanceof ExportRefusedError || error instanceof ExportBusyError) return { code: 2, text: `idxflow: ${error.name}: ${error.message}
` };
  if (error instanceof UsageError) return { code: 2, text: `idxflow: ${error.message}\n` };
  if (error instanceof DatasetNotFoundError && error.tried.length > 0) return { code: 1, text: `idxflow: ${datasetNotFoundMessage(error)}\n` };
  if (error instanceof IdxflowError || error instanceof RangeError || error instanceof TypeError || (error as NodeJS.ErrnoException).code) {
    const { name, message, path } = error as NodeJS.ErrnoException;
    // Node quotes the path in an open() error ('x.npy'); a read() error has none, and a short
    // path may well be a substring of the words ('d' of 'directory').
    const where = path && !message.includes(`'${path}'`) && !message.includes(`(${path})`) ? ` (${path})` : '';
    return { code: 1, text: `idxflow: ${name}: ${message}${where}\n` };
  }
  return { code: 1, text: `idxflow: unexpected error: ${(error as Error).stack ?? String(error)}\n` };
}
