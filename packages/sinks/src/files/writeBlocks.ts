import { consume, holdUntil, type Block } from '@idxflow/core/internal';
import type { Observable, Subscription } from 'rxjs';

/** What a sequential file sink does with the blocks (or other values) of a pipeline. */
export interface BlockWriter<T, V = Block> {
  /** Writes one value; never called again before the previous call settled. */
  write(value: V): Promise<void>;
  /** Runs after the last write; its result is the sink's result. */
  end(): Promise<T>;
  /** Runs once on any failure (the writer's, the pipeline's, or an abort), after writes settle. */
  abort(): Promise<void>;
}

/**
 * Subscribes a file writer to a pipeline: blocks are written one at a time in order, and each
 * emission is held (core's flow.ts) until its block is on disk, so a slow disk slows the source
 * instead of filling memory. A producer going through a `DemandWindow` of size `w` therefore has
 * at most `w` blocks waiting here, whatever the speed of the disk.
 *
 * On failure or abort the subscription is dropped, the writes in flight settle, then
 * `writer.abort()` runs (removing temporaries) and the promise rejects with the first error.
 * `written` is told of each value once it is on disk (to recycle its memory).
 */
export function writeBlocks<T, V = Block>(source: Observable<V>, writer: BlockWriter<T, V>, signal?: AbortSignal, written?: (value: V) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let queue = Promise.resolve();
    let failed = false;
    let subscription: Subscription | undefined;
    const onAbort = (): void => stop(signal!.reason);
    const stop = (error: unknown): void => {
      if (failed) return;
      failed = true;
      signal?.removeEventListener('abort', onAbort);
      subscription?.unsubscribe();
      void queue
        .catch(() => undefined)
        .then(() => writer.abort())
        .catch(() => undefined)
        .finally(() => reject(error));
    };
    if (signal?.aborted) return stop(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    subscription = consume(source, {
      next(block) {
        if (failed) return;
        queue = queue.then(async () => {
          if (failed) return;
          await writer.write(block);
          written?.(block);
        });
        queue.catch(stop);
        holdUntil(queue);
      },
      error: stop,
      complete() {
        // end() joins the queue, so an abort arriving meanwhile cleans up only after it settles.
        const ending = queue.then(() => (failed ? undefined : writer.end()));
        queue = ending.then(() => undefined);
        ending.then((result) => {
          if (failed) return;
          signal?.removeEventListener('abort', onAbort);
          resolve(result as T);
        }, stop);
      },
    });
    if (failed) subscription.unsubscribe(); // failed while subscribing (a synchronous source)
  });
}
