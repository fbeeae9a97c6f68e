// The one place the file sinks check their options, when a sink is called and before anything
// is written. Messages follow core's shape: "Expected <what> for <name> but received <value>".
import { recycle, validate, type Block } from '@idxflow/core/internal';
import type { ExportedFile, FileSinkOptions } from './types.js';
import { OptionError } from '@idxflow/core';

function received(value: unknown): string {
  return `${typeof value === 'string' ? JSON.stringify(value) : String(value)} of type ${typeof value}`;
}

/** Options of a file sink after checking, defaults applied. */
export interface CheckedSinkOptions {
  dir: string;
  split: 'train' | 'val' | 'test';
  expectedCount: number | undefined;
  onProgress: (written: number) => void;
  signal: AbortSignal | undefined;
  position: number;
  tag: string;
  onFile: (file: ExportedFile) => void | Promise<void>;
  /** Recycles a written block's memory, or does nothing. */
  written: (block: Block) => void;
}

/** `name` with `tag` before its extension (`.npy`, `.npz`, `.csv`, `.gz`, or the end). */
export function taggedName(name: string, tag: string): string {
  if (tag === '') return name;
  const ext = /(\.npy|\.npz|\.csv|\.gz)$/.exec(name)?.[1] ?? '';
  return `${name.slice(0, name.length - ext.length)}.${tag}${ext}`;
}

const ignore = (): void => undefined;

/** Checks the options every file sink takes; throws an OptionError naming the option. */
export function checkSinkOptions(options: FileSinkOptions): CheckedSinkOptions {
  if (typeof options !== 'object' || options === null) {
    throw new OptionError(`Expected an object for options but received ${received(options)}`);
  }
  const { dir, split = 'train', expectedCount, onProgress, signal, position = 0, tag = '', onFile, recycle: reuse = false } = options;
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new OptionError(`Expected a non-empty string for dir but received ${received(dir)}`);
  }
  validate.oneOf('split', split, ['train', 'val', 'test'] as const);
  if (expectedCount !== undefined) validate.integer('expectedCount', expectedCount, 0, 0xffffffff);
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new OptionError(`Expected a function for onProgress but received ${received(onProgress)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new OptionError(`Expected an AbortSignal for signal but received ${received(signal)}`);
  }
  validate.integer('position', position, 0, Number.MAX_SAFE_INTEGER);
  if (typeof tag !== 'string' || !/^[A-Za-z0-9._-]*$/.test(tag)) throw new OptionError(`Expected letters, digits, '.', '_' or '-' for tag but received ${received(tag)}`);
  if (onFile !== undefined && typeof onFile !== 'function') throw new OptionError(`Expected a function for onFile but received ${received(onFile)}`);
  if (typeof reuse !== 'boolean') throw new OptionError(`Expected a boolean for recycle but received ${received(reuse)}`);
  return { dir, split, expectedCount, onProgress: onProgress ?? ignore, signal, position, tag, onFile: onFile ?? ignore, written: reuse ? recycle : ignore };
}

/** Checks an optional positive integer option and applies its default. */
export function positiveInteger(name: string, value: unknown, fallback: number): number {
  return validate.integer(name, value ?? fallback, 1);
}
