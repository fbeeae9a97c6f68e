import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { from, Observable } from 'rxjs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { idx, type Block } from '@idxflow/core';
import { tarHeader, toWebDataset } from '../../../packages/sinks/src/files/index.js';
import { ascii, decodeGreyPng, field, mnistTest, randomDataset, tmp, walkTar } from './fixtures.js';

describe('tarHeader', () => {
  it('matches a header worked out by hand', () => {
    const h = tarHeader('000000007.cls', 1);
    // Field bytes: the name, "0000644\0", "0000000\0" twice, "00000000001\0", "00000000000\0",
    // 8 spaces, '0', "ustar\0", "00"; their sum is the checksum.
    const text = (s: string): number => [...s].reduce((a, c) => a + c.charCodeAt(0), 0);
    const expected = text('000000007.cls') + text('0000644') + 2 * text('0000000') + text('00000000001') + text('00000000000') + 8 * 32 + text('0') + text('ustar') + text('00');
    expect(field(h, 148, 8)).toBe(expected.toString(8).padStart(6, '0'));
    expect(() => tarHeader('x'.repeat(101), 0)).toThrow('Expected a tar member name of at most 100 bytes but received 101 bytes');
  });
});

describe('toWebDataset', () => {
  it('writes shards of shardSize samples, each a <key>.png and a <key>.cls, key = 9-digit position', async () => {
    const { blocks, images, labels } = randomDataset(37, [5, 7, 25]);
    const dir = tmp();
    const summary = await toWebDataset(from(blocks), { dir, shardSize: 10 });
    const shards = ['shard-000000.tar', 'shard-000001.tar', 'shard-000002.tar', 'shard-000003.tar'];
    expect(readdirSync(dir).sort()).toEqual(shards);
    const members = shards.flatMap((s, k) => {
      const m = walkTar(readFileSync(join(dir, s)));
      expect(m.length).toBe(2 * (k < 3 ? 10 : 7));
      return m;
    });
    for (let i = 0; i < 37; i++) {
      const key = String(i).padStart(9, '0');
      expect([members[2 * i].name, members[2 * i + 1].name]).toEqual([`${key}.png`, `${key}.cls`]);
      expect(ascii(members[2 * i + 1].data)).toBe(String(labels[i]));
      const { data, info } = await sharp(members[2 * i].data).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([28, 28, 1]);
      expect(data.equals((images as Uint8Array).subarray(i * 784, (i + 1) * 784))).toBe(true);
    }
    expect(summary.files.map((f) => f.name)).toEqual(shards);
    expect(summary).toMatchObject({ count: 37, shape: [28, 28], dtype: 'uint8' });
  });

  it('writes the real MNIST test set in shards of 4000: every PNG decodes (second decoder) to its source image', async () => {
    const mnist = mnistTest();
    const dir = tmp();
    await toWebDataset(idx({ images: mnist.imagesFile, labels: mnist.labelsFile }), { dir, shardSize: 4000 });
    const members = ['shard-000000.tar', 'shard-000001.tar', 'shard-000002.tar'].flatMap((s) => walkTar(readFileSync(join(dir, s))));
    expect(members.length).toBe(20000);
    for (let i = 0; i < 10000; i++) {
      const key = String(i).padStart(9, '0');
      expect([members[2 * i].name, members[2 * i + 1].name]).toEqual([`${key}.png`, `${key}.cls`]);
      expect(Number(ascii(members[2 * i + 1].data))).toBe(mnist.labels[i]);
      const { pixels } = decodeGreyPng(members[2 * i].data);
      if (!Buffer.from(pixels).equals(mnist.images.subarray(i * 784, (i + 1) * 784))) expect.fail(`sample ${i} does not decode to test image ${i}`);
    }
  });

  it('keeps the shards completed before a failure and no temporary; checks shardSize', async () => {
    const { blocks } = randomDataset(25, [5]);
    const dir = tmp();
    // The pipeline fails once all 25 samples are written: shards 0 and 1 are complete, 2 is not.
    let written!: () => void;
    const allWritten = new Promise<void>((resolve) => (written = resolve));
    const failing = new Observable<Block>((subscriber) => {
      for (const block of blocks) subscriber.next(block);
      void allWritten.then(() => subscriber.error(new Error('augment failed')));
    });
    await expect(toWebDataset(failing, { dir, shardSize: 10, onProgress: (n) => n === 25 && written() })).rejects.toThrow('augment failed');
    expect(readdirSync(dir).sort()).toEqual(['shard-000000.tar', 'shard-000001.tar']);
    expect(walkTar(readFileSync(join(dir, 'shard-000001.tar'))).length).toBe(20);
    await expect(toWebDataset(from(blocks), { dir, shardSize: 2.5 })).rejects.toThrow('Expected integer >= 1 for shardSize but received 2.5 of type number');
  });
});
