/// <reference lib="dom" />
// `idxflow explore` in a real browser (Debian's chromium, driven by playwright-core): move the
// rotation and elastic controls, click a draw, copy its export command line, run it, and
// compare the bytes it writes with the canvas's pixels; the whole grid too. The redraw latency
// (control change to painted grid, performance.now() in the page) is printed, not asserted.
// With IDXFLOW_EXPLORE_SCREENSHOTS=DIR it also writes the README's screenshots into DIR.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport, startExplore, type RunningExplore } from '../fixtures/explore.js';
import { testSplit } from '../sinks/network/rawMnist.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const present = existsSync(CHROMIUM);
const ci = process.env.CI === 'true';
if (!present && !ci) console.warn(`skipping the explore browser test: no ${CHROMIUM} (apt-get install chromium)`);

let server: RunningExplore;
let context: BrowserContext;
let page: Page;
let profile: string;

declare global {
  interface Window {
    explore: {
      version: number;
      latencies: { drawn: number; painted: number; server: number }[];
      grid: { rows: number; cols: number; width: number; height: number; indices: number[] };
      stats: unknown;
      cellOrigin: (grid: unknown, row: number, col: number) => { x: number; y: number; width: number; height: number };
    };
  }
}

/** Moves a slider as a user does (its value, then an input event) and waits for the grid it asks for to be painted. */
async function move(id: string, value: number | string): Promise<void> {
  const before = await page.evaluate(() => window.explore.version);
  await page.evaluate(([id, value]) => {
    const slider = document.getElementById(id as string) as HTMLInputElement;
    slider.value = String(value);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  }, [id, value] as const);
  await page.waitForFunction((v) => window.explore.version > v && document.getElementById('status')!.textContent!.includes('drawn in'), before);
}

/** The canvas's pixels of cell (row, col): each image pixel must be a ZOOM x ZOOM square of one opaque grey. */
function cellBytes(row: number, col: number): Promise<number[] | string> {
  return page.evaluate(([row, col]) => {
    const grid = window.explore.grid;
    const o = window.explore.cellOrigin(grid, row, col);
    const zoom = o.width / grid.width;
    const canvas = document.getElementById('grid') as HTMLCanvasElement;
    const rgba = canvas.getContext('2d')!.getImageData(o.x, o.y, o.width, o.height).data;
    const bytes: number[] = [];
    for (let y = 0; y < grid.height; y++) {
      for (let x = 0; x < grid.width; x++) {
        const at = (y * zoom * o.width + x * zoom) * 4;
        for (let dy = 0; dy < zoom; dy++) {
          for (let dx = 0; dx < zoom; dx++) {
            const k = at + (dy * o.width + dx) * 4;
            if (rgba[k] !== rgba[at] || rgba[k + 1] !== rgba[at] || rgba[k + 2] !== rgba[at] || rgba[k + 3] !== 255) return `pixel (${x}, ${y}) is not one opaque grey`;
          }
        }
        bytes.push(rgba[at]);
      }
    }
    return bytes;
  }, [row, col]);
}

/** Runs the page's export command (7 copies of MNIST's test split) and expects the draws of the grid's first `rows` rows to be the images it wrote. */
async function expectDrawsExported(command: string, rows: number): Promise<void> {
  const grid = await page.evaluate(() => window.explore.grid);
  const all = runExport(command, join(mkdtempSync(join(tmpdir(), 'idxflow-explore-')), 'out'));
  for (let row = 0; row < rows; row++) {
    for (let j = 0; j < 7; j++) expect(Buffer.from((await cellBytes(row, j + 1)) as number[]).equals(all.image(j * 10000 + grid.indices[row])), `row ${row}, draw ${j}`).toBe(true);
  }
}

async function clickCell(row: number, col: number): Promise<void> {
  const origin = await page.evaluate(([row, col]) => window.explore.cellOrigin(window.explore.grid, row, col), [row, col]);
  const box = (await page.locator('#grid').boundingBox())!;
  const version = await page.evaluate(() => window.explore.version);
  await page.mouse.click(box.x + origin.x + origin.width / 2, box.y + origin.y + origin.height / 2);
  await page.waitForFunction((shown) => document.getElementById('sample')!.dataset.shown === shown, `${version} ${row} ${col}`);
}

async function screenshot(name: string): Promise<void> {
  const dir = process.env.IDXFLOW_EXPLORE_SCREENSHOTS;
  if (!dir) return;
  await page.waitForFunction(() => window.explore.stats !== undefined);
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(dir, name), fullPage: true });
}

describe.skipIf(!present && !ci)('idxflow explore in chromium', () => {
  beforeAll(async () => {
    // Under CI the browser is part of the machine (.ci/run installs it): its absence is a failure.
    if (!present) throw new Error(`CI=true and ${CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install chromium)`);
    server = await startExplore(['--split', 'test']);
    profile = mkdtempSync(join(tmpdir(), 'idxflow-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1500, height: 1000 } });
    page = await context.newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
  });
  afterAll(async () => {
    await context?.close();
    await server?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows, after moving rotation and elastic, the bytes that the copied export command writes', async () => {
    await page.goto(server.pageUrl);
    await page.waitForFunction(() => window.explore?.version >= 1);
    await clickCell(2, 1);
    await screenshot('explore-default.png');
    await move('rotate-x', 30);
    await move('elastic-alpha', 34);
    await move('elastic-sigma', 3.5);
    expect(await page.locator('#command').textContent()).toBe('idxflow export --dataset mnist --split test --rotate 30 --elastic 34:3.5 --seed 0 --copies 7 --out explore-export');

    // Latency: twenty more moves of the two controls, each to a painted grid of 10 x 8 digits.
    for (let k = 0; k < 20; k++) await (k % 2 === 0 ? move('rotate-x', 10 + k) : move('elastic-alpha', 20 + k));
    const latencies = (await page.evaluate(() => window.explore.latencies)).slice(-20);
    const grid = await page.evaluate(() => window.explore.grid);
    expect([grid.rows, grid.cols]).toEqual([10, 8]);
    console.log(`explore redraw latencies (painted ms / server render ms): ${latencies.map((l) => `${l.painted.toFixed(1)}/${l.server}`).join(', ')}`);
    const summary = (key: 'drawn' | 'painted'): string => {
      const v = latencies.map((l) => l[key]).sort((a, b) => a - b);
      return `median ${((v[9] + v[10]) / 2).toFixed(1)} ms, 90th percentile ${v[17].toFixed(1)} ms, max ${v[19].toFixed(1)} ms`;
    };
    console.log(`explore redraw latency, control change to painted 10 x 8 grid, 20 moves: ${summary('painted')} (to putImageData: ${summary('drawn')})`);

    // One draw: click it, copy its command line, run it, compare with the canvas.
    await clickCell(3, 2);
    const command = (await page.locator('#sample-command').textContent())!;
    expect(command).toMatch(/^idxflow export --dataset mnist --split test --rotate 28 --elastic 39:3\.5 --seed 0 --copies 2 --shard \d+\/20000 --out explore-sample$/);
    const offset = Number(/this sample is image (\d+) of its images file/.exec((await page.locator('#sample-note').textContent())!)![1]);
    const canvas = await cellBytes(3, 2);
    const exported = runExport(command, join(mkdtempSync(join(tmpdir(), 'idxflow-explore-')), 'out'));
    expect(Array.isArray(canvas) ? Buffer.from(canvas).equals(exported.image(offset)) : canvas).toBe(true);
    expect(Buffer.from(canvas as number[]).equals(testSplit.image(grid.indices[3]))).toBe(false); // it was augmented

    // The whole grid: sources from the raw file, draws from the grid's export command.
    const all = runExport((await page.locator('#command').textContent())!, join(mkdtempSync(join(tmpdir(), 'idxflow-explore-')), 'out'));
    for (let row = 0; row < 10; row++) {
      expect(Buffer.from((await cellBytes(row, 0)) as number[]).equals(testSplit.image(grid.indices[row])), `source of row ${row}`).toBe(true);
      for (let j = 0; j < 7; j++) expect(Buffer.from((await cellBytes(row, j + 1)) as number[]).equals(all.image(j * 10000 + grid.indices[row])), `row ${row}, draw ${j}`).toBe(true);
    }
  });

  it('shows the elastic field of a clicked draw, and statistics', async () => {
    await move('rotate-x', 0);
    await move('elastic-alpha', 80);
    await move('elastic-sigma', 5);
    await clickCell(4, 3);
    expect(await page.locator('#field-note').textContent()).toMatch(/^elastic field: hue the direction, brightness the length \(longest \d+\.\d\d px\); arrows to scale$/);
    await page.waitForFunction(() => (window.explore.stats as { samples?: number } | undefined)?.samples === 2000);
    expect(await page.locator('#stats-outside').textContent()).toMatch(/^\d+\.\d\d % of the ink$/);
    await screenshot('explore-elastic.png');
  });

  it("shows blur, posterize and invert from their controls, with the export command's bytes and the draws of a clicked sample", async () => {
    await page.goto(server.pageUrl);
    await page.waitForFunction(() => window.explore?.version >= 1);
    await move('blur-k', 3);
    await move('posterize-min', 4);
    await move('posterize-max', 4);
    await move('invert-p', 1);
    const command = (await page.locator('#command').textContent())!;
    expect(command).toBe('idxflow export --dataset mnist --split test --blur 3 --posterize 4 --invert 1 --seed 0 --copies 7 --out explore-export');
    await expectDrawsExported(command, 3);
    await clickCell(1, 2);
    const draws = await page.locator('#sample-draws').textContent();
    expect(draws).toMatch(/blur3 × 3, sigma \d/);
    expect(draws).toContain('posterize4 bits');
    expect(draws).toContain('autocontrast, equalize, invertinvert');
  });

  it("shows the resized crop and the perspective from their controls, with the export command's bytes and the box and corners of a clicked sample", async () => {
    await page.goto(server.pageUrl);
    await page.waitForFunction(() => window.explore?.version >= 1);
    await move('resized-crop-p', 1);
    await move('perspective-d', 0.4);
    const command = (await page.locator('#command').textContent())!;
    expect(command).toBe('idxflow export --dataset mnist --split test --resized-crop 1 --perspective 0.4 --seed 0 --copies 7 --out explore-export');
    await expectDrawsExported(command, 3);
    await clickCell(1, 2);
    const draws = (await page.locator('#sample-draws').textContent())!;
    expect(draws).toMatch(/resized crop\d+ × \d+ at \(\d+, \d+\)/);
    expect(draws).toMatch(/perspectivecorners to \(\d+, \d+\) \(\d+, \d+\) \(\d+, \d+\) \(\d+, \d+\)/);
    expect(draws).toMatch(/resamplingone projective map: /);
  });

  it("shows RandAugment from its controls, with the export command's bytes and the policy's draws of a clicked sample", async () => {
    await page.goto(server.pageUrl);
    await page.waitForFunction(() => window.explore?.version >= 1);
    await move('rand-augment-ops', 2);
    await move('rand-augment-magnitude', 12);
    const command = (await page.locator('#command').textContent())!;
    expect(command).toBe('idxflow export --dataset mnist --split test --rand-augment 2:12 --seed 0 --copies 7 --out explore-export');
    await expectDrawsExported(command, 3);
    await clickCell(1, 2);
    const draws = (await page.locator('#sample-draws').textContent())!;
    // The policy's row: two of RandAugment's ops, each with its magnitude when it has one.
    expect(draws).toMatch(/randAugment(Identity|AutoContrast|Equalize|\w+\(-?[\d.]+\))(, (Identity|AutoContrast|Equalize|\w+\(-?[\d.]+\)))$/m);
  });

  it("shows a corruption from its picker: inverse as 255 - x, shot noise as the copied export's bytes, and a clicked sample's corruption", async () => {
    await page.goto(server.pageUrl);
    await page.waitForFunction(() => window.explore?.version >= 1);
    await move('corrupt-name', 'inverse');
    expect(await page.locator('#corrupt').inputValue()).toBe('inverse');
    expect(await page.locator('#corrupt-severity').isDisabled()).toBe(true); // inverse's recipe has no severities
    expect(await page.locator('#command').textContent()).toBe('idxflow export --dataset mnist --split test --corrupt inverse --seed 0 --copies 7 --out explore-export');
    for (let row = 0; row < 3; row++) {
      const source = (await cellBytes(row, 0)) as number[];
      for (let j = 1; j <= 7; j++) expect(await cellBytes(row, j), `row ${row}, draw ${j}`).toEqual(source.map((v) => 255 - v));
    }
    await move('corrupt-name', 'shot_noise');
    expect(await page.locator('#corrupt-severity').isDisabled()).toBe(false);
    expect(await page.locator('#corrupt-severity option').first().textContent()).toBe('released (5)');
    await move('corrupt-severity', '2');
    const command = (await page.locator('#command').textContent())!;
    expect(command).toBe('idxflow export --dataset mnist --split test --corrupt shot_noise:2 --seed 0 --copies 7 --out explore-export');
    await expectDrawsExported(command, 3);
    await clickCell(1, 2);
    expect(await page.locator('#sample-draws').textContent()).toContain('corruptionshot_noise, severity 2');
    // A value the server refuses, typed into the box: its one-line message, the box red, no crash.
    await page.locator('#corrupt').fill('shot_noise:9');
    await page.locator('#corrupt').dispatchEvent('input');
    await page.waitForFunction(() => document.getElementById('status')!.classList.contains('error'));
    expect(await page.locator('#status').textContent()).toBe('Expected a SEVERITY of 1 to 5 after shot_noise: for --corrupt but received "shot_noise:9"');
    expect(await page.locator('#corrupt').getAttribute('class')).toContain('bad');
    await move('corrupt-name', 'off');
    expect(await page.locator('#command').textContent()).toBe('idxflow export --dataset mnist --split test --seed 0 --copies 7 --out explore-export');
  });
});
