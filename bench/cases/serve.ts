// Serve under load: `idxflow serve` (the CLI, its own process: one copy of the train split, one
// worker) and many clients on 127.0.0.1 in this process, each counting the frames it reads.
// Scenarios: N clients each reading one epoch of the train split with its own seed (no batch
// can be shared); the 8 ranks of one job each reading 4 epochs of their share; 64 clients that
// connect and never read; 64 readers beside 64 idle clients. Reported: aggregate images/s, the
// server's peak RSS (VmHWM of its process, worker thread included), its RSS with only idle
// clients, and errors (refusals, error frames, broken sockets). uint8, no augmentation, batch 128.
// And stalled:64, the memory bound: a normalising server (float32) with --max-clients 65 and
// --max-memory 512, 64 clients that ask for its largest batch (what /health says) and never read,
// and one reader beside them (batch 128), whose rate alone and beside them are both reported.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { get } from 'node:http';
import { join } from 'node:path';
import { ROOT, type CaseResult } from '../harness.js';

const CLI = join(ROOT, 'packages/cli/dist/main.js');
const TRAIN = 60000;

interface Server {
  url: string;
  port: number;
  child: ChildProcess;
}

function startServer(flags = ['--max-clients', '512']): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', '--split', 'train', '--workers', '1', '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /(http:\/\/\S+):(\d+)\/batches/.exec(out);
      if (match) resolve({ url: `${match[1]}:${match[2]}`, port: Number(match[2]), child });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

/** A field of /proc/PID/status in MiB (VmRSS now, VmHWM the peak). */
function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Counts the samples of a frame stream from its headers, skipping the bodies (a reader that costs little). */
class FrameCounter {
  samples = 0;
  error: string | undefined;
  private head = Buffer.alloc(0); // the length prefix, then the header, being gathered
  private need = 4; // bytes of `head` wanted; 0 while skipping a body
  private skip = 0;

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, chunk.length - at);
        this.skip -= take;
        at += take;
        continue;
      }
      const take = Math.min(this.need - this.head.length, chunk.length - at);
      this.head = Buffer.concat([this.head, chunk.subarray(at, at + take)]);
      at += take;
      if (this.head.length < this.need) return;
      if (this.need === 4) {
        this.need = 4 + this.head.readUInt32BE(0);
        continue;
      }
      const header = JSON.parse(this.head.subarray(4).toString()) as { shape?: number[]; dtype?: string; error?: string };
      if (header.error) this.error = header.error;
      const [n = 0, h = 0, w = 0] = header.shape ?? [];
      this.samples += n;
      this.skip = n * h * w * (header.dtype === 'float32' ? 4 : 1) + 5 * n;
      this.head = Buffer.alloc(0);
      this.need = 4;
    }
  }
}

/** Reads a stream to its end; resolves with its samples and any error. */
function readStream(url: string): Promise<{ samples: number; error?: string }> {
  return new Promise((resolve) => {
    get(url, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve({ samples: 0, error: `HTTP ${res.statusCode}` });
      }
      const counter = new FrameCounter();
      res.on('data', (chunk: Buffer) => counter.push(chunk));
      res.on('end', () => resolve({ samples: counter.samples, error: counter.error }));
      res.on('error', (e) => resolve({ samples: counter.samples, error: e.message }));
    }).on('error', (e) => resolve({ samples: 0, error: e.message }));
  });
}

/** Opens a stream and never reads it: the server's writes fill the socket, then its pipeline waits. */
function idleClient(port: number, query: string): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET /batches?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      socket.pause();
      resolve(socket);
    });
    socket.on('error', () => undefined);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One reader's epoch of train: its rate in images/s and whether it got every sample without error. */
async function timedEpoch(url: string): Promise<{ rate: number; complete: boolean }> {
  const start = performance.now();
  const result = await readStream(url);
  return { rate: result.samples / ((performance.now() - start) / 1000), complete: result.samples === TRAIN && result.error === undefined };
}

/** 64 clients at the largest batch (float32) that never read, and one reader beside them. */
async function stalledCase(): Promise<CaseResult> {
  const server = await startServer(['--max-clients', '65', '--max-memory', '512', '--normalize', '0.1307:0.3081']);
  await sleep(500);
  const baseline = memoryMiB(server.child.pid!, 'VmRSS');
  const health = (await (await fetch(`${server.url}/health`)).json()) as { maxBatch: number; clientMemory: number; maxMemory: number };
  const alone = await timedEpoch(`${server.url}/batches?seed=1&batch=128`);
  const idle: Socket[] = [];
  for (let k = 0; k < 64; k++) idle.push(await idleClient(server.port, `seed=${1000 + k}&batch=${health.maxBatch}&epochs=100`));
  await sleep(10_000); // every stalled pipeline has filled what it may hold
  const stalledMiB = memoryMiB(server.child.pid!, 'VmRSS') - baseline;
  const beside = await timedEpoch(`${server.url}/batches?seed=2&batch=128`);
  const peak = memoryMiB(server.child.pid!, 'VmHWM');
  for (const socket of idle) socket.destroy();
  server.child.kill('SIGTERM');
  return {
    name: `serve: 1 reader beside 64 stalled clients at batch ${health.maxBatch} (float32)`,
    images: TRAIN,
    runs: [TRAIN / beside.rate],
    medianSeconds: TRAIN / beside.rate,
    imagesPerSecond: beside.rate,
    peakRssMiB: peak,
    workers: 1,
    extra: {
      readerAloneImagesPerSecond: Math.round(alone.rate),
      serverBaselineMiB: Math.round(baseline),
      stalledClientsMiB: Math.round(stalledMiB),
      boundMiB: Math.round(health.maxMemory / 2 ** 20),
      clientMiB: Math.round((health.clientMemory / 2 ** 20) * 10) / 10,
      errors: (alone.complete ? 0 : 1) + (beside.complete ? 0 : 1),
    },
  };
}

export async function serveCases(which: string): Promise<CaseResult> {
  if (which === 'stalled:64') return stalledCase();
  const server = await startServer();
  await sleep(500);
  const baseline = memoryMiB(server.child.pid!, 'VmRSS');
  const [kind, countText] = which.split(':');
  const count = Number(countText);
  const idle: Socket[] = [];
  let idleMiB: number | undefined;
  if (kind === 'idle' || kind === 'mixed') {
    for (let k = 0; k < 64; k++) idle.push(await idleClient(server.port, `seed=${1000 + k}&batch=128&epochs=100`));
    await sleep(kind === 'idle' ? 10_000 : 2000);
    idleMiB = memoryMiB(server.child.pid!, 'VmRSS') - baseline;
  }
  const readers = kind === 'job' ? 8 : kind === 'idle' ? 0 : kind === 'mixed' ? 64 : count;
  const urls = Array.from({ length: readers }, (_, k) =>
    kind === 'job' ? `${server.url}/batches?seed=1&batch=128&rank=${k}&worldSize=8&epochs=4` : `${server.url}/batches?seed=${k}&batch=128`,
  );
  const start = performance.now();
  const results = await Promise.all(urls.map(readStream));
  const seconds = (performance.now() - start) / 1000;
  const images = results.reduce((n, r) => n + r.samples, 0);
  const expected = kind === 'job' ? 8 * 4 * (TRAIN / 8) : readers * TRAIN;
  const errors = results.filter((r) => r.error !== undefined).length + (images === expected ? 0 : 1);
  const peak = memoryMiB(server.child.pid!, 'VmHWM');
  for (const socket of idle) socket.destroy();
  server.child.kill('SIGTERM');
  const label = kind === 'job' ? '8 ranks of one job, 4 epochs of their share each' : kind === 'idle' ? '64 idle clients (connect, never read)' : kind === 'mixed' ? '64 readers + 64 idle clients' : `${count} client${count > 1 ? 's' : ''}, one epoch each`;
  return {
    name: `serve: ${label}`,
    images,
    runs: [seconds],
    medianSeconds: seconds,
    imagesPerSecond: readers > 0 ? images / seconds : 0,
    peakRssMiB: peak,
    workers: 1,
    extra: { serverBaselineMiB: Math.round(baseline), ...(idleMiB === undefined ? {} : { idleClientsMiB: Math.round(idleMiB) }), errors, clients: readers + idle.length },
  };
}
