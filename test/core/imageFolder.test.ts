import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageFolder, imageFolderClasses, imageFolderFiles, ImageFolderError, loadBlock } from '@idxflow/core/internal';

const grey = (pixels: Uint8Array, width: number, height: number) => sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace('b-w');
const fill = (n: number, f: (i: number) => number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => f(i));
/** sRGB to grey as linear-light Rec. 709 luminance, back through the sRGB curve (IEC 61966-2-1). */
function luminance(r: number, g: number, b: number): number {
  const lin = (v: number): number => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return Math.round(255 * (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055));
}
/** Centre of mass (x, y) of a 28 x 28 image, computed here. */
function com(p: Uint8Array): [number, number] {
  let [m, x, y] = [0, 0, 0];
  p.forEach((v, i) => {
    m += v;
    x += (i % 28) * v;
    y += Math.floor(i / 28) * v;
  });
  return [x / m, y / m];
}
function inkBox(p: Uint8Array): { width: number; height: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  p.forEach((v, i) => {
    if (v === 0) return;
    xs.push(i % 28);
    ys.push(Math.floor(i / 28));
  });
  return { width: Math.max(...xs) - Math.min(...xs) + 1, height: Math.max(...ys) - Math.min(...ys) + 1 };
}

describe('imageFolder()', () => {
  const root = mkdtempSync(join(tmpdir(), 'idxflow-images-'));
  const exact = fill(784, (i) => (i * 7) % 256);
  const halves = fill(40 * 30, (i) => (i % 40 < 20 ? 10 : 240)); // 40 x 30, dark left half
  const setup = (async () => {
    for (const name of ['b_class', 'A_class', 'a', 'a/nested']) mkdirSync(join(root, name), { recursive: true });
    await grey(exact, 28, 28).png().toFile(join(root, 'A_class', '2.png'));
    await grey(halves, 40, 30).png().toFile(join(root, 'A_class', '10.PNG'));
    await grey(fill(14 * 20, () => 77), 14, 20).jpeg({ quality: 100 }).toFile(join(root, 'a', 'x.jpg'));
    await sharp(Buffer.from(fill(50 * 20 * 3, (i) => [200, 100, 50][i % 3])), { raw: { width: 50, height: 20, channels: 3 } }).png().toFile(join(root, 'a', 'nested', 'rgb.png'));
    await grey(fill(9, () => 200), 3, 3).jpeg().toFile(join(root, 'b_class', 'small.jpeg'));
    writeFileSync(join(root, 'b_class', 'notes.txt'), 'not an image');
  })();

  it("sorts classes as torchvision's ImageFolder does and numbers files in its order", async () => {
    await setup;
    expect(await imageFolderClasses(root)).toEqual(['A_class', 'a', 'b_class']);
    expect(await imageFolderFiles(root)).toEqual(['A_class/10.PNG', 'A_class/2.png', 'a/x.jpg', 'a/nested/rgb.png', 'b_class/small.jpeg']);
    const block = await loadBlock(imageFolder({ root, blockSize: 2 }));
    expect(block.shape).toEqual([5, 28, 28]);
    expect([...block.labels]).toEqual([0, 0, 1, 1, 2]);
    expect([...block.indices]).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps a 28 x 28 grey PNG byte for byte, resizes others to 28 x 28 one channel, and greys colour by luminance', async () => {
    await setup;
    const block = await loadBlock(imageFolder({ root }));
    const image = (k: number): Uint8Array => block.images.subarray(k * 784, (k + 1) * 784);
    expect(Buffer.compare(image(1), exact)).toBe(0);
    // The 40 x 30 halves: far from the seam each side keeps its value exactly.
    for (let y = 0; y < 28; y++) {
      expect([...image(0).subarray(y * 28, y * 28 + 11)]).toEqual(Array(11).fill(10));
      expect([...image(0).subarray(y * 28 + 17, y * 28 + 28)]).toEqual(Array(11).fill(240));
    }
    expect(Math.max(...image(2).map((v) => Math.abs(v - 77)))).toBeLessThanOrEqual(1); // JPEG, 14 x 20 upscaled
    expect(new Set(image(3))).toEqual(new Set([luminance(200, 100, 50)])); // RGB 50 x 20
    expect(Math.max(...image(4).map((v) => Math.abs(v - 200)))).toBeLessThanOrEqual(2); // 3 x 3 JPEG
    const other = await loadBlock(imageFolder({ root, size: [8, 12] }));
    expect(other.shape).toEqual([5, 8, 12]);
  });

  it('refuses colour with grey: false, names a file that does not decode, and a root without classes', async () => {
    await setup;
    const colour = await loadBlock(imageFolder({ root, grey: false })).catch((e: unknown) => e);
    expect(colour).toBeInstanceOf(ImageFolderError);
    expect((colour as Error).message).toBe(`${join(root, 'a', 'nested', 'rgb.png')}: expected a grey image (grey: false refuses colour), found 3 channels`);
    const bad = mkdtempSync(join(tmpdir(), 'idxflow-images-bad-'));
    mkdirSync(join(bad, 'c'));
    writeFileSync(join(bad, 'c', 'broken.png'), 'not a png');
    const broken = await loadBlock(imageFolder({ root: bad })).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(ImageFolderError);
    expect((broken as Error).message).toMatch(new RegExp(`^${join(bad, 'c', 'broken.png')}: expected an image file sharp decodes \\(PNG, JPEG, \\.\\.\\.\\), found `));
    const empty = await loadBlock(imageFolder({ root: mkdtempSync(join(tmpdir(), 'idxflow-images-empty-')) })).catch((e: unknown) => e);
    expect((empty as Error).message).toContain('expected one subfolder per class, found no subfolders');
  });
});

describe('imageFolder({ mnistStyle: true })', () => {
  it('makes dark ink on paper white on black, fits it in 20 x 20 keeping its aspect ratio, and centres its centre of mass', async () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-mnist-style-'));
    mkdirSync(join(root, 'one'));
    mkdirSync(join(root, 'seven'));
    // A 30 x 60 dark bar off-centre on white paper (100 x 120): becomes 10 x 20.
    const bar = fill(100 * 120, (i) => (i % 100 >= 60 && i % 100 < 90 && Math.floor(i / 100) >= 10 && Math.floor(i / 100) < 70 ? 0 : 255));
    await grey(bar, 100, 120).png().toFile(join(root, 'one', 'bar.png'));
    // An L-shaped stroke, white on black already (80 x 80): its centre of mass is not its box's centre.
    const ell = fill(80 * 80, (i) => {
      const [x, y] = [i % 80, Math.floor(i / 80)];
      return (x >= 10 && x < 20 && y >= 10 && y < 70) || (y >= 60 && y < 70 && x >= 10 && x < 70) ? 255 : 0;
    });
    await grey(ell, 80, 80).png().toFile(join(root, 'seven', 'ell.png'));
    const block = await loadBlock(imageFolder({ root, mnistStyle: true, size: 5 }));
    expect(block.shape).toEqual([2, 28, 28]);
    for (let k = 0; k < 2; k++) {
      const image = block.images.subarray(k * 784, (k + 1) * 784);
      const [x, y] = com(image);
      expect(Math.abs(x - 13.5)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(y - 13.5)).toBeLessThanOrEqual(0.5);
      expect(image[0]).toBe(0); // black field
      expect(Math.max(...image)).toBe(255); // white ink
    }
    const barBox = inkBox(block.images.subarray(0, 784));
    expect(barBox.height).toBe(20);
    expect(Math.abs(barBox.width - 10)).toBeLessThanOrEqual(1);
    const ellImage = block.images.subarray(784);
    const ellBox = inkBox(ellImage);
    expect(Math.max(ellBox.width, ellBox.height)).toBe(20);
    // The L's box is not centred: its centre of mass is.
    const xs = [...ellImage].flatMap((v, i) => (v > 0 ? [i % 28] : []));
    expect(Math.abs((Math.min(...xs) + Math.max(...xs)) / 2 - 13.5)).toBeGreaterThan(1);
  });
});

describe('imageFolder() and links', () => {
  it('follows a link to a file and to a folder once, and a link back up to its class folder not at all', async () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-links-'));
    const [one, two] = [fill(784, (i) => i % 256), fill(784, (i) => (i * 3) % 256)];
    mkdirSync(join(root, 'a'), { recursive: true });
    mkdirSync(join(root, 'store'));
    await grey(one, 28, 28).png().toFile(join(root, 'a', '1.png'));
    await grey(two, 28, 28).png().toFile(join(root, 'store', '2.png'));
    symlinkSync(join(root, 'store', '2.png'), join(root, 'a', '2.png'));
    symlinkSync(join(root, 'a'), join(root, 'a', 'up')); // a cycle
    const block = await loadBlock(imageFolder({ root }));
    expect(await imageFolderClasses(root)).toEqual(['a', 'store']);
    expect(await imageFolderFiles(root)).toEqual(['a/1.png', 'a/2.png', 'store/2.png']);
    expect(Array.from(block.labels)).toEqual([0, 0, 1]);
    expect(Buffer.from(block.images)).toEqual(Buffer.concat([one, two, two]));
  });
});

describe('imageFolder() maxImagePixels', () => {
  it('a JPEG declaring 2000 x 1000 pixels is an ImageTooLargeError with a ceiling of 1,000,000, read with 2,000,000', async () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-jpeg-'));
    mkdirSync(join(root, 'a'));
    await sharp({ create: { width: 2000, height: 1000, channels: 3, background: { r: 0, g: 0, b: 0 } } }).jpeg().toFile(join(root, 'a', 'wide.jpg'));
    const error = await loadBlock(imageFolder({ root, maxImagePixels: 1_000_000 })).then(() => undefined, (e: Error) => e);
    expect(error?.name).toBe('ImageTooLargeError');
    expect(error?.message).toBe(`${join(root, 'a', 'wide.jpg')}: expected at most 1000000 pixels (\`maxImagePixels\`), found 2000 x 1000 = ${2000 * 1000} pixels`);
    expect((await loadBlock(imageFolder({ root, maxImagePixels: 2_000_000 }))).shape).toEqual([1, 28, 28]);
  });
});
