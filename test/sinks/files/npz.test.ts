import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { unzipSync } from 'fflate';
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { idx } from '@idxflow/core';
import { BlockMismatchError } from '@idxflow/core';
import { AtomicFile, toKerasNpz, toNpz } from '../../../packages/sinks/src/files/index.js';
import { writeStoredZip } from '../../../packages/sinks/src/files/zip.js';
import { python, pythonWith } from '../../fixtures/python.js';
import { mnistTest, parseNpy, randomDataset, tmp } from './fixtures.js';

interface Member {
  name: string;
  method: number;
  crc: number;
  size: number;
  data: Uint8Array;
}

/**
 * Zip members found through the end of central directory record and the central directory
 * (APPNOTE 4.3.12-16), following ZIP64 records and extra fields; each local header is checked
 * against its central entry.
 */
function readZip(bytes: Uint8Array): Member[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  expect(view.getUint32(eocd, true)).toBe(0x06054b50);
  let entries = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  if (at === 0xffffffff) {
    expect(view.getUint32(eocd - 20, true)).toBe(0x07064b50); // ZIP64 locator
    const record = Number(view.getBigUint64(eocd - 20 + 8, true));
    expect(view.getUint32(record, true)).toBe(0x06064b50);
    entries = Number(view.getBigUint64(record + 32, true));
    at = Number(view.getBigUint64(record + 48, true));
  }
  const members: Member[] = [];
  for (let i = 0; i < entries; i++) {
    expect(view.getUint32(at, true)).toBe(0x02014b50);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    let local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    let x = at + 46 + nameLength;
    if (extraLength > 0) {
      expect(view.getUint16(x, true)).toBe(0x0001);
      x += 4;
      if (size === 0xffffffff) {
        size = Number(view.getBigUint64(x, true)); // original, then compressed size
        x += 16;
      }
      if (local === 0xffffffff) local = Number(view.getBigUint64(x, true));
    }
    expect(view.getUint32(local, true)).toBe(0x04034b50);
    expect(view.getUint32(local + 14, true)).toBe(crc);
    const localName = view.getUint16(local + 26, true);
    expect(new TextDecoder().decode(bytes.subarray(local + 30, local + 30 + localName))).toBe(name);
    const dataAt = local + 30 + localName + view.getUint16(local + 28, true);
    members.push({ name, method, crc, size, data: bytes.subarray(dataAt, dataAt + size) });
    at += 46 + nameLength + extraLength + view.getUint16(at + 32, true);
  }
  return members;
}

function checkMembers(members: Member[]): void {
  expect(members.map((m) => [m.name, m.method])).toEqual([['x.npy', 0], ['y.npy', 0]]);
  for (const m of members) expect(crc32(m.data)).toBe(m.crc);
}

describe('toNpz', () => {
  it('writes <split>.npz, a stored zip of x.npy and y.npy, and removes its temporaries', async () => {
    const { blocks, images, labels } = randomDataset(37, [5, 7, 25]);
    const dir = tmp();
    const summary = await toNpz(from(blocks), { dir });
    expect(readdirSync(dir)).toEqual(['train.npz']);
    const members = readZip(readFileSync(join(dir, 'train.npz')));
    checkMembers(members);
    const x = parseNpy(members[0].data);
    const y = parseNpy(members[1].data);
    expect([x.descr, x.shape, y.shape]).toEqual(['|u1', [37, 28, 28], [37]]);
    expect(Buffer.from(x.body).equals(images as Uint8Array)).toBe(true);
    expect(Buffer.from(y.body).equals(labels)).toBe(true);
    // A second reader (fflate) sees the same members.
    const unzipped = unzipSync(readFileSync(join(dir, 'train.npz')));
    expect(Buffer.from(unzipped['x.npy']).equals(members[0].data)).toBe(true);
    expect(summary.files.map((f) => f.name)).toEqual(['train.npz']);
  });

  it('stores float32 images as <f4 and the real MNIST test set unchanged', async () => {
    const float = randomDataset(37, [5, 7, 25], { float: true });
    const dir = tmp();
    await toNpz(from(float.blocks), { dir, split: 'test' });
    const x = parseNpy(readZip(readFileSync(join(dir, 'test.npz')))[0].data);
    expect([x.descr, x.shape]).toEqual(['<f4', [37, 28, 28]]);
    expect(new Float32Array(new Uint8Array(x.body).buffer)).toEqual(float.images);

    const mnist = mnistTest();
    const real = tmp();
    await toNpz(idx({ images: mnist.imagesFile, labels: mnist.labelsFile }), { dir: real, split: 'test' });
    const members = readZip(readFileSync(join(real, 'test.npz')));
    checkMembers(members);
    expect(Buffer.from(parseNpy(members[0].data).body).equals(mnist.images)).toBe(true);
    expect(Buffer.from(parseNpy(members[1].data).body).equals(mnist.labels)).toBe(true);
  });

  it("writes ZIP64 records that its reader, fflate and (when present) Python's zipfile, which numpy.load reads NPZ with, follow", async () => {
    const dir = tmp();
    const x = Buffer.from('x'.repeat(70_000));
    writeFileSync(join(dir, 'a'), x);
    writeFileSync(join(dir, 'b'), Buffer.from([1, 2, 3]));
    const out = await AtomicFile.create(join(dir, 'z.zip'));
    await writeStoredZip(out, [{ name: 'x.npy', path: join(dir, 'a') }, { name: 'y.npy', path: join(dir, 'b') }], true);
    await out.commit();
    const bytes = readFileSync(join(dir, 'z.zip'));
    const members = readZip(bytes);
    expect(bytes.readUInt32LE(bytes.length - 22 + 16)).toBe(0xffffffff); // the ZIP64 end record is in use
    checkMembers(members);
    expect(Buffer.from(members[0].data).equals(x)).toBe(true);
    expect([...unzipSync(bytes)['y.npy']]).toEqual([1, 2, 3]);
    if (pythonWith('zipfile')) {
      const names = python('import zipfile, sys, json; z = zipfile.ZipFile(sys.argv[1]); print(json.dumps([[i.filename, i.file_size, len(z.read(i))] for i in z.infolist()]))', join(dir, 'z.zip'));
      expect(names).toEqual([['x.npy', 70_000, 70_000], ['y.npy', 3, 3]]);
    }
  });

  it('leaves nothing behind when the pipeline fails', async () => {
    const { blocks } = randomDataset(8, [3]);
    const dir = tmp();
    const mixed = [...blocks, ...randomDataset(2, [2], { float: true }).blocks];
    await expect(toNpz(from(mixed), { dir })).rejects.toThrow('toNpz(): expected samples of 28 x 28 uint8 like the blocks before (epoch 0), found 28 x 28 float32 in a block of 2 samples of epoch 0');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('toKerasNpz: test images of another shape than the training ones are refused, and no temporary of either split is left', async () => {
    const dir = tmp();
    const train = randomDataset(5, [5]).blocks;
    const test = randomDataset(4, [4], { height: 32, width: 32 }).blocks;
    const error = await toKerasNpz({ train: from(train), test: from(test) }, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockMismatchError);
    expect((error as Error).message).toContain('expected test images of 28 x 28 uint8 like the training images, found 32 x 32 uint8');
    expect(readdirSync(dir)).toEqual([]);
  });
});
