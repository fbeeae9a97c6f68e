import type { OperatorFunction } from 'rxjs';
import { defer, Observable } from '../rx.js';
import { emit, holdUntil } from '../flow.js';
import { operate, settle } from '../operate.js';
import { integer } from '../validate.js';
import { OptionError } from '../errors.js';

/**
 * The engine of `mapAsync()` and `workerMap()`: starts `start(value)` for each value as it
 * arrives and emits the results in input order, from a pump of its own.
 *
 * Flow control (see `flow.ts`): at most `window` values are started and not yet taken
 * downstream; when the window is full, `next` holds the producer until a result has been
 * taken. The pump emits through `emit()`, so holds made downstream of it reach it, and it
 * takes the next result only once they have settled: a slow sink slows the pump, which fills
 * the window, which holds the source. A failure of any `start()` errors the stream once, at
 * its place in the order (results before it are emitted first).
 *
 * @param window Values in flight or waiting to be taken (integer >= 1).
 * @param start Starts the work for one value.
 * @param stop Runs once when the stream ends, however it ends (to release a pool, say).
 */
export function orderedAsync<In, Out>(window: number, start: (value: In) => Promise<Out>, stop?: () => void): OperatorFunction<In, Out> {
  return (source) =>
    new Observable<Out>((subscriber) => {
      const queue: Promise<Out>[] = []; // started, in input order, not yet emitted
      let upstreamDone = false;
      let pumping = false;
      const waiting: (() => void)[] = []; // producers held until a slot frees

      const pump = async (): Promise<void> => {
        pumping = true;
        while (queue.length > 0 && !subscriber.closed) {
          const out = await queue[0];
          queue.shift();
          await emit(subscriber, out);
          waiting.shift()?.();
        }
        pumping = false;
        if (upstreamDone && queue.length === 0 && !subscriber.closed) subscriber.complete();
      };
      const run = (): void => {
        if (!pumping) settle(subscriber, pump());
      };

      operate(source, subscriber, {
        next(value) {
          const out = start(value);
          out.catch(() => undefined); // a failure is reported once, by the pump, in order
          queue.push(out);
          run();
          if (queue.length >= window) holdUntil(new Promise<void>((resolve) => waiting.push(resolve)));
        },
        complete() {
          upstreamDone = true;
          run();
        },
      });
      // When the stream ends (not when upstream completes: results may still be on their way).
      return () => {
        for (const release of waiting.splice(0)) release(); // let a held producer see the end
        stop?.();
      };
    });
}

/** Options of `mapAsync()`. */
export interface MapAsyncOptions {
  /** Calls of the function running at once (integer >= 1). Default 1. */
  concurrency?: number;
}

/**
 * Maps each value through an asynchronous function, emitting the results in input order, and
 * keeps idxflow's bound on read-ahead: at most `concurrency` values are being mapped or
 * waiting to be taken downstream, and the source is held until one is taken.
 *
 * Use it instead of RxJS's `concatMap(async ...)` or `mergeMap(async ...)` inside a pipeline:
 * those deliver later, from a promise, where a slow sink's hold can no longer reach the
 * source (idxflow warns when that happens, see `holdUntil`).
 *
 * @param fn The asynchronous work; its rejection errors the stream.
 * @param options See `MapAsyncOptions`.
 *
 * ## Example
 * ```ts
 * declare const upload: (b: Block) => Promise<void>;
 * mnist().pipe(batch(256), mapAsync(async (b) => { await upload(b); return b; }, { concurrency: 4 }));
 * ```
 */
export function mapAsync<In, Out>(fn: (value: In) => Promise<Out> | Out, options: MapAsyncOptions = {}): OperatorFunction<In, Out> {
  if (typeof fn !== 'function') throw new OptionError(`Expected a function for fn but received ${String(fn)} of type ${typeof fn}`);
  const concurrency = integer('concurrency', options.concurrency ?? 1, 1);
  return (source) =>
    defer(() => {
      // One set of slots per subscription, handed out in arrival order, so no call starts
      // before an earlier one.
      let running = 0;
      const queued: (() => void)[] = [];
      const release = (): void => {
        running--;
        const next = queued.shift();
        if (next) {
          running++;
          next();
        }
      };
      const acquire = (): Promise<void> => {
        if (running < concurrency) {
          running++;
          return Promise.resolve();
        }
        return new Promise<void>((resolve) => queued.push(resolve));
      };
      const start = (value: In): Promise<Out> => {
        const out = acquire().then(() => fn(value));
        out.then(release, release);
        return out;
      };
      return source.pipe(orderedAsync(concurrency, start));
    });
}
