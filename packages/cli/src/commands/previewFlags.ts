// The flags of `idxflow preview`, their rules and its --help, apart from the sheet's making
// (preview.ts), which commandTable.ts imports only when preview runs.
import { usageOf, type FlagSpec } from '../flags.js';
import { integerIn, shown } from '../numbers.js';
import { DATA_FLAGS, DATA_RULES, dataUsage } from '../options.js';
import { UsageError } from '../usageError.js';
import { CORRUPT_FLAGS, CORRUPT_RULES } from '../corruptFlags.js';

// The sheet's budget: PNG viewers and sharp handle 16384 pixels a side; 10,000 cells is a
// hundred by a hundred, more than a screen shows.
export const MAX_SIDE = 16384;
const MAX_CELLS = 10_000;
export const MAX_ZOOM = 1024;

/** "ROWSxCOLS" → rows (>= 1) and columns (>= 2, the original and a variant), within the cell budget. */
export function gridOf(text: string): { rows: number; cols: number } {
  const grid = /^(\d+)x(\d+)$/.exec(text);
  if (!grid) throw new UsageError(`Expected ROWSxCOLS (e.g. 10x8) for --grid but received ${shown(text)}`);
  const [rows, cols] = [Number(grid[1]), Number(grid[2])];
  if (!(rows >= 1 && cols >= 2 && rows * cols <= MAX_CELLS)) {
    throw new UsageError(`Expected ROWS >= 1, COLS >= 2 and ROWS x COLS <= ${MAX_CELLS} cells for --grid but received ${shown(text)}`);
  }
  return { rows, cols };
}

export function outOf(text: string): string {
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
