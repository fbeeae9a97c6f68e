// Trainers that change size and survive a server (issue 22). A job checkpoints mid-epoch with
// every rank's state_dict() gathered and merged (merge_states), and resumes on another number
// of ranks; a job reading from two servers outlives one of them. The expectations come from
// the epoch's order as one rank reads it with the reader written from PROTOCOL.md
// (test/fixtures/frames.ts), DistributedSampler's striping and padding written out here, and
// counts of the indices the Python ranks report, never from the client's own arithmetic.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSamples } from '../fixtures/frames.js';
import { installClient, lacks, PYTHON, required, runPython, startServer, type Server } from './fixture.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const TRAIN = 60_000;
const SMALL = 6_000;

/** Rank `rank` of `worldSize` of positions [offset, n) of `order`, as DistributedSampler stripes and pads them. */
function striped(order: number[], offset: number, rank: number, worldSize: number): number[] {
  const rest = order.slice(offset);
  const share = Math.ceil(rest.length / worldSize);
  const padded = [...rest, ...rest.slice(0, share * worldSize - rest.length)];
  return padded.filter((_, q) => q % worldSize === rank);
}

/** Samples of the n missing from `indices`, and the repeats among them (beyond the first sighting). */
function tally(indices: number[], n: number): { misses: number; duplicates: number } {
  const counts = new Uint32Array(n);
  for (const i of indices) counts[i]++;
  let misses = 0;
  let duplicates = 0;
  for (const c of counts) {
    if (c === 0) misses++;
    else duplicates += c - 1;
  }
  return { misses, duplicates };
}

/** A TCP port free now, for torch.distributed's rendezvous. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/**
 * A Kubernetes Service in miniature: one address whose every connection is forwarded to the
 * first of `backends` that accepts it, as kube-proxy routes around a replica that died.
 */
async function service(backends: string[]): Promise<{ url: string; server: NetServer }> {
  const server = createServer((client) => {
    client.on('error', () => undefined);
    const forward = (i: number): void => {
      if (i === backends.length) return void client.destroy();
      const { hostname, port } = new URL(backends[i]);
      const upstream = connect(Number(port), hostname);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        client.pipe(upstream).pipe(client);
      });
      upstream.on('error', () => (connected ? client.destroy() : forward(i + 1)));
      upstream.on('close', () => connected && client.destroy());
      client.on('close', () => upstream.destroy());
    };
    forward(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

interface RankResult { rank: number; indices: number[]; steps: number; merged?: Record<string, unknown>; end?: Record<string, unknown> }

let temp = '';
let venvPython = '';
let train: Server | undefined; // MNIST train, no augmentation
let twin: Server | undefined; // the same flags: the same bytes
let small: Server | undefined; // the first 6,000 training samples
const orders = new Map<string, number[]>();

/** The indices of epoch `epoch` of seed `seed` in the server's order, read as one rank. */
async function orderOf(server: Server, seed: number, epoch: number): Promise<number[]> {
  const key = `${server.url} ${seed} ${epoch}`;
  if (!orders.has(key)) orders.set(key, (await readSamples(`${server.url}/batches?seed=${seed}&epoch=${epoch}&batch=1000`)).map((s) => s.index));
  return orders.get(key)!;
}

/** Starts `worldSize` ranks of distributed.py as separate processes (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set here). */
async function job(worldSize: number, args: (string | number)[]): Promise<{ ranks: RankResult[]; stderr: string[] }> {
  const port = await freePort();
  const runs = await Promise.all(
    Array.from({ length: worldSize }, (_, rank) =>
      runPython<RankResult>(venvPython, temp, join(HERE, 'distributed.py'), args, { RANK: String(rank), WORLD_SIZE: String(worldSize), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) }, 300_000),
    ),
  );
  return { ranks: runs.map((r) => r.result), stderr: runs.map((r) => r.stderr) };
}

describe.skipIf(lacks !== undefined && !required)(`a job that changes its number of ranks, or loses a server (${PYTHON})`, () => {
  beforeAll(async () => {
    if (lacks !== undefined) throw new Error(`CI=true and ${lacks}: .ci/run installs them with apt-get`);
    temp = await mkdtemp(join(tmpdir(), 'idxflow-resize-'));
    [{ venvPython }, train, twin, small] = await Promise.all([
      installClient(temp),
      startServer(['--split', 'train']),
      startServer(['--split', 'train']),
      startServer(['--split', 'train', '--limit', String(SMALL)]),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([train?.stop(), twin?.stop(), small?.stop()]);
    if (temp) await rm(temp, { recursive: true, force: true });
  });

  it('DDP on 2 ranks checkpoints after 48 steps (all_gather_object + merge_states), resumes on 1, 2 and 3 ranks: each of the 60,000 samples once', async () => {
    const checkpoint = join(temp, 'ckpt.json');
    const steps = 48; // 2 x 48 x 128 = 12,288 consumed: the 47,712 left divide by 1, 2 and 3, so no padding
    const first = await job(2, ['first', train!.url, checkpoint, steps]);
    const order = await orderOf(train!, 7, 0);
    const consumed = 2 * steps * 128;
    for (const r of first.ranks) expect(r.indices).toEqual(striped(order, 0, r.rank, 2).slice(0, steps * 128));
    expect(first.ranks[0].merged).toEqual({ epoch: 0, offset: consumed, ended: false, seed: 7, split: null, eval: false });
    for (const worldSize of [1, 2, 3]) {
      const resumed = await job(worldSize, ['resume', train!.url, checkpoint]);
      const share = (TRAIN - consumed) / worldSize;
      for (const r of resumed.ranks) {
        expect(r.indices, `rank ${r.rank} of ${worldSize}`).toEqual(striped(order, consumed, r.rank, worldSize));
        expect(r.steps).toBe(Math.ceil(share / 128));
        expect(r.end).toMatchObject({ epoch: 0, offset: consumed, position: share, ended: true, world_size: worldSize });
      }
      const all = [...first.ranks, ...resumed.ranks].flatMap((r) => r.indices);
      const { misses, duplicates } = tally(all, TRAIN);
      console.info(`2 ranks, 48 steps, then ${worldSize} rank(s): ${all.length} samples, ${duplicates} duplicates, ${misses} misses`);
      expect([all.length, misses, duplicates]).toEqual([TRAIN, 0, 0]);
    }
  }, 900_000);

  it('6,000 samples: 2 -> 1, 2 -> 3, 3 -> 2, 4 -> 3 (and 2 -> 3 -> 2 -> 4) at several cut points: every sample once, repeats only DistributedSampler padding', async () => {
    interface Phase { worldSize: number; batch: number; steps: number | null; ranks: number[][]; merged: { offset: number; ended: boolean; epoch: number } }
    const { result } = await runPython<{ seed: number; epoch: number; again: number[][]; scenarios: { name: string; phases: Phase[] }[] }>(venvPython, temp, join(HERE, 'resize.py'), [small!.url], {}, 300_000);
    const order = await orderOf(small!, result.seed, result.epoch);
    expect(order).toHaveLength(SMALL);
    const sizes = new Set(result.scenarios.map((s) => `${s.phases[0].worldSize} -> ${s.phases[1].worldSize}`));
    expect([...sizes]).toEqual(expect.arrayContaining(['2 -> 1', '2 -> 3', '3 -> 2', '4 -> 3']));
    let midBatch = 0;
    for (const { name, phases } of result.scenarios) {
      let offset = 0;
      let padding = 0;
      for (const phase of phases) {
        const W = phase.worldSize;
        const share = Math.ceil((SMALL - offset) / W);
        const taken = phase.steps === null ? share : Math.min(share, phase.steps * phase.batch);
        phase.ranks.forEach((got, rank) => expect(got, `${name}: rank ${rank} of ${W} from ${offset}`).toEqual(striped(order, offset, rank, W).slice(0, taken)));
        if (taken === share) padding += share * W - (SMALL - offset); // this run reached the end and padded its last round
        offset += W * taken;
        expect(phase.merged, name).toEqual({ epoch: result.epoch, offset, ended: taken === share, seed: result.seed, split: null, eval: false });
        if (phase.steps !== null && offset % phase.batch !== 0) midBatch++;
      }
      const all = phases.flatMap((p) => p.ranks.flat());
      const { misses, duplicates } = tally(all, SMALL);
      console.info(`${name}: ${all.length} samples, ${misses} misses, ${duplicates} duplicates, ${padding} of them padding`);
      expect(misses, name).toBe(0);
      expect(duplicates - padding, `${name}: duplicates beyond the padding`).toBe(0);
    }
    expect(midBatch).toBeGreaterThan(2); // cuts that are not on a batch boundary of the epoch's order
    // A loaded state resumes the next pass only: the one after it (no set_epoch) is the whole share again.
    expect(result.again).toEqual([striped(order, 1000, 1, 2), striped(order, 0, 1, 2)]);
  }, 600_000);

  it('two servers with the same flags, one killed mid-epoch: 2 DDP ranks x 2 workers finish the epoch from the other, each sample once', async () => {
    const { ranks, stderr } = await job(2, ['failover', `${train!.url},${twin!.url}`, train!.pid, 10]);
    const order = await orderOf(twin!, 7, 0);
    for (const r of ranks) {
      expect(r.indices, `rank ${r.rank}`).toEqual(striped(order, 0, r.rank, 2));
      expect(r.end).toMatchObject({ position: TRAIN / 2, ended: true });
    }
    // Each rank's worker 0 read from the killed server (ranks and workers start at different URLs) and moved on.
    for (const text of stderr) expect(text).toMatch(new RegExp(`${train!.url.replace(/[.]/g, '\\.')}/batches\\?.*; going on from ${twin!.url.replace(/[.]/g, '\\.')}`));
    const all = ranks.flatMap((r) => r.indices);
    const { misses, duplicates } = tally(all, TRAIN);
    console.info(`a server killed at step 10 of 235: ${all.length} samples, ${duplicates} duplicates, ${misses} misses`);
    expect([all.length, misses, duplicates]).toEqual([TRAIN, 0, 0]);
  }, 600_000);

  it('one URL in front of two replicas (a Service) with attempts=3: the replica killed mid-epoch, the stream goes on through the other', async () => {
    const replica = await startServer(['--split', 'train']);
    const front = await service([replica.url, twin!.url]);
    try {
      const { ranks, stderr } = await job(1, ['failover', front.url, replica.pid, 10, 3]);
      const order = await orderOf(twin!, 7, 0);
      expect(ranks[0].indices).toEqual(order);
      expect(stderr[0]).toContain(`; going on from ${front.url}`); // the same URL, reaching the live replica
      const { misses, duplicates } = tally(ranks[0].indices, TRAIN);
      console.info(`a replica behind one URL killed at step 10 of 469: ${ranks[0].indices.length} samples, ${duplicates} duplicates, ${misses} misses`);
      expect([ranks[0].indices.length, misses, duplicates]).toEqual([TRAIN, 0, 0]);
    } finally {
      front.server.close();
      await replica.stop();
    }
  }, 600_000);
});
