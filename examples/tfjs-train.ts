// Trains a small TensorFlow.js network on augmented MNIST for one epoch, fed by an idxflow
// pipeline, then measures its accuracy on the 10,000 test images. From the repository root,
// after `pnpm install && pnpm build`:
//
//   node --import tsx examples/tfjs-train.ts            # wasm backend (default)
//   node --import tsx examples/tfjs-train.ts --backend cpu
//
// The network is a 784-256-10 MLP (examples/README.md has its accuracy and time). A small CNN
// cannot train on wasm (tfjs 4.22 has no Conv2DBackpropFilter kernel there), and is far slower
// on the pure-JS cpu backend.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { batch, mnist, shuffle } from '@idxflow/core';
import { toTfDataset } from '@idxflow/sinks/tfjs';
import { augment, normalize } from '@idxflow/transforms';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' } } });
const backend = values.backend ?? 'wasm';
if (backend !== 'wasm' && backend !== 'cpu') throw new TypeError(`Expected wasm or cpu for --backend but received ${backend}`);

if (backend === 'wasm') {
  // The .wasm binaries ship in the npm package; under Node their directory must be given.
  const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  setWasmPaths(join(dirname(pkg), 'dist') + '/');
}
await tf.setBackend(backend);
tf.enableProdMode(); // skips per-op debug checks (and the banner suggesting tfjs-node)

const started = performance.now();

// Lazy: nothing is read until fitDataset pulls; augment runs on one worker thread while the
// main thread trains, two batches ahead at most.
const train = await toTfDataset(
  mnist({ split: 'train' }).pipe(
    shuffle({ seed: 1 }),
    batch(128),
    augment({ rotate: 10, shift: 2 }, { seed: 1, workers: 1 }),
    normalize(),
  ),
);
const test = await toTfDataset(mnist({ split: 'test' }).pipe(batch(1000), normalize()));

// Seeded initial weights: with the seeded pipeline, a run is repeatable.
const model = tf.sequential({
  layers: [
    tf.layers.flatten({ inputShape: [28, 28, 1] }),
    tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
  ],
});
model.compile({ optimizer: tf.train.adam(3e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

await model.fitDataset(train, {
  epochs: 1,
  verbose: 0,
  callbacks: {
    onBatchEnd: async (index, logs) => {
      if ((index + 1) % 100 === 0) console.log(`batch ${index + 1}/469: loss ${logs?.loss.toFixed(3)}, accuracy ${logs?.acc.toFixed(3)}`);
    },
  },
});
const trained = performance.now();

const [loss, accuracy] = (await model.evaluateDataset(test, {})) as tf.Scalar[];
const done = performance.now();

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
console.log(`backend ${tf.getBackend()}: test accuracy ${(accuracy.dataSync()[0] * 100).toFixed(2)}%, test loss ${loss.dataSync()[0].toFixed(4)}`);
console.log(`wall time ${seconds(done - started)} s (train ${seconds(trained - started)} s, test ${seconds(done - trained)} s)`);
