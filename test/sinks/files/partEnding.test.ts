// A part that starts while another part of its export ends. The ending part writes its manifest,
// then removes its journal: a listing of the folder taken between the two holds the journal
// alone, and the journal is gone when it is read. The starting part then saw the other part's
// files with no record of them and refused the folder as "files of no idxflow export" (CI caught
// it once in 20 x 4 parts of test/cli/exportShared.test.ts). Here a second process makes a part
// end over and over while another part of the export starts 200 times beside it.
import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { from } from 'rxjs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { journalName, manifestName, runExport, type ExportSection } from '../../../packages/sinks/src/files/index.js';
import { tmp } from './fixtures.js';
import { positionalBlock } from './positional.js';

const TOTAL = 400;
const section: ExportSection = { split: 'train', total: TOTAL, source: (first, count) => from([positionalBlock(first, count)]) };
const part = (dir: string, index: number) => runExport({ dir, format: 'npy', part: { index, of: 4 }, sections: [section], manifest: { version: '0.0.0-test', seed: 5 } });

/**
 * Starts a process that cycles part `index`'s records in `dir` through its ending, over and over:
 * journal renamed in, manifest removed, manifest renamed in, journal removed. A record of the part
 * is there at every moment, each written whole (a rename). SIGTERM leaves the manifest alone.
 */
function endOverAndOver(dir: string, index: number): { stop: () => Promise<number | null> } {
  const staging = tmp();
  const manifest = readFileSync(join(dir, manifestName({ index, of: 4 })), 'utf8');
  writeFileSync(join(staging, 'manifest'), manifest);
  writeFileSync(join(staging, 'journal'), JSON.stringify({ ...JSON.parse(manifest), complete: false }));
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs');
       const [staging, manifest, journal] = process.argv.slice(1);
       const put = (name, to) => { fs.copyFileSync(staging + '/' + name, staging + '/next'); fs.renameSync(staging + '/next', to); };
       process.on('SIGTERM', () => { put('manifest', manifest); fs.rmSync(journal, { force: true }); process.exit(0); });
       setTimeout(() => process.exit(2), 100_000).unref(); // never outlives a test that timed out
       const cycle = () => {
         put('journal', journal); fs.rmSync(manifest);
         put('manifest', manifest); fs.rmSync(journal);
         setImmediate(cycle); // the event loop turns between cycles: SIGTERM's handler runs
       };
       cycle();`,
      staging,
      join(dir, manifestName({ index, of: 4 })),
      join(dir, journalName({ index, of: 4 })),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    stop: () => {
      child.kill('SIGTERM');
      return ended;
    },
  };
}

describe('a part starting while another part ends', () => {
  it("counts the ending part's files as this export's, 200 times", { timeout: 120_000 }, async () => {
    const done = tmp();
    await part(done, 1);
    const dir = tmp();
    for (const name of readdirSync(done)) copyFileSync(join(done, name), join(dir, name));
    const flapping = endOverAndOver(dir, 1);
    onTestFinished(() => void flapping.stop()); // stopped whatever happens below (again is harmless)
    const outcomes: string[] = [];
    const filesOf = (k: number): string[] => [manifestName({ index: k, of: 4 }), `train-images.part-0000${k}-of-00004.npy`, `train-labels.part-0000${k}-of-00004.npy`];
    for (let run = 0; run < 200; run++) {
      // Part 2 starts anew each time: with a record of its own there, any part's files are this export's.
      outcomes.push(await part(dir, 2).then(
        () => 'ok',
        (error: Error) => `${error.name}: ${error.message}`,
      ));
      for (const name of filesOf(2)) rmSync(join(dir, name), { force: true });
    }
    expect(await flapping.stop()).toBe(0); // it cycled until stopped (a crash would end it early, with 1)
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(filesOf(1).sort()); // part 1 as it was, no temporary, journal or lock
  });
});
