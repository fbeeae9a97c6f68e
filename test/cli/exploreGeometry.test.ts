// `idxflow explore` with torchvision's RandomResizedCrop and RandomPerspective: the grid draws
// what the export command it gives writes, and one sample's view reports the box and corners.
import { describe, expect, it } from 'vitest';
import { expectCodeDraws, expectGridExported, exploreForTests, fetchGrid, fetchJson } from '../fixtures/explore.js';
import { testSplit } from '../sinks/network/rawMnist.js';

const server = exploreForTests(['--split', 'test']);

const GEOMETRY = 'resized-crop=0.5&resized-crop-scale=0.3:0.9&resized-crop-ratio=0.5:2&perspective=0.4@0.5&rotate=10@0.5';

interface Draws {
  resizedCrop: { top: number; left: number; height: number; width: number } | null;
  perspective: { start: number[][]; end: number[][]; coefficients: number[] | null } | null;
  resampling: string;
  projective: number[] | null;
}

describe('idxflow explore with the resized crop and the perspective', () => {
  it('draws exactly what its idxflow export command line writes', async () => {
    const { header, pixels } = await fetchGrid(`${server.url}/api/grid?rows=4&draws=3&seed=5&${GEOMETRY}`);
    expect(header.command).toBe(
      'idxflow export --dataset mnist --split test --rotate 10@0.5 --resized-crop 0.5 --resized-crop-scale 0.3:0.9 --resized-crop-ratio 0.5:2 --perspective 0.4@0.5 --seed 5 --copies 3 --out explore-export',
    );
    expect(expectGridExported({ header, pixels }, testSplit.image).changed).toBeGreaterThan(6);
  });

  it('gives TypeScript that computes the same draws with augment()', async () => {
    const grid = await fetchGrid(`${server.url}/api/grid?indices=5,9999,123&draws=2&epoch=1&seed=8&${GEOMETRY}`);
    expectCodeDraws(grid, 'explore-geometry-code');
  });

  it("reports each sample's box and corners within the flags' ranges, and its resampling, over 40 draws", async () => {
    const seen = { crop: 0, perspective: 0, projective: 0 };
    for (let at = 0; at < 40; at++) {
      const { status, body } = await fetchJson<{ draws: Draws }>(`${server.url}/api/sample?index=7&at=${at}&seed=5&${GEOMETRY}`);
      expect(status).toBe(200);
      const d = body.draws;
      if (d.resizedCrop) {
        seen.crop++;
        const { top, left, height, width } = d.resizedCrop;
        expect(top + height).toBeLessThanOrEqual(28);
        expect(left + width).toBeLessThanOrEqual(28);
        // area share 0.3 to 0.9 (w and h rounded), or the centre crop after ten misses
        expect(height * width).toBeGreaterThan(0.2 * 784);
      }
      if (d.perspective) {
        seen.perspective++;
        expect(d.perspective.start).toEqual([[0, 0], [27, 0], [27, 27], [0, 27]]);
        // int(0.4 * 14) = 5: each corner within 5 px of its own, inwards
        d.perspective.end.forEach(([x, y], k) => {
          expect(Math.abs(x - d.perspective!.start[k][0])).toBeLessThanOrEqual(5);
          expect(Math.abs(y - d.perspective!.start[k][1])).toBeLessThanOrEqual(5);
        });
      }
      if (d.resampling === 'projective') {
        seen.projective++;
        expect(d.projective).toHaveLength(9);
      }
    }
    expect(seen.crop).toBeGreaterThan(8);
    expect(seen.perspective).toBeGreaterThan(8);
    expect(seen.projective).toBeGreaterThan(4);
  });
});
