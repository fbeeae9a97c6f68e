// What the explore page asks for: the query string of its requests, checked before any work.
// The augmentation travels as the command-line flags themselves (rotate=15, elastic=34:4@0.5),
// parsed by the CLI's own parser: the page shows what `idxflow export` with those flags writes.
import { CATALOG, IdxflowError } from '@idxflow/core';
import { corruptSpecOf, specOf, type AugmentOptions, type AugmentSpec, type CorruptOptions, type CorruptSpec, type PolicySpec } from '@idxflow/transforms';
import { AUGMENT_FLAGS as AUGMENT_FLAG_TABLE } from '../../augmentFlags.js';
import { CORRUPT_RULES, corruptionOf } from '../../corruptFlags.js';
import { POLICY_FLAGS } from '../../policyFlags.js';
import { augmentOptions, policyOf, seedOf } from '../../options.js';
import { UsageError } from '../../usageError.js';

/** The data flags `idxflow explore` was started with; the page may change dataset and split only. */
export interface ExploreBase {
  dataset: string;
  split: 'train' | 'test';
  images?: string;
  labels?: string;
  dir?: string;
}

/** One request of the page: which samples, which augmentation, which draws. */
export interface View {
  dataset: string;
  split: 'train' | 'test';
  seed: number;
  /** Epoch of the first draw; draw j (from 0) is epoch `epoch + j`. */
  epoch: number;
  /** Rows of the grid (source samples) and augmented draws of each. */
  rows: number;
  draws: number;
  /** Only samples of this label, or undefined for the classes in turn (0, 1, 2, ...). */
  label: number | undefined;
  /** Matching samples to pass over before the first row. */
  skip: number;
  /** Source indices to show instead of a selection by label. */
  indices: number[] | undefined;
  /** The augmentation flags as given (name without "--" to value), in a stable order. */
  flags: [string, string][];
  options: AugmentOptions;
  spec: AugmentSpec;
  /** The automatic policy after augment()'s pass (the pipeline's second random stage), or undefined. */
  policy: PolicySpec | undefined;
  /** The MNIST-C corruption after augment()'s pass (`--corrupt`, the second random stage; never with a policy), or undefined. */
  corruption: { options: CorruptOptions; spec: CorruptSpec } | undefined;
  /** Parameters of the endpoint beyond the view (`index`, `at`, `samples`). */
  extra: Map<string, string>;
}

/** A request the page should not have made; answered 400 with this message. */
export class ViewError extends IdxflowError {}

/** The augmentation flags of the other commands (the automatic policies' too), the names the page sends them under. */
export const AUGMENT_FLAGS: readonly string[] = [...Object.keys(AUGMENT_FLAG_TABLE), ...Object.keys(POLICY_FLAGS)];

/** Every flag the page may send: the augmentation's, and `corrupt` (NAME[:SEVERITY], as `idxflow export --corrupt`). */
const PAGE_FLAGS: readonly string[] = [...AUGMENT_FLAGS, 'corrupt'];

/** The view's corruption, refused as the CLI refuses it (an unknown name, a severity out of 1-5, with a policy): a UsageError, 400. */
function corruptionOfFlags(flags: [string, string][]): View['corruption'] {
  const given = flags.find(([name]) => name === 'corrupt');
  if (!given) return undefined;
  for (const rule of CORRUPT_RULES) rule({ given: new Set(flags.map(([name]) => name)), values: Object.fromEntries(flags), positionals: [] });
  const options = corruptionOf(given[1]);
  return { options, spec: corruptSpecOf(options) };
}
/** The policy flags' values as the CLI's parser gives them: --trivial-augment is a switch, sent as "on". */
function policyOfFlags(flags: [string, string][]): PolicySpec | undefined {
  const given = flags.filter(([name]) => Object.hasOwn(POLICY_FLAGS, name));
  if (given.length > 1) throw new UsageError(`Expected one automatic policy but received --${given[0][0]} and --${given[1][0]}: which runs first is not for the command line to guess`);
  const trivial = given.find(([name]) => name === 'trivial-augment');
  if (trivial && trivial[1] !== 'on') throw new ViewError(`Expected on for trivial-augment (a switch) but received ${JSON.stringify(trivial[1].slice(0, 100))}`);
  return policyOf(Object.fromEntries(given.map(([name, value]) => [name, name === 'trivial-augment' ? true : value])));
}

const VIEW_NAMES = ['dataset', 'split', 'seed', 'epoch', 'rows', 'draws', 'label', 'skip', 'indices'];

/** The non-negative integer `text` within [min, max], for parameter `name`. */
export function integerParam(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ViewError(`Expected an integer between ${min} and ${max} for ${name} but received ${JSON.stringify(text.slice(0, 100))}`);
  }
  return value;
}

function splitOf(text: string): 'train' | 'test' {
  if (text !== 'train' && text !== 'test') throw new ViewError(`Expected train or test for split but received ${JSON.stringify(text.slice(0, 100))}`);
  return text;
}

/** Each name at most once, and only names this endpoint knows. */
function checkNames(query: URLSearchParams, extraNames: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (!VIEW_NAMES.includes(name) && !PAGE_FLAGS.includes(name) && !extraNames.includes(name)) {
      throw new ViewError(`Expected only ${[...VIEW_NAMES, ...extraNames].join(', ')} and augmentation flags as query parameters but received ${JSON.stringify(name.slice(0, 100))}`);
    }
    if (seen.has(name)) throw new ViewError(`Expected ${name} at most once in the query but received it ${query.getAll(name).length} times`);
    seen.add(name);
  }
}

function indicesOf(text: string): number[] {
  const parts = text.split(',').filter((part) => part.trim() !== '');
  if (parts.length === 0 || parts.length > 64) throw new ViewError(`Expected 1 to 64 comma-separated sample indices for indices but received ${JSON.stringify(text.slice(0, 100))}`);
  return parts.map((part) => integerParam('indices', part.trim(), 0, 2 ** 32 - 1));
}

/**
 * Parses and checks a request of the page.
 *
 * @param query The request's search parameters.
 * @param base The data flags the command was started with.
 * @param extraNames Parameters of the endpoint besides the view's.
 * @throws ViewError, or the CLI's UsageError for an augmentation flag (naming it).
 */
export function parseView(query: URLSearchParams, base: ExploreBase, extraNames: readonly string[] = []): View {
  checkNames(query, extraNames);
  const text = (name: string, fallback: string): string => query.get(name) ?? fallback;
  if (base.images !== undefined && query.has('dataset')) throw new ViewError('Expected no dataset parameter: idxflow explore was started with --images and --labels');
  const dataset = text('dataset', base.dataset);
  if (!Object.hasOwn(CATALOG, dataset)) throw new ViewError(`Expected one of ${Object.keys(CATALOG).join(', ')} for dataset but received ${JSON.stringify(dataset.slice(0, 100))}`);
  const flags = PAGE_FLAGS.filter((name) => query.has(name)).map((name): [string, string] => [name, query.get(name)!]);
  const options = augmentOptions(Object.fromEntries(flags.filter(([name]) => !Object.hasOwn(POLICY_FLAGS, name) && name !== 'corrupt')));
  const policy = policyOfFlags(flags);
  const corruption = corruptionOfFlags(flags);
  const extra = new Map(extraNames.filter((name) => query.has(name)).map((name) => [name, query.get(name)!]));
  return {
    dataset,
    split: splitOf(text('split', base.split)),
    seed: seedOf({ seed: text('seed', '0') }), // the range augment() takes: the export must take it
    epoch: integerParam('epoch', text('epoch', '0'), 0, 1_000_000),
    rows: integerParam('rows', text('rows', '10'), 1, 64),
    draws: integerParam('draws', text('draws', '7'), 1, 32),
    label: query.has('label') && query.get('label') !== '' ? integerParam('label', query.get('label')!, 0, 255) : undefined,
    skip: integerParam('skip', text('skip', '0'), 0, 10_000_000),
    indices: query.has('indices') && query.get('indices') !== '' ? indicesOf(query.get('indices')!) : undefined,
    flags,
    options,
    spec: specOf(options),
    policy,
    corruption,
    extra,
  };
}

