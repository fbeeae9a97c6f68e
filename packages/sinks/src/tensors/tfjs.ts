// The optional peer dependency, loaded only when a TensorFlow.js sink is used, so that
// @idxflow/sinks works without it. Its types are reachable only through the
// `@idxflow/sinks/tfjs` entry point, so a project without TensorFlow.js type-checks against
// `@idxflow/sinks` without it.
import { importOptional } from '@idxflow/core/internal';
import type * as tfjs from '@tensorflow/tfjs';

/** The `@tensorflow/tfjs` module namespace (or a module with its API, such as `@tensorflow/tfjs-node`). */
export type TensorFlow = typeof tfjs;

const PEER = '@tensorflow/tfjs';

/**
 * Imports TensorFlow.js, or throws a `MissingPackageError` naming it when it is not installed.
 *
 * @param specifier The module to import; a parameter only so tests can name a missing one.
 */
export async function importTensorFlow(specifier = PEER): Promise<TensorFlow> {
  // The literal import lets bundlers and type checkers see the dependency.
  const load = specifier === PEER ? () => import('@tensorflow/tfjs') : () => import(specifier) as Promise<TensorFlow>;
  return importOptional(specifier, 'toTfDataset() (or pass your TensorFlow.js module as the tf option)', load);
}
