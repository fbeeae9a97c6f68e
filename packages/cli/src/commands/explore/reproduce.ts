// The command lines and code that reproduce what the explore page shows: `idxflow export` with
// the page's flags (the grid, or the one part holding a sample) and the augment({...}) call.
import { partRange } from '@idxflow/sinks';
import { DATA_FLAGS } from '../../options.js';
import type { PolicySpec } from '@idxflow/transforms';
import type { ExploreBase, View } from './view.js';

/** A word as a POSIX shell reads it back: bare when safe, else single-quoted. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_.,/:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `--name value`, or `--name=value` for a value that parseArgs would take for an option. */
function flag(name: string, value: string): string {
  return value.startsWith('-') ? `--${name}=${shellWord(value)}` : `--${name} ${shellWord(value)}`;
}

/** The data and augmentation flags of a view, without those at their defaults. */
function viewFlags(view: View, base: ExploreBase): string[] {
  const data = base.images !== undefined
    ? [flag('images', base.images), flag('labels', base.labels!)]
    : [flag('dataset', view.dataset), flag('split', view.split), ...(base.dir === undefined ? [] : [flag('dir', base.dir)])];
  const defaults = DATA_FLAGS as Record<string, { default?: string | boolean; type: string }>;
  const augmentation = view.flags
    .filter(([name, value]) => defaults[name]?.default !== value)
    .map(([name, value]) => (defaults[name]?.type === 'boolean' ? `--${name}` : flag(name, value))); // a switch (--trivial-augment) takes no value
  return [...data, ...augmentation, flag('seed', String(view.seed))];
}

/**
 * The export that holds the whole grid: `--copies` passes in order (no `--shuffle`), so draw j
 * of the sample with source index i is image `(epoch + j) * total + i` of the split's file.
 */
export function gridCommand(view: View, base: ExploreBase): string {
  return ['idxflow export', ...viewFlags(view, base), `--copies ${view.epoch + view.draws}`, '--out explore-export'].join(' ');
}

// runExport's limit on the part count.
const MAX_PARTS = 1_000_000;

/**
 * The smallest export part that holds one sample: with `--shard P/N` an export writes only its
 * part of the positions, here (when the export is at most a million images) that one sample.
 *
 * @returns The command and which image of the part's file the sample is (0 for a part of one).
 */
export function sampleCommand(view: View, base: ExploreBase, total: number, index: number, epoch: number): { command: string; offset: number } {
  const copies = epoch + 1;
  const samples = total * copies;
  const position = epoch * total + index;
  const of = Math.min(samples, MAX_PARTS);
  let part = Math.floor((position * of) / samples);
  let range = partRange(samples, 1, { index: part, of });
  while (position >= range.first + range.count) range = partRange(samples, 1, { index: ++part, of });
  const command = ['idxflow export', ...viewFlags(view, base), `--copies ${copies}`, `--shard ${part}/${of}`, '--out explore-sample'].join(' ');
  return { command, offset: position - range.first };
}

/** A value as TypeScript source: numbers, strings, arrays and plain objects (undefined fields left out). */
export function literal(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '0' : String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).filter(([, v]) => v !== undefined);
    return fields.length === 0 ? '{}' : `{ ${fields.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : literal(k)}: ${literal(v)}`).join(', ')} }`;
  }
  return String(value);
}

const SOURCES: Record<string, string> = { mnist: 'mnist', 'fashion-mnist': 'fashionMnist', kmnist: 'kmnist' };

/** The source call of the view's data, and the name to import for it. */
function sourceCall(view: View, base: ExploreBase): { name: string; call: string } {
  if (base.images !== undefined) return { name: 'idx', call: `idx(${literal({ images: base.images, labels: base.labels })})` };
  const name = SOURCES[view.dataset];
  return { name, call: `${name}(${literal({ split: view.split, dir: base.dir })})` };
}

/**
 * A TypeScript program that computes the grid's draws with `augment()`: the rows gathered from
 * the loaded split (their source indices key the draws), epochs 0 to epoch + draws - 1.
 */
export function augmentCode(view: View, base: ExploreBase, indices: readonly number[]): string {
  const options = Object.fromEntries(Object.entries(view.options).filter(([k, v]) => !(k === 'interpolation' && v === 'bilinear') && !(k === 'fill' && v === 0)));
  const { name, call } = sourceCall(view, base);
  const first = view.epoch;
  const policy = view.policy ? policyCall(view.policy, view.seed) : view.corruption ? { name: 'corrupt', call: `corrupt(${literal(view.corruption.options)}, { seed: ${view.seed} })` } : undefined;
  return [
    `import { epochs, gatherRows, loadBlock, ${name} } from '@idxflow/core';`,
    `import { augment${policy ? `, ${policy.name}` : ''} } from '@idxflow/transforms';`,
    `import { lastValueFrom, of, toArray } from 'rxjs';`,
    ``,
    `const data = await loadBlock(${call});`,
    `// The grid's rows: their source indices key the draws.`,
    `const rows = gatherRows({ from: data, rows: Uint32Array.of(${indices.join(', ')}) });`,
    `const passes = await lastValueFrom(of(rows).pipe(epochs(${first + view.draws}), augment(${literal(options)}, { seed: ${view.seed} })${policy ? `, ${policy.call}` : ''}, toArray()));`,
    `// Draw j (from 0) of row r: epoch ${first} + j.`,
    `const size = data.shape[1] * data.shape[2];`,
    `const draw = (r: number, j: number) => passes[${first} + j].images.subarray(r * size, (r + 1) * size);`,
  ].join('\n');
}

/** The policy stage's call, with only the options that differ from torchvision's defaults. */
function policyCall(policy: PolicySpec, seed: number): { name: string; call: string } {
  const { kind, ...options } = policy;
  const defaults: Record<string, unknown> = { ops: 2, magnitude: 9, bins: 31, policy: 'imagenet', severity: 3, width: 3, depth: -1, alpha: 1, fill: 0, interpolation: kind === 'augMix' ? 'bilinear' : 'nearest' };
  const given = Object.fromEntries(Object.entries(options).filter(([k, v]) => defaults[k] !== v));
  return { name: kind, call: `${kind}(${literal(given)}, { seed: ${seed} })` };
}
