import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChecksumError,
  DatasetNotFoundError,
  DownloadError,
  downloadFile,
  HttpStatusError,
  idx,
  resolveDataset,
  type DatasetProgress,
  type DatasetSpec,
} from '@idxflow/core/internal';
import { joinBlocks } from '../fixtures/blocks.js';
import { gz, raw } from '../fixtures/mnist.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const images = readFileSync(gz('t10k-images-idx3-ubyte'));
const labels = readFileSync(gz('t10k-labels-idx1-ubyte'));
const served: Record<string, Uint8Array> = {
  '/good/t10k-images-idx3-ubyte.gz': images,
  '/good/t10k-labels-idx1-ubyte.gz': labels,
  // The corrupt mirror serves the right length with bytes flipped in the middle.
  '/corrupt/t10k-images-idx3-ubyte.gz': images.map((b, i) => (i === 5000 ? b ^ 1 : b)),
  '/corrupt/t10k-labels-idx1-ubyte.gz': labels.map((b, i) => (i === 100 ? b ^ 1 : b)),
};

let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url!);
    const body = served[req.url!];
    if (!body) return res.writeHead(404, 'Not Found').end('no such file');
    res.writeHead(200, { 'content-length': body.length });
    // Send in pieces so progress has something to report.
    let at = 0;
    const next = (): void => {
      if (at >= body.length) return void res.end();
      const piece = body.subarray(at, at + 200_000);
      at += piece.length;
      if (res.write(piece)) setImmediate(next);
      else res.once('drain', next);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const spec: DatasetSpec = {
  id: 'mnist-test-mirror' as DatasetSpec['id'],
  mirrors: [],
  files: {
    train: {
      images: { name: 'none', size: 0, sha256: '' },
      labels: { name: 'none', size: 0, sha256: '' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte.gz', size: images.length, sha256: sha256(images) },
      labels: { name: 't10k-labels-idx1-ubyte.gz', size: labels.length, sha256: sha256(labels) },
    },
  },
  classes: [],
  counts: { train: 60000, test: 10000 },
};

describe('download from mirrors', () => {
  it('skips a 404 mirror and a corrupt mirror, ends with verified data and a clean cache', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'idxflow-cache-'));
    const events: DatasetProgress[] = [];
    const files = await resolveDataset(spec, {
      split: 'test',
      cacheDir,
      mirrors: [`${base}/missing/`, `${base}/corrupt/`, `${base}/good/`],
      onProgress: (e) => events.push(e),
    });
    expect(readdirSync(join(cacheDir, spec.id)).sort()).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
    expect(sha256(readFileSync(files.images))).toBe(sha256(images));

    const failures = events.filter((e) => e.kind === 'mirror-failed');
    expect(failures.map((e) => e.kind === 'mirror-failed' && e.error.constructor)).toEqual([HttpStatusError, ChecksumError, HttpStatusError, ChecksumError]);
    expect(failures[0].kind === 'mirror-failed' && failures[0].error.message).toBe(
      `${base}/missing/t10k-images-idx3-ubyte.gz: expected HTTP status 200, found HTTP status 404 Not Found`,
    );
    expect(failures[1].kind === 'mirror-failed' && failures[1].error.message).toBe(
      `${base}/corrupt/t10k-images-idx3-ubyte.gz: expected SHA-256 ${sha256(images)}, found SHA-256 ${sha256(served['/corrupt/t10k-images-idx3-ubyte.gz'])}`,
    );
    const progress = events.filter((e) => e.kind === 'download' && e.url.includes('/good/') && e.file === 't10k-images-idx3-ubyte.gz');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toMatchObject({ received: images.length, total: images.length });

    const blocks = await lastValueFrom(idx(files).pipe(toArray()));
    const all = joinBlocks(blocks);
    expect(Buffer.from(all.images).equals(readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16))).toBe(true);

    // A second resolution finds the cache and asks no server.
    const before = requests.length;
    await resolveDataset(spec, { split: 'test', cacheDir, mirrors: [`${base}/good/`] });
    expect(requests.length).toBe(before);
  });

  it('throws DownloadError naming every mirror when all fail, and leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-dl-'));
    const dest = join(dir, 'labels.gz');
    const error = await downloadFile({
      urls: [`${base}/missing/t10k-labels-idx1-ubyte.gz`, `${base}/corrupt/t10k-labels-idx1-ubyte.gz`],
      sha256: sha256(labels),
      dest,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).attempts.map((e) => e.constructor)).toEqual([HttpStatusError, ChecksumError]);
    expect((error as Error).message).toContain(`labels.gz: expected a mirror serving bytes with SHA-256 ${sha256(labels)}, found ${base}/missing/`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names every place it tried when no mirror serves the file (one refuses, one answers 404), and leaves no folder it made', async () => {
    // A port nothing listens on: bound once, then closed.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const root = mkdtempSync(join(tmpdir(), 'idxflow-offline-'));
    const cacheDir = join(root, 'cache', 'nested'); // neither exists yet: the download would make both
    const error = await resolveDataset(spec, { split: 'test', cacheDir, mirrors: [refused, `${base}/missing/`] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    const { tried, dataset, split, cause } = error as DatasetNotFoundError;
    expect([dataset, split]).toEqual([spec.id, 'test']);
    expect(tried).toEqual([
      { kind: 'cache', where: join(cacheDir, spec.id), found: 'no t10k-images-idx3-ubyte.gz or t10k-images-idx3-ubyte' },
      { kind: 'mirror', where: `${refused}t10k-images-idx3-ubyte.gz`, found: expect.stringMatching(/^expected an HTTP response, found no response \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/) },
      { kind: 'mirror', where: `${base}/missing/t10k-images-idx3-ubyte.gz`, found: 'expected HTTP status 200, found HTTP status 404 Not Found' },
    ]);
    expect(cause).toBeInstanceOf(DownloadError);
    for (const place of tried) expect((error as Error).message).toContain(`${place.kind} ${place.where}: ${place.found}`);
    expect(readdirSync(root)).toEqual([]); // no cache/nested/mnist-test-mirror left empty

    // A cache folder that was there before stays, and so does its parent: only what the download made goes.
    const existing = mkdtempSync(join(tmpdir(), 'idxflow-offline-cache-'));
    await resolveDataset(spec, { split: 'test', cacheDir: existing, mirrors: [`${base}/missing/`] }).catch(() => undefined);
    expect(existsSync(existing)).toBe(true);
    expect(readdirSync(existing)).toEqual([]);
  });
});
