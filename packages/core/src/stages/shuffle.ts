import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { blockLength, checkBlock, joinBlocks, type Block, type PixelArray } from '../block.js';
import { DemandWindow, holdUntil } from '../flow.js';
import { operate, settle } from '../operate.js';
import { permutation, RandomStage } from '../rng.js';
import { integer, seed as seedOption } from '../validate.js';
import { gather, sharedBlock, type Rows } from './rows.js';

/** Options of `shuffle()` and `shuffleRows()`. */
export interface ShuffleOptions {
  /** Seed of the permutation. Default 0. */
  seed?: number;
  /** Samples per emitted block. Default 256 (with the 2-block window, what a slow sink may have queued). */
  blockSize?: number;
}

/** Joins the blocks of one epoch into one block in shared memory (workers read it in place). */
function concatenate<P extends PixelArray>(blocks: Block<P>[]): Block<P> {
  return blocks.length === 1 ? sharedBlock(blocks[0]) : joinBlocks(blocks);
}

/**
 * Shuffles each epoch with a permutation drawn from (seed, epoch), like a DataLoader with
 * `shuffle=True` and a seeded generator, and emits it as Rows: the epoch's samples stay where
 * they are (in one block in shared memory) and each Rows names `blockSize` of them in shuffled
 * order.
 *
 * This is the fast road to augmented batches: `shuffleRows(), batch(n), augment({...})` has the
 * augmentation gather each batch's samples in its own pass, on its workers, so the main thread
 * sends row numbers and copies no pixels. `batch()` and `shard()` regroup Rows; `gather()` makes
 * Blocks of them for any other stage. `shuffle()` is `shuffleRows()` then `gather()`.
 *
 * The whole epoch is held (MNIST's 60,000 images are 47 MB); for unbounded streams use
 * `shuffleWindow()`. The permutation depends only on the seed, the epoch and the number of
 * samples, never on how the data was chunked, so every rank of a distributed job that uses
 * the same seed sees the same order. While an epoch is emitted the source is paused. Blocks of
 * different sample shapes in one stream fail it at once with a `BlockMismatchError`.
 *
 * @param options See `ShuffleOptions`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(shuffleRows({ seed: 42 }), batch(128), augment({ rotate: 15 }, { seed: 42, workers: 2 }));
 * ```
 */
export function shuffleRows<P extends PixelArray>(options: ShuffleOptions = {}): OperatorFunction<Block<P>, Rows<P>> {
  const seed = seedOption('seed', options.seed ?? 0);
  const blockSize = integer('blockSize', options.blockSize ?? 256, 1);
  return (source) =>
    new Observable<Rows<P>>((subscriber) => {
      let pending: Block<P>[] = [];
      let like: Block<P> | undefined; // the stream's first block: every other must match its samples
      let pumping: Promise<void> = Promise.resolve();
      let emitting = false; // a finished epoch is still being emitted

      const pump = async (blocks: Block<P>[]): Promise<void> => {
        const from = concatenate(blocks);
        const n = blockLength(from);
        const order = permutation(n, seed, RandomStage.shuffle, from.epoch);
        const window = new DemandWindow(2);
        for (let start = 0; start < n && !subscriber.closed; start += blockSize) {
          await window.emit(subscriber, { from, rows: order.subarray(start, Math.min(start + blockSize, n)) });
        }
        await window.drain();
      };
      const flush = (): Promise<void> => {
        if (pending.length === 0) return pumping;
        const blocks = pending;
        pending = [];
        const pumped = (pumping = pumping.then(() => pump(blocks)));
        emitting = true;
        const done = (): void => {
          if (pumping === pumped) emitting = false;
        };
        pumped.then(done, done);
        settle(subscriber, pumped); // a failure ends the stream now, not when the source completes
        return pumped;
      };

      operate(source, subscriber, {
        next(block) {
          checkBlock(`shuffle(seed ${seed})`, block, like);
          like ??= block;
          if (pending.length > 0 && pending[0].epoch !== block.epoch) void flush();
          // Pause the source while a finished epoch is emitted: every block until then is held
          // (a source's demand window counts held emissions, so holding only the first would
          // let it read on).
          if (emitting) holdUntil(pumping);
          if (blockLength(block) > 0) pending.push(block);
        },
        complete() {
          flush().then(
            () => subscriber.complete(),
            () => undefined, // reported by settle()
          );
        },
      });
    });
}

/**
 * Shuffles each epoch with a permutation drawn from (seed, epoch), like a DataLoader with
 * `shuffle=True` and a seeded generator: `shuffleRows()` followed by `gather()`, so each emitted
 * block is a copy of `blockSize` samples in shuffled order, made on the main thread.
 *
 * For augmented batches, `shuffleRows(), batch(n), augment(...)` is faster: the workers gather.
 *
 * @param options See `ShuffleOptions`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(epochs(2), shuffle({ seed: 42 }), batch(128));
 * ```
 */
export function shuffle<P extends PixelArray>(options: ShuffleOptions = {}): OperatorFunction<Block<P>, Block<P>> {
  const rows = shuffleRows<P>(options);
  return (source) => source.pipe(rows, gather<P>());
}
