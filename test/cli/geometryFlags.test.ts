// The flags of torchvision's RandomResizedCrop and RandomPerspective (--resized-crop with
// --resized-crop-scale and --resized-crop-ratio, --perspective D[@P]): what each asks augment()
// for, the one-line usage errors (exit 2) naming the flag, their bounds, and preview showing them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { augment } from '@idxflow/transforms';
import { resizedCrop, sampleDraws, specOf } from '@idxflow/transforms/internal';
import { augmentOptions } from '../../packages/cli/src/options.js';
import { CLI, raw } from '../fixtures/mnist.js';

const idxflow = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const base = { interpolation: 'bilinear', fill: 0 };

describe('the flags of RandomResizedCrop and RandomPerspective', () => {
  it('turn into augment() options, with @P as the share of samples', () => {
    const options = augmentOptions({ 'resized-crop': '0.5', 'resized-crop-scale': '0.2:0.9', 'resized-crop-ratio': '0.5:2', perspective: '0.3@0.25', fill: '7' });
    expect(options).toEqual({ ...base, fill: 7, resizedCrop: { p: 0.5, scale: [0.2, 0.9], ratio: [0.5, 2] }, perspective: { distortion: 0.3, p: 0.25 } });
    expect(() => augment(options)).not.toThrow();
    expect(augmentOptions({ 'resized-crop': '1', perspective: '0.5' })).toEqual({ ...base, resizedCrop: { p: 1 }, perspective: { distortion: 0.5 } });
  });

  it('exit 2 with a one-line message naming the flag', () => {
    const cases: [string[], string][] = [
      [['--resized-crop', '2'], 'Expected a probability from 0 to 1 for --resized-crop but received "2"'],
      [['--resized-crop-scale', '0.2:0.5'], 'Expected --resized-crop-scale only with --resized-crop P but received no --resized-crop'],
      [['--resized-crop-ratio', '1:2'], 'Expected --resized-crop-ratio only with --resized-crop P but received no --resized-crop'],
      [['--resized-crop', '1', '--resized-crop-scale', '0.5:1.5'], 'Expected MIN:MAX with 0 <= MIN <= MAX <= 1 for --resized-crop-scale but received "0.5:1.5"'],
      [['--resized-crop', '1', '--resized-crop-scale', '0.6:0.2'], 'Expected MIN:MAX with 0 <= MIN <= MAX <= 1 for --resized-crop-scale but received "0.6:0.2"'],
      [['--resized-crop', '1', '--resized-crop-scale', '0:0'], 'Expected MAX above 0 for --resized-crop-scale but received "0:0"'],
      [['--resized-crop', '1', '--resized-crop-ratio', '0:2'], 'Expected MIN:MAX with 0.01 <= MIN <= MAX <= 100 for --resized-crop-ratio but received "0:2"'],
      [['--resized-crop', '1', '--resized-crop-ratio', '2'], 'Expected MIN:MAX for --resized-crop-ratio but received "2"'],
      [['--perspective', '1.5'], 'Expected a distortion scale from 0 to 1 for --perspective but received "1.5"'],
      [['--perspective=-0.1'], 'Expected a distortion scale from 0 to 1 for --perspective but received "-0.1"'],
      [['--perspective', '0.5@2'], 'Expected a probability from 0 to 1 after @ for --perspective but received "0.5@2"'],
    ];
    for (const [args, message] of cases) {
      const r = idxflow('preview', '--split', 'test', ...args, '--out', join(tmpdir(), 'never.png'));
      expect(r.stderr, args.join(' ')).toBe(`idxflow: ${message}\n`);
      expect(r.status, args.join(' ')).toBe(2);
    }
  });

  it('take the values at their bounds, and let --fill and --interpolation apply to them', () => {
    for (const flags of [{ perspective: '0' }, { perspective: '1' }, { 'resized-crop': '0' }, { 'resized-crop': '1', 'resized-crop-scale': '0:1', 'resized-crop-ratio': '0.01:100' }]) {
      expect(() => augment(augmentOptions(flags)), JSON.stringify(flags)).not.toThrow();
    }
    const r = idxflow('preview', '--split', 'test', '--perspective', '0.5', '--fill', '255', '--interpolation', 'nearest', '--grid', '1x2', '--out', join(mkdtempSync(join(tmpdir(), 'idxflow-cli-')), 'p.png'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('preview shows them: --resized-crop 1 --resized-crop-scale 0.25:0.25 --resized-crop-ratio 1:1 gives each sample its 14 x 14 box resized to 28 x 28', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-cli-')), 'sheet.png');
    const r = idxflow('preview', '--split', 'test', '--seed', '3', '--resized-crop', '1', '--resized-crop-scale', '0.25:0.25', '--resized-crop-ratio', '1:1', '--grid', '1x3', '--zoom', '1', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { data, info } = await sharp(out).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    // Row 0 is the first test '0' (index 3); column 1 + e (from x = 29 (1 + e)) its copy in epoch e.
    const zero = readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16 + 3 * 784, 16 + 4 * 784);
    const spec = specOf({ resizedCrop: { scale: [0.25, 0.25], ratio: [1, 1] } });
    for (const epoch of [0, 1]) {
      const box = sampleDraws(spec, { seed: 3, epoch, index: 3 }, 28, 28).resizedCrop!;
      expect([box.height, box.width]).toEqual([14, 14]); // sqrt(0.25 * 784) = 14
      const expected = new Uint8Array(784);
      resizedCrop(zero, expected, 28, 28, box, 28, 28, 'bilinear');
      const cell = Uint8Array.from({ length: 784 }, (_, i) => data[Math.floor(i / 28) * info.width + 29 * (1 + epoch) + (i % 28)]);
      expect(Buffer.from(cell).equals(Buffer.from(expected)), `epoch ${epoch}`).toBe(true);
    }
  });
});
