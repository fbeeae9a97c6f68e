import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AtomicFile, partialPath, removeStalePartials, writeFileAtomic } from '../../../packages/sinks/src/files/index.js';
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

describe('removeStalePartials', () => {
  it('deletes .*.partial files in the directory and one level down, and nothing else', async () => {
    const dir = tmp();
    mkdirSync(join(dir, '3', 'deeper'), { recursive: true });
    const stale = [
      partialPath(join(dir, 'train-images.npy')),
      partialPath(join(dir, 'shard-000001.tar')),
      partialPath(join(dir, '3', '00000012.png')),
    ];
    for (const path of stale) writeFileSync(path, 'half');
    const kept = [join(dir, 'train-images.npy'), join(dir, 'notes.partial'), join(dir, '3', '00000012.png'), join(dir, '3', 'deeper', '.x.partial')];
    for (const path of kept) writeFileSync(path, 'whole');
    expect(await removeStalePartials(dir)).toBe(3);
    for (const path of stale) expect(existsSync(path)).toBe(false);
    for (const path of kept) expect(existsSync(path)).toBe(true);
    expect(await removeStalePartials(join(dir, 'missing'))).toBe(0);
  });
});
