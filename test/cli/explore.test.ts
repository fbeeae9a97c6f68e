// `idxflow explore`'s data: the grid's source column is the raw file, its draws are what the
// command line and the TypeScript it gives produce, a sample's export part holds that sample,
// and the statistics match closed forms computed here from the raw MNIST test file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCodeDraws, expectGridExported, exploreForTests, fetchGrid, fetchJson, runExport } from '../fixtures/explore.js';
import { testSplit } from '../sinks/network/rawMnist.js';

const server = exploreForTests(['--split', 'test']);

const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-explore-'));
const EVERYTHING = 'rotate=25&shift=-1:2&scale=0.9:1.1@0.5&shear=8&shear-y=5&hflip=0.3&elastic=34:4@0.7&thickness=1.5@0.4&brightness=0.7:1.3&contrast=0.8:1.2@0.5&gamma=0.8:1.25&noise=0.03@0.3&erase=0.3&erase-value=200&interpolation=nearest&fill=3';

/** The first `n` test samples of `label` (all labels when undefined), from the raw labels. */
function firstOf(label: number | undefined, n: number, skip = 0): number[] {
  const found: number[] = [];
  for (let i = 0; i < testSplit.count && found.length < n + skip; i++) if (label === undefined || testSplit.labels[i] === label) found.push(i);
  return found.slice(skip);
}

describe('idxflow explore: the grid', () => {
  it("shows the next sample of each label in turn, the raw file's bytes in the first column", async () => {
    const { header, pixels } = await fetchGrid(`${server.url}/api/grid?rows=12&draws=2&skip=1`);
    const expected = Array.from({ length: 12 }, (_, r) => firstOf(r % 10, 1, 1 + Math.floor(r / 10))[0]);
    expect(header.indices).toEqual(expected);
    expect([header.rows, header.cols, header.total]).toEqual([12, 3, 10000]);
    for (let r = 0; r < 12; r++) expect(pixels.subarray(r * 3 * 784, (r * 3 + 1) * 784).equals(testSplit.image(expected[r])), `row ${r}`).toBe(true);
  });

  it('draws, with every augmentation flag, exactly what its idxflow export command line writes', async () => {
    const grid = await fetchGrid(`${server.url}/api/grid?label=7&rows=4&draws=3&epoch=2&seed=11&${EVERYTHING}`);
    const { header } = grid;
    expect(header.indices).toEqual(firstOf(7, 4));
    expect(header.command).toBe(
      'idxflow export --dataset mnist --split test --rotate 25 --shift=-1:2 --scale 0.9:1.1@0.5 --shear 8 --shear-y 5 --elastic 34:4@0.7 --hflip 0.3 ' +
        '--thickness 1.5@0.4 --brightness 0.7:1.3 --contrast 0.8:1.2@0.5 --gamma 0.8:1.25 --noise 0.03@0.3 --erase 0.3 --erase-value 200 ' +
        '--interpolation nearest --fill 3 --seed 11 --copies 5 --out explore-export',
    );
    const { count, changed } = expectGridExported(grid, testSplit.image);
    expect(count).toBe(50000);
    expect(changed).toBe(12); // the flags did something to every draw
  });

  it('gives TypeScript that computes the same draws with augment()', async () => {
    const grid = await fetchGrid(`${server.url}/api/grid?indices=5,9999,123&draws=2&epoch=1&seed=-4&${EVERYTHING}`);
    const { header } = grid;
    expect(header.indices).toEqual([5, 9999, 123]);
    expectCodeDraws(grid, 'explore-code');
  });
});

describe('idxflow explore: one sample', () => {
  it("names the export part that holds it, and the part's image is the sample's bytes", async () => {
    // Epoch 3 of the test split: 40,000 positions, so each part of --shard P/40000 holds one.
    const sample = await fetchJson<{ command: string; offset: number; pixels: number[]; draws: { angle: number; elastic: unknown } }>(
      `${server.url}/api/sample?index=321&at=3&rotate=40&elastic=20:3&seed=2`,
    );
    expect(sample.status).toBe(200);
    expect(sample.body.command).toBe('idxflow export --dataset mnist --split test --rotate 40 --elastic 20:3 --seed 2 --copies 4 --shard 30321/40000 --out explore-sample');
    expect(sample.body.offset).toBe(0);
    expect(Math.abs(sample.body.draws.angle)).toBeLessThanOrEqual(40);
    expect(sample.body.draws.elastic).not.toBe(null);
    const exported = runExport(sample.body.command, join(tmp(), 'out'));
    expect(exported.count).toBe(1);
    expect(Array.from(exported.image(0))).toEqual(sample.body.pixels);
  });

  it('past a million positions, names a part of several and where the sample is in it', async () => {
    // Epoch 110: 1,110,000 positions in at most 1,000,000 parts, some of two samples.
    const sample = await fetchJson<{ command: string; offset: number; pixels: number[] }>(`${server.url}/api/sample?index=9999&at=110&shift=3`);
    expect(sample.body.command).toMatch(/--copies 111 --shard 999999\/1000000 --out explore-sample$/);
    const exported = runExport(sample.body.command, join(tmp(), 'out'));
    expect(exported.count).toBe(2); // positions 1,109,998 and 1,109,999
    expect(sample.body.offset).toBe(1);
    expect(Array.from(exported.image(sample.body.offset))).toEqual(sample.body.pixels);
  });
});

interface Stats {
  samples: number;
  mean: number[];
  outside: number;
  angles: { min: number; max: number; counts: number[] };
}

describe('idxflow explore: statistics', () => {
  it('without augmentation: the mean of the raw images, no ink outside, every angle 0', async () => {
    const { body } = await fetchJson<Stats>(`${server.url}/api/stats?samples=1500`);
    expect(body.samples).toBe(1500);
    for (let p = 0; p < 784; p += 7) {
      let sum = 0;
      for (let i = 0; i < 1500; i++) sum += testSplit.image(i)[p];
      expect(body.mean[p], `pixel ${p}`).toBeCloseTo(sum / 1500, 2);
    }
    expect(body.outside).toBe(0);
    expect(body.angles).toEqual({ min: 0, max: 0, counts: [1500] });
  });

  it('a shift of exactly (10, 10) pushes out the ink of the columns and rows from 18 on', async () => {
    const { body } = await fetchJson<Stats>(`${server.url}/api/stats?samples=500&label=3&shift=10:10`);
    let out = 0;
    let total = 0;
    for (const i of firstOf(3, 500)) {
      const image = testSplit.image(i);
      for (let p = 0; p < 784; p++) {
        total += image[p];
        if (p % 28 >= 18 || Math.floor(p / 28) >= 18) out += image[p];
      }
    }
    expect(body.samples).toBe(500);
    expect(body.outside).toBeCloseTo(out / total, 12);
    expect(body.outside).toBeGreaterThan(0.05);
    // A quarter turn about the centre maps the frame onto itself: nothing leaves it.
    expect((await fetchJson<Stats>(`${server.url}/api/stats?samples=300&rotate=90:90`)).body.outside).toBe(0);
  });

  it('counts the drawn angles: uniform over the range, or all 0 where the chance fails', async () => {
    const { body } = await fetchJson<Stats>(`${server.url}/api/stats?samples=2000&rotate=-30:30&seed=5`);
    expect(body.angles.min).toBe(-30);
    expect(body.angles.counts.reduce((a, b) => a + b, 0)).toBe(2000);
    // 24 bins of 2000 uniform draws: 83.3 each, standard deviation 8.9.
    for (const count of body.angles.counts) expect(Math.abs(count - 2000 / 24)).toBeLessThan(40);
    const never = await fetchJson<Stats>(`${server.url}/api/stats?samples=400&rotate=15@0`);
    expect(never.body.angles.counts[12]).toBe(400); // 0 falls in bin 12 of 24 over [-15, 15]
  });
});

describe('idxflow explore: statuses by error code', () => {
  it('answers a request the page should not make 400, with the code of its error in the body', async () => {
    // A sample index past the split (render.ts's ViewError), a flag value the CLI refuses
    // (UsageError), an augmentation option the stage refuses (OptionError): one status, by code.
    const past = await fetchJson<{ error: string; code: string }>(`${server.url}/api/sample?index=10000&at=0`);
    expect(past).toEqual({ status: 400, body: { error: 'Expected a sample index below 10000 (the split\'s size) for index but received 10000', code: 'IDXFLOW_VIEW' } });
    const info = await fetchJson<{ error: string; code: string }>(`${server.url}/api/info?x=1`);
    expect(info).toEqual({ status: 400, body: { error: 'Expected no query parameters for /api/info', code: 'IDXFLOW_VIEW' } });
    const rotate = await fetchJson<{ error: string; code: string }>(`${server.url}/api/grid?rotate=abc`);
    expect(rotate.status).toBe(400);
    expect(rotate.body.code).toBe('IDXFLOW_USAGE');
    expect(rotate.body.error).toContain('for --rotate'); // the CLI's flag: explore's settings are its flags
  });
});
