import type { Subscriber } from 'rxjs';

/*
 * Flow control: how a slow sink slows the source.
 *
 * RxJS pushes and has no backpressure of its own. idxflow adds one small protocol, in the
 * spirit of Node's `write() === false` / `'drain'`:
 *
 * 1. A producer (a byte source, or a stage that emits on its own schedule: shuffle's pump,
 *    the worker pool) emits with `emit(subscriber, value)`. While `next` runs
 *    synchronously down the chain of operators, a hold list is open.
 * 2. A consumer that cannot take more yet (a file whose write buffer is full, a socket that
 *    has not drained, a worker pool at capacity) calls `holdUntil(promise)` inside its
 *    `next`. The promise joins the open hold list.
 * 3. `emit` returns a promise that settles once every hold made during that emission has
 *    settled. Producers go through a `DemandWindow`, which lets a few emissions be pending
 *    (so reading overlaps writing) and waits before producing more.
 *
 * Synchronous stages (map, batch, shard, samples) need do nothing: they run inside the
 * producer's call, so holds made below them reach the producer. A stage that emits from
 * inside another emission (batch splitting one block into several) opens a nested hold
 * list whose combined promise also joins the outer one.
 *
 * Bound: a producer has at most `window` emissions whose holds are unsettled, and each
 * asynchronous stage keeps at most its own window in flight, so the blocks held anywhere
 * in a pipeline are bounded by the sum of the windows (times the fan-out of a batch).
 * A hold made outside any emission (a plain RxJS source such as `from([...])`) is ignored:
 * such a pipeline runs unthrottled, as RxJS always does.
 */

let open: Promise<unknown>[] | undefined;

/**
 * Asks the producer of the value being delivered right now to wait for `until` before it
 * produces more. Call it from inside `next`; elsewhere it does nothing.
 *
 * @param until Settles when the consumer is ready for more (its rejection counts as ready:
 *   a failing consumer reports its error itself).
 */
export function holdUntil(until: PromiseLike<unknown>): void {
  open?.push(Promise.resolve(until));
}

const ready = (): void => undefined;

/**
 * Delivers `value` to `subscriber` and collects the holds its consumers make.
 *
 * @returns a promise that settles when every hold has settled, or `undefined` when no
 *   consumer held (the common, synchronous case, kept free of promise allocations).
 */
export function emit<T>(subscriber: Subscriber<T>, value: T): Promise<void> | undefined {
  const outer = open;
  const holds: Promise<unknown>[] = [];
  open = holds;
  try {
    subscriber.next(value);
  } finally {
    open = outer;
  }
  if (holds.length === 0) return undefined;
  const settled = Promise.all(holds).then(ready, ready);
  outer?.push(settled);
  return settled;
}

/**
 * Keeps at most `size` emissions of one producer waiting on holds.
 *
 * ## Example
 * ```ts
 * const window = new DemandWindow(2);
 * for (const chunk of chunks) {
 *   if (subscriber.closed) break;
 *   await window.emit(subscriber, chunk);
 * }
 * ```
 */
export class DemandWindow {
  private readonly pending = new Set<Promise<void>>();

  /** @param size How many emissions may wait on holds at once (at least 1). */
  constructor(readonly size = 2) {}

  /** Number of emissions whose holds have not settled. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Emits `value`; resolves once fewer than `size` emissions wait on holds. */
  async emit<T>(subscriber: Subscriber<T>, value: T): Promise<void> {
    const settled = emit(subscriber, value);
    if (settled) {
      this.pending.add(settled);
      void settled.then(() => this.pending.delete(settled));
    }
    while (this.pending.size >= this.size) await Promise.race(this.pending);
  }

  /** Resolves when every emission's holds have settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.race(this.pending);
  }
}
