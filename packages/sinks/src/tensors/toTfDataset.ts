import { type Block, tap, validate } from '@idxflow/core/internal';
import type { Tensor2D, Tensor4D, data } from '@tensorflow/tfjs';
import type { Observable } from 'rxjs';
import { refuseUnstored } from '../stores.js';
import { importTensorFlow, type TensorFlow } from './tfjs.js';
import { toTensors, type TensorBatch } from './toTensors.js';

/** Options of `toTfDataset()`. */
export interface TfDatasetOptions {
  /** Number of classes, the width of the one-hot `ys`. Default 10. */
  classes?: number;
  /** The TensorFlow.js module to build tensors with (e.g. `@tensorflow/tfjs-node`). Default: `import('@tensorflow/tfjs')`. */
  tf?: TensorFlow;
}

/** One element of the dataset: images `[n, h, w, 1]` and one-hot labels `[n, classes]`. */
export type TfBatch = { xs: Tensor4D; ys: Tensor2D };

/*
 * tf.data never calls return() on a generator it stops reading (take(), fitDataset with
 * batchesPerEpoch), which would leave that pipeline paused with its file open. So each
 * iteration's pipeline is also closed once tf.data has dropped the iterator.
 */
const abandoned = new FinalizationRegistry<AsyncIterator<TensorBatch>>((batches) => void batches.return?.());

function tensorsOf(tf: TensorFlow, batches: AsyncIterable<TensorBatch<Float32Array>>): AsyncIterator<TfBatch> {
  const inner = batches[Symbol.asyncIterator]();
  const outer: AsyncIterator<TfBatch> = {
    async next() {
      const step = await inner.next();
      if (step.done) {
        abandoned.unregister(outer);
        return { done: true, value: undefined };
      }
      const { x, y, shape, yShape } = step.value;
      return { done: false, value: { xs: tf.tensor4d(x, shape), ys: tf.tensor2d(y, yShape as [number, number]) } };
    },
    async return() {
      abandoned.unregister(outer);
      await inner.return?.();
      return { done: true, value: undefined };
    },
  };
  abandoned.register(outer, inner, outer);
  return outer;
}

/**
 * A TensorFlow.js `tf.data.Dataset` of `{ xs, ys }` batches for `model.fitDataset()`:
 * images as `[n, h, w, 1]` (NHWC, as tfjs convolutions expect), labels one-hot.
 *
 * `@tensorflow/tfjs` is an optional peer dependency, imported only here. Each pass over the
 * dataset (each `fitDataset` epoch) runs the pipeline again, so put `epochs()` in the
 * pipeline only if one pass of the dataset should span several epochs; `shuffle()` and
 * `augment()` draw from the block's epoch, so repeated passes without `epochs()` repeat the
 * same order and augmentations. While tfjs trains on a batch the pipeline is paused (two
 * batches wait ready). `fitDataset` disposes the tensors it reads; other readers dispose
 * their own.
 *
 * @param source The pipeline, usually ending in `batch(n)` and `normalize()`.
 * @param options See `TfDatasetOptions`.
 *
 * ## Example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { toTfDataset } from '@idxflow/sinks/tfjs';
 * import { mnist, shuffle, batch } from '@idxflow/core';
 * import { normalize } from '@idxflow/transforms';
 * const train = await toTfDataset(mnist({ split: 'train' }).pipe(shuffle({ seed: 1 }), batch(128), normalize()));
 * const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10, activation: 'softmax' })] });
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 * await model.fitDataset(train, { epochs: 1 });
 * ```
 */
export async function toTfDataset(source: Observable<Block>, options: TfDatasetOptions = {}): Promise<data.Dataset<TfBatch>> {
  const classes = validate.integer('classes', options.classes ?? 10, 1);
  // Refused in its own name (a label matrix, class ids: SINK_STORES), before toTensors() would in its.
  const batches = toTensors(source.pipe(tap((block) => refuseUnstored('toTfDataset', 'toTfDataset()', block))), { layout: 'NHWC', oneHot: true, classes });
  const tf = options.tf ?? (await importTensorFlow());
  return tf.data.generator(() => tensorsOf(tf, batches));
}
