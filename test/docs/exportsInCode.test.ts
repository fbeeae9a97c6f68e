// docs/exports.md's "Resumable and multi-part exports from code" runs as written, through the
// public entries only: its code block is run (TypeScript, by tsx) in a folder of its own whose
// node_modules is the repository's, and prints the output the page shows. The merged folder
// holds what one machine writes: the labels are MNIST's own, twice (read from the raw t10k file), the
// images are those of one `exportTo()` of the same pipeline, and the parts are gone. Run again,
// every part is complete and nothing is written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRows, batch, epochs, loadBlock, mnist, skipSamples, takeSamples } from '@idxflow/core';
import { exportTo } from '@idxflow/sinks';
import { augment } from '@idxflow/transforms';
import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { raw, ROOT } from '../fixtures/mnist.js';

/** The first fenced block of `lang` (`''`: a block with none) after the heading `heading` of docs/exports.md. */
function blockAfter(heading: string, lang: string): string {
  const page = readFileSync(join(ROOT, 'docs', 'exports.md'), 'utf8');
  const from = page.indexOf(`\n## ${heading}\n`);
  expect(from, `docs/exports.md has "## ${heading}"`).toBeGreaterThan(0);
  const block = [...page.slice(from).matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].find((m) => m[1] === lang);
  expect(block, `a \`\`\`${lang} block after "## ${heading}"`).toBeDefined();
  return block![2];
}

const HEADING = 'Resumable and multi-part exports from code';

describe('docs/exports.md: resumable and multi-part exports from code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idxflow-exports-doc-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'example.mts'), blockAfter(HEADING, 'ts'));
  const run = () => spawnSync(process.execPath, ['--import', 'tsx', 'example.mts'], { cwd: dir, encoding: 'utf8' });
  const out = join(dir, 'out', 'mnist-npy');

  it('prints what the page shows, and leaves the files one machine writes', async () => {
    const first = run();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(blockAfter(HEADING, ''));
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'test-images.npy', 'test-labels.npy']);

    // The labels: MNIST's test labels twice (two copies, in order), after the NPY header (numpy pads it to 128 bytes in all).
    const labels = readFileSync(join(out, 'test-labels.npy'));
    const mnistLabels = readFileSync(raw('t10k-labels-idx1-ubyte')).subarray(8);
    expect(labels.subarray(0, 128).toString('latin1')).toMatch(/'descr': '\|u1', 'fortran_order': False, 'shape': \(20000,\)/);
    expect(labels.subarray(128).equals(Buffer.concat([mnistLabels, mnistLabels]))).toBe(true);

    // The images: what one exportTo() of the whole pipeline writes.
    const test = await loadBlock(mnist({ split: 'test' }));
    const whole = join(dir, 'whole');
    await exportTo(of(test).pipe(epochs(2), asRows(), skipSamples(0), takeSamples(20000), batch(1024), augment({ rotate: 15 }, { seed: 7 })), { format: 'npy', dir: whole, split: 'test' });
    expect(readFileSync(join(out, 'test-images.npy')).equals(readFileSync(join(whole, 'test-images.npy')))).toBe(true);
  }, 180_000);

  it('run again: every part already complete, the merge finds manifest.json as it was, nothing written', () => {
    const before = readdirSync(out).map((name) => [name, statSync(join(out, name)).mtimeMs]);
    const again = run();
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    const lastLine = blockAfter(HEADING, '').trimEnd().split('\n').at(-1);
    expect(again.stdout).toBe(`${['manifest.json: already complete', 'manifest.json: already complete', 'manifest.json: already complete', lastLine].join('\n')}\n`);
    expect(readdirSync(out).map((name) => [name, statSync(join(out, name)).mtimeMs])).toEqual(before);
  }, 180_000);
});
