// A trainer that stops anywhere and reconnects with `start=` (and `epoch=`) gets exactly the rest
// of its stream: what it had, followed by what it gets, hashes to the uninterrupted stream. Also
// the server's defaults: --seed is the seed of requests without seed=, and a non-loopback host
// without a token is refused before anything binds.
import { spawnSync } from 'node:child_process';
import { get, type IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSamples, type StreamSample } from '../../fixtures/frames.js';
import { CLI } from '../../fixtures/mnist.js';
import { startServer, type RunningServer } from '../../fixtures/server.js';
import { lcgBytes } from '../../fixtures/blocks.js';

const digest = (samples: StreamSample[]): string => {
  const h = createHash('sha256');
  for (const s of samples) {
    h.update(s.image);
    h.update(Uint8Array.of(s.label));
    h.update(new Uint8Array(Uint32Array.of(s.index, s.epoch).buffer));
  }
  return h.digest('hex');
};

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(['--split', 'test', '--rotate', '10', '--shift', '2', '--workers', '1', '--seed', '5']);
});
afterAll(async () => {
  await server?.stop();
});

describe('resume anywhere', () => {
  it('for 5 cut points (mid-batch included), what a trainer had plus what it gets on reconnecting equals the uninterrupted stream', async () => {
    // Rank 1 of 3, batches of 100, two epochs: 3,334 samples per epoch's share.
    const query = 'seed=11&batch=100&rank=1&worldSize=3';
    const whole = await readSamples(`${server.url}/batches?${query}&epochs=2`);
    const share = Math.ceil(10000 / 3);
    expect(whole).toHaveLength(2 * share);
    const random = lcgBytes(5, 42);
    // Cuts at arbitrary sample counts (most fall mid-batch), one on a batch boundary, across both epochs.
    const cuts = [...Array.from(random.subarray(0, 3), (r) => 1 + Math.floor((r / 256) * (2 * share - 2))), 1700, share + 37];
    expect(cuts.some((c) => c % 100 !== 0)).toBe(true);
    for (const cut of cuts) {
      const had = await readSamples(`${server.url}/batches?${query}&epochs=2`, cut);
      expect(had).toHaveLength(cut);
      // Resume: in epoch 0 ask for both epochs from `start`; in epoch 1 for epoch 1 alone.
      const resume = cut < share ? `epoch=0&epochs=2&start=${cut}` : `epoch=1&epochs=1&start=${cut - share}`;
      const rest = await readSamples(`${server.url}/batches?${query}&${resume}`);
      expect(digest([...had, ...rest]), `cut at ${cut}`).toBe(digest(whole));
    }
  });

  it('--seed is the seed of requests without seed=', async () => {
    const implicit = await readSamples(`${server.url}/batches?batch=500`);
    const explicit = await readSamples(`${server.url}/batches?batch=500&seed=5`);
    const other = await readSamples(`${server.url}/batches?batch=500&seed=6`);
    expect(digest(implicit)).toBe(digest(explicit));
    expect(digest(implicit)).not.toBe(digest(other));
  });

  it('an evaluation stream is the split in file order, not augmented', async () => {
    const evaluation = await readSamples(`${server.url}/batches?eval=1&batch=1000`);
    expect(evaluation.map((s) => s.index)).toEqual(Array.from({ length: 10000 }, (_, i) => i));
  });
});

describe('safe defaults', () => {
  it('--host 0.0.0.0 without a token exits 2 with a one-line reason, before binding', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--host', '0.0.0.0', '--port', '0', '--split', 'test'], { encoding: 'utf8', timeout: 30000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'idxflow: Expected --token T (or --insecure-no-token) to bind --host 0.0.0.0, which is not loopback: anyone who can reach it could read the data\n',
    );
  });

  it('--host 0.0.0.0 with a token prints the address it bound', async () => {
    const open = await startServer(['--host', '0.0.0.0', '--token', 't', '--split', 'test', '--workers', '0']);
    try {
      expect(open.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    } finally {
      await open.stop();
    }
  });

  it('--max-clients N: a client beyond N streams gets 503 with Retry-After, and gets in once one leaves', async () => {
    const small = await startServer(['--max-clients', '2', '--split', 'test', '--workers', '0']);
    const open = (): Promise<IncomingMessage> => new Promise((resolve, reject) => get(`${small.url}/batches?batch=10`, resolve).on('error', reject));
    try {
      const [a, b] = await Promise.all([open(), open()]); // two streams that do not read
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      const third = await open();
      expect(third.statusCode).toBe(503);
      expect(third.headers['retry-after']).toBe('1');
      third.resume();
      a.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const fourth = await open();
      expect(fourth.statusCode).toBe(200);
      fourth.destroy();
      b.destroy();
    } finally {
      await small.stop();
    }
  });
});
