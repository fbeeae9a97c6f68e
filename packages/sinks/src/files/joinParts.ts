// The join of a split export whose parts write files of their own. Each part of an `idx`,
// `idx.gz`, `npy` or `npz` export writes whole files with their own headers
// (`train-images.part-00001-of-00003.npy`), and each part of a `png` export its own `labels.csv`
// and `SHA256SUMS` beside its images; the join writes the files one machine writes
// (`train-images.npy`, `labels.csv`), byte for byte: one new header for the whole count, then
// each part's data after its header, streamed in order. Gzip and zip are produced by the very
// code the single-machine export uses (GzipFile, writeStoredZip), so their bytes match too.
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { idxHeader } from '@idxflow/core/internal';
import { AtomicFile } from './atomic.js';
import { arrayFileNames, partTag, softLabelFileNames, taskFileNames, type ExportFormat } from './exportPlan.js';
import { GzipFile } from './gzipFile.js';
import { journalName, manifestName, manifestOf, type Manifest } from './manifest.js';
import { npyDescr, npyHeader } from './npy.js';
import { dataOf, fileRange, gunzipped, PartJoinError, storedZipEntries, type PartArray } from './partArrays.js';
import type { ExportedFile } from './types.js';
import { writeStoredZipOf } from './zip.js';

export { PartJoinError } from './partArrays.js';

/**
 * The formats whose parts `joinParts` joins: those that hold a split in one file or pair of files,
 * and `png`, whose parts write the whole's images but a `labels.csv` and `SHA256SUMS` each.
 */
export const JOINED_FORMATS: readonly ExportFormat[] = ['idx', 'idx.gz', 'npy', 'npz', 'png'];

/** The first line of a PNG folder's `labels.csv`, in every part's file too (see `toPngFolder`). */
const LABELS_CSV_HEADER = new TextEncoder().encode('path,label,index,epoch\n');

/** One array of the whole export: its header, and the arrays of the parts that hold samples. */
interface JoinedArray {
  header: Uint8Array;
  parts: PartArray[];
}

/** One file of the whole export and the arrays it holds (two for an NPZ, one otherwise). */
interface JoinedFile {
  name: string;
  arrays: { member: string; array: JoinedArray }[];
}

/** The bytes of a joined array: the whole header, then each part's data. */
async function* bytesOf(array: JoinedArray): AsyncGenerator<Uint8Array> {
  yield array.header;
  for (const part of array.parts) yield* dataOf(part);
}

/** A part's manifest, where it is (for messages), and the tag of its file names. */
interface PartFiles {
  manifest: Manifest;
  where: string;
  tag: string;
}

/** The size a part's manifest lists for its file `name`. */
const listedBytes = (part: PartFiles, name: string): number => part.manifest.files.find((f) => f.name === name)?.bytes ?? 0;

/** The soft labels' file of a split, tagged. */
const softLabelsName = (split: 'train' | 'val' | 'test', tag: string): string => softLabelFileNames('npy', split, tag)[0];

/** The tasks' file of a split, tagged. */
const tasksName = (split: 'train' | 'val' | 'test', tag: string): string => taskFileNames('npy', split, tag)[0];

/** The split a part's files are of: the one whose names for the part's tag it lists, and nothing else. */
function splitOf(format: ExportFormat, part: PartFiles): 'train' | 'val' | 'test' {
  const names = part.manifest.files.map((f) => f.name);
  for (const split of ['train', 'val', 'test'] as const) {
    const expected = arrayFileNames(format, split, part.tag);
    const allowed = format === 'npy' ? [...expected, softLabelsName(split, part.tag), tasksName(split, part.tag)] : expected;
    if (expected.every((n) => names.includes(n)) && names.every((n) => allowed.includes(n))) return split;
  }
  throw new PartJoinError({ file: part.where, expected: `the files of a ${format} part (${arrayFileNames(format, 'train', part.tag).join(', ')}, or the test split's)`, found: names.join(', ') || 'none' });
}

/** Checks that each file the parts list is in `dir` with its listed size, before anything is written. */
async function checkSizes(dir: string, parts: PartFiles[]): Promise<void> {
  for (const { manifest } of parts) {
    for (const file of manifest.files) {
      const size = await stat(join(dir, file.name)).then((s) => s.size, () => undefined);
      if (size !== file.bytes) throw new PartJoinError({ file: join(dir, file.name), expected: `a file of ${file.bytes} bytes, as its part manifest lists`, found: size === undefined ? 'no such file' : `${size} bytes` });
    }
  }
}

/** The `classes` of the shape `(n, classes)` in the header of the soft labels' NPY array at `start` of `path`. */
async function softLabelClasses(path: string, start: number, bytes: number): Promise<number> {
  const chunks = fileRange(path, start, start + Math.min(bytes, 256));
  const head = (await chunks.next()).value as Uint8Array | undefined;
  await chunks.return(undefined);
  const text = new TextDecoder('latin1').decode(head ?? new Uint8Array(0));
  const shape = /'shape': \((\d+), (\d+)\)/.exec(text);
  if (!shape) throw new PartJoinError({ file: path, expected: "an NPY header with 'shape': (n, classes)", found: JSON.stringify(text.slice(0, 80)) });
  return Number(shape[2]);
}

/** What the joined files are made of: the parts that hold samples, and the whole's split, shape and count. */
interface JoinContext {
  dir: string;
  format: ExportFormat;
  whole: Manifest;
  split: 'train' | 'val' | 'test';
  holding: PartFiles[];
}

/** Where a part's array is, given the part. */
type ArraySource = (part: PartFiles) => Promise<Pick<PartArray, 'file' | 'bytes' | 'offset'>>;

/** A joined array: the whole's header, and each part's array with the header and length it must have. */
async function arrayOf(c: JoinContext, header: (n: number) => Uint8Array, dataBytes: (part: PartFiles) => number, source: ArraySource): Promise<JoinedArray> {
  const parts: PartArray[] = [];
  for (const p of c.holding) parts.push({ ...(await source(p)), header: header(p.manifest.count), dataBytes: dataBytes(p) });
  return { header: header(c.whole.count), parts };
}

/** The data bytes of a part's array of `recordBytes` per sample. */
const records = (recordBytes: number) => (part: PartFiles): number => part.manifest.count * recordBytes;

/** The headers of the images and labels arrays of `n` samples in the context's format. */
function headersOf(c: JoinContext): { images: (n: number) => Uint8Array; labels: (n: number) => Uint8Array; imageBytes: number } {
  const [h, w] = c.whole.shape;
  const { dtype } = c.whole;
  const imageBytes = h * w * (dtype === 'uint8' ? 1 : 4);
  if (c.format === 'idx' || c.format === 'idx.gz') return { images: (n) => idxHeader(dtype === 'uint8' ? 'u8' : 'f32', [n, h, w]), labels: (n) => idxHeader('u8', [n]), imageBytes };
  return { images: (n) => npyHeader(npyDescr(dtype), [n, h, w]), labels: (n) => npyHeader('|u1', [n]), imageBytes };
}

/** The member of a soft labels' array in an NPZ (see `toNpz`). */
const SOFT_MEMBER = 'soft_labels.npy';

/** The member of the tasks' array in an NPZ (see `toNpz`). */
const TASKS_MEMBER = 'tasks.npy';

/** The joined `<split>.npz`: the parts' `x.npy` and `y.npy` members joined, and their `soft_labels.npy` when they have them (every part, or it is refused). */
async function npzFile(c: JoinContext): Promise<JoinedFile> {
  const headers = headersOf(c);
  const entriesOf = async (p: PartFiles): Promise<{ file: string; entries: Awaited<ReturnType<typeof storedZipEntries>> }> => {
    const name = arrayFileNames(c.format, c.split, p.tag)[0];
    const file = join(c.dir, name);
    return { file, entries: await storedZipEntries(file, listedBytes(p, name)) };
  };
  const member = (name: string): ArraySource => async (p) => {
    const { file, entries } = await entriesOf(p);
    const entry = entries.find((e) => e.name === name);
    if (!entry) throw new PartJoinError({ file, expected: `a member ${name}`, found: 'none' });
    return { file, offset: entry.start, bytes: () => fileRange(file, entry.start, entry.start + entry.size) };
  };
  const x = await arrayOf(c, headers.images, records(headers.imageBytes), member('x.npy'));
  const y = await arrayOf(c, headers.labels, records(1), member('y.npy'));
  const arrays = [{ member: 'x.npy', array: x }, { member: 'y.npy', array: y }];
  const soft: { p: PartFiles; file: string; entry: { start: number; size: number } | undefined }[] = [];
  for (const p of c.holding) {
    const { file, entries } = await entriesOf(p);
    soft.push({ p, file, entry: entries.find((e) => e.name === SOFT_MEMBER) });
  }
  const first = soft.find((s) => s.entry);
  if (first) {
    const without = soft.find((s) => !s.entry);
    if (without) throw new PartJoinError({ file: without.file, expected: `a member ${SOFT_MEMBER} (soft labels) as part ${first.p.manifest.part?.index} has`, found: 'none' });
    const classes = await softLabelClasses(first.file, first.entry!.start, first.entry!.size);
    const header = (n: number): Uint8Array => npyHeader(npyDescr('float32'), [n, classes]);
    arrays.push({ member: SOFT_MEMBER, array: await arrayOf(c, header, records(classes * 4), member(SOFT_MEMBER)) });
  }
  const tasks = await Promise.all(c.holding.map(async (p) => ({ p, ...(await entriesOf(p)) })));
  const withTasks = tasks.find((t) => t.entries.some((e) => e.name === TASKS_MEMBER));
  if (withTasks) {
    const without = tasks.find((t) => !t.entries.some((e) => e.name === TASKS_MEMBER));
    if (without) throw new PartJoinError({ file: without.file, expected: `a member ${TASKS_MEMBER} (tasks) as part ${withTasks.p.manifest.part?.index} has`, found: 'none' });
    arrays.push({ member: TASKS_MEMBER, array: await arrayOf(c, (n) => npyHeader('|u1', [n]), records(1), member(TASKS_MEMBER)) });
  }
  return { name: arrayFileNames(c.format, c.split, '')[0], arrays };
}

/** A part's file `k` of `arrayFileNames`, read whole (gunzipped for `idx.gz`). */
const partFile = (c: JoinContext, k: number): ArraySource => async (p) => {
  const name = arrayFileNames(c.format, c.split, p.tag)[k];
  const file = join(c.dir, name);
  return { file, bytes: () => (c.format === 'idx.gz' ? gunzipped(file) : fileRange(file, 0, listedBytes(p, name))) };
};

/** The joined soft labels' NPY file, when the parts have them (every part, or it is refused). */
async function softLabelsFile(c: JoinContext): Promise<JoinedFile | undefined> {
  const has = (p: PartFiles): boolean => p.manifest.files.some((f) => f.name === softLabelsName(c.split, p.tag));
  const first = c.holding.find(has);
  if (!first) return undefined;
  const without = c.holding.find((p) => !has(p));
  if (without) throw new PartJoinError({ file: without.where, expected: `soft labels (${softLabelsName(c.split, without.tag)}) as part ${first.manifest.part?.index} has`, found: 'none' });
  const name = softLabelsName(c.split, first.tag);
  const classes = await softLabelClasses(join(c.dir, name), 0, listedBytes(first, name));
  const header = (n: number): Uint8Array => npyHeader(npyDescr('float32'), [n, classes]);
  const array = await arrayOf(c, header, records(classes * 4), async (p) => {
    const file = join(c.dir, softLabelsName(c.split, p.tag));
    return { file, bytes: () => fileRange(file, 0, listedBytes(p, softLabelsName(c.split, p.tag))) };
  });
  return { name: softLabelsName(c.split, ''), arrays: [{ member: softLabelsName(c.split, ''), array }] };
}

/** The joined tasks' NPY file, when the parts have them (every part, or it is refused). */
async function tasksFile(c: JoinContext): Promise<JoinedFile | undefined> {
  const has = (p: PartFiles): boolean => p.manifest.files.some((f) => f.name === tasksName(c.split, p.tag));
  const first = c.holding.find(has);
  if (!first) return undefined;
  const without = c.holding.find((p) => !has(p));
  if (without) throw new PartJoinError({ file: without.where, expected: `tasks (${tasksName(c.split, without.tag)}) as part ${first.manifest.part?.index} has`, found: 'none' });
  const array = await arrayOf(c, (n) => npyHeader('|u1', [n]), records(1), async (p) => {
    const file = join(c.dir, tasksName(c.split, p.tag));
    return { file, bytes: () => fileRange(file, 0, listedBytes(p, tasksName(c.split, p.tag))) };
  });
  return { name: tasksName(c.split, ''), arrays: [{ member: tasksName(c.split, ''), array }] };
}

/** The joined `labels.csv` (one header line, then every part's rows) and `SHA256SUMS` (every part's lines) of a PNG folder. */
async function pngFiles(c: JoinContext): Promise<JoinedFile[]> {
  const [csv, sums] = arrayFileNames('png', c.split, '');
  const nameOf = (p: PartFiles, k: number): string => arrayFileNames('png', c.split, p.tag)[k];
  const text = (k: number, header: Uint8Array): Promise<JoinedArray> =>
    arrayOf(c, () => header, (p) => listedBytes(p, nameOf(p, k)) - header.length, async (p) => {
      const file = join(c.dir, nameOf(p, k));
      return { file, bytes: () => fileRange(file, 0, listedBytes(p, nameOf(p, k))) };
    });
  return [
    { name: csv, arrays: [{ member: csv, array: await text(0, LABELS_CSV_HEADER) }] },
    { name: sums, arrays: [{ member: sums, array: await text(1, new Uint8Array(0)) }] },
  ];
}

/** The whole export's files, each with its arrays and the parts' arrays in them. */
async function joinedFiles(dir: string, format: ExportFormat, whole: Manifest, parts: PartFiles[]): Promise<JoinedFile[]> {
  const holding = parts.filter((p) => p.manifest.count > 0);
  const c: JoinContext = { dir, format, whole, split: splitOf(format, holding[0]), holding };
  for (const p of holding.slice(1)) splitOf(format, p);
  if (format === 'npz') return [await npzFile(c)];
  if (format === 'png') return pngFiles(c);
  const headers = headersOf(c);
  const [images, labels] = arrayFileNames(format, c.split, '');
  const files: JoinedFile[] = [
    { name: images, arrays: [{ member: images, array: await arrayOf(c, headers.images, records(headers.imageBytes), partFile(c, 0)) }] },
    { name: labels, arrays: [{ member: labels, array: await arrayOf(c, headers.labels, records(1), partFile(c, 1)) }] },
  ];
  const soft = format === 'npy' ? await softLabelsFile(c) : undefined;
  const tasks = format === 'npy' ? await tasksFile(c) : undefined;
  return [...files, ...(soft ? [soft] : []), ...(tasks ? [tasks] : [])];
}

/** A joined file being written: an atomic file, gzipped or not. */
type Output = AtomicFile | GzipFile;

/** Writes `file` into a temporary beside its final name; returns it, uncommitted. */
async function writeJoined(dir: string, format: ExportFormat, file: JoinedFile, opened: Output[]): Promise<Output> {
  const path = join(dir, file.name);
  const out = format === 'idx.gz' ? await GzipFile.create(path) : await AtomicFile.create(path);
  opened.push(out);
  if (format === 'npz') {
    const members = file.arrays.map(({ member, array }) => ({
      name: member,
      read: async (each: (chunk: Uint8Array) => Promise<void> | void) => {
        let length = 0;
        for await (const chunk of bytesOf(array)) {
          await each(chunk);
          length += chunk.length;
        }
        return length;
      },
    }));
    await writeStoredZipOf(out as AtomicFile, members);
  } else {
    for await (const chunk of bytesOf(file.arrays[0].array)) await out.write(chunk);
  }
  return out;
}

/**
 * Joins the files of the parts of a split export in an array format (`idx`, `idx.gz`, `npy`,
 * `npz`) into the files one machine writes, byte for byte (`train-images-idx3-ubyte`,
 * `train-images.npy`, `train.npz`, ..., and the soft labels' `<split>-soft-labels.npy` or NPZ
 * member `soft_labels.npy` when the parts have them), and those of a PNG folder into its `labels.csv` and `SHA256SUMS` (the images
 * are the whole's already); returns the whole export's manifest listing them.
 *
 * It streams: each joined file gets one header for the whole count, then each part's bytes after
 * its own header, read 1 MiB at a time (gunzipped, or from inside the part's zip), then gzipped or
 * zipped as the single export does. Every part file is checked first (there, with the size its
 * manifest lists), then its header and length as it is read. The joined files are written under
 * temporary names and renamed into place only when all are complete: a failure leaves the parts
 * as they were and no joined file. The parts stay: remove them with `removeParts()` once the
 * returned manifest is written. With other formats (whose parts are the whole's files already,
 * or are not joined), or with one part, `whole` is returned as it is.
 *
 * @param dir The folder that holds every part's files and manifest.
 * @param parts The part manifests, checked (see `mergeManifests`) and sorted by part index.
 * @param whole Their merge, from `mergeManifests(parts)`.
 * @returns `whole` listing the joined files instead of the parts' files.
 * @throws PartJoinError naming a part file that is missing, of another size, or not the part's array.
 *
 * ## Example
 * ```ts
 * declare const parts: Manifest[], whole: Manifest; // the two part manifests of out/npy, and their merge
 * const joined = await joinParts('out/npy', parts, whole); // lists train-images.npy and train-labels.npy
 * // ... write `joined` as out/npy/manifest.json (mergeExportParts('out/npy') does all of this), then:
 * await removeParts('out/npy', parts, joined); // out/npy: train-images.npy, train-labels.npy, manifest.json
 * ```
 */
export async function joinParts(dir: string, parts: Manifest[], whole: Manifest): Promise<Manifest> {
  const format = whole.format;
  const of = parts[0]?.part?.of ?? 1;
  if (format === null || !JOINED_FORMATS.includes(format) || of === 1 || whole.count === 0) return whole;
  const files = parts.map((manifest) => ({ manifest, where: join(dir, manifestName(manifest.part)), tag: partTag({ index: manifest.part?.index ?? 0, of }) }));
  await checkSizes(dir, files);
  const plan = await joinedFiles(dir, format, whole, files);
  const opened: Output[] = [];
  const committed: string[] = [];
  try {
    const outputs: Output[] = [];
    for (const file of plan) outputs.push(await writeJoined(dir, format, file, opened));
    const joined: ExportedFile[] = [];
    for (const [k, out] of outputs.entries()) {
      committed.push(join(dir, plan[k].name));
      joined.push({ name: plan[k].name, ...(await out.commit()) });
    }
    const { idxflow, seed, pipeline, count, shape, dtype } = whole;
    return manifestOf({ files: joined, count, shape, dtype }, { version: idxflow, format, seed: seed ?? undefined, pipeline: pipeline ?? undefined });
  } catch (error) {
    await Promise.all(opened.map((out) => out.abort()));
    await Promise.all(committed.map((path) => rm(path, { force: true })));
    throw error;
  }
}

/**
 * Removes what the parts of a joined export wrote, once the whole export's manifest is written:
 * each part's files that `whole` does not list (the part files `joinParts` joined), then the part
 * manifests (and journals), so that the folder holds what one machine writes.
 *
 * @param dir The export's folder.
 * @param parts The part manifests that were joined.
 * @param whole The manifest written for the whole export (`joinParts`' result).
 * @returns The names removed.
 *
 * ## Example
 * ```ts
 * declare const parts: Manifest[], whole: Manifest; // the part manifests, and their merge
 * await removeParts('out/npy', parts, await joinParts('out/npy', parts, whole)); // after writing manifest.json
 * ```
 */
export async function removeParts(dir: string, parts: Manifest[], whole: Manifest): Promise<string[]> {
  const kept = new Set(whole.files.map((f) => f.name));
  const data = parts.flatMap((p) => p.files.map((f) => f.name)).filter((name) => !kept.has(name));
  // The data first: a part manifest left by an interrupted removal still names what remains.
  for (const name of data) await rm(join(dir, name), { force: true });
  const records = parts.flatMap((p) => [manifestName(p.part), journalName(p.part)]);
  for (const name of records) await rm(join(dir, name), { force: true });
  return [...data, ...parts.map((p) => manifestName(p.part))];
}
