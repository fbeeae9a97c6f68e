// `offset=`: a job checkpointed on W ranks resumes on any number of ranks. The stream of rank r
// of M from offset o is positions o + r, o + r + M, ... of the epoch's order, padded as PyTorch's
// DistributedSampler pads (indices += indices[:padding]); the expected streams are built here
// from that formula and the server's uninterrupted single-rank stream, sample by sample.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSamples, type StreamSample } from '../../fixtures/frames.js';
import { startServer, type RunningServer } from '../../fixtures/server.js';

const N = 10_000; // the test split

/** Rank `rank` of `worldSize` of the positions [offset, n) of `order`, DistributedSampler's way. */
function striped<T>(order: T[], offset: number, rank: number, worldSize: number): T[] {
  const rest = order.slice(offset);
  const share = Math.ceil(rest.length / worldSize);
  const padded = [...rest, ...rest.slice(0, share * worldSize - rest.length)];
  return padded.filter((_, q) => q % worldSize === rank);
}

const key = (s: StreamSample): string => `${s.index}:${s.epoch}:${s.image.toString('base64')}`;

async function refusal(url: string): Promise<[number, string]> {
  const response = await fetch(url);
  return [response.status, ((await response.json()) as { error: string }).error];
}

let server: RunningServer;
let order: StreamSample[]; // the whole epoch 3 of seed 11, one rank
beforeAll(async () => {
  server = await startServer(['--split', 'test', '--rotate', '10', '--workers', '1']);
  order = await readSamples(`${server.url}/batches?seed=11&epoch=3&batch=1000`);
});
afterAll(async () => {
  await server?.stop();
});

describe('offset: the rest of an epoch striped across any number of ranks', () => {
  it('rank r of M from offset o gets positions o + r, o + r + M, ... of the epoch, padded with the first of them', async () => {
    expect(order).toHaveLength(N);
    for (const [offset, worldSize] of [[4321, 3], [37, 2], [9998, 4], [0, 3], [10_000, 2]] as const) {
      for (let rank = 0; rank < worldSize; rank++) {
        const got = await readSamples(`${server.url}/batches?seed=11&epoch=3&batch=100&offset=${offset}&rank=${rank}&worldSize=${worldSize}`);
        const expected = striped(order, offset, rank, worldSize);
        expect(got.length, `offset ${offset}, rank ${rank} of ${worldSize}`).toBe(Math.ceil((N - offset) / worldSize));
        expect(got.map(key), `offset ${offset}, rank ${rank} of ${worldSize}`).toEqual(expected.map(key));
      }
    }
  });

  it('a hand-worked eval case: offset 9990, 4 ranks, so 3 positions each and 2 of padding', async () => {
    const indices = await Promise.all(
      [0, 1, 2, 3].map(async (rank) => (await readSamples(`${server.url}/batches?eval=1&offset=9990&worldSize=4&rank=${rank}`)).map((s) => s.index)),
    );
    expect(indices).toEqual([
      [9990, 9994, 9998],
      [9991, 9995, 9999],
      [9992, 9996, 9990],
      [9993, 9997, 9991],
    ]);
  });

  it('offset and start compose, and later epochs start at 0', async () => {
    const got = await readSamples(`${server.url}/batches?seed=11&epoch=3&epochs=2&batch=64&offset=4321&start=17&rank=2&worldSize=3`);
    const next = await readSamples(`${server.url}/batches?seed=11&epoch=4&batch=64&rank=2&worldSize=3`);
    expect(got.map(key)).toEqual([...striped(order, 4321, 2, 3).slice(17), ...next].map(key));
    expect(next).toHaveLength(Math.ceil(N / 3));
  });

  it('an offset past the epoch, a negative one, and a start past the rest are refused with 400', async () => {
    expect(await refusal(`${server.url}/batches?offset=10001`)).toEqual([400, 'Expected offset between 0 and 10000 (the samples of an epoch of test) but received 10001']);
    expect(await refusal(`${server.url}/batches?offset=-1`)).toEqual([400, 'Expected an integer between 0 and 2147483647 for offset but received "-1"']);
    expect(await refusal(`${server.url}/batches?offset=4000&worldSize=4&start=1501`)).toEqual([
      400,
      "Expected start between 0 and 1500 (this rank's share of the 6000 samples of test after offset 4000) but received 1501",
    ]);
  });
});
