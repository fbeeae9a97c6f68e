// mnistC(): the released MNIST-C folder as a source. The folder is built here by numpy exactly
// as the release holds it (uint8 images (n, 28, 28, 1), uint8 labels; one corruption with int64
// labels and (n, 28, 28) images as the suite writes them), from MNIST's real test digits.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DatasetMismatchError, DatasetNotFoundError, loadBlock, mnistC, mnistCFiles, MNIST_C_CORRUPTIONS, NpyFormatError, OptionError } from '@idxflow/core';
import { MNIST_C_SUITE } from '@idxflow/transforms';
import { raw } from '../fixtures/mnist.js';
import { describeWithPython, python } from '../fixtures/python.js';

const N = 37;
const NAMES = 'identity, shot_noise, impulse_noise, glass_blur, motion_blur, shear, scale, rotate, brightness, translate, stripe, fog, spatter, dotted_line, zigzag, canny_edges';

/** A released-layout folder: identity (MNIST's first N test digits), fog (255 - x, int64 labels, (n, 28, 28)), both splits. */
function releasedFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'idxflow-mnist-c-'));
  python(
    `import json, os, sys, numpy as np
root, images, labels, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
x = np.fromfile(images, np.uint8, offset=16)[:2 * n * 784].reshape(2 * n, 28, 28, 1)
y = np.fromfile(labels, np.uint8, offset=8)[:2 * n]
for name in ('identity', 'fog'):
    os.makedirs(os.path.join(root, name))
for i, split in enumerate(('train', 'test')):
    xs, ys = x[i * n:(i + 1) * n], y[i * n:(i + 1) * n]
    np.save(os.path.join(root, 'identity', split + '_images.npy'), xs)
    np.save(os.path.join(root, 'identity', split + '_labels.npy'), ys)
    np.save(os.path.join(root, 'fog', split + '_images.npy'), (255 - xs)[..., 0])
    np.save(os.path.join(root, 'fog', split + '_labels.npy'), ys.astype(np.int64))
print(json.dumps(True))`,
    dir,
    raw('t10k-images-idx3-ubyte'),
    raw('t10k-labels-idx1-ubyte'),
    String(N),
  );
  return dir;
}

/** What numpy reads of a folder's file pair: shape, dtypes, pixel bytes (hex) and labels. */
function numpyRead(images: string, labels: string): { shape: number[]; dtypes: string[]; hex: string; labels: number[] } {
  return python(
    `import json, sys, numpy as np
x, y = np.load(sys.argv[1]), np.load(sys.argv[2])
print(json.dumps({'shape': list(x.shape), 'dtypes': [str(x.dtype), str(y.dtype)], 'hex': x.tobytes().hex(), 'labels': y.tolist()}))`,
    images,
    labels,
  ) as { shape: number[]; dtypes: string[]; hex: string; labels: number[] };
}

const failure = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => new Error('no error'), (e: unknown) => e);

it("MNIST_C_CORRUPTIONS names the release's sixteen folders, as export --suite mnist-c writes them", () => {
  expect(MNIST_C_CORRUPTIONS.join(', ')).toBe(NAMES);
  expect([...MNIST_C_CORRUPTIONS]).toEqual([...MNIST_C_SUITE]);
  expect(Object.isFrozen(MNIST_C_CORRUPTIONS)).toBe(true);
});

it('refuses a corruption outside the sixteen (../ included), a split and a dir, when the source is built', () => {
  for (const corruption of ['../identity', 'fog/../identity', 'frost', 'gaussian_noise']) {
    expect(() => mnistC({ dir: '/tmp', corruption })).toThrow(new OptionError(`Expected one of ${NAMES} for corruption but received ${JSON.stringify(corruption)} of type string`));
  }
  expect(() => mnistC({ dir: '/tmp', corruption: 'fog', split: 'val' as 'test' })).toThrow(OptionError);
  expect(() => mnistC({ dir: '', corruption: 'fog' })).toThrow(OptionError);
  expect(mnistCFiles({ dir: 'mnist_c', corruption: 'fog' })).toEqual({ images: join('mnist_c', 'fog', 'test_images.npy'), labels: join('mnist_c', 'fog', 'test_labels.npy') });
});

describeWithPython(['numpy'], 'mnistC() reads the released layout', () => {
  const dir = releasedFolder();

  it("gives numpy's arrays: (n, 28, 28, 1) uint8 images and uint8 labels, (n, 28, 28) images and int64 labels, each split, whatever the chunk size", async () => {
    for (const corruption of ['identity', 'fog']) {
      for (const split of ['train', 'test'] as const) {
        const files = mnistCFiles({ dir, corruption, split });
        const ref = numpyRead(files.images, files.labels);
        expect(ref.shape).toEqual(corruption === 'identity' ? [N, 28, 28, 1] : [N, 28, 28]);
        expect(ref.dtypes).toEqual(['uint8', corruption === 'identity' ? 'uint8' : 'int64']);
        for (const chunkSize of [65536, 97]) {
          const block = await loadBlock(mnistC({ dir, corruption, split, chunkSize }));
          expect(block.shape).toEqual([N, 28, 28]);
          expect(block.images).toBeInstanceOf(Uint8Array);
          expect(Buffer.from(block.images.buffer, block.images.byteOffset, block.images.byteLength).toString('hex')).toBe(ref.hex);
          expect([...block.labels]).toEqual(ref.labels);
          expect([...block.indices]).toEqual(Array.from({ length: N }, (_, i) => i));
        }
      }
    }
    // And those are MNIST's digits (identity) and their inverse (fog here), from the raw file itself.
    const mnist = readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16 + N * 784, 16 + 2 * N * 784);
    const fog = await loadBlock(mnistC({ dir, corruption: 'fog' }));
    expect(Buffer.from(fog.images).equals(Buffer.from(mnist.map((v) => 255 - v)))).toBe(true);
  });

  it('names the folder or file that is missing', async () => {
    const missingDir = join(dir, 'nowhere');
    const e1 = await failure(loadBlock(mnistC({ dir: missingDir, corruption: 'fog' })));
    expect(e1).toBeInstanceOf(DatasetNotFoundError);
    expect((e1 as Error).message).toBe(`${missingDir}: expected the MNIST-C folder (one folder per corruption), found no such folder`);
    const e2 = await failure(loadBlock(mnistC({ dir, corruption: 'zigzag' })));
    expect((e2 as Error).message).toBe(`${join(dir, 'zigzag')}: expected the zigzag folder of MNIST-C, found no such folder`);
    mkdirSync(join(dir, 'stripe'));
    writeFileSync(join(dir, 'stripe', 'test_images.npy'), readFileSync(join(dir, 'identity', 'test_images.npy')));
    const e3 = await failure(loadBlock(mnistC({ dir, corruption: 'stripe' })));
    expect(e3).toBeInstanceOf(DatasetNotFoundError);
    expect((e3 as Error).message).toBe(`${join(dir, 'stripe', 'test_labels.npy')}: expected the test split's file of the stripe folder, found no such file`);
    expect((e3 as DatasetNotFoundError).tried).toEqual([{ kind: 'dir', where: join(dir, 'stripe', 'test_labels.npy'), found: 'no such file' }]);
  });

  it('refuses a truncated file, images of another dtype or shape, and counts that differ, naming the file and byte', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'idxflow-mnist-c-bad-'));
    python(
      `import json, os, sys, numpy as np
root, n = sys.argv[1], int(sys.argv[2])
x = np.load(os.path.join(sys.argv[3], 'identity', 'test_images.npy'))
y = np.load(os.path.join(sys.argv[3], 'identity', 'test_labels.npy'))
for name, xs, ys in (('shear', x.astype(np.float32), y), ('scale', np.repeat(x, 3, axis=3), y), ('rotate', x, y[:-1]), ('translate', x[..., 0].reshape(n, 784), y)):
    os.makedirs(os.path.join(root, name))
    np.save(os.path.join(root, name, 'test_images.npy'), xs)
    np.save(os.path.join(root, name, 'test_labels.npy'), ys)
print(json.dumps(True))`,
      bad,
      String(N),
      dir,
    );
    const images = (name: string): string => join(bad, name, 'test_images.npy');
    const float = await failure(loadBlock(mnistC({ dir: bad, corruption: 'shear' })));
    expect(float).toBeInstanceOf(NpyFormatError);
    expect((float as Error).message).toBe(`${images('shear')} at byte 10: expected uint8 images (|u1) of shape (n, h, w) or (n, h, w, 1), as MNIST-C releases them, found shape (${N}, 28, 28, 1) of <f4`);
    const rgb = await failure(loadBlock(mnistC({ dir: bad, corruption: 'scale' })));
    expect((rgb as Error).message).toBe(`${images('scale')} at byte 10: expected uint8 images (|u1) of shape (n, h, w) or (n, h, w, 1), as MNIST-C releases them, found shape (${N}, 28, 28, 3) of |u1`);
    const flat = await failure(loadBlock(mnistC({ dir: bad, corruption: 'translate' })));
    expect((flat as Error).message).toContain(`found shape (${N}, 784) of |u1`);
    const counts = await failure(loadBlock(mnistC({ dir: bad, corruption: 'rotate' })));
    expect(counts).toBeInstanceOf(DatasetMismatchError);
    expect((counts as Error).message).toBe(`${images('rotate')} and ${join(bad, 'rotate', 'test_labels.npy')}: expected as many images as labels (${N - 1} labels), found ${N} images`);
    // Truncated: the released header is 128 bytes (numpy pads it to 64), then N records of 784 bytes.
    mkdirSync(join(bad, 'fog'));
    const whole = readFileSync(join(dir, 'identity', 'test_images.npy'));
    expect(whole.length).toBe(128 + N * 784);
    writeFileSync(join(bad, 'fog', 'test_images.npy'), whole.subarray(0, whole.length - 100));
    writeFileSync(join(bad, 'fog', 'test_labels.npy'), readFileSync(join(dir, 'identity', 'test_labels.npy')));
    const short = await failure(loadBlock(mnistC({ dir: bad, corruption: 'fog' })));
    expect(short).toBeInstanceOf(NpyFormatError);
    expect((short as Error).message).toBe(`${images('fog')} at byte ${whole.length - 100}: expected ${N} records of 784 bytes after the 128-byte header, found the end of the data after ${N - 1} records (the file is truncated)`);
  });
});
