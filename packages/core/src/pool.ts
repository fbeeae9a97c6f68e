import { availableParallelism } from 'node:os';
import type { OperatorFunction } from 'rxjs';
import { defer } from './rx.js';
import Tinypool from 'tinypool';
import { orderedAsync } from './stages/mapAsync.js';
import { integer } from './validate.js';
import { OptionError } from './errors.js';

/** Options of `workerMap()`. */
export interface WorkerMapOptions {
  /** A pool to run the tasks on, shared with other streams. Default: a pool of this stream's own. */
  pool?: WorkerPool;
  /** The worker module of a pool of this stream's own: its default export takes a task and returns a result. */
  filename?: string | URL;
  /** Worker threads of a pool of this stream's own. Default: one less than the available cores, at least 1. */
  workers?: number;
  /**
   * Tasks submitted but not yet taken downstream. Default `4 * workers`: two per worker (one
   * running, one waiting in its port) and as many again, so a worker that finishes ahead of
   * the others finds its next task there while the results wait to be taken in order.
   */
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
 * Returns `value` from a worker with the buffers of `arrays` moved, not copied: for results
 * made of several typed arrays (`transfer()` moves one).
 */
export function transferWith<T>(value: T, arrays: readonly ArrayBufferView[]): T {
  const movable = { [Tinypool.transferableSymbol]: arrays.map((a) => a.buffer), [Tinypool.valueSymbol]: value };
  return Tinypool.move(movable as unknown as Parameters<typeof Tinypool.move>[0]) as T;
}

/**
 * Shared memory for the inputs of the tasks in flight, reused once a task has finished.
 * `share()` copies a typed array into the current task's memory and returns a view of it that
 * a worker reads in place: posting it moves nothing but a handle, where a plain typed array
 * would be serialised and copied, and the memory is reused, not allocated per task (fresh
 * memory costs a page fault per 4 KiB on first touch).
 */
export class TaskStaging {
  private readonly free: SharedArrayBuffer[] = [];
  private current: SharedArrayBuffer | undefined;
  private used = 0;
  /** Buffers moved to the worker with the current task. */
  transferList: ArrayBuffer[] = [];

  /** Starts the inputs of a new task. */
  begin(): void {
    this.current = this.free.pop();
    this.used = 0;
    this.transferList = [];
  }

  /** Ends the current task's inputs; call the returned function once the task has finished. */
  end(): () => void {
    const buffer = this.current;
    this.current = undefined;
    return () => {
      if (buffer !== undefined) this.free.push(buffer);
    };
  }

  /** Moves `array`'s buffer to the worker with the task (it is detached here). */
  move<T extends ArrayBufferView>(array: T): T {
    if (array.buffer instanceof ArrayBuffer) this.transferList.push(array.buffer);
    return array;
  }

  /** `array`'s values in the current task's shared memory, as a view of it. */
  share<T extends Uint8Array | Float32Array | Uint32Array>(array: T): T {
    const start = this.used;
    this.used = start + (((array.byteLength + 7) >> 3) << 3); // 8-byte aligned views
    let buffer = this.current;
    if (buffer === undefined || buffer.byteLength < this.used) {
      // Grown rarely (the first tasks, or a bigger task): this task's earlier views are copied over.
      const grown = new SharedArrayBuffer(Math.max(this.used, 2 * (buffer?.byteLength ?? 0)));
      if (buffer !== undefined) new Uint8Array(grown).set(new Uint8Array(buffer, 0, start));
      this.current = buffer = grown;
    }
    const Typed = array.constructor as new (buffer: SharedArrayBuffer, offset: number, length: number) => T;
    const view = new Typed(buffer, start, array.length);
    view.set(array);
    return view;
  }
}

/** The mark of a WorkerPool, the same symbol in every copy of core. */
const POOL_BRAND = Symbol.for('idxflow.WorkerPool');

/**
 * A worker_threads pool (tinypool) running one worker module, to share between streams: a
 * server holds one for all its clients, so a client costs no threads of its own.
 *
 * ## Example
 * ```ts
 * const pool = augmentPool(2); // from @idxflow/transforms: a WorkerPool of augment()'s worker
 * // ... source.pipe(augment(options, { pool })) in as many streams as you like
 * await pool.destroy();
 * ```
 */
export class WorkerPool {
  /**
   * True of a pool made by any copy of core in the process (ARCHITECTURE.md, "Process state"):
   * `augmentPool()` of one installed copy feeds `augment()` of another.
   */
  static [Symbol.hasInstance](value: unknown): value is WorkerPool {
    return typeof value === 'object' && value !== null && POOL_BRAND in value;
  }

  /** The worker module this pool runs. */
  readonly filename: string;
  /** Worker threads. */
  readonly workers: number;
  private readonly pool: Tinypool;

  /** @param options The worker module and the thread count (default: one less than the cores, at least 1). */
  constructor(options: { filename: string | URL; workers?: number }) {
    Object.defineProperty(this, POOL_BRAND, { value: true });
    this.filename = options.filename.toString();
    this.workers = integer('workers', options.workers ?? defaultWorkers(), 1, MAX_WORKERS);
    // Two tasks per worker: the next task waits in the worker's port, not in the pool's queue,
    // so a worker starts it at once instead of after a round trip through the main thread.
    this.pool = new Tinypool({ filename: this.filename, minThreads: this.workers, maxThreads: this.workers, isolateWorkers: false, concurrentTasksPerWorker: 2 });
  }

  /** Runs one task; `transferList` buffers are moved to the worker. */
  run<Result>(task: unknown, transferList: ArrayBuffer[] = []): Promise<Result> {
    return this.pool.run(task, { transferList }) as Promise<Result>;
  }

  /** Stops the threads; tasks still queued fail. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}

/** Most worker threads a pool may have. */
export const MAX_WORKERS = 256;

/**
 * Runs each value through a worker_threads pool and emits the results in input order.
 *
 * Flow control (see `flow.ts` and `orderedAsync`): at most `window` tasks are in flight or
 * waiting to be taken downstream; when the window is full, `next` holds the producer until a
 * result has been taken, so a slow sink slows the workers and then the source.
 *
 * @param options See `WorkerMapOptions`: a `pool` to share, or a `filename` and `workers` for a
 *   pool of this stream's own (started on subscription, stopped when the stream ends).
 * @param toTask Builds the message for one value (structured-cloned to the worker; a
 *   SharedArrayBuffer inside is shared, not copied). Arrays passed through `staging.share()`
 *   reach the worker without a copy; they stay valid until the task has finished.
 * @param fromResult Builds the output from the worker's result and the input value.
 *
 * ## Example
 * ```ts
 * declare const source: Observable<Block>;
 * source.pipe(workerMap({ filename: new URL('./worker.js', import.meta.url), workers: 2 },
 *   (block) => ({ images: block.images }), (images, block) => ({ ...block, images })));
 * ```
 */
export function workerMap<In, Task, Result, Out>(
  options: WorkerMapOptions,
  toTask: (value: In, staging: TaskStaging) => Task,
  fromResult: (result: Result, value: In) => Out,
): OperatorFunction<In, Out> {
  const shared = options.pool;
  if (shared !== undefined && !(shared instanceof WorkerPool)) throw new OptionError(`Expected a WorkerPool for pool but received ${String(shared)}`);
  if (shared === undefined && options.filename === undefined) throw new OptionError('Expected a pool or a filename for workerMap');
  const workers = shared?.workers ?? integer('workers', options.workers ?? defaultWorkers(), 1, MAX_WORKERS);
  const window = integer('window', options.window ?? 4 * workers, 1);
  return (source) =>
    defer(() => {
      const pool = shared ?? new WorkerPool({ filename: options.filename!, workers });
      const staging = new TaskStaging();
      const start = (value: In): Promise<Out> => {
        staging.begin();
        const message = toTask(value, staging);
        const task = pool.run<Result>(message, staging.transferList);
        void task.then(staging.end(), () => undefined);
        return task.then((result) => fromResult(result, value));
      };
      return source.pipe(orderedAsync(window, start, shared ? undefined : () => void pool.destroy()));
    });
}
