// export --corrupt and export --suite mnist-c: the flags' bounds, a corrupted export checked
// against a formula, and the suite's layout read by numpy, identical run after run and for 0
// and 2 workers.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRow, checkRowInProcess, rowName, run, type Row } from '../fixtures/cliRows.js';
import { raw } from '../fixtures/mnist.js';
import { describeWithPython, python } from '../fixtures/python.js';

const X = (...flags: string[]): string[] => ['export', '--split', 'test', '--limit', '20', '--format', 'npy', ...flags];
const ok = (args: string[]): Row => ({ args, expect: 'ok' });
const no = (args: string[], message: string): Row => ({ args, expect: message });
const NAMES = 'identity, shot_noise, impulse_noise, glass_blur, motion_blur, shear, scale, rotate, brightness, translate, stripe, fog, spatter, dotted_line, zigzag, canny_edges, gaussian_noise, speckle_noise, gaussian_blur, contrast, quantize, line, inverse, pixelate, zoom_blur, defocus_blur, jpeg_compression, elastic_transform';

const rows: Row[] = [
  ok(X('--corrupt', 'fog')),
  ok(X('--corrupt', 'fog:1')),
  ok(X('--corrupt', 'canny_edges')),
  ok(X('--corrupt', 'jpeg_compression:1')),
  ok(X('--corrupt', 'elastic_transform')),
  no(X('--corrupt', 'elastic_transform:6'), 'Expected a SEVERITY of 1 to 5 after elastic_transform: for --corrupt but received "elastic_transform:6"'),
  no(X('--corrupt', 'fog:6'), 'Expected a SEVERITY of 1 to 5 after fog: for --corrupt but received "fog:6"'),
  no(X('--corrupt', 'fog:0'), 'Expected a SEVERITY of 1 to 5 after fog: for --corrupt but received "fog:0"'),
  no(X('--corrupt', 'fog:2.5'), 'Expected a SEVERITY of 1 to 5 after fog: for --corrupt but received "fog:2.5"'),
  no(X('--corrupt', 'fog:'), 'Expected a SEVERITY of 1 to 5 after fog: for --corrupt but received "fog:"'),
  no(X('--corrupt', 'frost'), `Expected NAME[:SEVERITY] with NAME one of ${NAMES} for --corrupt but received "frost"`),
  no(X('--corrupt', 'fog:1:2'), `Expected NAME[:SEVERITY] with NAME one of ${NAMES} for --corrupt but received "fog:1:2"`),
  no(X('--corrupt', 'inverse:2'), 'Expected inverse without :SEVERITY for --corrupt (its recipe has no severities) but received "inverse:2"'),
  no(X('--corrupt', 'fog', '--normalize', '0.1307:0.3081'), 'Expected --corrupt without --normalize (the corruptions work on byte images; normalise when reading them)'),
  ok(['preview', '--split', 'test', '--grid', '2x3', '--corrupt', 'zigzag']),
  ok(['preview', '--split', 'test', '--grid', '2x3', '--corrupt', 'jpeg_compression:5']),
  ok(['preview', '--split', 'test', '--grid', '2x3', '--corrupt', 'elastic_transform:2']),
  no(['preview', '--split', 'test', '--corrupt', 'fog:6'], 'Expected a SEVERITY of 1 to 5 after fog: for --corrupt but received "fog:6"'),
  no(['export', '--suite', 'mnist-d'], 'Expected one of mnist-c for --suite but received "mnist-d"'),
  no(['export', '--suite', 'mnist-c', '--format', 'npz'], 'Expected --suite without --format (a suite is both splits of a named --dataset, as the released files: npy, unshuffled, one pass)'),
  no(['export', '--suite', 'mnist-c', '--corrupt', 'fog'], 'Expected --suite without --corrupt (a suite is both splits of a named --dataset, as the released files: npy, unshuffled, one pass)'),
  no(['export', '--suite', 'mnist-c', '--split', 'train'], 'Expected --split all (the default with --suite) or test for --suite but received "train"'),
];

describe('export --corrupt and --suite: the command line', () => {
  for (const row of rows) it(rowName(row.args), () => checkRowInProcess(row));
  it('runs a refused and an accepted row as processes', async () => {
    await checkRow(rows[0]);
    await checkRow(rows[3]);
    await checkRow(rows.find((r) => r.args[0] === 'preview' && r.expect === 'ok')!);
  });
});

const SUITE_LIMIT = 100;

/** Every file of a folder tree, by relative path. */
function files(dir: string, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = join(prefix, entry.name);
    if (entry.isDirectory()) for (const [k, v] of files(dir, path)) out.set(k, v);
    else out.set(path, readFileSync(join(dir, path)));
  }
  return out;
}

describeWithPython(['numpy'], 'export --corrupt and --suite: the files', () => {
  it('--corrupt inverse writes 255 - x of the source, and the manifest records the corruption', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-corrupt-')), 'out');
    const r = await run(['export', '--split', 'test', '--limit', '50', '--format', 'npy', '--corrupt', 'inverse', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const source = readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16, 16 + 50 * 784);
    const written = python('import json, sys, numpy as np; a = np.load(sys.argv[1]); print(json.dumps([list(a.shape), str(a.dtype), a.reshape(-1).tolist()]))', join(out, 'test-images.npy')) as [number[], string, number[]];
    expect(written[0]).toEqual([50, 28, 28]);
    expect(written[1]).toBe('uint8');
    expect(written[2]).toEqual(Array.from(source, (v) => 255 - v));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { pipeline: { corrupt: unknown } };
    expect(manifest.pipeline.corrupt).toEqual({ name: 'inverse' });
  });

  it(`--suite mnist-c writes the released layout (16 folders, uint8, the source's labels), the same bytes twice and on 2 workers (--limit ${SUITE_LIMIT})`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-suite-'));
    const suite = (out: string, ...flags: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
      run(['export', '--suite', 'mnist-c', '--limit', String(SUITE_LIMIT), '--seed', '5', '--out', join(root, out), ...flags]);
    const [a, b, c] = [await suite('a'), await suite('b'), await suite('c', '--workers', '2')];
    for (const r of [a, b, c]) {
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^wrote the mnist-c suite of mnist \(16 folders, 3200 images\) to .+ in [\d.]+ s \(\d+ images\/s\)\n$/);
    }
    const first = files(join(root, 'a'));
    expect(files(join(root, 'b'))).toEqual(first);
    expect(files(join(root, 'c'))).toEqual(first);
    expect(readdirSync(root).sort()).toEqual(['a', 'b', 'c']); // no temporary left beside them
    const folders = readdirSync(join(root, 'a')).filter((f) => f !== 'README.md').sort();
    expect(folders).toEqual(
      ['brightness', 'canny_edges', 'dotted_line', 'fog', 'glass_blur', 'identity', 'impulse_noise', 'motion_blur', 'rotate', 'scale', 'shear', 'shot_noise', 'spatter', 'stripe', 'translate', 'zigzag'].sort(),
    );
    const card = readFileSync(join(root, 'a', 'README.md'), 'utf8');
    expect(card).toContain('MNIST-C: A Robustness Benchmark for Computer Vision');
    expect(card).toContain('Seed: 5.');
    const read = python(
      `import json, os, sys, numpy as np
root = sys.argv[1]
out = {}
for name in sorted(os.listdir(root)):
    if name == 'README.md': continue
    out[name] = {f: [list(np.load(os.path.join(root, name, f)).shape), str(np.load(os.path.join(root, name, f)).dtype)] for f in sorted(os.listdir(os.path.join(root, name))) if f.endswith('.npy')}
    out[name]['labels'] = [np.load(os.path.join(root, name, s + '_labels.npy')).tolist() for s in ('train', 'test')]
    out[name]['identity'] = bool(name != 'identity' or all(np.array_equal(np.load(os.path.join(root, name, s + '_images.npy')).reshape(-1), np.fromfile(sys.argv[2 + i], np.uint8, offset=16)[:${SUITE_LIMIT} * 784]) for i, s in enumerate(('train', 'test'))))
print(json.dumps(out))`,
      join(root, 'a'),
      raw('train-images-idx3-ubyte'),
      raw('t10k-images-idx3-ubyte'),
    ) as Record<string, Record<string, unknown>>;
    const labels = [raw('train-labels-idx1-ubyte'), raw('t10k-labels-idx1-ubyte')].map((f) => Array.from(readFileSync(f).subarray(8, 8 + SUITE_LIMIT)));
    for (const name of folders) {
      expect(read[name], name).toEqual({
        'test_images.npy': [[SUITE_LIMIT, 28, 28], 'uint8'],
        'test_labels.npy': [[SUITE_LIMIT], 'uint8'],
        'train_images.npy': [[SUITE_LIMIT, 28, 28], 'uint8'],
        'train_labels.npy': [[SUITE_LIMIT], 'uint8'],
        labels,
        identity: true,
      });
      const manifest = JSON.parse(readFileSync(join(root, 'a', name, 'manifest.json'), 'utf8')) as { corruption: string; seed: number; files: unknown[] };
      expect([manifest.corruption, manifest.seed, manifest.files.length]).toEqual([name, 5, 4]);
    }
    // A folder of the layout is a source: --npy reads its test files back, the same pixels and labels.
    const back = join(root, 'back');
    const fog = join(root, 'a', 'fog');
    const r = await run(['export', '--npy', `${join(fog, 'test_images.npy')},${join(fog, 'test_labels.npy')}`, '--split', 'test', '--format', 'npy', '--out', back]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const same = python(
      'import json, sys, numpy as np; print(json.dumps([bool(np.array_equal(np.load(sys.argv[1] + a), np.load(sys.argv[2] + b))) for a, b in (("/test_images.npy", "/test-images.npy"), ("/test_labels.npy", "/test-labels.npy"))]))',
      fog,
      back,
    );
    expect(same).toEqual([true, true]);
  }, 600_000);

  it('--suite refuses an --out that holds anything, and leaves it as it was', async () => {
    const out = mkdtempSync(join(tmpdir(), 'idxflow-suite-full-'));
    mkdirSync(join(out, 'keep'));
    writeFileSync(join(out, 'keep', 'mine.txt'), 'mine');
    const r = await run(['export', '--suite', 'mnist-c', '--limit', '10', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`idxflow: ExportRefusedError: ${out}: expected a new or empty folder for --suite, found 1 entries (keep)\n`);
    expect([...files(out).keys()]).toEqual([join('keep', 'mine.txt')]);
  });
});
