import { dirname } from 'node:path';
import { copySample, allocateBlock, importOptional, makeFolders, type Block } from '@idxflow/core/internal';
import { refuseOutputAmongInputs, writeFileAtomic } from '@idxflow/sinks/internal';
import { augmentImages, corruptImages, corruptSpecOf, sizeRefusal, specOf } from '@idxflow/transforms/internal';
import { CORRUPT_FLAGS, CORRUPT_RULES, corruptionOf } from '../corruptFlags.js';
import { firstValueFrom, scan, takeWhile, last } from 'rxjs';
import { usageOf, type FlagSpec } from '../flags.js';
import { integerIn, shown } from '../numbers.js';
import { augmentOptions, DATA_FLAGS, DATA_RULES, dataUsage, seedOf, sourceOf } from '../options.js';
import { UsageError } from '../usageError.js';

// The sheet's budget: PNG viewers and sharp handle 16384 pixels a side; 10,000 cells is a
// hundred by a hundred, more than a screen shows.
const MAX_SIDE = 16384;
const MAX_CELLS = 10_000;
const MAX_ZOOM = 1024;

/** "ROWSxCOLS" → rows (>= 1) and columns (>= 2, the original and a variant), within the cell budget. */
function gridOf(text: string): { rows: number; cols: number } {
  const grid = /^(\d+)x(\d+)$/.exec(text);
  if (!grid) throw new UsageError(`Expected ROWSxCOLS (e.g. 10x8) for --grid but received ${shown(text)}`);
  const [rows, cols] = [Number(grid[1]), Number(grid[2])];
  if (!(rows >= 1 && cols >= 2 && rows * cols <= MAX_CELLS)) {
    throw new UsageError(`Expected ROWS >= 1, COLS >= 2 and ROWS x COLS <= ${MAX_CELLS} cells for --grid but received ${shown(text)}`);
  }
  return { rows, cols };
}

function outOf(text: string): string {
  if (!text.endsWith('.png')) throw new UsageError(`Expected a .png file for --out but received ${shown(text)}`);
  return text;
}

const OWN_FLAGS = {
  grid: { type: 'string', arg: 'ROWSxCOLS', default: '10x8', help: `rows and columns, the first column the original; ROWS >= 1, COLS >= 2, at most ${MAX_CELLS} cells`, check: gridOf },
  zoom: {
    type: 'string',
    arg: 'N',
    default: '4',
    help: `pixels per source pixel, 1 to ${MAX_ZOOM}, and the sheet at most ${MAX_SIDE} x ${MAX_SIDE} pixels (grid x (image + 1 px) x zoom a side)`,
    check: (t) => integerIn('zoom', t, 1, MAX_ZOOM),
  },
  out: { type: 'string', arg: 'FILE.png', default: 'preview.png', help: 'where to write, its directory made if need be', check: outOf, path: true },
  ...CORRUPT_FLAGS,
} as const satisfies Record<string, FlagSpec>;

export const PREVIEW_FLAGS = { ...DATA_FLAGS, ...OWN_FLAGS } as const satisfies Record<string, FlagSpec>;
export const PREVIEW_RULES = [...CORRUPT_RULES, ...DATA_RULES];

export const previewUsage = `Usage: idxflow preview [options]

Writes a PNG contact sheet: each row one source digit (one per class, in order) followed by
augmented variants of it (epochs 0, 1, ... of the augmentation), each then corrupted by
--corrupt when given (as export applies it: after the augmentation, on the same seed).

${dataUsage()}
${usageOf('Output', OWN_FLAGS)}`;

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
  const corruption = typeof flags.corrupt === 'string' ? corruptSpecOf(corruptionOf(flags.corrupt)) : undefined;
  const refusal = corruption && sizeRefusal(corruption.name, h, w);
  if (refusal) throw new UsageError(`Expected ${refusal} for --corrupt but received ${h} x ${w} images`);
  for (let epoch = 0; epoch < cols - 1; epoch++) {
    const augmented = augmentImages({ images: base.images, indices: base.indices, epoch, seed, stage: 0, height: h, width: w, spec }) as Uint8Array;
    // The corruption is the pipeline's second random stage, after augment(), as in export.
    variants.push(corruption ? corruptImages({ images: augmented, indices: base.indices, epoch, seed, stage: 1, height: h, width: w, spec: corruption }) : augmented);
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
