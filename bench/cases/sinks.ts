// Sinks: export the 60,000-image train split with rotate + shift + elastic to each format;
// and batches served to one local client over HTTP.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batch, fromServer, idx, shuffle } from '@idxflow/core';
import { exportTo, serve, type ExportFormat } from '@idxflow/sinks';
import { augment } from '@idxflow/transforms';
import { lastValueFrom, reduce } from 'rxjs';
import { gzippedMnist, type CaseResult } from '../harness.js';

const AUGMENT = { rotate: 15, shift: 2, elastic: { alpha: 34, sigma: 4 } };

export async function sinkCases(which: string): Promise<CaseResult> {
  const files = await gzippedMnist('train');
  const workers = 1;
  if (which === 'serve') {
    const server = await serve((p) => idx(files).pipe(shuffle({ seed: p.seed }), batch(p.batch)), { port: 0 });
    const start = performance.now();
    const bytes = await lastValueFrom(fromServer(`${server.url}/batches?batch=128`).pipe(reduce((n, b) => n + b.images.byteLength + 5 * b.shape[0], 0)));
    const seconds = (performance.now() - start) / 1000;
    await server.close();
    return {
      name: 'sinks: serve one epoch (uint8, batch 128) to one local client',
      images: 60000,
      runs: [seconds],
      medianSeconds: seconds,
      imagesPerSecond: 60000 / seconds,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      extra: { MBps: Math.round(bytes / seconds / 1e6) },
    };
  }
  const format = which as ExportFormat;
  const dir = await mkdtemp(join(tmpdir(), `idxflow-bench-${format.replace('.', '')}-`));
  const start = performance.now();
  const summary = await exportTo(idx(files).pipe(batch(1024), augment(AUGMENT, { seed: 1, workers })), {
    format,
    dir,
    manifest: { version: 'bench' },
  });
  const seconds = (performance.now() - start) / 1000;
  await rm(dir, { recursive: true, force: true });
  return {
    name: `sinks: export train, rotate+shift+elastic, to ${format}`,
    images: summary.count,
    runs: [seconds],
    medianSeconds: seconds,
    imagesPerSecond: summary.count / seconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    workers,
    extra: { outputMB: Math.round(summary.files.reduce((n, f) => n + f.bytes, 0) / 1e5) / 10 },
  };
}
