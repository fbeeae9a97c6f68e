// The grouping before the worker pool: consecutive inputs go to a worker as one task, so the
// pool's fixed cost per task (about 0.1 ms) is paid per thousand images, not per batch.
import { emit, holdUntil, Observable, operate, type Run, runLength } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';

/**
 * Groups consecutive inputs into one array per worker task, up to `limit` images (an input is
 * never split). A group goes out when it is full, when upstream completes, or when a turn of
 * the event loop passes without an input, so a slow source is not kept waiting for a full group.
 *
 * Flow control: a full group is emitted inside upstream's `next`, so holds reach the producer
 * directly; a group sent from the timer passes its holds on to the next input upstream sends.
 */
export function taskGroups<T extends Run>(limit: number): OperatorFunction<T, T[]> {
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let group: T[] = [];
      let images = 0;
      let timer: ReturnType<typeof setImmediate> | undefined;
      let held: Promise<void> | undefined;
      const flush = (): Promise<void> | undefined => {
        if (timer !== undefined) clearImmediate(timer);
        timer = undefined;
        if (group.length === 0) return undefined;
        const out = group;
        group = [];
        images = 0;
        return emit(subscriber, out);
      };
      const later = (): void => {
        timer = undefined;
        try {
          held = flush();
        } catch (error) {
          subscriber.error(error);
        }
      };
      operate(source, subscriber, {
        next(input) {
          if (held) holdUntil(held);
          held = undefined;
          group.push(input);
          images += runLength(input);
          if (images >= limit) flush();
          else timer ??= setImmediate(later);
        },
        complete() {
          flush();
          subscriber.complete();
        },
        finalize() {
          if (timer !== undefined) clearImmediate(timer);
        },
      });
    });
}
