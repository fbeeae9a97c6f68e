// `pnpm bench`: runs every case in its own process (so peak RSS is per case) and prints a
// table, then the torchvision baseline on the same data and our speed as a ratio of theirs.
// A row without a worker count ran on one core (the main thread). Pass group names to run
// only those groups: `pnpm bench core transforms baseline sinks`.
//
// `pnpm bench startup` times whole processes instead (bench/startup.ts): a bare node, the CLI's
// --version and info, importing core, and a 60,000-image export, 10 runs each unless --rounds says.
//
// Rounds: the cases run `--rounds N` times (default 3), one round after another (a, b, c, a,
// b, c, ...), each time in a new process, and a row gives the median over its rounds and
// their range. On a VM one process can run much slower than the next for its whole life (where
// the host runs that vCPU while the process keeps it busy), and slow spells last seconds to
// minutes; a figure from one process, or from runs of one case back to back, is a draw.
// pyperf runs each benchmark in several processes for the same reason. docs/benchmarks.md
// has the figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatRate, gzippedMnist, median, ROOT, type CaseResult } from './harness.js';
import { startupBench } from './startup.js';

const CASES: [group: string, which: string][] = [
  ['core', 'decode'],
  ['core', 'decode-shuffle-batch'],
  ...['a', 'b', 'c'].flatMap((c): [string, string][] => [0, 1, 2].map((w) => ['transforms', `${c}:${w}`])),
  ...[0, 2].map((w): [string, string] => ['transforms', `d:${w}`]),
  ...['e', 'f'].flatMap((c): [string, string][] => [0, 2].map((w) => ['transforms', `${c}:${w}`])),
  ...['idx', 'idx.gz', 'npy', 'npz', 'png', 'wds', 'serve'].map((f): [string, string] => ['sinks', f]),
  ...['npy', 'wds'].map((f): [string, string] => ['export', f]),
  ['corrupt', 'suite'],
  ...['20', '40', '100'].map((mb): [string, string] => ['npy', mb]),
  ...['readers:1', 'readers:8', 'readers:32', 'readers:64', 'job:8', 'idle:64', 'mixed:64', 'stalled:64'].map((c): [string, string] => ['serve', c]),
];

// Compiled JavaScript, as users run the library: `--import tsx`, which worker threads inherit,
// slows the cases down (docs/benchmarks.md).
function runCase(group: string, which: string): CaseResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'dist', 'case.js'), group, which], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench case ${group}/${which} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as CaseResult;
}

/** One case over its rounds: the median round's figures, the range of rates, the highest peak RSS. */
interface Summary {
  result: CaseResult;
  rates: number[];
  peakRssMiB: number;
}

function summarise(rounds: CaseResult[]): Summary {
  const rates = rounds.map((r) => r.imagesPerSecond);
  const mid = median(rates);
  // The round nearest the median (the median itself for an odd count) supplies the details.
  const result = rounds.reduce((a, b) => (Math.abs(b.imagesPerSecond - mid) < Math.abs(a.imagesPerSecond - mid) ? b : a));
  const summary = { ...result, imagesPerSecond: mid, medianSeconds: result.images / mid };
  return { result: summary, rates, peakRssMiB: Math.max(...rounds.map((r) => r.peakRssMiB)) };
}

function print({ result: r, rates, peakRssMiB }: Summary): void {
  const workers = !r.workers ? 'single-core' : `${r.workers} worker${r.workers > 1 ? 's' : ''}`;
  const range = rates.length > 1 ? `, ${rates.length} rounds ${formatRate(Math.min(...rates))}–${formatRate(Math.max(...rates))}` : '';
  // A case that moves no images (idle clients) measures memory only.
  const speed = r.images === 0 ? `${'-'.padStart(8)} images/s  (${rates.length} rounds)` : `${formatRate(r.imagesPerSecond).padStart(8)} images/s  (median ${r.medianSeconds.toFixed(3)} s / ${r.images}${range})`;
  console.log(
    `${r.name.padEnd(62)} ${workers.padEnd(11)} ${speed}  peak RSS ${peakRssMiB.toFixed(0)} MiB` +
      (r.extra ? `  ${JSON.stringify(r.extra)}` : ''),
  );
}

/** The torchvision DataLoader baseline, or undefined (with a message) where torch is missing. */
async function baseline(kind: string, workers: number): Promise<number | undefined> {
  const python = '/usr/bin/python3';
  if (spawnSync(python, ['-c', 'import torch, torchvision, scipy'], { encoding: 'utf8' }).status !== 0) return undefined;
  const files = await gzippedMnist('train');
  const r = spawnSync(python, [join(ROOT, 'bench/baselines/torch_baseline.py'), '--images', files.images, '--labels', files.labels, '--case', kind, '--workers', String(workers), '--runs', '3', '--json'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`baseline ${kind} failed:\n${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { images_per_second: number }).images_per_second;
}

const GROUPS = [...new Set(CASES.map(([g]) => g)), 'baseline', 'startup'];
const USAGE = `usage: pnpm bench [--rounds N] [--beside DIR] [GROUP ...]   (groups: ${GROUPS.join(', ')}; default all; --beside: startup from another built checkout too)`;
/** A bad command line: one line and the usage on stderr, exit 2, as the CLI does. */
function refuse(message: string): never {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}
function commandLine() {
  try {
    return parseArgs({ options: { rounds: { type: 'string' }, beside: { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true });
  } catch (error) {
    return refuse((error as Error).message.split('.')[0]);
  }
}
const { values: flags, positionals: only } = commandLine();
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const rounds = Number(flags.rounds ?? '3');
if (!Number.isInteger(rounds) || rounds < 1) refuse(`--rounds expects a whole number >= 1, got ${flags.rounds}`);
if (flags.beside !== undefined && !existsSync(join(resolve(flags.beside), 'packages/cli/bundle/idxflow.js'))) {
  refuse(`--beside expects a checkout of idxflow built with pnpm build, and ${resolve(flags.beside)} has no packages/cli/bundle/idxflow.js`);
}
const unknown = only.filter((g) => !GROUPS.includes(g));
if (unknown.length > 0) refuse(`no group ${unknown.join(', ')}`);
const wanted = (group: string): boolean => only.length === 0 || only.includes(group);
const cases = CASES.filter(([g]) => wanted(g));
console.log(`idxflow bench: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`);
if (cases.length > 0) {
  console.log('single-core = main thread only; N workers = worker threads plus the main thread');
  console.log(`each case: median of ${rounds} round${rounds > 1 ? 's' : ''}, one process per round (the range follows)`);
}
console.log('');
const results = cases.map((): CaseResult[] => []);
for (let round = 1; round <= rounds; round++) {
  if (rounds > 1) process.stderr.write(`round ${round} of ${rounds}\n`);
  cases.forEach(([group, which], i) => results[i].push(runCase(group, which)));
}
const ours = new Map<string, number>();
cases.forEach(([group, which], i) => {
  const summary = summarise(results[i]);
  if (group === 'transforms') ours.set(which, summary.result.imagesPerSecond);
  print(summary);
});

async function torchBaseline(): Promise<void> {
  console.log('\ntorchvision baseline (bench/baselines/torch_baseline.py), same data, DataLoader(batch 128, shuffle):');
  for (const [kind, ourCase] of [['none', 'a'], ['affine', 'b'], ['elastic', 'c'], ['randaugment', 'e'], ['trivialaugment', 'f']] as const) {
    for (const [workers, ourWorkers] of [[0, 0], [2, 2]] as const) {
      const theirs = await baseline(kind, workers);
      if (theirs === undefined) {
        console.log('  skipped: /usr/bin/python3 lacks torch, torchvision or scipy (Debian: apt-get install python3-torchvision python3-scipy)');
        return;
      }
      const mine = ours.get(`${ourCase}:${ourWorkers}`);
      const label = workers === 0 ? 'single-core, num_workers=0' : 'num_workers=2';
      const ratio = mine ? `  idxflow ${ourCase}:${ourWorkers === 0 ? 'single-core' : `${ourWorkers} workers`} = ${(mine / theirs).toFixed(1)}x` : '';
      console.log(`  (${ourCase}) ${kind.padEnd(8)} ${label.padEnd(27)} ${formatRate(theirs).padStart(8)} images/s${ratio}`);
    }
  }
}

if (wanted('baseline')) await torchBaseline();
if (wanted('startup')) {
  if (wanted('baseline') || cases.length > 0) console.log('');
  startupBench(Number(flags.rounds ?? '10'), flags.beside === undefined ? undefined : resolve(flags.beside));
}
