import { availableParallelism } from 'node:os';
import { batch, epochs, shard, shuffleRows, type Block } from '@idxflow/core';
import { serve, type ServeParams } from '@idxflow/sinks';
import { augment } from '@idxflow/transforms';
import { map, type Observable } from 'rxjs';
import { augmentOptions, DATA_FLAGS, DATA_USAGE, parseInteger, sourceOf } from '../options.js';
import { UsageError } from './info.js';

export const SERVE_FLAGS = {
  ...DATA_FLAGS,
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8080' },
  token: { type: 'string' },
  batch: { type: 'string', default: '128' },
  normalize: { type: 'string' },
  workers: { type: 'string' },
} as const;

export const serveUsage = `Usage: idxflow serve [options]

Streams shuffled, augmented batches over HTTP (GET /batches) and WebSocket (/ws) to
trainers in any language. Query parameters: seed, epoch, epochs, batch, rank, worldSize.
The framing is documented in packages/sinks/src/network/PROTOCOL.md.

${DATA_USAGE}
Server:
  --host H               address to bind (default 127.0.0.1: this machine only)
  --port P               port (default 8080; 0 picks a free one)
  --token T              require "Authorization: Bearer T"
  --batch N              default batch size (clients may ask for another)
  --normalize MEAN:STD   send float32 (v/255 - MEAN)/STD instead of bytes
  --workers N            augmentation threads per client (default: cores - 1, at least 1)`;

export async function serveCommand(flags: Record<string, string | boolean | undefined>): Promise<{ url: string; close(): Promise<void> }> {
  const options = augmentOptions(flags);
  const workers = flags.workers === undefined ? Math.max(1, availableParallelism() - 1) : parseInteger('workers', String(flags.workers), 0);
  const defaultBatch = parseInteger('batch', String(flags.batch), 1);
  let norm: { mean: number; std: number } | undefined;
  if (typeof flags.normalize === 'string') {
    const parts = flags.normalize.split(':').map(Number);
    if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[1] === 0) throw new UsageError(`Expected MEAN:STD with STD != 0 for --normalize but received "${flags.normalize}"`);
    norm = { mean: parts[0], std: parts[1] };
  }
  const { source } = sourceOf(flags); // validates the data flags before binding
  const factory = (params: ServeParams): Observable<Block> => {
    return source.pipe(
      epochs(params.epochs),
      map((block) => ({ ...block, epoch: block.epoch + params.epoch })),
      shuffleRows({ seed: params.seed }),
      shard({ rank: params.rank, worldSize: params.worldSize }),
      batch(params.batch || defaultBatch),
      augment({ ...options, normalize: norm }, { seed: params.seed, workers }),
    );
  };
  const host = String(flags.host);
  const port = parseInteger('port', String(flags.port), 0);
  const token = typeof flags.token === 'string' ? flags.token : undefined;
  return serve(factory, { host, port, token, defaultBatch });
}
