// The array formats split across machines: the same export run as one process and as 3 parts
// (`--shard I/3`), then `merge-manifests` on the parts. For idx, idx.gz, npy and npz the merge
// joins the parts' files, so the folder ends up holding exactly what the single process wrote,
// byte for byte, manifest.json included, and no part file. Python's readers (torchvision's MNIST,
// numpy) load the joined files. A join that fails leaves the parts as they were.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, raw } from '../fixtures/mnist.js';
import { python, pythonWith } from '../fixtures/python.js';

const SCHEDULER_VARS = ['JOB_COMPLETION_INDEX', 'IDXFLOW_SHARDS', 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'RANK', 'WORLD_SIZE'];

/** This process's environment without scheduler variables, and with no progress line (a slow run would print one every 5 s). */
const ENV = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCHEDULER_VARS.includes(k))), IDXFLOW_PROGRESS_SECONDS: '86400' };

/** Runs the CLI with no scheduler variable inherited from this process. */
function idxflow(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: ENV });
}

// 6001 samples: parts of 2000, 2000 and 2001, each over 1 MiB of images (the join reads 1 MiB at a time).
const LIMIT = 6001;
/** The samples of `format`'s export: fewer for a PNG folder, a file per sample. */
const limitOf = (format: string): number => (format === 'png' ? 1201 : LIMIT);
const exportArgs = (format: string, out: string, extra: string[] = [], limit = LIMIT): string[] => ['export', '--split', 'train', '--limit', String(limit), '--rotate', '10', '--seed', '3', '--format', format, '--out', out, ...extra];

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Every file under `dir` (hidden ones too, a PNG folder's images), by relative path, with the SHA-256 of its bytes. */
const contents = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
      .sort()
      .map((n) => [n, sha256(readFileSync(join(dir, n)))]),
  );

/** Runs the CLI without waiting: the single export and the parts run at the same time, as on many machines. */
function idxflowAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject).on('close', (status) => resolve({ status, stderr }));
  });
}

/** Exports `format` whole into `<root>/single` and as 3 parts into `<root>/parts`, all four at once. */
async function exportBoth(format: string, root: string): Promise<{ single: string; parts: string }> {
  const single = join(root, 'single');
  const parts = join(root, 'parts');
  const limit = limitOf(format);
  const runs = await Promise.all([idxflowAsync(exportArgs(format, single, [], limit)), ...[0, 1, 2].map((k) => idxflowAsync(exportArgs(format, parts, ['--shard', `${k}/3`], limit)))]);
  expect(runs.map((r) => [r.status, r.stderr]), format).toEqual(Array(4).fill([0, '']));
  return { single, parts };
}

/** Each format exported once, whole and in parts; every test merges a copy of the parts. */
const exported = new Map<string, { single: string; parts: string }>();

/** The single export of `format`, and a new copy of its parts at `to` (default: a new folder). */
async function exportOf(format: string, to = join(mkdtempSync(join(tmpdir(), `idxflow-join-${format}-`)), 'parts')): Promise<{ single: string; parts: string }> {
  if (!exported.has(format)) exported.set(format, await exportBoth(format, mkdtempSync(join(tmpdir(), `idxflow-join-${format}-`))));
  const { single, parts } = exported.get(format)!;
  cpSync(parts, to, { recursive: true });
  return { single, parts: to };
}

const JOINED: Record<string, string[]> = {
  idx: ['manifest.json', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  'idx.gz': ['manifest.json', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
  npy: ['manifest.json', 'train-images.npy', 'train-labels.npy'],
  npz: ['manifest.json', 'train.npz'],
  png: ['SHA256SUMS', 'labels.csv', 'manifest.json'], // beside the images, <label>/<position>.png
};

describe('idxflow merge-manifests joins the parts of an array-format export', () => {
  const roots: Record<string, { single: string; parts: string }> = {};

  for (const format of Object.keys(JOINED)) {
    it(`${format}: the joined folder is the single export's, byte for byte, with no part file left`, async () => {
      // The idx parts go where torchvision looks for MNIST's raw files, for the Python check below.
      const dirs = await exportOf(format, format === 'idx' ? join(mkdtempSync(join(tmpdir(), 'idxflow-join-torchvision-')), 'MNIST', 'raw') : undefined);
      roots[format] = dirs;
      const partNames = readdirSync(dirs.parts);
      expect(partNames.filter((n) => n.includes('.part-0000'))).toHaveLength(3 + (format === 'npz' ? 3 : 6));
      const merged = idxflow(['merge-manifests', dirs.parts]);
      expect(merged.stderr).toBe('');
      expect(merged.status).toBe(0);
      const files = JOINED[format].filter((n) => n !== 'manifest.json');
      expect(merged.stdout).toBe(`merged 3 parts into ${join(dirs.parts, 'manifest.json')}: ${limitOf(format)} images, ${files.length} files (${sha256(readFileSync(join(dirs.parts, 'manifest.json'))).slice(0, 12)}): ${files.join(', ')}; removed ${3 * files.length} part files and 3 part manifests\n`);
      const single = contents(dirs.single);
      expect(Object.keys(single).filter((n) => !n.endsWith('.png'))).toEqual(JOINED[format]);
      expect(Object.keys(single).filter((n) => n.endsWith('.png'))).toHaveLength(format === 'png' ? limitOf('png') : 0);
      expect(contents(dirs.parts)).toEqual(single);
    });
  }

  it('torchvision reads the joined IDX files as MNIST; numpy loads the joined NPY and NPZ as the single export', () => {
    for (const format of ['idx', 'npy', 'npz']) expect(roots[format], `the ${format} case ran first`).toBeDefined();
    const idxRaw = roots.idx.parts;
    // torchvision 0.14 wants the test split's files as well: the real ones.
    for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const) copyFileSync(raw(name), join(idxRaw, name));
    const torchvision = pythonWith('torchvision');
    const script = `
import hashlib, json, sys
import numpy as np
idx_root, idx_single, npy_joined, npy_single, npz_joined, npz_single, torchvision = sys.argv[1:8]
out = {}
with open(idx_single + '/train-images-idx3-ubyte', 'rb') as f: images = np.frombuffer(f.read(), np.uint8, offset=16)
with open(idx_single + '/train-labels-idx1-ubyte', 'rb') as f: labels = np.frombuffer(f.read(), np.uint8, offset=8)
if torchvision == '1':
    from torchvision.datasets import MNIST
    m = MNIST(idx_root, train=True, download=False)
    out['torchvision'] = [len(m), list(m.data.shape), bool(np.array_equal(m.data.numpy().reshape(-1), images)), bool(np.array_equal(m.targets.numpy(), labels))]
x, y = np.load(npy_joined + '/train-images.npy'), np.load(npy_joined + '/train-labels.npy')
x1, y1 = np.load(npy_single + '/train-images.npy'), np.load(npy_single + '/train-labels.npy')
out['npy'] = [list(x.shape), str(x.dtype), list(y.shape), bool(np.array_equal(x, x1)), bool(np.array_equal(y, y1))]
with np.load(npz_joined + '/train.npz') as z, np.load(npz_single + '/train.npz') as z1:
    out['npz'] = [sorted(z.files), list(z['x'].shape), bool(np.array_equal(z['x'], z1['x'])), bool(np.array_equal(z['y'], z1['y']))]
    # The same samples in all three: the npz's images are the idx export's.
    out['npzIsIdx'] = bool(np.array_equal(z['x'].reshape(-1), images)) and bool(np.array_equal(z['y'], labels))
print(json.dumps(out))`;
    const { idx, npy, npz } = roots;
    const expected: Record<string, unknown> = {
      npy: [[LIMIT, 28, 28], 'uint8', [LIMIT], true, true],
      npz: [['x', 'y'], [LIMIT, 28, 28], true, true],
      npzIsIdx: true,
    };
    if (torchvision) expected.torchvision = [LIMIT, [LIMIT, 28, 28], true, true];
    expect(python(script, join(idx.parts, '..', '..'), idx.single, npy.parts, npy.single, npz.parts, npz.single, torchvision ? '1' : '0')).toEqual(expected);
  });
});

describe('a join that fails', () => {
  /** A copy of the parts of `format`, and what the folder holds before the merge. */
  async function partsOf(format: string): Promise<{ dir: string; before: Record<string, string> }> {
    const { parts } = await exportOf(format);
    return { dir: parts, before: contents(parts) };
  }

  /** Rewrites part `k`'s manifest so that it lists `name` with its present size and SHA-256 (a manifest a SHA-256 check passes). */
  function relist(dir: string, k: number, name: string): void {
    const path = join(dir, `manifest.part-0000${k}-of-00003.json`);
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    const bytes = readFileSync(join(dir, name));
    manifest.files = manifest.files.map((f: { name: string }) => (f.name === name ? { name, bytes: bytes.length, sha256: sha256(bytes) } : f));
    writeFileSync(path, JSON.stringify(manifest, null, 2) + '\n');
  }

  it('a part file removed: refused, naming it; the other parts stay as they were, nothing joined', async () => {
    const { dir, before } = await partsOf('npy');
    const gone = join(dir, 'train-labels.part-00002-of-00003.npy');
    const { [gone.slice(dir.length + 1)]: _removed, ...rest } = before;
    rmSync(gone);
    const r = idxflow(['merge-manifests', dir]);
    expect(r.status).toBe(1);
    // The merge's own checks may name it first (ManifestError); either way the file is named.
    expect(r.stderr).toMatch(new RegExp(`^idxflow: (PartJoinError|ManifestError): ${gone}: expected a file of 2129 bytes.*, found no such file\\n$`));
    expect(contents(dir)).toEqual(rest);
  });

  it('an idx.gz part cut short (its manifest listing the cut file): fails mid-join, leaving the parts and no temporary', async () => {
    const { dir, before } = await partsOf('idx.gz');
    const cut = 'train-images-idx3-ubyte.part-00002-of-00003.gz';
    truncateSync(join(dir, cut), 5000);
    relist(dir, 2, cut);
    const listed = contents(dir);
    const r = idxflow(['merge-manifests', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`idxflow: PartJoinError: ${join(dir, cut)}: expected a whole gzip file, found one that does not decompress (unexpected end of file)\n`);
    expect(contents(dir)).toEqual(listed);
    expect(Object.keys(listed)).toEqual(Object.keys(before));
  });

  it('an npy part cut short (its manifest listing the cut file): refused at the end of its samples, nothing joined', async () => {
    const { dir } = await partsOf('npy');
    const cut = 'train-images.part-00001-of-00003.npy';
    truncateSync(join(dir, cut), 128 + 2000 * 784 - 1);
    relist(dir, 1, cut);
    const listed = contents(dir);
    const r = idxflow(['merge-manifests', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`idxflow: PartJoinError: ${join(dir, cut)} at byte 128: expected ${2000 * 784} bytes of samples after the header, found ${2000 * 784 - 1}\n`);
    expect(contents(dir)).toEqual(listed);
  });

  it("an npz part whose x.npy header is another part's count: refused, naming the file and offset", async () => {
    const { dir } = await partsOf('npz');
    const name = 'train.part-00000-of-00003.npz';
    const bytes = readFileSync(join(dir, name));
    const at = bytes.indexOf("'shape': (2000, 28, 28)");
    expect(at).toBeGreaterThan(0);
    bytes.write("'shape': (2001, 28, 28)", at, 'latin1');
    writeFileSync(join(dir, name), bytes);
    relist(dir, 0, name);
    const listed = contents(dir);
    const r = idxflow(['merge-manifests', dir]);
    expect(r.status).toBe(1);
    // The member x.npy starts after the 30-byte local header and its 5-byte name.
    expect(r.stderr).toMatch(new RegExp(`^idxflow: PartJoinError: ${join(dir, name)} at byte 35: expected the 128-byte header of the part's samples \\(934e554d5059`));
    expect(contents(dir)).toEqual(listed);
  });
});

describe('parts on one shared folder', () => {
  it("a part leaves another part's temporaries alone (its NPZ's arrays, its journal) and removes its own stale ones", () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'idxflow-join-shared-')), 'parts');
    mkdirSync(dir);
    // Part 0 still writing its arrays and its journal; part 1 killed earlier, in the same places.
    const running = ['.train.part-00000-of-00003.npz.x.npy.0123456789ab.partial', '..manifest.part-00000-of-00003.json.journal.0123456789ab.partial'];
    const stale = ['.train.part-00001-of-00003.npz.y.npy.0123456789ab.partial', '..manifest.part-00001-of-00003.json.journal.0123456789ab.partial', '.manifest.part-00001-of-00003.json.0123456789ab.partial'];
    for (const name of [...running, ...stale]) writeFileSync(join(dir, name), 'partial');
    const r = idxflow(exportArgs('npz', dir, ['--shard', '1/3'], 30));
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(readdirSync(dir).sort()).toEqual([...running, 'manifest.part-00001-of-00003.json', 'train.part-00001-of-00003.npz'].sort());
  });
});
