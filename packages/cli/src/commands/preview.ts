import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { copySample, allocateBlock, importOptional, type Block } from '@idxflow/core/internal';
import { writeFileAtomic } from '@idxflow/sinks/internal';
import { augmentImages, specOf } from '@idxflow/transforms/internal';
import { firstValueFrom, scan, takeWhile, last } from 'rxjs';
import { augmentOptions, DATA_FLAGS, DATA_USAGE, parseInteger, seedOf, sourceOf } from '../options.js';
import { UsageError } from './info.js';

export const PREVIEW_FLAGS = {
  ...DATA_FLAGS,
  grid: { type: 'string', default: '10x8' },
  zoom: { type: 'string', default: '4' },
  out: { type: 'string', default: 'preview.png' },
} as const;

export const previewUsage = `Usage: idxflow preview [options]

Writes a PNG contact sheet: each row one source digit (one per class, in order) followed by
augmented variants of it (epochs 0, 1, ... of the augmentation).

${DATA_USAGE}
Output:
  --grid ROWSxCOLS   rows and columns, the first column the original (default 10x8)
  --zoom N           pixels per source pixel (default 4)
  --out FILE.png     where to write, its directory made if need be (default preview.png)`;

/** The next sample of each class in turn (0, 1, 2, ...), until `rows` samples. */
async function pickRows(source: ReturnType<typeof sourceOf>['source'], rows: number): Promise<Block<Uint8Array>> {
  return firstValueFrom(
    source.pipe(
      scan(
        (picked: { block?: Block<Uint8Array>; count: number }, block) => {
          for (let i = 0; i < block.shape[0] && picked.count < rows; i++) {
            if (block.labels[i] !== picked.count % 10) continue; // classes 0, 1, 2, ... in turn
            picked.block ??= allocateBlock({ ...block, epoch: 0 }, rows);
            copySample(block, i, picked.block, picked.count++);
          }
          return picked;
        },
        { count: 0 },
      ),
      takeWhile((picked) => picked.count < rows, true),
      last(),
    ),
  ).then((picked) => {
    if (!picked.block || picked.count < rows) throw new UsageError(`Expected at least ${rows} samples for --grid but the source has fewer`);
    return picked.block;
  });
}

export async function preview(flags: Record<string, string | boolean | undefined>): Promise<string> {
  const grid = /^(\d+)x(\d+)$/.exec(String(flags.grid));
  if (!grid) throw new UsageError(`Expected ROWSxCOLS for --grid but received "${String(flags.grid)}"`);
  const rows = parseInteger('grid', grid[1], 1);
  const cols = parseInteger('grid', grid[2], 2);
  const zoom = parseInteger('zoom', String(flags.zoom), 1);
  const out = String(flags.out);
  if (!out.endsWith('.png')) throw new UsageError(`Expected a .png file for --out but received "${out}"`);
  const options = augmentOptions(flags);
  const spec = specOf(options);
  const seed = seedOf(flags);
  const base = await pickRows(sourceOf(flags).source, rows);
  const [, h, w] = base.shape;
  const gap = 1;
  const cellW = w + gap;
  const cellH = h + gap;
  const sheet = new Uint8Array(rows * cellH * cols * cellW).fill(64);
  const variants = [base.images];
  for (let epoch = 0; epoch < cols - 1; epoch++) {
    variants.push(augmentImages({ images: base.images, indices: base.indices, epoch, seed, stage: 0, height: h, width: w, spec }) as Uint8Array);
  }
  variants.forEach((images, col) => {
    for (let row = 0; row < rows; row++) {
      for (let y = 0; y < h; y++) {
        const from = row * h * w + y * w;
        sheet.set(images.subarray(from, from + w), (row * cellH + y) * cols * cellW + col * cellW);
      }
    }
  });
  // sharp (native) is an optional dependency of the CLI: only preview needs it.
  const { default: sharp } = await importOptional('sharp', 'idxflow preview', () => import('sharp'));
  const png = await sharp(sheet, { raw: { width: cols * cellW, height: rows * cellH, channels: 1 } })
    .resize({ width: cols * cellW * zoom, height: rows * cellH * zoom, kernel: 'nearest' })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  // As the exports do: the directory is made if need be, and the file appears whole or not at
  // all (a file-system error names the path, and no temporary is left behind).
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, png);
  return out;
}
