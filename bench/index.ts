// `pnpm bench`: runs every case in its own process (so peak RSS is per case) and prints a
// table. Figures are single-core unless the row names a worker count. Pass group names to run
// only those groups: `pnpm bench core transforms`.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { formatRate, ROOT, type CaseResult } from './harness.js';

const CASES: [group: string, which: string][] = [
  ['core', 'decode'],
  ['core', 'decode-shuffle-batch'],
  ['transforms', 'a:0'],
  ['transforms', 'a:1'],
  ['transforms', 'a:2'],
  ['transforms', 'b:1'],
  ['transforms', 'b:2'],
  ['transforms', 'c:1'],
  ['transforms', 'c:2'],
];

function runCase(group: string, which: string): CaseResult {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'case.ts'), group, which], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench case ${group}/${which} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as CaseResult;
}

const only = process.argv.slice(2);
console.log(`idxflow bench — node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`);
console.log('median of 5 runs after a warm-up; peak RSS of the case process\n');
for (const [group, which] of CASES.filter(([g]) => only.length === 0 || only.includes(g))) {
  const r = runCase(group, which);
  const workers = !r.workers ? 'single-core' : `${r.workers} worker${r.workers > 1 ? 's' : ''}`;
  console.log(
    `${r.name.padEnd(56)} ${workers.padEnd(12)} ${formatRate(r.imagesPerSecond).padStart(9)} images/s  ` +
      `(${r.medianSeconds.toFixed(3)} s for ${r.images})  peak RSS ${r.peakRssMiB.toFixed(0)} MiB` +
      (r.extra ? `  ${JSON.stringify(r.extra)}` : ''),
  );
}
