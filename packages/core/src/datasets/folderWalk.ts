// The listing of an image folder as torchvision's ImageFolder makes it (os.scandir, os.walk with
// followlinks=True): symbolic links to folders and files are followed, names are read as bytes
// (a name that is not UTF-8 is still a file to read, not a mangled string), and an image-named
// entry that is not a regular file (a FIFO, a device such as /dev/zero, a socket, a dangling
// link) is refused before anything is read: reading it would block or never end.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { ImageFolderError } from '../errors.js';

/** The file name extensions read (case-insensitive), those of torchvision's IMG_EXTENSIONS that sharp decodes. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff'] as const;

/** A path as the file system gives it (bytes), and as a person reads it (UTF-8, lossy). */
export interface FolderPath {
  bytes: Buffer;
  text: string;
}

type Kind = 'folder' | 'file' | string;

const SLASH = Buffer.from('/');

/** `parent/name` in bytes. */
export function joinBytes(parent: Buffer, name: Buffer): FolderPath {
  const bytes = Buffer.concat([parent, SLASH, name]);
  return { bytes, text: bytes.toString() };
}

/** What an entry is once symbolic links are followed: a folder, a file, or what else (for a refusal). */
async function kindOf(path: Buffer, entry: Dirent<Buffer>): Promise<{ kind: Kind; id?: string }> {
  if (!entry.isSymbolicLink() && !entry.isDirectory()) return { kind: entry.isFile() ? 'file' : otherKind(entry) };
  try {
    const s = await stat(path);
    return { kind: s.isDirectory() ? 'folder' : s.isFile() ? 'file' : `a symbolic link to ${otherKind(s)}`, id: `${s.dev}:${s.ino}` };
  } catch {
    return { kind: 'a symbolic link to nothing' };
  }
}

function otherKind(entry: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (entry.isFIFO()) return 'a FIFO';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice()) return 'a character device';
  return entry.isBlockDevice() ? 'a block device' : 'not a regular file';
}

/** The entries of one folder with their kinds, sorted by name (bytes: code point order for UTF-8 names, as Python sorts str). */
export async function folderEntries(dir: Buffer): Promise<{ name: Buffer; path: FolderPath; kind: Kind; id?: string }[]> {
  const entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  const out = await Promise.all(entries.map(async (entry) => {
    const path = joinBytes(dir, entry.name);
    return { name: entry.name, path, ...(await kindOf(path.bytes, entry)) };
  }));
  return out.sort((a, b) => Buffer.compare(a.name, b.name));
}

const isImageName = (name: Buffer): boolean => {
  const lower = name.toString('latin1').toLowerCase();
  return IMAGE_EXTENSIONS.some((x) => lower.endsWith(x));
};

/**
 * Image files under `dir`, in torchvision's order (folders sorted by path, files by name),
 * linked folders followed once each (os.walk would follow a cycle until the path is too long).
 *
 * @throws ImageFolderError giving the count and the first of the image-named entries that are not regular files.
 */
export async function imagesUnder(dir: Buffer): Promise<FolderPath[]> {
  const folders: [Buffer, FolderPath[]][] = [];
  const refused: { path: FolderPath; kind: Kind }[] = [];
  const top = await stat(dir);
  const seen = new Set<string>([`${top.dev}:${top.ino}`]); // a link back up to the class folder is not walked again
  const walk = async (path: Buffer): Promise<void> => {
    const entries = await folderEntries(path);
    const images = entries.filter((e) => e.kind !== 'folder' && isImageName(e.name));
    refused.push(...images.filter((e) => e.kind !== 'file'));
    folders.push([path, images.filter((e) => e.kind === 'file').map((e) => e.path)]);
    for (const e of entries) {
      if (e.kind !== 'folder' || (e.id !== undefined && seen.has(e.id))) continue;
      if (e.id !== undefined) seen.add(e.id);
      await walk(e.path.bytes);
    }
  };
  await walk(dir);
  if (refused.length > 0) {
    throw new ImageFolderError({ file: refused[0].path.text, expected: 'image files that are regular files (or symbolic links to them)', found: `${refused[0].kind}, the first of ${refused.length} such entries` });
  }
  return folders.sort(([a], [b]) => Buffer.compare(a, b)).flatMap(([, files]) => files);
}
