import { availableParallelism } from 'node:os';
import { Observable, type OperatorFunction } from 'rxjs';
import Tinypool from 'tinypool';
import { emit, holdUntil } from './flow.js';
import { integer } from './validate.js';

/** Options of `workerMap()`. */
export interface WorkerMapOptions {
  /** The worker module: its default export takes a task and returns a result. */
  filename: string | URL;
  /** Worker threads. Default: one less than the available cores, at least 1. */
  workers?: number;
  /** Tasks submitted but not yet taken downstream. Default `2 * workers`. */
  window?: number;
}

/** The default worker count: leave one core to the main thread, use at least one worker. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Marks a typed array's buffer to be moved, not copied, when a worker returns it. */
export function transfer<T extends ArrayBufferView>(value: T): T {
  return Tinypool.move(value) as T;
}

/**
 * Runs each value through a worker_threads pool (tinypool) and emits the results in input
 * order.
 *
 * Flow control (see `flow.ts`): at most `window` tasks are in flight or waiting to be taken
 * downstream; when the window is full, `next` holds the producer until a result has been
 * taken. Results are emitted from their own pump, which in turn waits for downstream holds,
 * so a slow sink slows the workers and then the source.
 *
 * @param options See `WorkerMapOptions`.
 * @param toTask Builds the message for one value (structured-cloned to the worker; a
 *   SharedArrayBuffer inside is shared, not copied).
 * @param fromResult Builds the output from the worker's result and the input value.
 *
 * ## Example
 * ```ts
 * source.pipe(workerMap({ filename: new URL('./worker.js', import.meta.url), workers: 2 },
 *   (block) => ({ images: block.images }), (images, block) => ({ ...block, images })));
 * ```
 */
export function workerMap<In, Task, Result, Out>(
  options: WorkerMapOptions,
  toTask: (value: In) => Task,
  fromResult: (result: Result, value: In) => Out,
): OperatorFunction<In, Out> {
  const workers = integer('workers', options.workers ?? defaultWorkers(), 1, 256);
  const window = integer('window', options.window ?? 2 * workers, 1);
  return (source) =>
    new Observable<Out>((subscriber) => {
      const pool = new Tinypool({ filename: options.filename.toString(), minThreads: workers, maxThreads: workers, isolateWorkers: false });
      const queue: Promise<Out>[] = [];
      let inFlight = 0;
      let upstreamDone = false;
      let pumping = false;
      const waiting: (() => void)[] = []; // producers held until a slot frees
      let stopped = false;

      const stop = (): void => {
        if (stopped) return;
        stopped = true;
        void pool.destroy();
      };
      const fail = (error: unknown): void => {
        stop();
        subscriber.error(error);
      };
      const pump = async (): Promise<void> => {
        pumping = true;
        while (queue.length > 0 && !subscriber.closed) {
          const out = await queue[0];
          queue.shift();
          await emit(subscriber, out);
          inFlight--;
          waiting.shift()?.();
        }
        pumping = false;
        if (upstreamDone && queue.length === 0 && !subscriber.closed) {
          stop();
          subscriber.complete();
        }
      };

      const subscription = source.subscribe({
        next(value) {
          inFlight++;
          const task = pool.run(toTask(value)) as Promise<Result>;
          const out = task.then((result) => fromResult(result, value));
          out.catch(() => undefined); // a failure is reported once, by the pump
          queue.push(out);
          if (!pumping) pump().catch(fail);
          if (inFlight >= window) holdUntil(new Promise<void>((resolve) => waiting.push(resolve)));
        },
        error: fail,
        complete() {
          upstreamDone = true;
          if (!pumping) pump().catch(fail);
        },
      });
      return () => {
        subscription.unsubscribe();
        stop();
      };
    });
}
