import { consume, holdUntil, validate, type Block, type PixelArray } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';

/*
 * Pull over push: how an async iterator consumer slows an RxJS pipeline.
 *
 * The iterator subscribes on its first `next()`. Blocks the pipeline emits wait in a queue
 * of at most `ahead` blocks; an emission that fills the queue calls `holdUntil(room)` (see
 * core's flow.ts), so the producer pauses until the consumer has pulled a block. The blocks
 * alive at once are thus: the one the consumer is working on, the `ahead` queued, and what
 * the pipeline's own demand windows let through before their holds settle (a fixed number
 * of emissions, times the fan-out of a `batch()` after them).
 *
 * `return()` (a `break` out of `for await`) and an error thrown by the consumer unsubscribe
 * the pipeline and release its hold so the producer can see that it was closed.
 */

interface Room {
  readonly promise: Promise<void>;
  readonly open: () => void;
}

function room(): Room {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * Iterates the blocks of a pipeline with `for await`, pausing the pipeline while the
 * consumer is busy instead of buffering.
 *
 * Use it to drive a pipeline from code that awaits per block (a training step, an upload).
 * Blocks come in order; an error of the pipeline is thrown after the blocks emitted before
 * it. Each call subscribes afresh.
 *
 * @param source The pipeline.
 * @param ahead Blocks queued ahead of the consumer before the pipeline is held (integer >= 1). Default 2.
 *
 * ## Example
 * ```ts
 * import { mnist, batch } from '@idxflow/core';
 * for await (const block of iterateBlocks(mnist().pipe(batch(128)))) console.log(block.shape);
 * ```
 */
export function iterateBlocks<P extends PixelArray>(source: Observable<Block<P>>, ahead = 2): AsyncGenerator<Block<P>, void, undefined> {
  return pull(source, validate.integer('ahead', ahead, 1));
}

async function* pull<P extends PixelArray>(source: Observable<Block<P>>, ahead: number): AsyncGenerator<Block<P>, void, undefined> {
  const queue: Block<P>[] = [];
  let finished = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let space: Room | undefined;

  const notify = (): void => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const release = (): void => {
    const held = space;
    space = undefined;
    held?.open();
  };

  const subscription = consume(source, {
    next(block) {
      queue.push(block);
      notify();
      if (queue.length >= ahead) holdUntil((space ??= room()).promise);
    },
    error(error: unknown) {
      failure = { error };
      finished = true;
      notify();
    },
    complete() {
      finished = true;
      notify();
    },
  });

  try {
    for (;;) {
      const block = queue.shift();
      if (block) {
        if (queue.length < ahead) release();
        yield block;
      } else if (failure) {
        throw failure.error;
      } else if (finished) {
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    subscription.unsubscribe();
    release();
  }
}
