import { Observable, type OperatorFunction } from 'rxjs';
import { allocateBlock, blockLength, copySamples, type Block, type PixelArray } from '../block.js';
import { DemandWindow, holdUntil } from '../flow.js';
import { permutation, RandomStage } from '../rng.js';
import { integer, seed as seedOption } from '../validate.js';
import { gathered, sharedBlock, withRows, type Rows } from './rows.js';

/** Options of `shuffle()`. */
export interface ShuffleOptions {
  /** Seed of the permutation. Default 0. */
  seed?: number;
  /** Samples per emitted block. Default 256 (with the 2-block window, what a slow sink may have queued). */
  blockSize?: number;
}

/** Gathers the blocks of one epoch into one block, in shared memory when `shared`. */
function concatenate<P extends PixelArray>(blocks: Block<P>[], shared: boolean): Block<P> {
  if (blocks.length === 1) return shared ? sharedBlock(blocks[0]) : blocks[0];
  const n = blocks.reduce((sum, b) => sum + blockLength(b), 0);
  const [, height, width] = blocks[0].shape;
  const all = allocateBlock(blocks[0].images, n, height, width, blocks[0].epoch, shared);
  let at = 0;
  for (const b of blocks) {
    copySamples(b, 0, all, at, blockLength(b));
    at += blockLength(b);
  }
  return all;
}

/**
 * Shuffles each epoch with a permutation drawn from (seed, epoch), like a DataLoader with
 * `shuffle=True` and a seeded generator.
 *
 * The whole epoch is held (MNIST's 60,000 images are 47 MB); for unbounded streams use
 * `shuffleWindow()`. The permutation depends only on the seed, the epoch and the number of
 * samples, never on how the data was chunked, so every rank of a distributed job that uses
 * the same seed sees the same order. While an epoch is emitted the source is paused.
 *
 * @param options See `ShuffleOptions`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(epochs(2), shuffle({ seed: 42 }), batch(128));
 * ```
 */
export function shuffle<P extends PixelArray>(options: ShuffleOptions = {}): OperatorFunction<Block<P>, Block<P>> {
  const seed = seedOption('seed', options.seed ?? 0);
  const blockSize = integer('blockSize', options.blockSize ?? 256, 1);
  return (source) =>
    withRows(shuffledRows(source, seed, blockSize, false).pipe(gathered()), (shared) => shuffledRows(source, seed, blockSize, shared));
}

/** shuffle()'s stream as Rows of `blockSize` samples over each whole epoch. */
function shuffledRows<P extends PixelArray>(source: Observable<Block<P>>, seed: number, blockSize: number, shared: boolean): Observable<Rows<P>> {
  return new Observable<Rows<P>>((subscriber) => {
    let pending: Block<P>[] = [];
    let pumping: Promise<void> = Promise.resolve();
    let emitting = false; // a finished epoch is still being emitted

    const pump = (blocks: Block<P>[]): Promise<void> => {
      const from = concatenate(blocks, shared);
      const n = blockLength(from);
      const order = permutation(n, seed, RandomStage.shuffle, from.epoch);
      const window = new DemandWindow(2);
      return (async () => {
        for (let start = 0; start < n && !subscriber.closed; start += blockSize) {
          await window.emit(subscriber, { from, rows: order.subarray(start, Math.min(start + blockSize, n)) });
        }
        await window.drain();
      })();
    };
    const flush = (): void => {
      if (pending.length === 0) return;
      const blocks = pending;
      pending = [];
      const pumped = (pumping = pumping.then(() => pump(blocks)));
      emitting = true;
      const done = (): void => {
        if (pumping === pumped) emitting = false;
      };
      pumped.then(done, done); // a failure is reported by complete()
    };

    return source.subscribe({
      next(block) {
        if (pending.length > 0 && pending[0].epoch !== block.epoch) flush();
        // Pause the source while a finished epoch is emitted: every block until then is held
        // (a source's demand window counts held emissions, so holding only the first would
        // let it read on).
        if (emitting) holdUntil(pumping);
        if (blockLength(block) > 0) pending.push(block);
      },
      error: (error) => subscriber.error(error),
      complete() {
        flush();
        pumping.then(
          () => subscriber.complete(),
          (error: unknown) => subscriber.error(error),
        );
      },
    });
  });
}
