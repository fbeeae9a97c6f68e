// What idxflow prints for an error and the exit code it ends with: 2 for a command line that
// cannot run, an option refused or an export refused (nothing was done), 130 for an interrupted
// export, 1 for the rest. docs/errors.md lists the status of every code.
import type { DatasetNotFoundError, IdxflowError } from '@idxflow/core';
import { datasetNotFoundMessage } from './datasetMessage.js';

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

/**
 * The exit status of each code that does not end idxflow with 1: nothing was done (2), or an
 * export or a read was interrupted (130). By code, not class, like the servers' statuses: a
 * second copy of a package in node_modules makes a second class, never a second code.
 */
export const EXIT_STATUS_OF_CODE: Readonly<Record<string, number>> = {
  IDXFLOW_USAGE: 2,
  IDXFLOW_OPTION: 2,
  IDXFLOW_EXPORT_REFUSED: 2,
  IDXFLOW_EXPORT_BUSY: 2,
  IDXFLOW_INTERRUPTED: 130,
  IDXFLOW_EXPORT_INTERRUPTED: 130,
};

/** The exit code and the stderr text (ending in a newline) of `error`. */
export function errorReport(error: unknown): { code: number; text: string } {
  const idxflowCode = (error as { code?: unknown } | null)?.code;
  if (typeof idxflowCode === 'string' && idxflowCode.startsWith('IDXFLOW_') && error instanceof Error) {
    const known = error as IdxflowError;
    if (idxflowCode !== 'IDXFLOW_USAGE') known.message = inFlags(known.message, (known as { option?: string }).option);
    const status = EXIT_STATUS_OF_CODE[idxflowCode] ?? 1;
    if (idxflowCode === 'IDXFLOW_EXPORT_INTERRUPTED') {
      const { kept, keptSamples } = known as IdxflowError & { kept: number; keptSamples: number };
      const files = `${kept} complete file${kept === 1 ? '' : 's'} (${keptSamples} images)`;
      return { code: status, text: `idxflow: interrupted: kept ${files} in ${known.file}, removed the incomplete one; rerun the same command to resume\n` };
    }
    if (idxflowCode === 'IDXFLOW_INTERRUPTED' || idxflowCode === 'IDXFLOW_USAGE') return { code: status, text: `idxflow: ${known.message}\n` };
    const notFound = known as DatasetNotFoundError;
    if (idxflowCode === 'IDXFLOW_DATASET_NOT_FOUND' && notFound.tried?.length > 0) return { code: status, text: `idxflow: ${datasetNotFoundMessage(notFound)}\n` };
    return { code: status, text: `idxflow: ${known.name}: ${known.message}\n` };
  }
  if ((error as NodeJS.ErrnoException).code) {
    const { name, message, path } = error as NodeJS.ErrnoException;
    // Node quotes the path in an open() error ('x.npy'); a read() error has none, and a short
    // path may well be a substring of the words ('d' of 'directory').
    const where = path && !message.includes(`'${path}'`) && !message.includes(`(${path})`) ? ` (${path})` : '';
    return { code: 1, text: `idxflow: ${name}: ${message}${where}\n` };
  }
  return { code: 1, text: `idxflow: unexpected error: ${(error as Error).stack ?? String(error)}\n` };
}
