// `idxflow explore` with MNIST-C's corruptions: the grid draws what the export command it gives
// writes (the corruption after augment()'s pass), inverse is 255 - x of the source, the code it
// gives computes the same bytes, a sample names the corruption and its severity, and every bad
// request (a name, a severity, a policy beside it, an image size its recipe refuses) is a 400
// with a JSON error while the server keeps serving.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCodeDraws, expectGridExported, exploreForTests, fetchGrid, fetchJson, startExplore, type RunningExplore } from '../fixtures/explore.js';
import { testSplit } from '../sinks/network/rawMnist.js';

const server = exploreForTests(['--split', 'test']);

const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-explore-corrupt-'));
const NAMES = 'identity, shot_noise, impulse_noise, glass_blur, motion_blur, shear, scale, rotate, brightness, translate, stripe, fog, spatter, dotted_line, zigzag, canny_edges, gaussian_noise, speckle_noise, gaussian_blur, contrast, quantize, line, inverse, pixelate, zoom_blur, defocus_blur, jpeg_compression, elastic_transform';

describe('idxflow explore with a corruption', () => {
  it('offers every corruption with its severities and released severity in /api/info', async () => {
    const { status, body } = await fetchJson<{ corruptions: { name: string; severities: boolean; released: number | null }[] }>(`${server.url}/api/info`);
    expect(status).toBe(200);
    expect(body.corruptions.map((c) => c.name).join(', ')).toBe(NAMES);
    // The released severities of docs/mnist-c.md's table (bold): fog 5, shear 2, glass_blur 1; stripe has none.
    const of = (name: string) => body.corruptions.find((c) => c.name === name);
    expect([of('fog'), of('shear'), of('glass_blur'), of('stripe')]).toEqual([
      { name: 'fog', severities: true, released: 5 },
      { name: 'shear', severities: true, released: 2 },
      { name: 'glass_blur', severities: true, released: 1 },
      { name: 'stripe', severities: false, released: null },
    ]);
  });

  it('draws inverse as 255 - x of each source digit, and says so in its command', async () => {
    const { header, pixels } = await fetchGrid(`${server.url}/api/grid?rows=4&draws=2&corrupt=inverse`);
    expect(header.command).toBe('idxflow export --dataset mnist --split test --corrupt inverse --seed 0 --copies 2 --out explore-export');
    for (let r = 0; r < 4; r++) {
      const source = testSplit.image(header.indices[r]);
      expect(pixels.subarray(r * 3 * 784, (r * 3 + 1) * 784).equals(source)).toBe(true);
      for (let j = 0; j < 2; j++) expect(pixels.subarray((r * 3 + 1 + j) * 784, (r * 3 + 2 + j) * 784).equals(Buffer.from(source.map((v) => 255 - v))), `row ${r}, draw ${j}`).toBe(true);
    }
  });

  for (const [query, flags] of [
    ['rotate=10&corrupt=impulse_noise:2', '--rotate 10 --corrupt impulse_noise:2'],
    ['corrupt=glass_blur', '--corrupt glass_blur'],
    ['shift=2&corrupt=zigzag', '--shift 2 --corrupt zigzag'],
  ] as const) {
    it(`draws with ${flags} exactly what its idxflow export command line writes`, async () => {
      const { header, pixels } = await fetchGrid(`${server.url}/api/grid?rows=4&draws=3&seed=5&${query}`);
      expect(header.command).toBe(`idxflow export --dataset mnist --split test ${flags} --seed 5 --copies 3 --out explore-export`);
      expect(expectGridExported({ header, pixels }, testSplit.image).changed).toBe(12); // each of these changes every digit
    });
  }

  it('gives TypeScript that computes the same draws with augment() and corrupt()', async () => {
    const grid = await fetchGrid(`${server.url}/api/grid?indices=5,9999,123&draws=2&epoch=1&seed=3&rotate=10&corrupt=shot_noise:4`);
    expect(grid.header.code).toContain("corrupt({ name: 'shot_noise', severity: 4 }, { seed: 3 })");
    expectCodeDraws(grid, 'explore-corrupt-code');
  });

  it("names a sample's corruption and the severity it ran at (the released one when none is given)", async () => {
    const given = await fetchJson<{ draws: { corruption: unknown }; pixels: number[] }>(`${server.url}/api/sample?index=7&at=0&corrupt=glass_blur:3`);
    expect(given.status).toBe(200);
    expect(given.body.draws.corruption).toEqual({ name: 'glass_blur', severity: 3 });
    const released = await fetchJson<{ draws: { corruption: unknown } }>(`${server.url}/api/sample?index=7&at=0&corrupt=fog`);
    expect(released.body.draws.corruption).toEqual({ name: 'fog', severity: 5 });
    const none = await fetchJson<{ draws: { corruption: unknown } }>(`${server.url}/api/sample?index=7&at=0&corrupt=stripe`);
    expect(none.body.draws.corruption).toEqual({ name: 'stripe', severity: null });
    const inverse = await fetchJson<{ pixels: number[] }>(`${server.url}/api/sample?index=7&at=0&corrupt=inverse`);
    expect(inverse.body.pixels).toEqual(Array.from(testSplit.image(7), (v) => 255 - v));
  });

  it('answers a bad corruption with a 400 and a JSON error, and goes on serving', async () => {
    const bad: [string, string][] = [
      ['corrupt=frost', `Expected NAME[:SEVERITY] with NAME one of ${NAMES} for --corrupt but received "frost"`],
      ['corrupt=..%2F..%2Fetc%2Fpasswd', `Expected NAME[:SEVERITY] with NAME one of ${NAMES} for --corrupt but received "../../etc/passwd"`],
      ['corrupt=fog:6', 'Expected a SEVERITY of 1 to 5 after fog: for --corrupt but received "fog:6"'],
      ['corrupt=fog:0', 'Expected a SEVERITY of 1 to 5 after fog: for --corrupt but received "fog:0"'],
      ['corrupt=fog:2.5', 'Expected a SEVERITY of 1 to 5 after fog: for --corrupt but received "fog:2.5"'],
      ['corrupt=fog:1:2', `Expected NAME[:SEVERITY] with NAME one of ${NAMES} for --corrupt but received "fog:1:2"`],
      ['corrupt=inverse:2', 'Expected inverse without :SEVERITY for --corrupt (its recipe has no severities) but received "inverse:2"'],
      ['corrupt=', `Expected NAME[:SEVERITY] with NAME one of ${NAMES} for --corrupt but received ""`],
      ['corrupt=fog&trivial-augment=on', 'Expected --corrupt without --trivial-augment (both run after the augmentation; export the policy\'s output, then corrupt it with --npy and --corrupt)'],
      ['corrupt=fog&corrupt=zigzag', 'Expected corrupt at most once in the query but received it 2 times'],
    ];
    for (const [query, error] of bad) {
      for (const endpoint of ['grid?rows=2&draws=1&', 'sample?index=0&at=0&', 'stats?samples=10&']) {
        const { status, body } = await fetchJson<{ error: string; code?: string }>(`${server.url}/api/${endpoint}${query}`);
        expect(status, `${endpoint}${query}`).toBe(400);
        expect(body.error, `${endpoint}${query}`).toBe(error);
      }
    }
    const long = await fetchJson<{ error: string; code: string }>(`${server.url}/api/grid?corrupt=${'x'.repeat(5000)}`);
    expect(long.status).toBe(400);
    expect(long.body.code).toBe('IDXFLOW_USAGE');
    expect(long.body.error).toContain('... (5000 characters)');
    expect((await fetchJson(`${server.url}/api/info`)).status).toBe(200);
    const { header } = await fetchGrid(`${server.url}/api/grid?rows=1&draws=1&corrupt=stripe`);
    expect(header.rows).toBe(1);
  });
});

describe('idxflow explore with a corruption its recipe refuses for the images', () => {
  let small: RunningExplore;
  beforeAll(async () => {
    // 20 images of 32 x 32 in IDX (the line corruptions draw on MNIST's 28 x 28 grid only).
    const dir = tmp();
    const images = Buffer.alloc(16 + 20 * 1024);
    images.writeUInt32BE(0x803, 0);
    images.writeUInt32BE(20, 4);
    images.writeUInt32BE(32, 8);
    images.writeUInt32BE(32, 12);
    for (let i = 16; i < images.length; i++) images[i] = (i * 7) % 256;
    const labels = Buffer.alloc(8 + 20);
    labels.writeUInt32BE(0x801, 0);
    labels.writeUInt32BE(20, 4);
    for (let i = 0; i < 20; i++) labels[8 + i] = i % 10;
    writeFileSync(join(dir, 'images'), images);
    writeFileSync(join(dir, 'labels'), labels);
    small = await startExplore(['--images', join(dir, 'images'), '--labels', join(dir, 'labels')]);
  });
  afterAll(async () => {
    await small?.stop();
  });

  it('answers 400 naming the size the recipe needs, and draws one that takes 32 x 32', async () => {
    for (const endpoint of ['grid?rows=2&draws=1&', 'sample?index=0&at=0&', 'stats?samples=10&']) {
      const { status, body } = await fetchJson<{ error: string; code: string }>(`${small.url}/api/${endpoint}corrupt=dotted_line`);
      expect(status, endpoint).toBe(400);
      expect(body).toEqual({ error: "Expected images of 28 x 28 pixels for dotted_line (its recipe draws on MNIST's grid) for corrupt but received 32 x 32 images", code: 'IDXFLOW_VIEW' });
    }
    const { header, pixels } = await fetchGrid(`${small.url}/api/grid?rows=2&draws=1&corrupt=inverse`);
    expect(header.command).toContain('--corrupt inverse');
    expect(pixels.length).toBe(2 * 2 * 1024);
    for (let r = 0; r < 2; r++) {
      const source = pixels.subarray(r * 2 * 1024, (r * 2 + 1) * 1024);
      expect(pixels.subarray((r * 2 + 1) * 1024, (r * 2 + 2) * 1024).equals(Buffer.from(source.map((v) => 255 - v)))).toBe(true);
    }
  });
});
