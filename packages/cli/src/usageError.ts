import { IdxflowError } from '@idxflow/core';

/** A command line that cannot be run: one line on stderr, exit code 2. */
export class UsageError extends IdxflowError {}
