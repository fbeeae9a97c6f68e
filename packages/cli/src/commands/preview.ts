import { MissingPackageError, type Block } from '@idxflow/core';
import { refuseOutputAmongInputs, writeOutputFile } from '@idxflow/sinks';
import { augmentImages, corruptImages, corruptSpecOf, policyImages, sizeRefusal, specOf } from '@idxflow/transforms';
import { corruptionOf } from '../corruptFlags.js';
import { firstValueFrom, scan, takeWhile, last } from 'rxjs';
import { integerIn } from '../numbers.js';
import { augmentOptions, policyOf, seedOf } from '../options.js';
import { namedEntryOf, sourceOf } from '../dataSources.js';
import { UsageError } from '../usageError.js';
import { gridOf, MAX_SIDE, MAX_ZOOM, outOf } from './previewFlags.js';

/** Refuses a sheet beyond the pixel budget, as soon as the image size is known. */
function checkSheet(rows: number, cols: number, zoom: number, height: number, width: number): void {
  const [w, h] = [cols * (width + 1) * zoom, rows * (height + 1) * zoom];
  if (w > MAX_SIDE || h > MAX_SIDE) {
    throw new UsageError(`Expected --grid and --zoom to make a sheet of at most ${MAX_SIDE} x ${MAX_SIDE} pixels but received --grid ${rows}x${cols} --zoom ${zoom}, which make ${w} x ${h} of ${width} x ${height} images`);
  }
}

/** The samples a sheet shows: their pixels and source indices, `height * width` bytes each. */
interface Picked {
  images: Uint8Array;
  indices: Uint32Array;
  height: number;
  width: number;
  count: number;
}

/** The label values a sheet's rows go through in turn: a named dataset's classes (those that occur), else 0 to 9. */
function rowClasses(flags: Record<string, string | boolean | undefined>): number[] {
  const named = namedEntryOf(flags);
  if (named?.wideClasses) return [0]; // classes in Block.classIds; labels are all 0
  return named ? named.classes.flatMap((name, label) => (name === 'N/A' ? [] : [label])) : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
}

/** The next sample of each class in turn (`classes[0]`, `classes[1]`, ...), until `rows` samples. */
async function pickRows(source: ReturnType<typeof sourceOf>['source'], rows: number, classes: readonly number[], check: (height: number, width: number) => void): Promise<Picked> {
  const pick = (into: Picked, block: Block<Uint8Array>): Picked => {
    const [n, height, width] = block.shape;
    if (into.images.length === 0) {
      check(height, width);
      Object.assign(into, { images: new Uint8Array(rows * height * width), height, width });
    }
    const size = height * width;
    for (let i = 0; i < n && into.count < rows; i++) {
      if (block.labels[i] !== classes[into.count % classes.length]) continue; // each class in turn
      into.images.set(block.images.subarray(i * size, (i + 1) * size), into.count * size);
      into.indices[into.count++] = block.indices[i];
    }
    return into;
  };
  return firstValueFrom(
    source.pipe(
      scan(pick, { images: new Uint8Array(0), indices: new Uint32Array(rows), height: 0, width: 0, count: 0 }),
      takeWhile((picked) => picked.count < rows, true),
      last(),
    ),
  ).then((picked) => {
    if (picked.count < rows) throw new UsageError(`Expected at least ${rows} samples for --grid but the source has fewer`);
    return picked;
  });
}

/** sharp, an optional dependency of the CLI that only preview needs; a MissingPackageError naming it when it is not installed. */
async function loadSharp() {
  try {
    return await import('sharp');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /['"]sharp['"]/.test((error as Error).message);
    if (missing) throw new MissingPackageError('sharp', 'idxflow preview', error);
    throw error;
  }
}

export async function preview(flags: Record<string, string | boolean | undefined>): Promise<string> {
  const { rows, cols } = gridOf(String(flags.grid));
  const zoom = integerIn('zoom', String(flags.zoom), 1, MAX_ZOOM);
  const out = outOf(String(flags.out));
  const options = augmentOptions(flags);
  const spec = specOf(options);
  const policy = policyOf(flags);
  const seed = seedOf(flags);
  const { source, inputs } = sourceOf(flags);
  await refuseOutputAmongInputs(out, inputs ?? []); // before any work: the sheet must not replace or join its data
  const base = await pickRows(source, rows, rowClasses(flags), (h, w) => checkSheet(rows, cols, zoom, h, w));
  const { height: h, width: w } = base;
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
    // The policy or the corruption after augment()'s pass, the pipeline's second random stage: the bytes export gives.
    if (policy && !(augmented instanceof Uint8Array)) throw new UsageError('Expected byte images for an automatic policy (torchvision defines them for uint8) but the source holds floats');
    if (policy) variants.push(policyImages({ images: augmented, indices: base.indices, epoch, seed, stage: 1, height: h, width: w, policy }));
    else variants.push(corruption ? corruptImages({ images: augmented, indices: base.indices, epoch, seed, stage: 1, height: h, width: w, spec: corruption }) : augmented);
  }
  variants.forEach((images, col) => {
    for (let row = 0; row < rows; row++) {
      for (let y = 0; y < h; y++) {
        const from = row * h * w + y * w;
        sheet.set(images.subarray(from, from + w), (row * cellH + y) * cols * cellW + col * cellW);
      }
    }
  });
  const { default: sharp } = await loadSharp();
  const png = await sharp(sheet, { limitInputPixels: MAX_SIDE * MAX_SIDE, raw: { width: cols * cellW, height: rows * cellH, channels: 1 } })
    .resize({ width: cols * cellW * zoom, height: rows * cellH * zoom, kernel: 'nearest' })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  // As the exports do: the directory is made if need be, and the file appears whole or not at
  // all (a file-system error names the path, and no temporary is left behind).
  await writeOutputFile(out, png, { inputs });
  return out;
}
