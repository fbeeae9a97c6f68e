import { readFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { batch, epochs, mnist, shuffle } from '@idxflow/core';
import { tap } from 'rxjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type BatchServer } from '../../../packages/sinks/src/network/index.js';

// A client that reads one 64-image batch every 50 ms for 200 batches, against a pipeline of
// two training epochs (2 x 938 = 1,876 batches) that could produce everything in a second or
// two. The server must hold the pipeline instead of queueing the stream for the client.

const BATCH = 64;
const FRAMES_READ = 200;
const TOTAL_FRAMES = 2 * Math.ceil(60000 / BATCH);
/** Header: {"shape":[64,28,28],"dtype":"uint8","epoch":0} is 44 bytes; allow 64. */
const FRAME_BYTES = 4 + 64 + BATCH * 784 + BATCH + 4 * BATCH; // 50,564

/** The kernel's maximum socket send/receive buffer sizes (Linux autotuning limits), or 8 MiB each elsewhere. */
function kernelBufferBytes(): number {
  const max = (file: string): number => {
    try {
      return Number(readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
    } catch {
      return 8 << 20;
    }
  };
  return max('/proc/sys/net/ipv4/tcp_wmem') + max('/proc/sys/net/ipv4/tcp_rmem');
}

let server: BatchServer;
let produced = 0;
beforeAll(async () => {
  server = await serve((p) => mnist({ split: 'train' }).pipe(epochs(2), shuffle({ seed: p.seed }), batch(p.batch), tap(() => produced++)));
});
afterAll(() => server.close());

/** Reads exactly `n` bytes from a paused response. */
async function readExactly(res: IncomingMessage, n: number): Promise<Buffer> {
  for (;;) {
    const chunk = res.read(n) as Buffer | null;
    if (chunk) return chunk;
    await new Promise((resolve) => res.once('readable', resolve));
  }
}

it('keeps a slow client (one batch per 50 ms) from making the server buffer without limit', async () => {
  const res = await new Promise<IncomingMessage>((resolve) => get(`${server.url}/batches?seed=3&batch=${BATCH}`, resolve));
  res.pause();
  let maxAhead = 0; // frames produced but not yet read by the client
  for (let k = 0; k < FRAMES_READ; k++) {
    const length = (await readExactly(res, 4)).readUInt32BE(0);
    const header = JSON.parse((await readExactly(res, length)).toString()) as { shape: number[] };
    expect(header.shape).toEqual([BATCH, 28, 28]);
    await readExactly(res, BATCH * 784 + BATCH + 4 * BATCH);
    maxAhead = Math.max(maxAhead, produced - (k + 1));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stats = server.stats();
  res.destroy();

  // User space, server side: a frame (50 KB) alone crosses the response's 16 KiB high-water
  // mark, so every emission ends in a hold. Shuffle's pump lets 2 emissions wait on holds, each
  // a block of 256 samples that batch(64) writes as 4 frames (5 at an epoch's start, with the
  // 32-sample tail of the epoch before): at most 9 frames, plus 16 KiB queued before them.
  const userSpaceBound = 16 * 1024 + 9 * FRAME_BYTES; // 471,460 bytes
  // Frames ahead of the reader: those 9, what the kernel's send and receive buffers can hold
  // at most, and the client's 16 KiB readable buffer plus one 64 KiB socket read (2 frames).
  const aheadBound = 9 + Math.ceil(kernelBufferBytes() / FRAME_BYTES) + 2; // 758 with this machine's 4 MiB + 32 MiB
  console.log(
    `slow client: maxBufferedBytes ${stats.maxBufferedBytes} (bound ${userSpaceBound}), ` +
      `frames ahead of the reader at most ${maxAhead} (bound ${aheadBound}), produced ${produced} of ${TOTAL_FRAMES}`,
  );
  expect(stats.clients).toBe(1);
  expect(stats.maxBufferedBytes).toBeGreaterThan(0);
  expect(stats.maxBufferedBytes).toBeLessThanOrEqual(userSpaceBound);
  expect(maxAhead).toBeLessThanOrEqual(aheadBound);
  expect(produced).toBeLessThan(TOTAL_FRAMES); // without backpressure all 1,876 are produced within seconds
});
