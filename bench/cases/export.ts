// MNIST8M-sized exports through the command line, whole process: `idxflow export --copies 135
// --shuffle --rotate 15 --shift 2 --elastic 34:4 --workers 2` (8.1 million images, the size of
// infiMNIST's MNIST8M) to npy and to wds. Reported: wall time including start-up and the dataset
// load, images/s, and the process's peak RSS (VmHWM, worker threads included). The output is
// removed afterwards (6.4 GB of npy, 16 GB of shards).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, type CaseResult } from '../harness.js';

const CLI = join(ROOT, 'packages/cli/dist/main.js');
const COPIES = 135;

/** Peak RSS in MiB of a live process (VmHWM), or NaN once it is gone. */
function peakMiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export async function exportCases(format: string): Promise<CaseResult> {
  const copies = Number(process.env.IDXFLOW_BENCH_COPIES ?? COPIES);
  const dir = await mkdtemp(join(tmpdir(), `idxflow-bench-export-${format}-`));
  const out = join(dir, 'out');
  const args = [CLI, 'export', '--copies', String(copies), '--shuffle', '--rotate', '15', '--shift', '2', '--elastic', '34:4', '--workers', '2', '--format', format, '--out', out];
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
  const seconds = (performance.now() - start) / 1000;
  await rm(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`export ${format} exited with ${code}`);
  const images = copies * 60000;
  return {
    name: `export: ${copies} x train (${(images / 1e6).toFixed(1)}M), shuffle, rotate+shift+elastic, to ${format}, whole process`,
    images,
    runs: [seconds],
    medianSeconds: seconds,
    imagesPerSecond: images / seconds,
    peakRssMiB: peak,
    workers: 2,
    extra: { summary: stdout.trim() },
  };
}
