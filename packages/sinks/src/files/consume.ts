import { holdUntil, type Block } from '@idxflow/core';
import type { Observable, Subscription } from 'rxjs';

/**
 * Subscribes a file sink to a pipeline: `write` runs for each block in order, one at a time,
 * and the pipeline is held (see core's flow.ts) until the write is done, so a slow disk slows
 * the source instead of filling memory. `end` runs after the last write; `fail` on any error
 * (its own or the pipeline's), after which the returned promise rejects.
 */
export function consume<T>(
  source: Observable<Block>,
  write: (block: Block) => Promise<void>,
  end: () => Promise<T>,
  fail: () => Promise<void>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let queue = Promise.resolve();
    let failed = false;
    let subscription: Subscription | undefined;
    const stop = (error: unknown): void => {
      if (failed) return;
      failed = true;
      subscription?.unsubscribe();
      void queue
        .catch(() => undefined)
        .then(fail)
        .finally(() => reject(error));
    };
    subscription = source.subscribe({
      next(block) {
        if (failed) return;
        queue = queue.then(() => (failed ? undefined : write(block)));
        queue.catch(stop);
        holdUntil(queue);
      },
      error: stop,
      complete() {
        queue.then(end).then(resolve, stop);
      },
    });
  });
}
