// What a client asks the batch server for: the query string of `/batches` and `/ws`, checked
// before any pipeline is built so a bad request costs nothing and says what to fix.
import { IdxflowError } from '@idxflow/core';


/** What a client asks for, from the query string of `/batches` or `/ws`. */
export interface ServeParams {
  /** Seed of shuffle and augmentation. Default: the server's `defaultSeed` (0). */
  seed: number;
  /**
   * Number of the first epoch, so a trainer that restarts can resume at epoch e. Default 0.
   * The pipeline factory applies it (e.g. by adding it to each block's epoch before `shuffle`).
   */
  epoch: number;
  /** Epochs to stream. Default 1. */
  epochs: number;
  /** Samples per batch. Default: the server's `defaultBatch` (128). */
  batch: number;
  /** This client's rank, 0 <= rank < worldSize. Default 0. */
  rank: number;
  /** Number of ranks sharing each epoch (PyTorch's DistributedSampler). Default 1. */
  worldSize: number;
  /**
   * Positions of the first epoch's order (shuffled, or the file's with `eval`) that all ranks of
   * a job have consumed together: the stream stripes the rest, positions [offset, n), across
   * `worldSize` ranks (rank r gets offset + r, offset + r + worldSize, ...), so a job checkpointed
   * on one number of ranks resumes on another. The factory applies it and checks it against n
   * (`idxflow serve` skips `offset` samples before `shard()`). Later epochs start at 0. Default 0.
   */
  offset: number;
  /**
   * Samples of this rank's share of the first epoch (after `offset`) to skip: a trainer that has consumed
   * `start` samples resumes exactly where it stopped (mid-batch too). Default 0.
   */
  start: number;
  /**
   * Of this stream's batches (counted from 0 after `start`), only those whose number is
   * `part` modulo `parts`: how the DataLoader workers of one rank split its share. Default 0 of 1.
   */
  part: number;
  /** See `part`. Default 1. */
  parts: number;
  /** Which of the server's splits. Default: its first. */
  split: string;
  /** An evaluation stream: the split in order, not shuffled, not augmented. Default false. */
  eval: boolean;
}

/** A query that cannot be served; answered with 400 and this message. */
export class BadRequestError extends IdxflowError {}

/** Limits and defaults that `parseServeParams` checks against. */
export interface ParamLimits {
  /** Batch size when the query has none. */
  defaultBatch: number;
  /** Largest batch a client may ask for. */
  maxBatch: number;
  /** Whether `token` may appear in the query (the WebSocket endpoint, for browsers). */
  tokenInQuery: boolean;
  /** Seed when the query has none. Default 0. */
  defaultSeed?: number;
  /** The splits the server holds, the first the default. Default `['train']`. */
  splits?: readonly string[];
}

const NAMES = ['seed', 'epoch', 'epochs', 'batch', 'rank', 'worldSize', 'offset', 'start', 'part', 'parts', 'split', 'eval'] as const;
const MAX_COUNT = 2 ** 31 - 1;

/** The integer query parameter `name`, or `fallback` when absent. */
function integer(query: URLSearchParams, name: string, fallback: number, min: number, max: number, why = ''): number {
  const text = query.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new BadRequestError(`Expected an integer between ${min} and ${max}${why} for ${name} but received ${JSON.stringify(text)}`);
  }
  return value;
}

/** The boolean query parameter `name` (`1`/`true` or `0`/`false`), or false when absent. */
function flag(query: URLSearchParams, name: string): boolean {
  const text = query.get(name);
  if (text === null) return false;
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  throw new BadRequestError(`Expected 1, true, 0 or false for ${name} but received ${JSON.stringify(text)}`);
}

/**
 * Parses and checks the query parameters of a batch request.
 *
 * Unknown names are refused rather than ignored, so a misspelt `worldsize` does not silently
 * give every rank the whole epoch; a name given twice is refused rather than read first-wins.
 *
 * @param query The request's search parameters.
 * @param limits Default and maximum batch size, default seed, splits, whether a `token` parameter is allowed.
 * @returns The parameters, with defaults filled in.
 * @throws BadRequestError naming the parameter, what was expected and what was received.
 *
 * ## Example
 * ```ts
 * parseServeParams(new URLSearchParams('seed=1&rank=1&worldSize=2'), { defaultBatch: 128, maxBatch: 4096, tokenInQuery: false });
 * // { seed: 1, epoch: 0, epochs: 1, batch: 128, rank: 1, worldSize: 2, offset: 0, start: 0, part: 0, parts: 1, split: 'train', eval: false }
 * ```
 */
export function parseServeParams(query: URLSearchParams, limits: ParamLimits): ServeParams {
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if (!(NAMES as readonly string[]).includes(key) && !(key === 'token' && limits.tokenInQuery)) {
      throw new BadRequestError(`Expected only ${NAMES.join(', ')} as query parameters but received ${JSON.stringify(key)}`);
    }
    if (seen.has(key)) throw new BadRequestError(`Expected ${key} at most once in the query but received it ${query.getAll(key).length} times`);
    seen.add(key);
  }
  const splits = limits.splits ?? ['train'];
  const split = query.get('split') ?? splits[0];
  if (!splits.includes(split)) throw new BadRequestError(`Expected one of ${splits.join(', ')} for split but received ${JSON.stringify(split)}`);
  const worldSize = integer(query, 'worldSize', 1, 1, 65536);
  const parts = integer(query, 'parts', 1, 1, 65536);
  return {
    seed: integer(query, 'seed', limits.defaultSeed ?? 0, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    epoch: integer(query, 'epoch', 0, 0, MAX_COUNT),
    epochs: integer(query, 'epochs', 1, 1, MAX_COUNT),
    batch: integer(query, 'batch', limits.defaultBatch, 1, limits.maxBatch),
    rank: integer(query, 'rank', 0, 0, worldSize - 1, ` (below worldSize ${worldSize})`),
    worldSize,
    offset: integer(query, 'offset', 0, 0, MAX_COUNT),
    start: integer(query, 'start', 0, 0, MAX_COUNT),
    part: integer(query, 'part', 0, 0, parts - 1, ` (below parts ${parts})`),
    parts,
    split,
    eval: flag(query, 'eval'),
  };
}
