// The explore server's heavy requests (grids, statistics) take the CPU of the one thread that
// also answers everything else. A queue bounds them across requests: a few run at once, each in
// chunks that let the event loop answer between them, a few more wait, and beyond that a request
// is refused at once (503 with Retry-After) instead of piling up work nobody may still want.
import { IdxflowError } from '@idxflow/core';


/** More heavy requests than the queue takes: answered 503 with Retry-After. */
export class BusyError extends IdxflowError {}

/**
 * The request went away (its client closed it, or a newer one replaced it): nothing to answer,
 * or for a replaced one 409.
 */
export class CancelledError extends IdxflowError {
  /** Whether a newer request of the page replaced this one (its client may still be listening). */
  constructor(message: string, readonly replaced = false) {
    super(message);
  }
}

/** Throws CancelledError when `signal` has been aborted (its reason, when that is one). */
export function throwIfCancelled(signal: AbortSignal): void {
  if (!signal.aborted) return;
  throw signal.reason instanceof CancelledError ? signal.reason : new CancelledError('the client closed the request');
}

/** A queue of asynchronous jobs: `running` at once, at most `limit` admitted (running or waiting). */
export class WorkQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * @param running Jobs that run at once (their chunks interleave on the event loop).
   * @param limit Jobs admitted at once, running or waiting; more are refused with BusyError.
   */
  constructor(
    readonly running: number,
    readonly limit: number,
  ) {}

  /** Jobs running or waiting now. */
  get size(): number {
    return this.active + this.waiting.length;
  }

  /**
   * Runs `work` when its turn comes; a job cancelled (`signal`) while it waits leaves the queue
   * without running. Rejects at once with BusyError when the queue is full.
   */
  async run<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (this.size >= this.limit) throw new BusyError(`Expected at most ${this.limit} grids or statistics at once (${this.running} computed, the rest waiting) but ${this.size} are under way: retry in a moment`);
    if (this.active >= this.running) await this.turn(signal);
    this.active++;
    try {
      throwIfCancelled(signal);
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Waits until a running job ends, or leaves the line when `signal` aborts. */
  private turn(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const go = (): void => {
        signal.removeEventListener('abort', leave);
        resolve();
      };
      const leave = (): void => {
        const at = this.waiting.indexOf(go);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal.reason instanceof CancelledError ? signal.reason : new CancelledError('the client closed the request'));
      };
      if (signal.aborted) return leave();
      this.waiting.push(go);
      signal.addEventListener('abort', leave, { once: true });
    });
  }
}
