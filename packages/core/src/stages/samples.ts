import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { checkBlock, labelMatrixColumns, sampleSize, softLabelClasses, type Block, type PixelArray } from '../block.js';
import { operate } from '../operate.js';

/** One sample, for code that wants them one at a time. */
export interface Sample<P extends PixelArray = PixelArray> {
  /** `height * width` pixels; a view into the block it came from. */
  readonly image: P;
  /** The class label. */
  readonly label: number;
  /** Index in the source file. */
  readonly index: number;
  /** The epoch of the block it came from. */
  readonly epoch: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** The sample's soft-label row (a view), when the block has soft labels (after `mixup()` or `cutmix()`). */
  readonly softLabel?: Float32Array;
  /** The sample's row of the block's label matrix (a view), when it has one (ChestMNIST's 14 findings). */
  readonly labelRow?: Uint8Array;
  /** The sample's class id, when the block has class ids (Kuzushiji-Kanji's 3,832 classes; `label` is then 0). */
  readonly classId?: number;
  /** The sample's continual-learning task, when the block carries tasks (`permutedTasks()` and the like). */
  readonly task?: number;
}

/**
 * Splits blocks into single samples: the escape hatch for per-sample code.
 *
 * Prefer Block stages: per-item RxJS overhead dominates at millions of samples.
 *
 * ## Example
 * ```ts
 * mnist({ split: 'test' }).pipe(samples(), take(3)).subscribe((s) => console.log(s.label));
 * ```
 */
export function samples<P extends PixelArray>(): OperatorFunction<Block<P>, Sample<P>> {
  return (source) =>
    new Observable<Sample<P>>((subscriber) => {
      operate(source, subscriber, {
        next(block) {
          checkBlock('samples()', block);
          const size = sampleSize(block);
          const [n, height, width] = block.shape;
          const k = softLabelClasses(block);
          const soft = block.softLabels;
          for (let i = 0; i < n && !subscriber.closed; i++) {
            const image = block.images.subarray(i * size, (i + 1) * size) as P;
            const { epoch } = block;
            const sample: Sample<P> =
              soft === undefined
                ? { image, label: block.labels[i], index: block.indices[i], epoch, height, width }
                : { softLabel: soft.subarray(i * k, (i + 1) * k), image, label: block.labels[i], index: block.indices[i], epoch, height, width };
            subscriber.next(block.labelMatrix === undefined && block.classIds === undefined && block.tasks === undefined ? sample : { ...sample, ...extraLabels(block, i) });
          }
        },
      });
    });
}

/** A sample's label-matrix row and class id, those its block has. */
function extraLabels(block: Block, i: number): { labelRow?: Uint8Array; classId?: number; task?: number } {
  const k = labelMatrixColumns(block);
  return {
    ...(block.labelMatrix === undefined ? {} : { labelRow: block.labelMatrix.subarray(i * k, (i + 1) * k) }),
    ...(block.classIds === undefined ? {} : { classId: block.classIds[i] }),
    ...(block.tasks === undefined ? {} : { task: block.tasks[i] }),
  };
}
