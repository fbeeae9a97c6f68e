// How `pngTree()` reads a tree of PNG files, and how its archive is extracted (loaded when a
// stream is subscribed or an archive extracted; see fromReader.ts).
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Observable } from 'rxjs';
import { lastValueFrom, map } from '../rx.js';
import type { Block } from '../block.js';
import { ImageFolderError } from '../errors.js';
import { gunzip } from '../gunzip.js';
import { decodeGrey } from '../images/decodeGrey.js';
import { mapBounded } from '../images/mapBounded.js';
import { produce } from '../operate.js';
import { fromFile } from '../sources/file.js';
import { mapAsync } from '../stages/mapAsync.js';
import { TarParser } from '../tar/tarParser.js';
import type { PngTreeOptions } from './pngTree.js';
import { folderEntries, imagesUnder, type FolderPath } from './folderWalk.js';

/** Images decoded at once. */
const DECODING_AT_ONCE = 4;

/** The image files of each class folder present, with their class, in class order then file order. */
async function labelledFiles(root: string, classes: readonly string[]): Promise<{ path: FolderPath; label: number }[]> {
  const present = new Map((await folderEntries(Buffer.from(root))).filter((e) => e.kind === 'folder').map((e) => [e.name.toString(), e.path]));
  const files: { path: FolderPath; label: number }[] = [];
  for (const [label, name] of classes.entries()) {
    const folder = present.get(name);
    if (folder) for (const path of await imagesUnder(folder.bytes)) files.push({ path, label });
  }
  return files;
}

/** One file's grey pixels, or undefined when it does not decode and `onSkip` takes it. */
async function decodeOne(path: FolderPath, size: number, onSkip: PngTreeOptions['onSkip']): Promise<Uint8Array | undefined> {
  let image;
  try {
    image = await decodeGrey(await readFile(path.bytes), path.text);
  } catch (error) {
    if (!onSkip) throw error;
    onSkip(path.text, error instanceof Error ? error : new Error(String(error)));
    return undefined;
  }
  if (image.height !== size || image.width !== size) throw new ImageFolderError({ file: path.text, expected: `a ${size} x ${size} image, as published`, found: `${image.width} x ${image.height}` });
  return image.pixels;
}

/** The blocks of `pngTree()`, its options checked. */
export function pngTreeBlocks(options: PngTreeOptions, blockSize: number, size: number): Observable<Block<Uint8Array>> {
  return produce<Block<Uint8Array>>(2, async (emit, subscriber, signal) => {
    const files = await labelledFiles(options.root, options.classes);
    if (files.length === 0) throw new ImageFolderError({ file: options.root, expected: `PNG files in class folders (${options.classes.slice(0, 3).join(', ')}, ...)`, found: 'none' });
    let read = 0;
    for (let at = 0; at < files.length && !subscriber.closed; at += blockSize) {
      const slice = files.slice(at, at + blockSize);
      const decoded = await mapBounded(slice, DECODING_AT_ONCE, (f) => decodeOne(f.path, size, options.onSkip), signal);
      const kept = slice.flatMap((f, i) => (decoded[i] === undefined ? [] : [{ label: f.label, pixels: decoded[i] }]));
      if (kept.length === 0) continue;
      const images = new Uint8Array(kept.length * size * size);
      kept.forEach((k, i) => images.set(k.pixels, i * size * size));
      const indices = Uint32Array.from(kept, (_, i) => read + i);
      read += kept.length;
      const labels = options.wide ? new Uint8Array(kept.length) : Uint8Array.from(kept, (k) => k.label);
      await emit({ images, labels, indices, epoch: 0, shape: [kept.length, size, size], ...(options.wide ? { classIds: Uint16Array.from(kept, (k) => k.label) } : {}) });
    }
  });
}

/** What `extractPngArchive()` does. */
export async function extractTree(archive: string, dest: string, accept: (path: string) => boolean, options: { maxInflateRatio?: number } = {}): Promise<number> {
  const temp = `${dest}.${process.pid}.partial`;
  await rm(temp, { recursive: true, force: true });
  const parser = new TarParser(archive, 16 << 20);
  let written = 0;
  try {
    await lastValueFrom(
      fromFile(archive).pipe(
        gunzip({ file: archive, maxInflateRatio: options.maxInflateRatio }),
        map((chunk) => parser.push(chunk)),
        mapAsync(async (members) => {
          for (const m of members) {
            const parts = m.name.split('/').filter((p) => p !== '' && p !== '.');
            if (m.name.startsWith('/') || parts.includes('..') || !accept(parts.join('/'))) continue;
            const path = join(temp, ...parts);
            await mkdir(dirname(path), { recursive: true });
            await writeFile(path, m.data);
            written++;
          }
          return members.length;
        }),
      ),
      { defaultValue: 0 },
    );
    parser.push(new Uint8Array(0), true);
    // Another process may have extracted the same archive first: its copy is as good as ours.
    await rename(temp, dest).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      await rm(temp, { recursive: true, force: true });
    });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return written;
}

/** The classes of `kanjiClasses()`: the folders of `root`, named by code point (U+XXXX), as characters in code point order. */
export async function codePointClasses(root: string): Promise<string[]> {
  const folders = (await folderEntries(Buffer.from(root))).filter((e) => e.kind === 'folder').map((e) => e.name.toString());
  const bad = folders.find((name) => !/^U\+[0-9A-F]{4,6}$/.test(name));
  if (bad !== undefined) throw new ImageFolderError({ file: join(root, bad), expected: 'class folders named by code point (U+XXXX)', found: JSON.stringify(bad) });
  return folders.map((name) => parseInt(name.slice(2), 16)).sort((a, b) => a - b).map((code) => String.fromCodePoint(code));
}
