import type { Subscriber } from 'rxjs';

/*
 * Flow control: how a slow sink slows the source.
 *
 * RxJS pushes and has no backpressure of its own. idxflow adds one small protocol, in the
 * spirit of Node's `write() === false` / `'drain'`:
 *
 * 1. A producer (a byte source, `epochs()`, or a stage that emits on its own schedule:
 *    shuffle's pump, the worker pool, `mapAsync()`) emits with `emit(subscriber, value)`.
 *    While `next` runs synchronously down the chain of operators, a hold list is open.
 * 2. A consumer that cannot take more yet (a file whose write buffer is full, a socket that
 *    has not drained, a worker pool at capacity) calls `holdUntil(promise)` inside its
 *    `next`. The promise joins the open hold list.
 * 3. `emit` returns a promise that settles once every hold made during that emission has
 *    settled. Producers go through a `DemandWindow`, which lets a few emissions be pending
 *    (so reading overlaps writing) and waits before producing more.
 *
 * Synchronous operators, ours (batch, shard, samples) and RxJS's (map, filter, tap, take,
 * mergeMap over a synchronous inner, ...), need do nothing: they run inside the producer's
 * call, so holds made below them reach the producer. A stage that emits from inside another
 * emission (batch splitting one block into several) opens a nested hold list whose combined
 * promise also joins the outer one.
 *
 * Bound: a producer has at most `window` emissions whose holds are unsettled, and each
 * asynchronous stage keeps at most its own window in flight, so the blocks held anywhere in a
 * pipeline are bounded by the sum of the windows (times the fan-out of a batch).
 *
 * Where it cannot hold: an RxJS operator that re-emits later, from a timer or a promise
 * (observeOn, delay, concatMap or mergeMap over a Promise), cuts the call chain, and so does a
 * source that is not an idxflow producer (`from(array)`). A hold made there has no producer to
 * reach: `holdUntil` says so once per process (a warning naming `mapAsync()`, the operator
 * that keeps the bound for asynchronous work) rather than let memory grow unseen.
 *
 * The state lives on a `Symbol.for` key of the global object, so two installed copies of
 * @idxflow/core (a library and an application depending on different versions) still share one
 * hold list.
 */

interface FlowState {
  /** The hold list of the emission being delivered now, if any. */
  open: Promise<unknown>[] | undefined;
  /** Whether the unbounded-read-ahead warning has been given in this process. */
  warned: boolean;
}

const KEY = Symbol.for('idxflow.flow');
const state: FlowState = ((globalThis as { [KEY]?: FlowState })[KEY] ??= { open: undefined, warned: false });

/** The code of the warning `holdUntil` gives when a hold reaches no producer. */
export const UNBOUNDED_WARNING = 'IDXFLOW_UNBOUNDED';

const UNBOUNDED_MESSAGE =
  'a sink asked the pipeline to wait, but no idxflow source or stage is emitting right now: an ' +
  'asynchronous RxJS operator (observeOn, delay, concatMap or mergeMap over a Promise) stands between ' +
  'them, or the source is not an idxflow one, so nothing slows the source and read-ahead is unbounded. ' +
  'Use mapAsync() from @idxflow/core for asynchronous work in a pipeline. (Shown once.)';

function warnUnbounded(): void {
  if (state.warned) return;
  state.warned = true;
  const proc = (globalThis as { process?: { emitWarning?: (message: string, options: { code: string }) => void } }).process;
  if (proc?.emitWarning) proc.emitWarning(`idxflow: ${UNBOUNDED_MESSAGE}`, { code: UNBOUNDED_WARNING });
  else console.warn(`idxflow: ${UNBOUNDED_MESSAGE}`);
}

/**
 * Asks the producer of the value being delivered right now to wait for `until` before it
 * produces more. Call it from inside `next`. Where no idxflow producer is delivering (see the
 * note on asynchronous operators above) the hold has no effect and a warning is given, once.
 *
 * @param until Settles when the consumer is ready for more (its rejection counts as ready:
 *   a failing consumer reports its error itself).
 *
 * ## Example
 * ```ts
 * declare const source: Observable<Block>, writeToDisk: (block: Block) => Promise<void>;
 * source.subscribe((block) => holdUntil(writeToDisk(block)));
 * ```
 */
export function holdUntil(until: PromiseLike<unknown>): void {
  if (state.open) state.open.push(Promise.resolve(until));
  else warnUnbounded();
}

const ready = (): void => undefined;

/**
 * Runs `deliver` (a stage's completion) with a hold list of its own that nothing waits on: a
 * stage that emits its last values on completion (batch's partial batch) may be held below, and
 * there is no producer left to slow, so the hold is dropped rather than reported as unbounded.
 */
export function completing(deliver: () => void): void {
  if (state.open) return deliver();
  state.open = [];
  try {
    deliver();
  } finally {
    state.open = undefined;
  }
}

/**
 * Delivers `value` to `subscriber` and collects the holds its consumers make.
 *
 * @returns a promise that settles when every hold has settled, or `undefined` when no
 *   consumer held (the common, synchronous case, kept free of promise allocations).
 *
 * ## Example
 * ```ts
 * declare const subscriber: Subscriber<Block>, block: Block;
 * const held = emit(subscriber, block);
 * if (held) await held;
 * ```
 */
export function emit<T>(subscriber: Subscriber<T>, value: T): Promise<void> | undefined {
  const outer = state.open;
  const holds: Promise<unknown>[] = [];
  state.open = holds;
  try {
    subscriber.next(value);
  } finally {
    state.open = outer;
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
 * declare const subscriber: Subscriber<Uint8Array>, chunks: Uint8Array[];
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
    this.track(emit(subscriber, value));
    while (this.pending.size >= this.size) await Promise.race(this.pending);
  }

  /** Counts `held` (an `emit()` result) against the window until it settles. */
  track(held: Promise<void> | undefined): void {
    if (!held) return;
    this.pending.add(held);
    void held.then(() => this.pending.delete(held));
  }

  /** Resolves when every emission's holds have settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.race(this.pending);
  }
}
