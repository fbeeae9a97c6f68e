// The Python package clients/python (idxflow-client), installed with pip into a fresh virtual
// environment and run against real `idxflow serve` processes on 127.0.0.1. The Python scripts
// next to this file print JSON; the expectations here come from the raw MNIST files, closed
// forms (ceil(n / 2), DistributedSampler's padding) and the TypeScript client's reading of the
// same streams, never from the Python client itself.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromServer } from '@idxflow/core';
import { RAW_DIR, raw } from '../fixtures/mnist.js';
import { env, installClient, lacks, PYTHON, required, run, runPython, startServer, type Server } from './fixture.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const TOKEN = 'py-secret';

/** An IDX file of the first `count` records of `bytes`, an IDX file of unsigned bytes. */
function firstRecords(bytes: Buffer, count: number): Buffer {
  const rank = bytes[3];
  const header = Buffer.from(bytes.subarray(0, 4 + 4 * rank));
  let record = 1;
  for (let d = 1; d < rank; d++) record *= header.readUInt32BE(4 + 4 * d);
  header.writeUInt32BE(count, 4);
  return Buffer.concat([header, bytes.subarray(header.length, header.length + count * record)]);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const ODD = 9_999; // an odd epoch, so that 2 ranks need DistributedSampler's padding

let temp = '';
let venvPython = '';
let pipOutput = '';
let augmented: Server | undefined; // train and test, rotate 10 and shift 2, with a token
let odd: Server | undefined; // 9,999 test images, no token
let oddLabels: Buffer;

/** Runs a script of this folder with the virtual environment's Python; its stdout is JSON. */
async function python<T>(script: string, args: (string | number)[], extra: NodeJS.ProcessEnv = {}): Promise<T> {
  return (await runPython<T>(venvPython, temp, join(HERE, script), args, extra)).result;
}

describe.skipIf(lacks !== undefined && !required)(`clients/python installed with pip (${PYTHON})`, () => {
  beforeAll(async () => {
    if (lacks !== undefined) throw new Error(`CI=true and ${lacks}: .ci/run installs them with apt-get`);
    temp = await mkdtemp(join(tmpdir(), 'idxflow-python-'));
    const images = firstRecords(await readFile(raw('t10k-images-idx3-ubyte')), ODD);
    oddLabels = firstRecords(await readFile(raw('t10k-labels-idx1-ubyte')), ODD);
    await writeFile(join(temp, 'odd-images'), images);
    await writeFile(join(temp, 'odd-labels'), oddLabels);
    const install = async (): Promise<void> => {
      ({ venvPython, pipOutput } = await installClient(temp));
    };
    [, augmented, odd] = await Promise.all([
      install(),
      startServer(['--rotate', '10', '--shift', '2', '--token', TOKEN]),
      startServer(['--images', join(temp, 'odd-images'), '--labels', join(temp, 'odd-labels')]),
    ]);
  });
  afterAll(async () => {
    await Promise.all([augmented?.stop(), odd?.stop()]);
    if (temp) await rm(temp, { recursive: true, force: true });
  });

  it('installs with pip into a fresh virtual environment: numpy required, torch an extra, torch not imported by the numpy reader', async () => {
    expect(pipOutput).toMatch(/Successfully installed idxflow-client-\d+\.\d+\.\d+/);
    const probe = [
      'import importlib.metadata as m, json, sys, idxflow_client',
      'print(json.dumps({"file": idxflow_client.__file__, "requires": m.requires("idxflow-client"), "torch": "torch" in sys.modules}))',
    ].join('\n');
    const { stdout } = await run(venvPython, ['-c', probe], { cwd: temp, env, encoding: 'utf8' });
    const found = JSON.parse(stdout) as { file: string; requires: string[]; torch: boolean };
    expect(found.file.startsWith(join(temp, 'venv/lib'))).toBe(true); // the installed copy, not the checkout
    expect(found.requires.some((r) => /^numpy\b/.test(r) && !r.includes('extra'))).toBe(true);
    expect(found.requires.some((r) => /^torch\b.*extra\s*==\s*["']torch["']/.test(r))).toBe(true);
    expect(found.torch).toBe(false);
  });

  it('2 ranks (RANK, WORLD_SIZE from the environment) x 3 DataLoader workers: each sample exactly once per epoch, in the server order', async () => {
    interface Epoch { indices: number[]; labels: number[]; batches: number; shape: number[]; types: string[]; range: number[] }
    const ranks = await Promise.all(
      [0, 1].map((rank) => python<{ rank: number; worldSize: number; epochs: Epoch[] }>('coverage.py', [odd!.url, 7, 64, 3], { RANK: String(rank), WORLD_SIZE: '2' })),
    );
    expect(ranks.map((r) => [r.rank, r.worldSize])).toEqual([[0, 2], [1, 2]]);
    const share = Math.ceil(ODD / 2);
    for (const epoch of [0, 1]) {
      const [a, b] = ranks.map((r) => r.epochs[epoch]);
      for (const e of [a, b]) {
        expect(e.indices).toHaveLength(share);
        expect(e.batches).toBe(Math.ceil(share / 64));
        expect(e.shape).toEqual([64, 1, 28, 28]);
        expect(e.types).toEqual(['torch.float32', 'torch.int64', 'torch.int64']);
        expect(e.range[0]).toBeGreaterThanOrEqual(0);
        expect(e.range[1]).toBeLessThanOrEqual(1);
        expect(e.labels).toEqual(e.indices.map((i) => oddLabels[8 + i])); // each label is its index's in the file
      }
      // DistributedSampler: the shuffled epoch padded with its first sample to 10,000, position p to rank p % 2,
      // so rank 1's last sample is rank 0's first, and every other index appears once.
      expect(b.indices[share - 1]).toBe(a.indices[0]);
      const all = [...a.indices, ...b.indices.slice(0, -1)].sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: ODD }, (_, i) => i));
      // The order is the server's for one plain stream of the rank (read by the TypeScript client).
      for (const [rank, got] of [a, b].entries()) {
        const blocks = await lastValueFrom(fromServer(`${odd!.url}/batches?seed=7&epoch=${epoch}&batch=64&rank=${rank}&worldSize=2`).pipe(toArray()));
        expect(got.indices).toEqual(blocks.flatMap((block) => Array.from(block.indices)));
      }
    }
    expect(ranks[0].epochs[1].indices).not.toEqual(ranks[0].epochs[0].indices); // set_epoch reshuffles
  });

  it('state_dict() after 7 batches of 100 with 2 workers, resumed in a new process with 0 workers: exactly the rest of an uninterrupted run', async () => {
    interface Digest { samples: number; x: string; y: string; indices: string }
    const stateFile = join(temp, 'state.json');
    const cut = await python<{ state: Record<string, unknown>; consumed: Digest }>('resume.py', ['interrupt', augmented!.url, TOKEN, stateFile]);
    const stream = { seed: 5, split: null, eval: false, world_size: 2, rank: 1, offset: 0 };
    expect(cut.state).toEqual({ epoch: 2, position: 700, ended: false, ...stream });
    const resumed = await python<{ afterOne: Record<string, unknown>; end: Record<string, unknown>; rest: Digest }>('resume.py', ['resume', augmented!.url, TOKEN, stateFile]);
    const whole = await python<{ head: Digest; tail: Digest; end: Record<string, unknown> }>('resume.py', ['whole', augmented!.url, TOKEN]);
    const share = Math.ceil(60_000 / 2);
    expect(whole.head.samples).toBe(700);
    expect(whole.tail.samples).toBe(share - 700);
    expect(cut.consumed).toEqual(whole.head);
    expect(resumed.rest).toEqual(whole.tail); // images, labels and indices, byte for byte
    expect(resumed.afterOne).toEqual({ epoch: 2, position: 700 + 128, ended: false, ...stream }); // the dataset counts with 0 workers
    expect(resumed.end).toEqual({ epoch: 2, position: share, ended: true, ...stream });
    expect(whole.end).toEqual({ epoch: 2, position: share, ended: true, ...stream });
  });

  it('a one-epoch MLP trained through the client (rotate 10, shift 2) reaches 96% on the eval stream, which is the raw test split', async () => {
    interface Result { accuracy: number; rawAccuracy: number; trained: number; seconds: number; samePixels: boolean; sameLabels: boolean; sha256: Record<string, string> }
    const result = await python<Result>('mlp.py', [augmented!.url, TOKEN, RAW_DIR]);
    console.info(`MLP through idxflow-client: ${(100 * result.accuracy).toFixed(2)}% after ${result.seconds} s of training`);
    expect(result.trained).toBe(60_000);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.96);
    expect(result.rawAccuracy).toBe(result.accuracy); // same predictions on the raw files, read by numpy
    expect([result.samePixels, result.sameLabels]).toEqual([true, true]);
    const images = await readFile(raw('t10k-images-idx3-ubyte'));
    const labels = await readFile(raw('t10k-labels-idx1-ubyte'));
    const order = Buffer.alloc(4 * 10_000);
    for (let i = 0; i < 10_000; i++) order.writeUInt32LE(i, 4 * i);
    expect(result.sha256).toEqual({ pixels: sha256(images.subarray(16)), labels: sha256(labels.subarray(8)), indices: sha256(order) });
  });

  it('errors name what is wrong, in the server own words when it refused', async () => {
    const seen = await python<Record<string, [string, string]>>('errors.py', [augmented!.url, TOKEN]);
    expect(seen.wrongToken[0]).toBe('IdxflowError');
    expect(seen.wrongToken[1]).toMatch(/: HTTP 401: /);
    expect(seen.unknownSplit).toEqual(['IdxflowError', expect.stringMatching(/: HTTP 400: Expected one of train, test for split but received "tset"$/)]);
    expect(seen.pastTheShare).toEqual(['IdxflowError', expect.stringMatching(/: HTTP 400: Expected start between 0 and 30000 \(this rank's share of an epoch of train\) but received 30001$/)]);
    expect(seen.otherStream).toEqual(['ValueError', expect.stringContaining('seed=1')]);
    expect(seen.rankFromEnvironment).toEqual(['ValueError', 'Expected an integer between 0 and 1 for rank (the environment variable RANK) but received 2 of type int']);
    const useMerge = 'merge the states of all ranks taken at one step with idxflow_client.merge_states() and load that on any number of ranks';
    expect(seen.otherWorldSize).toEqual(['ValueError', `Expected the state of rank 0 of 3 (this dataset's) but received rank 0 of 2's: one rank's state resumes only that rank; ${useMerge}`]);
    expect(seen.otherRank).toEqual(['ValueError', `Expected the state of rank 1 of 2 (this dataset's) but received rank 0 of 2's: one rank's state resumes only that rank; ${useMerge}`]);
    expect(seen.withoutKeys).toEqual(['ValueError', `Expected a state from state_dict() or merge_states() but received one without offset, rank, ended, which cannot say which samples were consumed: ${useMerge}`]);
    expect(seen.differentSteps).toEqual([
      'ValueError',
      "Expected the states of one step (every rank at the same position) but received positions rank 0: 700, rank 1: 600: states of different steps do not hold a prefix of the epoch's order",
    ]);
    expect(seen.rankMissing).toEqual(['ValueError', 'Expected the states of ranks 0 to 1, each once, but received ranks [0]']);
    expect(seen.rankTwice).toEqual(['ValueError', 'Expected the states of ranks 0 to 1, each once, but received ranks [0, 0]']);
    expect(seen.otherEpochs).toEqual(['ValueError', 'Expected states of one job at one step (one epoch) but received epoch 1, 2']);
    expect(seen.pastTheEpoch).toEqual(['IdxflowError', expect.stringMatching(/: HTTP 400: Expected offset between 0 and 60000 \(the samples of an epoch of train\) but received 60001$/)]);
    expect(seen.severalUrlsNoBatch).toEqual(['ValueError', 'Expected a batch_size with 2 URLs or attempts=2 (a stream that moves to another server must be cut into the same batches) but received None']);
    expect(seen.oneUrlTwice).toEqual(['IdxflowError', expect.stringMatching(/every server failed in turn: (http:\/\/127\.0\.0\.1:9\/batches\?\S+: cannot reach the server: [^;]*(; )?){2}$/)]);
    expect(seen.refusalNotRetried).toEqual(['IdxflowError', expect.stringMatching(/: HTTP 400: Expected one of train, test for split but received "tset"$/)]);
    expect(seen.noServerOfTwo).toEqual(['IdxflowError', expect.stringMatching(/every server failed in turn: .*127\.0\.0\.1:9\/.*cannot reach the server.*; .*127\.0\.0\.1:10\/.*cannot reach the server/)]);
    expect(seen.persistentWorkers).toEqual(['ValueError', expect.stringContaining('persistent_workers')]);
    expect(seen.noServer).toEqual(['IdxflowError', expect.stringContaining('cannot reach the server')]);
  });
});
