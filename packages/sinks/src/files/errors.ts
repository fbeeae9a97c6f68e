import { IdxflowError } from '@idxflow/core';

/**
 * A pipeline produced a different number of samples than the export was told to expect
 * (`expectedCount`). Nothing is left under a final name: a header already holds the count.
 *
 * ## Example
 * ```ts
 * await toNpy(mnist({ split: 'test' }), { dir: 'out', split: 'test', expectedCount: 60000 }).catch((e) => {
 *   if (e instanceof ExportCountError) console.error(e.expected, e.found); // 60000 samples (expectedCount) 10000
 * });
 * ```
 */
export class ExportCountError extends IdxflowError {}

/** The error for `count` samples where `expected` were announced, naming the file being written. */
export function countError(file: string, expected: number, count: number, atLeast = false): ExportCountError {
  return new ExportCountError({
    file,
    expected: `${expected} samples (expectedCount)`,
    found: atLeast ? `at least ${count}` : String(count),
  });
}
