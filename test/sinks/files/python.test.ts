// The exports as Python reads them: numpy for NPY/NPZ/IDX, gzip, torchvision's MNIST for the
// IDX raw folder, tarfile (and PIL) for WebDataset shards. Skipped, saying so, where python3
// lacks numpy (torchvision, PIL: those parts only); failed instead under CI=true.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { from } from 'rxjs';
import { expect, it } from 'vitest';
import { idx } from '@idxflow/core';
import { toIdx, toNpy, toNpz, toWebDataset } from '../../../packages/sinks/src/files/index.js';
import { describeWithPython, python, pythonWith, PYTHON } from '../../fixtures/python.js';
import { mnistTest, randomDataset, sha256, tmp } from './fixtures.js';

const bytesOf = (a: Uint8Array | Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function bincount(labels: Uint8Array): number[] {
  const counts = Array.from({ length: 10 }, () => 0);
  for (const l of labels) counts[l]++;
  return counts;
}

describeWithPython(['numpy'], `${PYTHON} with numpy reads the exports`, () => {
  it('numpy.load reads the NPY and NPZ exports of the MNIST test set and of float32 blocks', async () => {
    const mnist = mnistTest();
    const source = idx({ images: mnist.imagesFile, labels: mnist.labelsFile });
    const dir = tmp();
    await toNpy(source, { dir: join(dir, 'npy'), split: 'test' });
    await toNpz(source, { dir: join(dir, 'npz'), split: 'test' });
    const float = randomDataset(37, [5, 7, 25], { float: true, height: 5, width: 4 });
    await toNpy(from(float.blocks), { dir: join(dir, 'fnpy') });
    await toNpz(from(float.blocks), { dir: join(dir, 'fnpz') });
    const script = `
import numpy as np, hashlib, json, sys
d = sys.argv[1]
def describe(a): return [list(a.shape), str(a.dtype), hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()]
x = np.load(d + '/npy/test-images.npy'); y = np.load(d + '/npy/test-labels.npy')
z = np.load(d + '/npz/test.npz')
fz = np.load(d + '/fnpz/train.npz')
print(json.dumps({'x': describe(x), 'y': describe(y), 'counts': np.bincount(y).tolist(), 'members': sorted(z.files),
  'zx': describe(z['x']), 'zy': describe(z['y']), 'fx': describe(np.load(d + '/fnpy/train-images.npy')),
  'fzx': describe(fz['x']), 'fzy': describe(fz['y'])}))`;
    expect(python(script, dir)).toEqual({
      x: [[10000, 28, 28], 'uint8', sha256(mnist.images)],
      y: [[10000], 'uint8', sha256(mnist.labels)],
      counts: bincount(mnist.labels),
      members: ['x', 'y'],
      zx: [[10000, 28, 28], 'uint8', sha256(mnist.images)],
      zy: [[10000], 'uint8', sha256(mnist.labels)],
      fx: [[37, 5, 4], 'float32', sha256(bytesOf(float.images))],
      fzx: [[37, 5, 4], 'float32', sha256(bytesOf(float.images))],
      fzy: [[37], 'uint8', sha256(float.labels)],
    });
  });

  it('numpy and gzip read the IDX exports; torchvision loads them as an MNIST raw folder', async () => {
    const mnist = mnistTest();
    const root = tmp();
    const raw = join(root, 'MNIST', 'raw');
    mkdirSync(raw, { recursive: true });
    await toIdx(idx({ images: mnist.imagesFile, labels: mnist.labelsFile }), { dir: raw, split: 'test' });
    // torchvision checks that the training files exist too: write random ones of the right shape.
    await toIdx(from(randomDataset(60000, [4096], { seed: 3 }).blocks), { dir: raw, split: 'train' });
    await toIdx(idx({ images: mnist.imagesFile, labels: mnist.labelsFile }), { dir: join(root, 'gz'), split: 'test', gzip: true });
    const torchvision = pythonWith('torchvision');
    const script = `
import numpy as np, gzip, hashlib, json, struct, sys
root, torchvision = sys.argv[1], sys.argv[2] == '1'
def idx(data):
    magic, n, h, w = struct.unpack('>IIII', data[:16])
    return [magic, n, h, w, hashlib.sha256(np.frombuffer(data, np.uint8, offset=16).reshape(n, h, w).tobytes()).hexdigest()]
out = {'raw': idx(open(root + '/MNIST/raw/t10k-images-idx3-ubyte', 'rb').read()),
       'gz': idx(gzip.open(root + '/gz/t10k-images-idx3-ubyte.gz').read()),
       'gzLabels': hashlib.sha256(gzip.open(root + '/gz/t10k-labels-idx1-ubyte.gz').read()[8:]).hexdigest()}
if torchvision:
    from torchvision.datasets import MNIST
    m = MNIST(root, train=False, download=False)
    out['torchvision'] = [len(m), list(m.data.shape), hashlib.sha256(m.data.numpy().tobytes()).hexdigest(),
                          hashlib.sha256(m.targets.numpy().astype(np.uint8).tobytes()).hexdigest()]
print(json.dumps(out))`;
    const expected: Record<string, unknown> = {
      raw: [0x803, 10000, 28, 28, sha256(mnist.images)],
      gz: [0x803, 10000, 28, 28, sha256(mnist.images)],
      gzLabels: sha256(mnist.labels),
    };
    if (torchvision) expected.torchvision = [10000, [10000, 28, 28], sha256(mnist.images), sha256(mnist.labels)];
    expect(python(script, root, torchvision ? '1' : '0')).toEqual(expected);
  });

  it('tarfile reads the WebDataset shards; PIL decodes their PNGs to the source pixels', async () => {
    const { blocks, images, labels } = randomDataset(37, [5, 7, 25]);
    const dir = tmp();
    await toWebDataset(from(blocks), { dir, shardSize: 16 });
    const pil = pythonWith('PIL');
    const script = `
import tarfile, hashlib, json, sys, io
d, pil = sys.argv[1], sys.argv[2] == '1'
names, labels, pixels = [], [], hashlib.sha256()
for k in range(3):
    with tarfile.open('%s/shard-%06d.tar' % (d, k)) as t:
        for m in t.getmembers():
            assert m.isfile() and m.mode == 0o644 and m.mtime == 0, m
            data = t.extractfile(m).read()
            names.append(m.name)
            if m.name.endswith('.cls'): labels.append(int(data))
            elif pil:
                from PIL import Image
                im = Image.open(io.BytesIO(data)); assert im.mode == 'L', im.mode
                pixels.update(im.tobytes())
print(json.dumps({'names': names, 'labels': labels, 'pixels': pixels.hexdigest() if pil else None}))`;
    const keys = Array.from({ length: 37 }, (_, i) => String(i).padStart(9, '0'));
    expect(python(script, dir, pil ? '1' : '0')).toEqual({
      names: keys.flatMap((k) => [`${k}.png`, `${k}.cls`]),
      labels: Array.from(labels),
      pixels: pil ? sha256(images as Uint8Array) : null,
    });
  });
});
