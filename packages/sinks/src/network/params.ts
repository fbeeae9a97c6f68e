/** What a client asks for, from the query string of `/batches` or `/ws`. */
export interface ServeParams {
  /** Seed of shuffle and augmentation. Default 0. */
  seed: number;
  /** Number of the first epoch. Default 0. */
  epoch: number;
  /** Epochs to stream. Default 1. */
  epochs: number;
  /** Samples per batch. Default: the server's `batch` option. */
  batch: number;
  /** This client's rank and the number of ranks sharing each epoch. Default 0 of 1. */
  rank: number;
  worldSize: number;
}

/** A query that cannot be served; answered with 400 and this message. */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
}

const NAMES = ['seed', 'epoch', 'epochs', 'batch', 'rank', 'worldSize'] as const;

function integer(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = query.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadRequestError(`Expected an integer between ${min} and ${max} for ${name} but received "${text}"`);
  }
  return value;
}

/** Parses and checks the query parameters. */
export function parseServeParams(query: URLSearchParams, defaultBatch: number, maxBatch: number): ServeParams {
  for (const key of query.keys()) {
    if (!(NAMES as readonly string[]).includes(key) && key !== 'token') {
      throw new BadRequestError(`Expected only ${NAMES.join(', ')} as query parameters but received "${key}"`);
    }
  }
  const worldSize = integer(query, 'worldSize', 1, 1, 1024);
  return {
    seed: integer(query, 'seed', 0, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    epoch: integer(query, 'epoch', 0, 0, 1e9),
    epochs: integer(query, 'epochs', 1, 1, 1e6),
    batch: integer(query, 'batch', defaultBatch, 1, maxBatch),
    rank: integer(query, 'rank', 0, 0, worldSize - 1),
    worldSize,
  };
}
