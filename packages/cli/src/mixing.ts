// The stages export's and serve's --mixup and --cutmix add (their flags: mixFlags.ts, which the
// command line reads without loading these stages' packages).
import { batch, skipSamples, takeSamples, type Block, type Run } from '@idxflow/core';
import { cutmix, mixup } from '@idxflow/transforms';
import type { Observable, OperatorFunction } from 'rxjs';
import type { Mixing } from './mixFlags.js';

/** The soft labels' width for a split: MNIST's 10 classes, or more when its labels go higher (EMNIST). */
export function classesOf(labels: Uint8Array): number {
  return Math.max(10, labels.reduce((max, label) => Math.max(max, label), 0) + 1);
}

/** The mixing stages, in order: mixup, then cutmix. */
export function mixStages(mixing: Mixing, seed: number, classes: number): OperatorFunction<Block, Block>[] {
  return [
    ...(mixing.mixup === undefined ? [] : [mixup({ alpha: mixing.mixup, seed, classes })]),
    ...(mixing.cutmix === undefined ? [] : [cutmix({ alpha: mixing.cutmix, seed, classes })]),
  ];
}

/** The first position of the group of `position`: groups of `group` counted from the start of its pass of `perPass` samples. */
function groupStart(position: number, perPass: number, group: number): number {
  const pass = Math.floor(position / perPass) * perPass;
  return pass + Math.floor((position - pass) / group) * group;
}

/** The end of the group of `position` (its pass's end for the last group of a pass). */
function groupEnd(position: number, perPass: number, group: number): number {
  const pass = Math.floor(position / perPass) * perPass;
  return Math.min(pass + perPass, groupStart(position, perPass, group) + group);
}

/**
 * The samples at export positions `[first, first + count)`, mixed: the whole groups that hold
 * them are read, grouped (`batch(group)` never joins passes), augmented by `augment`, mixed
 * (mixup, then cutmix), and cut back to the positions asked for. The stages draw from (seed,
 * stage, epoch, the group's first source index), so a sample's partner and weight depend on its
 * group only, never on where a run or a part starts or on the block size the rest of the
 * pipeline uses.
 *
 * @param runs Every position of the split, in order (the passes, shuffled or not).
 * @param first The first position wanted.
 * @param count How many.
 * @param perPass Samples in a pass (the split's size).
 * @param augment The augmentation (and normalisation) of each group.
 */
export function mixedSamples(mixing: Mixing, runs: Observable<Run>, first: number, count: number, perPass: number, augment: OperatorFunction<Run, Block>, seed: number, classes: number): Observable<Block> {
  if (count === 0) return runs.pipe(takeSamples(0), batch(mixing.group), augment);
  const start = groupStart(first, perPass, mixing.group);
  const end = groupEnd(first + count - 1, perPass, mixing.group);
  const mixed = mixStages(mixing, seed, classes).reduce((source, stage) => source.pipe(stage), runs.pipe(skipSamples(start), takeSamples(end - start), batch(mixing.group), augment));
  return mixed.pipe(skipSamples(first - start), takeSamples(count));
}
