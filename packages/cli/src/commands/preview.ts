import { dirname } from 'node:path';
import { copySample, allocateBlock, importOptional, makeFolders, type Block } from '@idxflow/core/internal';
import { refuseOutputAmongInputs, writeFileAtomic } from '@idxflow/sinks/internal';
import { augmentImages, specOf } from '@idxflow/transforms/internal';
import { firstValueFrom, scan, takeWhile, last } from 'rxjs';
import { integerIn } from '../numbers.js';
import { augmentOptions, seedOf } from '../options.js';
import { sourceOf } from '../dataSources.js';
import { UsageError } from '../usageError.js';
import { gridOf, MAX_SIDE, MAX_ZOOM, outOf } from './previewFlags.js';

/** Refuses a sheet beyond the pixel budget, as soon as the image size is known. */
function checkSheet(rows: number, cols: number, zoom: number, height: number, width: number): void {
  const [w, h] = [cols * (width + 1) * zoom, rows * (height + 1) * zoom];
  if (w > MAX_SIDE || h > MAX_SIDE) {
    throw new UsageError(`Expected --grid and --zoom to make a sheet of at most ${MAX_SIDE} x ${MAX_SIDE} pixels but received --grid ${rows}x${cols} --zoom ${zoom}, which make ${w} x ${h} of ${width} x ${height} images`);
  }
}

/** The next sample of each class in turn (0, 1, 2, ...), until `rows` samples. */
async function pickRows(source: ReturnType<typeof sourceOf>['source'], rows: number, check: (height: number, width: number) => void): Promise<Block<Uint8Array>> {
  return firstValueFrom(
    source.pipe(
      scan(
        (picked: { block?: Block<Uint8Array>; count: number }, block) => {
          if (!picked.block) check(block.shape[1], block.shape[2]);
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
  const { rows, cols } = gridOf(String(flags.grid));
  const zoom = integerIn('zoom', String(flags.zoom), 1, MAX_ZOOM);
  const out = outOf(String(flags.out));
  const options = augmentOptions(flags);
  const spec = specOf(options);
  const seed = seedOf(flags);
  const { source, inputs } = sourceOf(flags);
  await refuseOutputAmongInputs(out, inputs ?? []); // before any work: the sheet must not replace or join its data
  const base = await pickRows(source, rows, (h, w) => checkSheet(rows, cols, zoom, h, w));
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
  const png = await sharp(sheet, { limitInputPixels: MAX_SIDE * MAX_SIDE, raw: { width: cols * cellW, height: rows * cellH, channels: 1 } })
    .resize({ width: cols * cellW * zoom, height: rows * cellH * zoom, kernel: 'nearest' })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  // As the exports do: the directory is made if need be, and the file appears whole or not at
  // all (a file-system error names the path, and no temporary is left behind).
  await makeFolders(dirname(out));
  await writeFileAtomic(out, png);
  return out;
}
