// `idxflow explore` with the automatic policies: the grid draws what the export command it gives
// writes (the policy after augment()'s pass), the TypeScript it gives computes the same bytes,
// and one sample's view reports the ops, magnitudes and signs the policy drew.
import { describe, expect, it } from 'vitest';
import { expectCodeDraws, expectGridExported, exploreForTests, fetchGrid, fetchJson } from '../fixtures/explore.js';
import { testSplit } from '../sinks/network/rawMnist.js';

const server = exploreForTests(['--split', 'test']);

interface Step {
  op: string;
  magnitude: number;
  bin: number | null;
  negated: boolean;
  applied: boolean;
}

describe('idxflow explore with an automatic policy', () => {
  for (const [query, flags] of [
    ['rotate=10&rand-augment=2:9', '--rotate 10 --rand-augment 2:9'],
    ['trivial-augment=on', '--trivial-augment'],
    ['auto-augment=svhn', '--auto-augment svhn'],
    ['augmix=3:2', '--augmix 3:2'],
  ] as const) {
    it(`draws with ${flags} exactly what its idxflow export command line writes`, async () => {
      const grid = await fetchGrid(`${server.url}/api/grid?rows=4&draws=3&seed=5&${query}`);
      const { header } = grid;
      expect(header.command).toBe(`idxflow export --dataset mnist --split test ${flags} --seed 5 --copies 3 --out explore-export`);
      expect(expectGridExported(grid, testSplit.image).changed).toBeGreaterThan(3);
    });
  }

  it('gives TypeScript that computes the same draws with augment() and randAugment()', async () => {
    const grid = await fetchGrid(`${server.url}/api/grid?indices=5,9999,123&draws=2&epoch=1&seed=3&rotate=10&rand-augment=3:12`);
    const { header } = grid;
    expect(header.code).toContain('randAugment({ ops: 3, magnitude: 12 }, { seed: 3 })');
    expectCodeDraws(grid, 'explore-policy-code');
  });

  it("reports each sample's policy draws: RandAugment's ops at bin 9 with signs, over 40 draws", async () => {
    const ops = new Set<string>();
    let negated = 0;
    for (let at = 0; at < 40; at++) {
      const { status, body } = await fetchJson<{ draws: { policy: { kind: string; chains: Step[][] } } }>(`${server.url}/api/sample?index=7&at=${at}&seed=5&rand-augment=2:9`);
      expect(status).toBe(200);
      const { kind, chains } = body.draws.policy;
      expect(kind).toBe('randAugment');
      expect(chains).toHaveLength(1);
      expect(chains[0]).toHaveLength(2);
      for (const s of chains[0]) {
        ops.add(s.op);
        negated += Number(s.negated);
        if (s.op === 'Rotate') expect(Math.abs(s.magnitude)).toBe(9); // linspace(0, 30, 31)[9]
        if (s.bin !== null) expect(s.bin).toBe(9);
      }
    }
    expect(ops.size).toBeGreaterThan(8); // 80 draws over 14 ops
    expect(negated).toBeGreaterThan(0);
  });

  it('refuses two policies with a 400 naming both', async () => {
    const { status, body } = await fetchJson<{ error: string }>(`${server.url}/api/grid?rows=2&draws=1&trivial-augment=on&augmix=3`);
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toMatch(/Expected one automatic policy but received --trivial-augment and --augmix/);
  });
});
