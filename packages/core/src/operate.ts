// The one way an idxflow stage or sink subscribes to its upstream: RxJS's own
// OperatorSubscriber pattern (src/internal/operators/OperatorSubscriber.ts), which RxJS does not
// export. Each handler runs inside a try; an exception goes to the downstream subscriber's
// `error` (which unsubscribes upstream), never up the stack of whoever called `next`. Without it
// an exception thrown in a handler passed to `subscribe()` escapes as an uncaught error beside
// a stream that goes on, or completes, as if nothing happened.
import type { Observable, Subscriber, Subscription } from 'rxjs';
import { Observable as RxObservable, Subscriber as RxSubscriber } from './rx.js';
import { completing, DemandWindow } from './flow.js';

/** What a stage does with each notification from upstream; a handler left out passes it on. */
export interface StageHandlers<T> {
  next?: (value: T) => void;
  error?: (error: unknown) => void;
  complete?: () => void;
  /**
   * Runs once when the subscription to upstream ends: upstream completed or failed (after the
   * handler), or the stage's subscriber ended. Work that outlives upstream (results still on
   * their way) belongs in the stage Observable's own teardown instead.
   */
  finalize?: () => void;
}

class StageSubscriber<T> extends RxSubscriber<T> {
  constructor(destination: Subscriber<unknown>, handlers: StageHandlers<T>) {
    super(destination);
    const { next, error, complete, finalize } = handlers;
    if (next) {
      this._next = (value: T): void => {
        try {
          next(value);
        } catch (thrown) {
          destination.error(thrown);
        }
      };
    }
    if (error) {
      this._error = (reason: unknown): void => {
        try {
          error(reason);
        } catch (thrown) {
          destination.error(thrown);
        } finally {
          this.unsubscribe();
        }
      };
    }
    if (complete) {
      this._complete = (): void => {
        try {
          completing(complete); // what it emits on completion may be held: no producer is left to slow
        } catch (thrown) {
          destination.error(thrown);
        } finally {
          this.unsubscribe();
        }
      };
    }
    if (finalize) this.add(finalize);
  }
}

/**
 * Subscribes a stage to its upstream: `handlers` run with any exception routed to
 * `destination.error`, and the upstream subscription is tied to `destination`, so it ends when
 * the stage's subscriber ends (completion, error, or unsubscription downstream).
 *
 * @param source The stage's upstream.
 * @param destination The stage's own subscriber (the one its Observable was subscribed with).
 * @param handlers What to do with each notification; a missing one passes it on unchanged.
 * @returns The upstream subscription (also torn down with `destination`).
 *
 * ## Example
 * ```ts
 * const double = (source: Observable<number>) =>
 *   new Observable<number>((subscriber) => {
 *     operate(source, subscriber, { next: (n) => subscriber.next(2 * n) });
 *   });
 * ```
 */
export function operate<T>(source: Observable<T>, destination: Subscriber<unknown>, handlers: StageHandlers<T>): Subscription {
  return source.subscribe(new StageSubscriber<T>(destination, handlers));
}

/** What a sink does with a stream; `error` also receives any exception its `next` or `complete` throws. */
export interface SinkHandlers<T> {
  next: (value: T) => void;
  error: (error: unknown) => void;
  complete: () => void;
}

/**
 * Subscribes a sink (the end of a pipeline: a file writer, a socket, an iterator) so that an
 * exception in its `next` or `complete` reaches its own `error` handler, once, and unsubscribes
 * the pipeline, instead of escaping as an uncaught exception.
 *
 * @param source The pipeline.
 * @param handlers The sink's handlers; `error` runs at most once, for the first failure.
 * @returns The subscription, to stop the pipeline early.
 *
 * ## Example
 * ```ts
 * import type { Socket } from 'node:net';
 * declare const pipeline: Observable<Block>, socket: Socket, encode: (block: Block) => Uint8Array;
 * consume(pipeline, { next: (b) => socket.write(encode(b)), error: (e) => socket.destroy(e as Error), complete: () => socket.end() });
 * ```
 */
export function consume<T>(source: Observable<T>, handlers: SinkHandlers<T>): Subscription {
  const end = new RxSubscriber<T>({ next: () => undefined, error: handlers.error, complete: () => undefined });
  operate(source, end, { next: handlers.next, complete: () => {
    handlers.complete();
    end.unsubscribe();
  } });
  return end;
}

/**
 * Routes a failure of asynchronous work that a stage started (a pump, a pool task) to its
 * subscriber's `error`, unless the subscriber has already ended.
 *
 * @param subscriber The stage's subscriber.
 * @param work The promise of that work.
 *
 * ## Example
 * ```ts
 * declare const subscriber: Subscriber<Block>, pump: () => Promise<void>;
 * settle(subscriber, pump());
 * ```
 */
export function settle(subscriber: Subscriber<unknown>, work: Promise<unknown>): void {
  work.catch((error: unknown) => {
    if (!subscriber.closed) subscriber.error(error);
  });
}

/**
 * A source whose values `body` emits at the pace downstream takes them: each `emit` resolves
 * once fewer than `window` emissions wait on holds (see `DemandWindow`), or as soon as the
 * subscriber has gone, so a body whose consumer left without settling its holds still reaches
 * its `finally` (closing what it opened) instead of waiting forever. The body stops when
 * `subscriber.closed`; its return completes the stream, its failure errors it (`settle`).
 *
 * @param window How many emissions may wait on holds at once.
 * @param body Produces the values of one subscription through `emit`; `signal` aborts when the
 *   subscription ends (pass it to a fetch).
 *
 * ## Example
 * ```ts
 * const [a, b, c] = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
 * const chunks = produce<Uint8Array>(2, async (emit, subscriber) => {
 *   for (const chunk of [a, b, c]) if (!subscriber.closed) await emit(chunk);
 * });
 * ```
 */
export function produce<T>(window: number, body: (emit: (value: T) => Promise<void>, subscriber: Subscriber<T>, signal: AbortSignal) => Promise<void>): Observable<T> {
  return new RxObservable<T>((subscriber) => {
    const demand = new DemandWindow(window);
    const ended = new AbortController();
    const stopped = new Promise<void>((resolve) => ended.signal.addEventListener('abort', () => resolve(), { once: true }));
    const emit = (value: T): Promise<void> => Promise.race([demand.emit(subscriber, value), stopped]);
    settle(subscriber, body(emit, subscriber, ended.signal).then(() => subscriber.complete()));
    return () => ended.abort();
  });
}
