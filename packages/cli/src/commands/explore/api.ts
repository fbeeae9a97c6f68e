// The explore page's data endpoints, reached once server.ts has checked the request.
//   /api/info    what the page starts with (JSON)
//   /api/grid    the grid: a little-endian u32 length, that many bytes of JSON, then the pixels
//   /api/sample  one sample's bytes and draws, and the export part that holds it (JSON)
//   /api/stats   statistics over a few thousand samples (JSON)
import type { ServerResponse } from 'node:http';
import { CATALOG } from '@idxflow/core';
import { CORRUPTION_NAMES, RECIPES } from '@idxflow/transforms';
import type { ExploreData } from './data.js';
import { renderGrid, renderSample } from './render.js';
import { augmentCode, gridCommand, sampleCommand } from './reproduce.js';
import { send } from './send.js';
import { statistics } from './stats.js';
import { AUGMENT_FLAGS, integerParam, parseView, ViewError, type ExploreBase } from './view.js';
import { CancelledError, type WorkQueue } from './workQueue.js';

/** What the endpoints share. */
export interface ApiContext {
  data: ExploreData;
  base: ExploreBase;
  initial: { flags: [string, string][]; seed: number };
  tokenRequired: boolean;
  /** The statistics being computed: a newer request abandons them. */
  stats: AbortController | undefined;
  /** Grids and statistics, bounded across requests. */
  queue: WorkQueue;
}

/** Aborted when the client closes the request before its answer is sent. */
function closeSignal(res: ServerResponse): AbortController {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new CancelledError('the client closed the request'));
  });
  return controller;
}

async function grid(context: ApiContext, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const view = parseView(query, context.base);
  const block = await context.data.get(view.dataset, view.split);
  const { signal } = closeSignal(res);
  const start = performance.now();
  const grid = await context.queue.run(() => renderGrid(view, context.data, block, signal), signal);
  const header = Buffer.from(
    JSON.stringify({
      rows: grid.indices.length,
      cols: 1 + view.draws,
      height: grid.height,
      width: grid.width,
      indices: grid.indices,
      labels: grid.labels,
      total: grid.total,
      epoch: view.epoch,
      seed: view.seed,
      command: gridCommand(view, context.base),
      code: augmentCode(view, context.base, grid.indices),
    }),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const timing = `render;dur=${(performance.now() - start).toFixed(1)}`; // the page records it beside its own latency
  send(res, 200, Buffer.concat([length, header, grid.pixels]), { 'content-type': 'application/octet-stream', 'server-timing': timing });
}

async function sample(context: ApiContext, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const view = parseView(query, context.base, ['index', 'at']);
  if (!view.extra.has('index') || !view.extra.has('at')) throw new ViewError('Expected index (a source index) and at (an epoch) for /api/sample');
  const block = await context.data.get(view.dataset, view.split);
  const index = integerParam('index', view.extra.get('index')!, 0, 2 ** 32 - 1);
  const at = integerParam('at', view.extra.get('at')!, 0, 1_000_000);
  const shown = renderSample(view, block, index, at);
  send(res, 200, { ...shown, total: block.shape[0], ...sampleCommand(view, context.base, block.shape[0], index, at) });
}

async function stats(context: ApiContext, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const view = parseView(query, context.base, ['samples']);
  const count = integerParam('samples', view.extra.get('samples') ?? '2000', 1, 10_000);
  const block = await context.data.get(view.dataset, view.split);
  // The page wants the newest settings' figures only: a newer request replaces these (409).
  context.stats?.abort(new CancelledError('Expected to finish these statistics but a newer request of the page replaced them', true));
  const controller = closeSignal(res); // or the page gave up on them
  context.stats = controller;
  const result = await context.queue.run(() => statistics(view, context.data, block, count, controller.signal), controller.signal);
  send(res, 200, result);
}

function info(context: ApiContext, res: ServerResponse): void {
  const { base, initial } = context;
  send(res, 200, {
    dataset: base.dataset,
    split: base.split,
    source: base.images ?? null,
    datasets: base.images === undefined ? Object.keys(CATALOG) : [],
    augmentFlags: AUGMENT_FLAGS,
    // The corruption picker's choices: each name, whether its recipe has severities, and the released one.
    corruptions: CORRUPTION_NAMES.map((name) => ({ name, severities: RECIPES[name].levels !== undefined, released: RECIPES[name].released ?? null })),
    flags: initial.flags,
    seed: initial.seed,
    tokenRequired: context.tokenRequired,
  });
}

/** Answers a request for `/api/...`. */
export async function routeApi(context: ApiContext, url: URL, res: ServerResponse): Promise<void> {
  const query = url.searchParams;
  switch (url.pathname) {
    case '/api/info':
      if ([...query.keys()].length > 0) throw new ViewError('Expected no query parameters for /api/info');
      return info(context, res);
    case '/api/grid':
      return grid(context, query, res);
    case '/api/sample':
      return sample(context, query, res);
    case '/api/stats':
      return stats(context, query, res);
    default:
      send(res, 404, { error: `Expected /api/info, /api/grid, /api/sample or /api/stats for path but received ${JSON.stringify(url.pathname.slice(0, 200))}` });
  }
}
