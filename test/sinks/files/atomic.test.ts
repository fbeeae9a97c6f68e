import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AtomicFile, finalNameOf, partialPath, writeFileAtomic } from '../../../packages/sinks/src/files/index.js';
import { sha256, tmp } from './fixtures.js';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * seed + (i >> 9)) & 255);

describe('AtomicFile', () => {
  it('writes under .<name>.<random>.partial and renames on commit, returning size and SHA-256', async () => {
    const dir = tmp();
    const file = await AtomicFile.create(join(dir, 'data.bin'));
    expect(file.temp).toMatch(/[/\\]\.data\.bin\.[0-9a-f]{12}\.partial$/);
    // Small writes (gathered) and a large one (written through), in order.
    const parts = [bytes(10, 3), bytes(100_000, 5), bytes(1_000_000, 7), bytes(3, 11)];
    for (const part of parts) await file.write(part);
    expect(existsSync(join(dir, 'data.bin'))).toBe(false);
    const done = await file.commit();
    const expected = Buffer.concat(parts);
    expect(readdirSync(dir)).toEqual(['data.bin']);
    expect(readFileSync(join(dir, 'data.bin')).equals(expected)).toBe(true);
    expect(done).toEqual({ bytes: expected.length, sha256: sha256(expected) });
  });

  it('hashes the patched contents when a header is overwritten', async () => {
    const dir = tmp();
    const file = await AtomicFile.create(join(dir, 'h.bin'));
    await file.write(new Uint8Array(8));
    await file.write(bytes(5000, 13));
    await file.patch(2, Uint8Array.of(9, 8, 7));
    const done = await file.commit();
    const onDisk = readFileSync(join(dir, 'h.bin'));
    expect([...onDisk.subarray(0, 8)]).toEqual([0, 0, 9, 8, 7, 0, 0, 0]);
    expect(done.sha256).toBe(sha256(onDisk));
    const empty = await AtomicFile.create(join(dir, 'x'));
    await expect(empty.patch(0, new Uint8Array(1))).rejects.toThrow('Expected a patch inside the 0 bytes written');
    await empty.abort();
  });

  it('abort() removes the temporary and leaves no final file', async () => {
    const dir = tmp();
    const file = await AtomicFile.create(join(dir, 'gone.bin'));
    await file.write(bytes(300_000, 3));
    await file.abort();
    await file.abort(); // twice is harmless
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writeFileAtomic replaces a file through a temporary', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.png'), 'old');
    await writeFileAtomic(join(dir, 'a.png'), Uint8Array.of(1, 2, 3));
    expect([...readFileSync(join(dir, 'a.png'))]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['a.png']);
  });
});

describe('finalNameOf', () => {
  it("undoes partialPath's naming, in a subfolder too, and names nothing else", () => {
    for (const name of ['train-images.npy', 'shard-000001.tar', '3/00000012.png', 'train/3/00000012.png']) {
      const slash = name.lastIndexOf('/');
      const temp = name.slice(0, slash + 1) + basename(partialPath(join('/x', name)));
      expect(temp).toMatch(/\/?\.[^/]+\.[0-9a-f]{12}\.partial$/);
      expect(finalNameOf(temp)).toBe(name);
    }
    for (const name of ['notes.partial', '.x.partial', '.a.png.0123.partial', 'a/.b.png.0123456789AB.partial', 'train-images.npy']) expect(finalNameOf(name)).toBeUndefined();
  });
});
