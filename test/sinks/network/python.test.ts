import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { batch, mnist, shuffle, type Block } from '@idxflow/core';
import { mixup } from '@idxflow/transforms';
import { concat, map, take, throwError, type Observable } from 'rxjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type BatchServer } from '../../../packages/sinks/src/network/index.js';
import { describeWithPython, PYTHON } from '../../fixtures/python.js';
import { classCounts, ROOT, testSplit } from './rawMnist.js';

// The numpy reader of clients/python (idxflow_client) from the checkout, without installing it;
// test/python/client.test.ts installs the package with pip and tests its PyTorch side.
const PACKAGE = join(ROOT, 'clients/python');
const env = { ...process.env, PYTHONPATH: PACKAGE, PYTHONDONTWRITEBYTECODE: '1' };

/** Runs `python -m idxflow_client ARGS` without blocking this process, which runs the server too. */
async function runClient(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout, stderr } = await promisify(execFile)(PYTHON, ['-m', 'idxflow_client', ...args], { encoding: 'utf8', env });
  expect(stderr).toBe('');
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** The status and stderr of `python -m idxflow_client ARGS` that fails. */
async function failure(...args: string[]): Promise<{ code: number; stderr: string }> {
  const failed = await promisify(execFile)(PYTHON, ['-m', 'idxflow_client', ...args], { encoding: 'utf8', env }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => error,
  );
  return { code: failed.code, stderr: failed.stderr };
}

let server: BatchServer;
const failures: unknown[] = [];
beforeAll(async () => {
  // seed 9 sends float32 pixels (v / 255), seed 666 fails after 2 batches, seed 7 mixed batches (soft labels), the others bytes.
  const factory = (p: { seed: number; batch: number }): Observable<Block> => {
    const batches = mnist({ split: 'test' }).pipe(shuffle({ seed: p.seed }), batch(p.batch));
    if (p.seed === 666) return concat(batches.pipe(take(2)), throwError(() => new Error('disk on fire')));
    if (p.seed === 7) return batches.pipe(mixup({ alpha: 0.4, seed: 7 }));
    if (p.seed !== 9) return batches;
    return batches.pipe(map((b) => ({ ...b, images: Float32Array.from(b.images, (v) => v / 255) })));
  };
  server = await serve(factory, { token: 'py-token', onError: (error) => failures.push(error) });
});
afterAll(() => server.close());

describeWithPython(['numpy'], `clients/python's numpy reader, python -m idxflow_client (${PYTHON} with numpy)`, () => {
  it('reads a full test epoch: 10,000 distinct samples with the label file per-class counts', async () => {
    const summary = await runClient(`${server.url}/batches?seed=2&batch=128`, 'py-token');
    expect(summary).toEqual({
      samples: testSplit.count,
      batches: Math.ceil(testSplit.count / 128),
      classes: classCounts(),
      distinct: testSplit.count,
      first: { shape: [128, 28, 28], dtype: 'uint8', labels: 'uint8' },
    });
  });

  it("takes the server's base URL as IdxflowDataset does (the stream with the server's defaults), with or without a trailing slash", async () => {
    for (const url of [server.url, `${server.url}/`]) {
      const summary = await runClient(url, 'py-token');
      expect(summary, url).toMatchObject({ samples: testSplit.count, classes: classCounts(), distinct: testSplit.count });
    }
    const failed = await failure('127.0.0.1:8080', 'py-token');
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("Expected the server's base URL (http://HOST:PORT) or a /batches URL for url but received '127.0.0.1:8080'");
  });

  it('reads float32 frames', async () => {
    const summary = await runClient(`${server.url}/batches?seed=9&batch=1000`, 'py-token');
    expect(summary.first).toEqual({ shape: [1000, 28, 28], dtype: 'float32', labels: 'uint8' });
    expect(summary.classes).toEqual(classCounts());
  });

  it('reads soft labels (after mixup) in step with the rest of each frame', async () => {
    const summary = await runClient(`${server.url}/batches?seed=7&batch=128`, 'py-token');
    expect(summary.samples).toBe(testSplit.count);
    expect(summary.distinct).toBe(testSplit.count);
    expect(summary.classes).toEqual(classCounts()); // each sample keeps its own label
    expect(summary.soft).toMatchObject({ shape: [128, 10], rows: testSplit.count });
    expect((summary.soft as { max_sum_error: number }).max_sum_error).toBeLessThan(1e-6);
  });

  it('reports a refused request with the server message', async () => {
    const failed = await failure(`${server.url}/batches?batch=0`, 'py-token');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('HTTP 400: Expected an integer between 1 and 65536 for batch but received "0"');
  });

  it('reports an error frame (the pipeline failed mid-stream) with its message', async () => {
    const failed = await failure(`${server.url}/batches?seed=666&batch=100`, 'py-token');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("the server's pipeline failed: disk on fire");
    expect(failures).toEqual([new Error('disk on fire')]);
  });

  it('imports without torch: the PyTorch names load it only when asked for', () => {
    const probe = 'import sys, idxflow_client as c; before = "torch" in sys.modules; c.batches_url("http://h:1"); print(before)';
    const r = spawnSync(PYTHON, ['-c', probe], { encoding: 'utf8', env });
    expect(r.stdout.trim()).toBe('False');
  });
});
