// `pnpm bench startup`: how long a whole process takes to start and end, as a user meets it.
// Each command runs N times (default 10), the commands interleaved (a, b, c, a, b, c, ...),
// each time in a new process; a row gives the median wall time and its ratio to a bare
// `node -e 0` measured in the same rounds, so the ratio holds from one machine to another
// better than the seconds do. bench/baselines/startup.json holds the figures of an earlier
// run (the "before" of a change), printed beside today's. `--beside DIR` also runs each case
// from DIR, another checkout built with `pnpm build` (a git worktree of the commit before a
// change), in the same rounds: the before and after of a change on one machine at one time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, RAW_DIR, ROOT } from './harness.js';

/** The idxflow bin of the checkout at `root` as installed: the CLI package's bundle (pnpm bench makes it). */
const cliOf = (root: string): string => join(root, 'packages/cli', (JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as { bin: { idxflow: string } }).bin.idxflow);
const RAW_IMAGES = join(RAW_DIR, 't10k-images-idx3-ubyte');

/** One measured command: what it is called in the table and its arguments to node, for the checkout at `root`. */
interface StartupCase {
  name: string;
  args: (scratch: string, root: string) => string[];
}

const CASES: StartupCase[] = [
  { name: 'node -e 0', args: () => ['-e', '0'] },
  { name: 'idxflow --version', args: (_, root) => [cliOf(root), '--version'] },
  { name: 'idxflow info t10k-images-idx3-ubyte (raw)', args: (_, root) => [cliOf(root), 'info', RAW_IMAGES] },
  { name: "import('@idxflow/core')", args: () => ['--input-type=module', '-e', "await import('@idxflow/core')"] },
  {
    name: 'idxflow export 60,000 train, --elastic 34:4, idx',
    args: (scratch, root) => [cliOf(root), 'export', '--dataset', 'mnist', '--split', 'train', '--elastic', '34:4', '--format', 'idx', '--out', join(scratch, 'out')],
  },
];

/** The earlier run kept in bench/baselines/startup.json: its medians (seconds) by case name. */
interface StartupBaseline {
  recorded: string;
  commit: string;
  note: string;
  medians: Record<string, number>;
}

/** One run of `c` from the checkout at `root` in a new process, in seconds; a fresh scratch folder, removed afterwards. */
function timeOnce(c: StartupCase, root: string): number {
  const scratch = mkdtempSync(join(tmpdir(), 'idxflow-bench-startup-'));
  try {
    const args = c.args(scratch, root); // before the clock starts: it reads the checkout's package.json
    const start = process.hrtime.bigint();
    // From the checkout's root, as `pnpm idxflow` runs, and where its `@idxflow/core` resolves.
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`bench startup: ${c.name} (${root}) exited with ${r.status}:\n${r.stderr}`);
    return seconds;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function baseline(): StartupBaseline | undefined {
  const file = join(ROOT, 'bench/baselines/startup.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StartupBaseline) : undefined;
}

/**
 * Runs every case `runs` times, interleaved, and prints the medians and ratios to `node -e 0`;
 * with `beside` (another built checkout), each case but the bare node also from there, in the
 * same rounds.
 */
export function startupBench(runs: number, beside?: string): void {
  const times = CASES.map((): number[] => []);
  const besideTimes = CASES.map((): number[] => []);
  for (let round = 1; round <= runs; round++) {
    if (runs > 1) process.stderr.write(`startup round ${round} of ${runs}\n`);
    CASES.forEach((c, i) => {
      times[i].push(timeOnce(c, ROOT));
      if (beside !== undefined && i > 0) besideTimes[i].push(timeOnce(c, beside));
    });
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
    const other = besideTimes[i].length > 0 ? median(besideTimes[i]) : undefined;
    const there = other === undefined ? '' : `   beside: ${other.toFixed(3)} s ${(other / bare).toFixed(2)}x`;
    console.log(`  ${c.name.padEnd(50)} ${medians[i].toFixed(3)} s ${`${(medians[i] / bare).toFixed(2)}x`.padStart(7)}  (${range})${there}${was}`);
  });
  if (beside !== undefined) console.log(`  beside = the checkout at ${beside}, in the same rounds (its ratio to this run's node -e 0)`);
  if (before) console.log(`  before = bench/baselines/startup.json: ${before.recorded}, ${before.commit}; ${before.note}`);
}
