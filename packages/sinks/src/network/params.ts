// What a client asks the batch server for: the query string of `/batches` and `/ws`, checked
// before any pipeline is built so a bad request costs nothing and says what to fix.

/** What a client asks for, from the query string of `/batches` or `/ws`. */
export interface ServeParams {
  /** Seed of shuffle and augmentation. Default 0. */
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
}

/** A query that cannot be served; answered with 400 and this message. */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
}

/** Limits that `parseServeParams` checks against. */
export interface ParamLimits {
  /** Batch size when the query has none. */
  defaultBatch: number;
  /** Largest batch a client may ask for. */
  maxBatch: number;
  /** Whether `token` may appear in the query (the WebSocket endpoint, for browsers). */
  tokenInQuery: boolean;
}

const NAMES = ['seed', 'epoch', 'epochs', 'batch', 'rank', 'worldSize'] as const;

/** The integer query parameter `name`, or `fallback` when absent. */
function integer(query: URLSearchParams, name: string, fallback: number, min: number, max: number, why = ''): number {
  const text = query.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new BadRequestError(`Expected an integer between ${min} and ${max}${why} for ${name} but received ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * Parses and checks the query parameters of a batch request.
 *
 * Unknown names are refused rather than ignored, so a misspelt `worldsize` does not silently
 * give every rank the whole epoch.
 *
 * @param query The request's search parameters.
 * @param limits Default and maximum batch size, and whether a `token` parameter is allowed.
 * @returns The parameters, with defaults filled in.
 * @throws BadRequestError naming the parameter, what was expected and what was received.
 *
 * ## Example
 * ```ts
 * parseServeParams(new URLSearchParams('seed=1&rank=1&worldSize=2'), { defaultBatch: 128, maxBatch: 4096, tokenInQuery: false });
 * // { seed: 1, epoch: 0, epochs: 1, batch: 128, rank: 1, worldSize: 2 }
 * ```
 */
export function parseServeParams(query: URLSearchParams, limits: ParamLimits): ServeParams {
  for (const key of query.keys()) {
    if (!(NAMES as readonly string[]).includes(key) && !(key === 'token' && limits.tokenInQuery)) {
      throw new BadRequestError(`Expected only ${NAMES.join(', ')} as query parameters but received ${JSON.stringify(key)}`);
    }
  }
  const worldSize = integer(query, 'worldSize', 1, 1, 65536);
  return {
    seed: integer(query, 'seed', 0, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    epoch: integer(query, 'epoch', 0, 0, 2 ** 31 - 1),
    epochs: integer(query, 'epochs', 1, 1, 2 ** 31 - 1),
    batch: integer(query, 'batch', limits.defaultBatch, 1, limits.maxBatch),
    rank: integer(query, 'rank', 0, 0, worldSize - 1, ` (below worldSize ${worldSize})`),
    worldSize,
  };
}
