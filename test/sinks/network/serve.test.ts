import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { get, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { finalize, from, lastValueFrom, tap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { batch, epochs, mnist, shard, shuffle, type Block } from '@idxflow/core';
import { decodeFrames, encodeFrame, fromServer, serve, ServerError, type BatchServer, type ServeParams } from '@idxflow/sinks';
import { syntheticBlocks } from '../../fixtures/blocks.js';
import { raw, ROOT } from '../../fixtures/mnist.js';
import { join } from 'node:path';

const testImages = readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16);
const testLabels = readFileSync(raw('t10k-labels-idx1-ubyte')).subarray(8);
const python = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

let server: BatchServer;
let produced = 0;
let finalized = 0;
const factory = (p: ServeParams) => {
  const source = p.seed === 99 ? mnist({ split: 'train' }).pipe(epochs(2)) : mnist({ split: 'test' });
  return source.pipe(
    shuffle({ seed: p.seed }),
    shard({ rank: p.rank, worldSize: p.worldSize }),
    batch(p.batch),
    tap(() => produced++),
    finalize(() => finalized++),
  );
};

beforeAll(async () => {
  server = await serve(factory, { token: 'secret', defaultBatch: 100 });
});
afterAll(() => server.close());

const auth = { token: 'secret' };
const indicesOf = (blocks: Block[]): number[] => blocks.flatMap((b) => Array.from(b.indices));

describe('framing', () => {
  it('round-trips uint8 and float32 blocks through any chunking', async () => {
    const blocks: Block[] = syntheticBlocks(40, [3, 17, 20]);
    blocks.push({ ...blocks[0], images: Float32Array.from(blocks[0].images, (v) => v / 3 - 1), epoch: 4 });
    const bytes = Buffer.concat(blocks.flatMap(encodeFrame));
    for (const size of [1, 7, 1000]) {
      const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
      const out = await lastValueFrom(from(chunks).pipe(decodeFrames(), toArray()));
      expect(out.map((b) => [b.shape, b.epoch, b.images.constructor.name])).toEqual(blocks.map((b) => [b.shape, b.epoch, b.images.constructor.name]));
      out.forEach((b, k) => {
        expect(Array.from(b.images)).toEqual(Array.from(blocks[k].images));
        expect(Array.from(b.labels)).toEqual(Array.from(blocks[k].labels));
        expect(Array.from(b.indices)).toEqual(Array.from(blocks[k].indices));
      });
    }
  });

  it('starts with a big-endian length and the JSON header (hand-worked)', () => {
    const [length, json, images, labels, indices] = encodeFrame(syntheticBlocks(3, [3])[0]);
    const text = '{"shape":[3,4,3],"dtype":"uint8","epoch":0}';
    expect(Array.from(length)).toEqual([0, 0, 0, text.length]);
    expect(new TextDecoder().decode(json)).toBe(text);
    expect([images.length, labels.length, indices.length]).toEqual([36, 3, 12]);
    expect(Array.from(indices)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]);
  });
});

describe('serve() over real sockets on 127.0.0.1', () => {
  it('gives ranks 0 and 1 of 2 disjoint shares whose union is the epoch, with the right pixels', async () => {
    const [a, b] = await Promise.all(
      [0, 1].map((rank) => lastValueFrom(fromServer(`${server.url}/batches?seed=5&batch=64&rank=${rank}&worldSize=2`, auth).pipe(toArray()))),
    );
    const ia = indicesOf(a);
    const ib = indicesOf(b);
    expect(ia.length).toBe(5000);
    expect(ib.length).toBe(5000);
    expect(new Set([...ia, ...ib]).size).toBe(10000);
    for (const block of [a[0], b[7]]) {
      for (let i = 0; i < block.shape[0]; i += 13) {
        const index = block.indices[i];
        expect(Buffer.from(block.images.subarray(i * 784, (i + 1) * 784) as Uint8Array).equals(testImages.subarray(index * 784, (index + 1) * 784))).toBe(true);
        expect(block.labels[i]).toBe(testLabels[index]);
      }
    }
  });

  it('answers 401 without the token, 400 naming a bad parameter, 404 elsewhere', async () => {
    await expect(lastValueFrom(fromServer(`${server.url}/batches`))).rejects.toThrow(new ServerError(401, `${server.url}/batches: HTTP 401: Expected Authorization: Bearer <token>`));
    await expect(lastValueFrom(fromServer(`${server.url}/batches`, { token: 'wrong' }))).rejects.toMatchObject({ status: 401 });
    const bad: [string, string][] = [
      ['rank=2&worldSize=2', 'Expected an integer between 0 and 1 for rank but received "2"'],
      ['batch=0', 'Expected an integer between 1 and 65536 for batch but received "0"'],
      ['batch=abc', 'Expected an integer between 1 and 65536 for batch but received "abc"'],
      ['seed=1.5', 'for seed but received "1.5"'],
      ['colour=red', 'Expected only seed, epoch, epochs, batch, rank, worldSize as query parameters but received "colour"'],
    ];
    for (const [query, message] of bad) {
      const error = await lastValueFrom(fromServer(`${server.url}/batches?${query}`, auth)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect((error as ServerError).status).toBe(400);
      expect((error as Error).message).toContain(message);
    }
    await expect(lastValueFrom(fromServer(`${server.url}/nothing`, auth))).rejects.toMatchObject({ status: 404 });
  });

  it('keeps a slow client (one batch per 50 ms) from making the server buffer without limit', async () => {
    const before = produced;
    const frame = 64 * 784 + 64 + 4 * 64; // body of a 64-image uint8 frame
    const res = await new Promise<IncomingMessage>((resolve) =>
      get(`${server.url}/batches?seed=99&batch=64`, { headers: { authorization: 'Bearer secret' } }, resolve),
    );
    res.pause();
    const readExactly = async (n: number): Promise<Buffer> => {
      for (;;) {
        const chunk = res.read(n) as Buffer | null;
        if (chunk) return chunk;
        await new Promise((r) => res.once('readable', r));
      }
    };
    for (let k = 0; k < 200; k++) {
      const length = (await readExactly(4)).readUInt32BE(0);
      await readExactly(length + frame);
      await new Promise((r) => setTimeout(r, 50));
    }
    const stats = server.stats();
    res.destroy();
    // What one hold-free emission can put in the socket: shuffle's pump has at most 2 blocks
    // of 256 samples waiting on holds, and batch(64) turns each into 4 frames written at once.
    // So in user space at most 2 * 4 frames (8 * 50,560 body bytes plus headers) beyond the
    // socket's 16 KiB high-water mark. The kernel's loopback buffers hold some frames more.
    expect(stats.maxBufferedBytes).toBeLessThanOrEqual(16384 + 8 * (frame + 4 + 64));
    // Without backpressure the whole 1,875-batch stream would be produced at once.
    expect(produced - before).toBeLessThan(200 + 150);
  });

  it('a client dropped mid-stream frees its pipeline and does not disturb another', async () => {
    const idle = async (): Promise<void> => {
      for (let i = 0; i < 200 && server.stats().clients > 0; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await idle(); // earlier tests' connections have closed
    const finalizedBefore = finalized;
    const other = lastValueFrom(fromServer(`${server.url}/batches?seed=7&batch=50`, auth).pipe(toArray()));
    const dropped = await new Promise<IncomingMessage>((resolve) =>
      get(`${server.url}/batches?seed=99&batch=64`, { headers: { authorization: 'Bearer secret' } }, resolve),
    );
    await new Promise((r) => dropped.once('data', r));
    dropped.destroy();
    const blocks = await other;
    expect(indicesOf(blocks).sort((x, y) => x - y)).toEqual(Array.from({ length: 10000 }, (_, i) => i));
    for (let i = 0; i < 100 && finalized < finalizedBefore + 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(finalized).toBe(finalizedBefore + 2); // both pipelines ended: one completed, one unsubscribed
    await idle();
    expect(server.stats().clients).toBe(0);
  });

  it('carries the same frames over WebSocket as over HTTP', async () => {
    const http = await lastValueFrom(fromServer(`${server.url}/batches?seed=3&batch=500`, auth).pipe(toArray()));
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?seed=3&batch=500&token=secret`);
    const messages: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => messages.push(data));
      ws.on('close', (code) => (code === 1000 ? resolve() : reject(new Error(`closed ${code}`))));
      ws.on('error', reject);
    });
    const blocks = await lastValueFrom(from(messages).pipe(decodeFrames(), toArray()));
    expect(blocks.length).toBe(http.length);
    expect(indicesOf(blocks)).toEqual(indicesOf(http));
    expect(Buffer.from(blocks[3].images as Uint8Array).equals(Buffer.from(http[3].images as Uint8Array))).toBe(true);
  });

  it.skipIf(!python)('the Python client reads a full epoch (python3 with numpy present)', async () => {
    // Asynchronous: the server runs in this process, so a blocking spawn would deadlock it.
    const r = await promisify(execFile)('/usr/bin/python3', [join(ROOT, 'examples/python/idxflow_client.py'), `${server.url}/batches?seed=2&batch=128`, 'secret'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const counts = Array.from({ length: 10 }, () => 0);
    for (const l of testLabels) counts[l]++;
    expect(JSON.parse(r.stdout)).toEqual({ samples: 10000, batches: 79, classes: counts, distinct: 10000 });
  });
});
