import { Observable, type OperatorFunction } from 'rxjs';
import { allocateBlock, blockLength, copySample, type Block, type PixelArray } from '../block.js';
import { integer } from '../validate.js';

/** Options of `shard()`. */
export interface ShardOptions {
  /** This process's rank, 0 <= rank < worldSize. */
  rank: number;
  /** Number of processes sharing the data. */
  worldSize: number;
  /**
   * Drop the tail of each epoch so it divides evenly, instead of padding it with samples
   * from the start of the epoch. Default false, as in PyTorch.
   */
  dropLast?: boolean;
}

/**
 * Keeps this rank's share of each epoch, as PyTorch's `DistributedSampler` does: the sample
 * at position p of the epoch goes to rank `p % worldSize`.
 *
 * Put it after `shuffle()` with the same seed on every rank: the shares are then disjoint and
 * together cover the epoch. Each rank gets `ceil(n / worldSize)` samples: the epoch is padded
 * by repeating its first samples (at most `worldSize - 1` of them), exactly as PyTorch pads,
 * or with `dropLast` trimmed to `floor(n / worldSize)`, so every rank runs the same number of
 * steps.
 *
 * @param options See `ShardOptions`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(shuffle({ seed: 1 }), shard({ rank: 0, worldSize: 2 }), batch(64));
 * ```
 */
export function shard<P extends PixelArray>(options: ShardOptions): OperatorFunction<Block<P>, Block<P>> {
  const worldSize = integer('worldSize', options.worldSize, 1);
  const rank = integer('rank', options.rank, 0, worldSize - 1);
  const dropLast = options.dropLast ?? false;
  return (source) =>
    new Observable<Block<P>>((subscriber) => {
      let epoch: number | undefined;
      let position = 0; // position in the epoch of the next sample to arrive
      let head: Block<P> | undefined; // the first worldSize - 1 samples, for padding
      let headCount = 0;
      let held: Block<P> | undefined; // with dropLast: our sample of a round not yet complete

      const endEpoch = (): void => {
        if (epoch === undefined) return;
        if (!dropLast && head && position % worldSize !== 0) {
          const total = Math.ceil(position / worldSize) * worldSize;
          const pad: number[] = [];
          for (let q = position; q < total; q++) if (q % worldSize === rank) pad.push((q - position) % position);
          if (pad.length > 0) {
            const out = allocateBlock(head.images, pad.length, head.shape[1], head.shape[2], epoch);
            pad.forEach((from, i) => copySample(head!, from % headCount, out, i));
            subscriber.next(out);
          }
        }
        position = 0;
        head = undefined;
        headCount = 0;
        held = undefined;
      };

      return source.subscribe({
        next(block) {
          if (block.epoch !== epoch) {
            endEpoch();
            epoch = block.epoch;
          }
          const n = blockLength(block);
          if (!dropLast && headCount < worldSize - 1) {
            head ??= allocateBlock(block.images, worldSize - 1, block.shape[1], block.shape[2], epoch);
            for (let i = 0; i < n && headCount < worldSize - 1; i++) copySample(block, i, head, headCount++);
          }
          const picked: [Block<P>, number][] = [];
          for (let i = 0; i < n; i++) {
            const p = position + i;
            if (dropLast) {
              // Our sample of round floor(p / worldSize) leaves once the round's last sample arrives.
              if (p % worldSize === rank) {
                held = allocateBlock(block.images, 1, block.shape[1], block.shape[2], epoch);
                copySample(block, i, held, 0);
              }
              if (p % worldSize === worldSize - 1 && held) {
                picked.push([held, 0]);
                held = undefined;
              }
            } else if (p % worldSize === rank) {
              picked.push([block, i]);
            }
          }
          position += n;
          if (picked.length === 0) return;
          const out = allocateBlock(block.images, picked.length, block.shape[1], block.shape[2], epoch);
          picked.forEach(([from, i], k) => copySample(from, i, out, k));
          subscriber.next(out);
        },
        error: (error) => subscriber.error(error),
        complete() {
          endEpoch();
          subscriber.complete();
        },
      });
    });
}
