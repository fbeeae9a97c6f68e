// Which samples and which files a part of an export holds. Every sample of an export is a pure
// function of its position (seed, epoch and source index follow from it), so a part needs only
// its stretch of positions: parts run anywhere, in any order, with no coordinator.
import { hfFileName } from './hfParquet.js';
import { mnistFileNames } from './idx.js';
import { taggedName } from './options.js';

/** The formats `exportTo()` writes. */
export type ExportFormat = 'idx' | 'idx.gz' | 'npy' | 'npz' | 'png' | 'wds' | 'hf';

/** Every `ExportFormat`, for option parsers. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['idx', 'idx.gz', 'npy', 'npz', 'png', 'wds', 'hf'];

/** Part `index` of `of` of an export split across machines. */
export interface ExportPart {
  /** This part, from 0 to `of - 1`. */
  index: number;
  /** Parts in all, at least 1. */
  of: number;
}

/**
 * The positions `[first, first + count)` of part `index` of `of`: the export cut into `of`
 * stretches of whole units (WebDataset shards, so that each part writes whole shards, the very
 * files of the whole export), as even as the units allow.
 *
 * @param total Samples of the whole export.
 * @param unit Samples a part's stretch is a multiple of (the last stretch excepted).
 * @param part Which part; the whole export when absent.
 *
 * ## Example
 * ```ts
 * import { partRange } from '@idxflow/sinks';
 * partRange(600000, 10000, { index: 1, of: 3 }); // { first: 200000, count: 200000 }
 * ```
 */
export function partRange(total: number, unit: number, part?: ExportPart): { first: number; count: number } {
  if (!part) return { first: 0, count: total };
  const units = Math.ceil(total / unit);
  const first = Math.min(total, Math.floor((part.index * units) / part.of) * unit);
  const end = Math.min(total, Math.floor(((part.index + 1) * units) / part.of) * unit);
  return { first, count: end - first };
}

/** The tag of part `index` of `of` in file names: `part-00001-of-00003`; empty for a whole export. */
export function partTag(part?: ExportPart): string {
  if (!part || part.of === 1) return '';
  const pad = (n: number): string => String(n).padStart(5, '0');
  return `part-${pad(part.index)}-of-${pad(part.of)}`;
}

/** The names of the files that hold a split's samples as a whole, in an array format (`idx`, `idx.gz`, `npy`, `npz`, `hf` in its `config` folder). */
export function arrayFileNames(format: ExportFormat, split: 'train' | 'val' | 'test', tag: string, config = 'data'): string[] {
  if (format === 'hf') return [hfFileName(config, split, tag)];
  if (format === 'idx' || format === 'idx.gz') {
    const names = mnistFileNames(split, format === 'idx.gz');
    return [taggedName(names.images, tag), taggedName(names.labels, tag)];
  }
  if (format === 'npy') return [taggedName(`${split}-images.npy`, tag), taggedName(`${split}-labels.npy`, tag)];
  if (format === 'npz') return [taggedName(`${split}.npz`, tag)];
  return [taggedName('labels.csv', tag), taggedName('SHA256SUMS', tag)];
}

/**
 * The names of the files a split holds beside its `arrayFileNames` when its blocks carry soft
 * labels (`npy`: `<split>-soft-labels.npy`; the other formats keep them inside their files).
 */
export function softLabelFileNames(format: ExportFormat, split: 'train' | 'val' | 'test', tag: string): string[] {
  return format === 'npy' ? [taggedName(`${split}-soft-labels.npy`, tag)] : [];
}

/** The name of the file a split holds beside its arrays when its blocks carry tasks (`npy`: `<split>-tasks.npy`; `npz` keeps them inside). */
export function taskFileNames(format: ExportFormat, split: 'train' | 'val' | 'test', tag: string): string[] {
  return format === 'npy' ? [taggedName(`${split}-tasks.npy`, tag)] : [];
}

/**
 * A test of the relative file names (with `/`) that the files of positions `[first, end)` of one
 * split may have, under `prefix` (`train/`, `test/` or nothing).
 */
export function namesOf(format: ExportFormat, split: 'train' | 'val' | 'test', prefix: string, first: number, end: number, tags: string[], shardSize: number, config = 'data'): (name: string) => boolean {
  const exact = new Set(tags.flatMap((tag) => [...arrayFileNames(format, split, tag, config), ...softLabelFileNames(format, split, tag), ...taskFileNames(format, split, tag)]).map((n) => prefix + n));
  return (name) => {
    if (!name.startsWith(prefix)) return false;
    const rest = name.slice(prefix.length);
    if (format === 'wds') {
      const shard = /^shard-(\d{6})\.tar$/.exec(rest);
      return shard !== null && Number(shard[1]) * shardSize >= first && Number(shard[1]) * shardSize < end;
    }
    if (format === 'png') {
      const png = /^\d+\/(\d{8})\.png$/.exec(rest);
      if (png) return Number(png[1]) >= first && Number(png[1]) < end;
    }
    return exact.has(name);
  };
}
