// Core's bundle rebuilt while programs import it (scripts/bundle-library.mjs, which core's prepack
// runs: a test packing the packages does so while the others run the CLI). Each file is written
// beside itself and renamed into place, and an earlier build's files go only after (scripts/
// bundling.mjs): a program started at any moment of a rebuild finds a whole bundle. Removing
// the folder first, as the script did, failed the serve tests once in CI: "Cannot find module
// .../core/dist/bundle/index.js".
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { raw, ROOT } from '../fixtures/mnist.js';

const run = (args: string[]): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });

it('rebuilding core\'s bundle 8 times while 40 programs import core and read an IDX header: every one finds a whole bundle', async () => {
  const importer = ['--input-type=module', '-e', "const { idxFileInfo } = await import('@idxflow/core'); const info = await idxFileInfo(process.argv[1]); if (info.count !== 10000) process.exit(3);", raw('t10k-labels-idx1-ubyte')];
  let building = true;
  const builds = (async () => {
    for (let i = 0; i < 8; i++) {
      const build = await run([join(ROOT, 'scripts/bundle-library.mjs'), join(ROOT, 'packages/core')]);
      expect(build.code, build.stderr).toBe(0);
    }
    building = false;
  })();
  const failures: string[] = [];
  let started = 0;
  while (building || started < 40) {
    const results = await Promise.all([run(importer), run(importer)]);
    started += 2;
    for (const r of results) if (r.code !== 0) failures.push(r.stderr.split('\n').find((line) => line.includes('Error')) ?? `exit ${r.code}`);
  }
  await builds;
  expect(failures).toEqual([]);
  // The bundle left is whole: a fresh program imports it.
  expect(spawnSync(process.execPath, importer, { cwd: ROOT }).status).toBe(0);
});
