// `idxflow explore` with torchvision's single-image steps: the grid draws what the export command
// it gives writes, and one sample's view reports the parameters it drew.
import { describe, expect, it } from 'vitest';
import { expectGridExported, exploreForTests, fetchGrid, fetchJson } from '../fixtures/explore.js';
import { testSplit } from '../sinks/network/rawMnist.js';

const server = exploreForTests(['--split', 'test']);

const FILTERS = 'blur=3@0.5&blur-sigma=0.5:1.5&sharpness=0.5:3@0.5&posterize=3:7@0.5&solarize=128:250@0.5&autocontrast=0.5&equalize=0.5&invert=0.5';

interface Draws {
  blur: { kernelSize: number[]; sigma: number } | null;
  sharpness: number | null;
  posterize: number | null;
  solarize: number | null;
  autocontrast: boolean;
  equalize: boolean;
  invert: boolean;
}

describe('idxflow explore with blur, sharpness, posterize, solarize, autocontrast, equalize and invert', () => {
  it('draws exactly what its idxflow export command line writes', async () => {
    const grid = await fetchGrid(`${server.url}/api/grid?rows=4&draws=3&seed=5&${FILTERS}`);
    const { header } = grid;
    expect(header.command).toBe(
      'idxflow export --dataset mnist --split test --blur 3@0.5 --blur-sigma 0.5:1.5 --sharpness 0.5:3@0.5 --posterize 3:7@0.5 --solarize 128:250@0.5 ' +
        '--autocontrast 0.5 --equalize 0.5 --invert 0.5 --seed 5 --copies 3 --out explore-export',
    );
    expect(expectGridExported(grid, testSplit.image).changed).toBeGreaterThan(9); // eight steps at p 0.5 leave few draws untouched
  });

  it("reports each sample's drawn parameters, within the flags' ranges, over 40 draws", async () => {
    const seen = { blur: 0, sharpness: 0, posterize: 0, solarize: 0, autocontrast: 0, equalize: 0, invert: 0 };
    for (let at = 0; at < 40; at++) {
      const { status, body } = await fetchJson<{ draws: Draws }>(`${server.url}/api/sample?index=7&at=${at}&seed=5&${FILTERS}`);
      expect(status).toBe(200);
      const d = body.draws;
      if (d.blur) {
        seen.blur++;
        expect(d.blur.kernelSize).toEqual([3, 3]);
        expect(d.blur.sigma).toBeGreaterThanOrEqual(0.5);
        expect(d.blur.sigma).toBeLessThanOrEqual(1.5);
      }
      if (d.sharpness !== null && d.sharpness !== undefined) seen.sharpness += Number(d.sharpness >= 0.5 && d.sharpness <= 3);
      if (d.posterize !== null && d.posterize !== undefined) seen.posterize += Number([3, 4, 5, 6, 7].includes(d.posterize));
      if (d.solarize !== null && d.solarize !== undefined) seen.solarize += Number(d.solarize >= 128 && d.solarize <= 250);
      for (const key of ['autocontrast', 'equalize', 'invert'] as const) seen[key] += Number(d[key]);
    }
    // Each step at p 0.5 came up in some of the 40 draws and not in all (each fails with chance 2^-39).
    for (const [key, n] of Object.entries(seen)) {
      expect(n, key).toBeGreaterThan(0);
      expect(n, key).toBeLessThan(40);
    }
  });
});
