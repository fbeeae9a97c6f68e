// The augmentation flags of preview, export and serve: what each one asks augment() for, the
// one-line usage errors (exit 2) naming the flag, and preview showing them.
import { describe, expect, it } from 'vitest';
import { augment } from '@idxflow/transforms';
import { augmentOptions } from '../../packages/cli/src/options.js';
import { expectPreviewRefusals, previewedZero } from '../fixtures/previewFlags.js';

const base = { interpolation: 'bilinear', fill: 0 };

describe('augmentation flags', () => {
  it('turn into augment() options, with @P as the share of samples', () => {
    const options = augmentOptions({
      rotate: '15@0.5',
      shift: '-1:2',
      scale: '0.9:1.1@0.25',
      'shear-y': '10',
      elastic: '34:4@0.3',
      hflip: '0.5',
      vflip: '0.1',
      thickness: '-1:1.5@0.2',
      brightness: '0.8:1.2@0.5',
      contrast: '0.7:1.3',
      gamma: '0.8:1.25@1',
      noise: '0.05',
      erase: '0.5',
      'erase-scale': '0.02:0.2',
      'erase-ratio': '0.5:2',
      'erase-value': '255',
    });
    expect(options).toEqual({
      ...base,
      rotate: { range: 15, p: 0.5 },
      shift: [-1, 2],
      scale: { range: [0.9, 1.1], p: 0.25 },
      shearY: 10,
      elastic: { alpha: 34, sigma: 4, p: 0.3 },
      flip: { horizontal: 0.5, vertical: 0.1 },
      thickness: { range: [-1, 1.5], p: 0.2 },
      brightness: { range: [0.8, 1.2], p: 0.5 },
      contrast: [0.7, 1.3],
      gamma: { range: [0.8, 1.25], p: 1 },
      noise: 0.05,
      erase: { p: 0.5, scale: [0.02, 0.2], ratio: [0.5, 2], value: 255 },
    });
    expect(() => augment(options)).not.toThrow(); // and augment() takes them
    expect(augmentOptions({ hflip: '1' })).toEqual({ ...base, flip: { horizontal: 1, vertical: undefined } });
    expect(augmentOptions({ erase: '1' })).toEqual({ ...base, erase: { p: 1 } });
  });

  it('exit 2 with a one-line message naming the flag', () => {
    const cases: [string[], string][] = [
      [['--rotate', '15@1.5'], 'Expected a probability from 0 to 1 after @ for --rotate but received "15@1.5"'],
      [['--rotate=-15'], 'Expected X >= 0 (meaning -X:X) or MIN:MAX for --rotate but received "-15"'],
      [['--shear-y', '95'], 'Expected degrees within (-90, 90) for --shear-y but received "95"'],
      [['--scale', '0'], 'Expected factors within [0.1, 10] for --scale but received "0"'],
      [['--hflip', '2'], 'Expected a probability from 0 to 1 for --hflip but received "2"'],
      [['--vflip', 'x'], 'Expected a decimal number for --vflip but received "x"'],
      [['--brightness=-0.5:1'], 'Expected factors within [0, 10] for --brightness but received "-0.5:1"'],
      [['--contrast', '1.2:0.8'], 'Expected MIN <= MAX for --contrast but received "1.2:0.8"'],
      [['--gamma', '1@'], 'Expected a probability from 0 to 1 after @ for --gamma but received "1@"'],
      [['--noise', 'loud'], 'Expected a decimal number for --noise but received "loud"'],
      [['--thickness', '100'], 'Expected radii within [-64, 64] for --thickness but received "100"'],
      [['--elastic', '34:4@x'], 'Expected a probability from 0 to 1 after @ for --elastic but received "34:4@x"'],
      [['--erase-scale', '0.1:0.2'], 'Expected --erase-scale only with --erase P but received no --erase'],
      [['--erase', '0.5', '--erase-scale', '0.1:1.5'], 'Expected MIN:MAX with 0 <= MIN <= MAX <= 1 for --erase-scale but received "0.1:1.5"'],
      [['--erase', '0.5', '--erase-ratio', '0:2'], 'Expected MIN:MAX with 0.01 <= MIN <= MAX <= 100 for --erase-ratio but received "0:2"'],
      [['--erase', '0.5', '--erase-value', '300'], 'Expected a value from 0 to 255 for --erase-value but received "300"'],
    ];
    expectPreviewRefusals(cases);
  });
});

describe('idxflow preview with the new flags', () => {
  it('shows them: --hflip 1 --brightness 0.5 gives the mirrored digit at half brightness (truncated)', async () => {
    const { zero, copy } = await previewedZero(['--hflip', '1', '--brightness', '0.5']);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) expect(copy[y * 28 + x]).toBe(Math.trunc(Math.fround(0.5) * zero[y * 28 + 27 - x]));
    }
  });
});
