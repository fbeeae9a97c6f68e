// The optional peer dependency, loaded only when a TensorFlow.js sink is used, so that
// @idxflow/sinks works without it.
import type * as tfjs from '@tensorflow/tfjs';

/** The `@tensorflow/tfjs` module namespace. */
export type TensorFlow = typeof tfjs;

const PEER = '@tensorflow/tfjs';

function isMissing(error: unknown, specifier: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find|failed to (load|resolve)/i.test(error.message);
  return notFound && error.message.includes(`'${specifier}'`);
}

/**
 * Imports TensorFlow.js, or explains how to install it when it is missing.
 *
 * @param specifier The module to import; a parameter only so tests can name a missing one.
 */
export async function importTensorFlow(specifier = PEER): Promise<TensorFlow> {
  try {
    // The literal import lets bundlers and type checkers see the dependency.
    return specifier === PEER ? await import('@tensorflow/tfjs') : ((await import(specifier)) as TensorFlow);
  } catch (error) {
    if (!isMissing(error, specifier)) throw error;
    throw new Error(
      `Expected the optional peer dependency ${specifier} to be installed for toTfDataset(), but it could not be imported ` +
        `(install it next to @idxflow/sinks: npm install ${specifier}), or pass your TensorFlow.js module as the tf option`,
      { cause: error },
    );
  }
}
