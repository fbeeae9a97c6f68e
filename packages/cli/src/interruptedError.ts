// The error of a command stopped by SIGINT or SIGTERM (exit 130), apart from interrupted.ts's
// reading, which loads RxJS: the command table raises it for every command, --help included.
import { IdxflowError } from '@idxflow/core';

/** A command stopped by SIGINT or SIGTERM before it wrote anything. */
export class InterruptedError extends IdxflowError {}
