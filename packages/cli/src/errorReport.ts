// What idxflow prints for an error and the exit code it ends with: 2 for a command line that
// cannot run, an option refused or an export refused (nothing was done), 130 for an interrupted
// export, 1 for the rest. docs/errors.md lists the status of every code.
import { DatasetNotFoundError, IdxflowError, OptionError } from '@idxflow/core';
import { ExportBusyError, ExportInterruptedError, ExportRefusedError } from '@idxflow/sinks/internal';
import { datasetNotFoundMessage } from './datasetMessage.js';
import { InterruptedError } from './interrupted.js';
import { UsageError } from './usageError.js';

/**
 * The flag of each library option a message may name. The packages word their errors in their
 * own API (`dir`, `overwrite: true`, `maxInflateRatio`); the CLI says the same in its flags.
 */
export const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  dir: '--out',
  out: '--out',
  overwrite: '--overwrite',
  maxInflateRatio: '--max-inflate-ratio',
  maxImagePixels: '--max-image-pixels',
};

/**
 * `message` in the CLI's words: an option quoted in backticks (`` `dir` ``, `` `overwrite: true` ``)
 * becomes its flag, and so does the option an OptionError names ("for maxImagePixels but").
 */
export function inFlags(message: string, option?: string): string {
  let text = message.replace(/`(\w+)(?:: true)?`/g, (quoted, name: string) => (Object.hasOwn(FLAG_OF_OPTION, name) ? FLAG_OF_OPTION[name] : quoted));
  if (option !== undefined && Object.hasOwn(FLAG_OF_OPTION, option)) text = text.replaceAll(`for ${option} but`, `for ${FLAG_OF_OPTION[option]} but`);
  return text;
}

/** The exit code and the stderr text (ending in a newline) of `error`. */
export function errorReport(error: unknown): { code: number; text: string } {
  if (error instanceof IdxflowError && !(error instanceof UsageError)) {
    error.message = inFlags(error.message, (error as { option?: string }).option);
  }
  if (error instanceof ExportInterruptedError) {
    const files = `${error.kept} complete file${error.kept === 1 ? '' : 's'} (${error.keptSamples} images)`;
    return { code: 130, text: `idxflow: interrupted: kept ${files} in ${error.file}, removed the incomplete one; rerun the same command to resume\n` };
  }
  if (error instanceof InterruptedError) return { code: 130, text: `idxflow: ${error.message}
` };
  if (error instanceof ExportRefusedError || error instanceof ExportBusyError || error instanceof OptionError) return { code: 2, text: `idxflow: ${error.name}: ${error.message}
` };
  if (error instanceof UsageError) return { code: 2, text: `idxflow: ${error.message}\n` };
  if (error instanceof DatasetNotFoundError && error.tried.length > 0) return { code: 1, text: `idxflow: ${datasetNotFoundMessage(error)}\n` };
  if (error instanceof IdxflowError || (error as NodeJS.ErrnoException).code) {
    const { name, message, path } = error as NodeJS.ErrnoException;
    // Node quotes the path in an open() error ('x.npy'); a read() error has none, and a short
    // path may well be a substring of the words ('d' of 'directory').
    const where = path && !message.includes(`'${path}'`) && !message.includes(`(${path})`) ? ` (${path})` : '';
    return { code: 1, text: `idxflow: ${name}: ${message}${where}\n` };
  }
  return { code: 1, text: `idxflow: unexpected error: ${(error as Error).stack ?? String(error)}\n` };
}
