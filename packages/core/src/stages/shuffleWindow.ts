import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { allocateBlock, blockLength, checkBlock, copySample, type Block, type PixelArray } from '../block.js';
import { operate } from '../operate.js';
import { permutation, randomUniform, RandomStage, streamKey } from '../rng.js';
import { integer, seed as seedOption } from '../validate.js';

/** Options of `shuffleWindow()`. */
export interface ShuffleWindowOptions {
  /** Samples held in the window. Default 10,000. */
  size?: number;
  /** Seed of the draws. Default 0. */
  seed?: number;
}

/**
 * Shuffles an unbounded stream through a window of `size` samples, as tf.data's
 * `shuffle(buffer_size)` does: each arriving sample replaces a random one of the window,
 * which is emitted. At the end of each epoch the window is emitted in random order.
 *
 * Each draw is keyed by (seed, epoch, position in the epoch), so the output sequence does
 * not depend on block sizes. Memory: `size` samples.
 *
 * @param options See `ShuffleWindowOptions`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(epochs(Infinity), shuffleWindow({ size: 5000, seed: 1 }), batch(64));
 * ```
 */
export function shuffleWindow<P extends PixelArray>(options: ShuffleWindowOptions = {}): OperatorFunction<Block<P>, Block<P>> {
  const size = integer('size', options.size ?? 10_000, 1);
  const seed = seedOption('seed', options.seed ?? 0);
  return (source) =>
    new Observable<Block<P>>((subscriber) => {
      let window: Block<P> | undefined;
      let held = 0;
      let position = 0;
      let epoch = 0;

      const flush = (): void => {
        if (!window || held === 0) return;
        const order = permutation(held, seed, RandomStage.shuffleWindow + 1, epoch);
        const out = allocateBlock({ ...window, epoch }, held);
        for (let i = 0; i < held; i++) copySample(window, order[i], out, i);
        held = 0;
        position = 0;
        subscriber.next(out);
      };

      operate(source, subscriber, {
        next(block) {
          checkBlock(`shuffleWindow(${size})`, block, window);
          if (block.epoch !== epoch) {
            flush();
            epoch = block.epoch;
          }
          const n = blockLength(block);
          window ??= allocateBlock(block, size);
          const fill = Math.min(size - held, n);
          const out = allocateBlock({ ...block, epoch }, n - fill);
          let emitted = 0;
          for (let i = 0; i < n; i++, position++) {
            if (held < size) {
              copySample(block, i, window, held++);
              continue;
            }
            const j = Math.floor(randomUniform(streamKey(seed, RandomStage.shuffleWindow, epoch, position), 0) * size);
            copySample(window, j, out, emitted++);
            copySample(block, i, window, j);
          }
          if (emitted > 0) subscriber.next(out);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
    });
}
