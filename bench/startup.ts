// `pnpm bench startup`: how long a whole process takes to start and end, as a user meets it.
// Each command runs N times (default 10), the commands interleaved (a, b, c, a, b, c, ...),
// each time in a new process; a row gives the median wall time and its ratio to a bare
// `node -e 0` measured in the same rounds, so the ratio holds from one machine to another
// better than the seconds do. bench/baselines/startup.json holds the figures of an earlier
// run (the "before" of a change), printed beside today's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, RAW_DIR, ROOT } from './harness.js';

// The idxflow bin as installed: the CLI package's bundle (pnpm bench makes it).
const CLI = join(ROOT, 'packages/cli', (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { bin: { idxflow: string } }).bin.idxflow);
const RAW_IMAGES = join(RAW_DIR, 't10k-images-idx3-ubyte');

/** One measured command: what it is called in the table and its arguments to node. */
interface StartupCase {
  name: string;
  args: (scratch: string) => string[];
}

const CASES: StartupCase[] = [
  { name: 'node -e 0', args: () => ['-e', '0'] },
  { name: 'idxflow --version', args: () => [CLI, '--version'] },
  { name: 'idxflow info t10k-images-idx3-ubyte (raw)', args: () => [CLI, 'info', RAW_IMAGES] },
  { name: "import('@idxflow/core')", args: () => ['--input-type=module', '-e', "await import('@idxflow/core')"] },
  {
    name: 'idxflow export 60,000 train, --elastic 34:4, idx',
    args: (scratch) => [CLI, 'export', '--dataset', 'mnist', '--split', 'train', '--elastic', '34:4', '--format', 'idx', '--out', join(scratch, 'out')],
  },
];

/** The earlier run kept in bench/baselines/startup.json: its medians (seconds) by case name. */
interface StartupBaseline {
  recorded: string;
  commit: string;
  note: string;
  medians: Record<string, number>;
}

/** One run of `c` in a new process, in seconds; a fresh scratch folder, removed afterwards. */
function timeOnce(c: StartupCase): number {
  const scratch = mkdtempSync(join(tmpdir(), 'idxflow-bench-startup-'));
  try {
    const start = process.hrtime.bigint();
    // From the repository root, as `pnpm idxflow` runs, and where `@idxflow/core` resolves.
    const r = spawnSync(process.execPath, c.args(scratch), { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`bench startup: ${c.name} exited with ${r.status}:\n${r.stderr}`);
    return seconds;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function baseline(): StartupBaseline | undefined {
  const file = join(ROOT, 'bench/baselines/startup.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StartupBaseline) : undefined;
}

/** Runs every case `runs` times, interleaved, and prints the medians and ratios to `node -e 0`. */
export function startupBench(runs: number): void {
  const times = CASES.map((): number[] => []);
  for (let round = 1; round <= runs; round++) {
    if (runs > 1) process.stderr.write(`startup round ${round} of ${runs}\n`);
    CASES.forEach((c, i) => times[i].push(timeOnce(c)));
  }
  const medians = times.map((t) => median(t));
  const before = baseline();
  const bare = medians[0];
  const bareBefore = before?.medians[CASES[0].name];
  console.log(`start-up, whole process (wall time, median of ${runs} runs, interleaved; x = ratio to node -e 0):`);
  CASES.forEach((c, i) => {
    const range = `${Math.min(...times[i]).toFixed(3)}–${Math.max(...times[i]).toFixed(3)} s`;
    const then = before?.medians[c.name];
    const was = then !== undefined && bareBefore ? `   before: ${then.toFixed(3)} s ${(then / bareBefore).toFixed(2)}x` : '';
    console.log(`  ${c.name.padEnd(50)} ${medians[i].toFixed(3)} s ${`${(medians[i] / bare).toFixed(2)}x`.padStart(7)}  (${range})${was}`);
  });
  if (before) console.log(`  before = bench/baselines/startup.json: ${before.recorded}, ${before.commit}; ${before.note}`);
}
