// The flags of torchvision's single-image steps (--blur, --blur-sigma, --sharpness, --posterize,
// --solarize, --autocontrast, --equalize, --invert): what each asks augment() for, the one-line
// usage errors (exit 2) naming the flag, and preview showing them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { augment } from '@idxflow/transforms';
import { augmentOptions } from '../../packages/cli/src/options.js';
import { CLI } from '../fixtures/mnist.js';
import { expectPreviewRefusals, previewedZero } from '../fixtures/previewFlags.js';

const idxflow = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const base = { interpolation: 'bilinear', fill: 0 };

describe('the flags of blur, sharpness, posterize, solarize, autocontrast, equalize and invert', () => {
  it('turn into augment() options, with @P as the share of samples', () => {
    const options = augmentOptions({
      blur: '3x5@0.5',
      'blur-sigma': '0.5:1.5',
      sharpness: '2@0.5',
      posterize: '2:6',
      solarize: '128@0.25',
      autocontrast: '0.5',
      equalize: '1',
      invert: '0.1',
    });
    expect(options).toEqual({
      ...base,
      blur: { kernelSize: [3, 5], p: 0.5, sigma: [0.5, 1.5] },
      sharpness: { range: 2, p: 0.5 },
      posterize: [2, 6],
      solarize: { range: 128, p: 0.25 },
      autocontrast: { p: 0.5 },
      equalize: { p: 1 },
      invert: { p: 0.1 },
    });
    expect(() => augment(options)).not.toThrow(); // and augment() takes them
    expect(augmentOptions({ blur: '5' })).toEqual({ ...base, blur: { kernelSize: 5 } });
  });

  it('exit 2 with a one-line message naming the flag', () => {
    const cases: [string[], string][] = [
      [['--blur', '4'], 'Expected K or WxH, odd kernel sizes from 1 to 511 (each at most 2 x the image\'s side - 1), for --blur but received "4"'],
      [['--blur', '3x3x3'], 'Expected K or WxH, odd kernel sizes from 1 to 511 (each at most 2 x the image\'s side - 1), for --blur but received "3x3x3"'],
      [['--blur', '3@2'], 'Expected a probability from 0 to 1 after @ for --blur but received "3@2"'],
      [['--blur-sigma', '1'], 'Expected --blur-sigma only with --blur K but received no --blur'],
      [['--blur', '3', '--blur-sigma', '0:1'], 'Expected pixels within [0.01, 64] for --blur-sigma but received "0:1"'],
      [['--blur', '3', '--blur-sigma', '1@0.5'], 'Expected S or MIN:MAX for --blur-sigma (its chance is --blur K@P) but received "1@0.5"'],
      [['--sharpness=-1'], 'Expected factors within [0, 10] for --sharpness but received "-1"'],
      [['--posterize', '9'], 'Expected bits (integers) within [0, 8] for --posterize but received "9"'],
      [['--posterize', '2.5'], 'Expected whole numbers of bits from 0 to 8 for --posterize but received "2.5"'],
      [['--solarize', '300'], 'Expected byte levels within [0, 256] for --solarize but received "300"'],
      [['--autocontrast', '1.5'], 'Expected a probability from 0 to 1 for --autocontrast but received "1.5"'],
      [['--equalize', 'yes'], 'Expected a decimal number for --equalize but received "yes"'],
      [['--invert', '-1'], 'Expected a probability from 0 to 1 for --invert but received "-1"'],
    ];
    expectPreviewRefusals(cases);
  });

  it('take the values at their bounds, and refuse at run time a blur kernel the image cannot pad (exit 1, nothing written)', () => {
    for (const [flag, value] of [['posterize', '0'], ['posterize', '8'], ['solarize', '0'], ['solarize', '256'], ['sharpness', '0:10'], ['blur', '1'], ['blur', '511x1'], ['invert', '0'], ['equalize', '1']]) {
      expect(() => augment(augmentOptions({ [flag]: value })), `--${flag} ${value}`).not.toThrow();
    }
    expect(augmentOptions({ blur: '3', 'blur-sigma': '0.01:64' }).blur).toEqual({ kernelSize: 3, sigma: [0.01, 64] });
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-cli-')), 'out');
    const r = idxflow('export', '--split', 'test', '--limit', '20', '--format', 'npy', '--blur', '57', '--out', out);
    expect(r.stderr).toBe(
      "idxflow: BlockMismatchError: augment(): expected images of at least 29 x 29 pixels (width x height) for blur's kernel of 57 x 57: reflect padding reaches one side back at most, found 28 x 28\n",
    );
    expect(r.status).toBe(1);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('preview shows them: --posterize 2 --invert 1 gives 255 - (v & 0b11000000) of each pixel', async () => {
    const { zero, copy } = await previewedZero(['--posterize', '2', '--invert', '1']);
    for (let i = 0; i < 784; i++) expect(copy[i]).toBe(255 - (zero[i] & 0b11000000));
  });
});
