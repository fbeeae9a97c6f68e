import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { operate } from '../operate.js';
import { integer } from '../validate.js';
import { checkRun, checked, runItems } from './regroup.js';
import type { Run } from './rows.js';

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
 * steps. After `shuffleRows()` it selects Rows (row numbers) in the same way.
 *
 * @param options See `ShardOptions`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(shuffle({ seed: 1 }), shard({ rank: 0, worldSize: 2 }), batch(64));
 * ```
 */
export function shard<T extends Run>(options: ShardOptions): OperatorFunction<T, T> {
  const worldSize = integer('worldSize', options.worldSize, 1);
  const rank = integer('rank', options.rank, 0, worldSize - 1);
  const dropLast = options.dropLast ?? false;
  const stage = `shard(${rank}/${worldSize})`;
  if (worldSize === 1) return (source) => source.pipe(checked(stage)); // every sample, no padding: nothing to copy
  return (source) =>
    new Observable<T>((subscriber) => {
      let epoch: number | undefined;
      let like: T | undefined; // the first value of the stream, to check the others against
      let position = 0; // position in the epoch of the next sample to arrive
      let head: T | undefined; // the first worldSize - 1 samples, for padding
      let headCount = 0;
      let held: T | undefined; // with dropLast: our sample of a round not yet complete

      const endEpoch = (): void => {
        if (epoch === undefined) return;
        if (!dropLast && head && position % worldSize !== 0) {
          const total = Math.ceil(position / worldSize) * worldSize;
          const pad: number[] = [];
          for (let q = position; q < total; q++) if (q % worldSize === rank) pad.push((q - position) % position);
          if (pad.length > 0) {
            const out = runItems.allocate(head, pad.length);
            pad.forEach((from, i) => runItems.copy(head!, from % headCount, out, i, 1));
            subscriber.next(out);
          }
        }
        position = 0;
        head = undefined;
        headCount = 0;
        held = undefined;
      };

      operate(source, subscriber, {
        next(value) {
          checkRun(stage, value, like);
          like ??= value;
          if (runItems.epoch(value) !== epoch) {
            endEpoch();
            epoch = runItems.epoch(value);
          }
          const n = runItems.length(value);
          if (!dropLast && headCount < worldSize - 1) {
            head ??= runItems.allocate(value, worldSize - 1);
            for (let i = 0; i < n && headCount < worldSize - 1; i++) runItems.copy(value, i, head, headCount++, 1);
          }
          const picked: [T, number][] = [];
          for (let i = 0; i < n; i++) {
            const p = position + i;
            if (dropLast) {
              // Our sample of round floor(p / worldSize) leaves once the round's last sample arrives.
              if (p % worldSize === rank) {
                held = runItems.allocate(value, 1);
                runItems.copy(value, i, held, 0, 1);
              }
              if (p % worldSize === worldSize - 1 && held) {
                picked.push([held, 0]);
                held = undefined;
              }
            } else if (p % worldSize === rank) {
              picked.push([value, i]);
            }
          }
          position += n;
          if (picked.length === 0) return;
          const out = runItems.allocate(value, picked.length);
          picked.forEach(([from, i], k) => runItems.copy(from, i, out, k, 1));
          subscriber.next(out);
        },
        complete() {
          endEpoch();
          subscriber.complete();
        },
      });
    });
}
