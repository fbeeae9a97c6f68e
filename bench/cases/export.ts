// MNIST8M-sized exports through the command line, whole process: `idxflow export --copies 135
// --shuffle --rotate 15 --shift 2 --elastic 34:4 --workers 2` (8.1 million images, the size of
// infiMNIST's MNIST8M) to npy and to wds. Reported: wall time including start-up and the dataset
// load, images/s, and the process's peak RSS (VmHWM, worker threads included). The output is
// removed afterwards (6.4 GB of npy, 16 GB of shards).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processCase, ROOT, timedProcess, type CaseResult } from '../harness.js';

const CLI = join(ROOT, 'packages/cli/dist/main.js');
const COPIES = 135;

export async function exportCases(format: string): Promise<CaseResult> {
  const copies = Number(process.env.IDXFLOW_BENCH_COPIES ?? COPIES);
  const dir = await mkdtemp(join(tmpdir(), `idxflow-bench-export-${format}-`));
  const out = join(dir, 'out');
  const args = [CLI, 'export', '--copies', String(copies), '--shuffle', '--rotate', '15', '--shift', '2', '--elastic', '34:4', '--workers', '2', '--format', format, '--out', out];
  const run = await timedProcess(args);
  await rm(dir, { recursive: true, force: true });
  if (run.code !== 0) throw new Error(`export ${format} exited with ${run.code}`);
  const images = copies * 60000;
  return processCase(`export: ${copies} x train (${(images / 1e6).toFixed(1)}M), shuffle, rotate+shift+elastic, to ${format}, whole process`, images, run, { summary: run.stdout.trim() });
}
