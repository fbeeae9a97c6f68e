// examples/python/idxflow_client.py against a real server: needs python3 with numpy (torch for
// the IterableDataset); skipped, saying so, without them, failed instead under CI=true.
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { batch, mnist, shuffle, type Block } from '@idxflow/core';
import { mixup } from '@idxflow/transforms';
import { map, type Observable } from 'rxjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type BatchServer } from '../../../packages/sinks/src/network/index.js';
import { describeWithPython, pythonWith, PYTHON } from '../../fixtures/python.js';
import { classCounts, ROOT, testSplit } from './rawMnist.js';

const CLIENT = join(ROOT, 'examples/python/idxflow_client.py');

/** Runs the client script without blocking this process, which runs the server too. */
async function runClient(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout, stderr } = await promisify(execFile)(PYTHON, [CLIENT, ...args], { encoding: 'utf8' });
  expect(stderr).toBe('');
  return JSON.parse(stdout) as Record<string, unknown>;
}

let server: BatchServer;
beforeAll(async () => {
  // seed 9 sends float32 pixels (v / 255), seed 7 mixed batches (soft labels), the others bytes.
  const factory = (p: { seed: number; batch: number }): Observable<Block> => {
    const batches = mnist({ split: 'test' }).pipe(shuffle({ seed: p.seed }), batch(p.batch));
    if (p.seed === 7) return batches.pipe(mixup({ alpha: 0.4, seed: 7 }));
    if (p.seed !== 9) return batches;
    return batches.pipe(map((b) => ({ ...b, images: Float32Array.from(b.images, (v) => v / 255) })));
  };
  server = await serve(factory, { token: 'py-token' });
});
afterAll(() => server.close());

describeWithPython(['numpy'], `examples/python/idxflow_client.py (${PYTHON} with numpy)`, () => {
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
    const failed = await promisify(execFile)(PYTHON, [CLIENT, `${server.url}/batches?batch=0`, 'py-token']).catch((e: { stderr: string }) => e);
    expect((failed as { stderr: string }).stderr).toContain('HTTP 400: Expected an integer between 1 and 65536 for batch but received "0"');
  });

  it('yields (n, 1, h, w) float32 and int64 tensors through IdxflowIterableDataset (without torch, outside CI: the import error)', async () => {
    if (!pythonWith('torch')) {
      // Without torch, asking for the class fails with the import error; iter_batches keeps working.
      const r = spawnSync(PYTHON, ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import idxflow_client as c; c.IdxflowIterableDataset', join(ROOT, 'examples/python')]);
      expect(r.stderr.toString()).toContain("No module named 'torch'");
      return;
    }
    const summary = await runClient(`${server.url}/batches?seed=2&batch=128`, 'py-token', '--torch');
    expect(summary).toEqual({
      samples: testSplit.count,
      batches: Math.ceil(testSplit.count / 128),
      classes: classCounts(),
      first: { shape: [128, 1, 28, 28], dtype: 'torch.float32', labels: 'torch.int64' },
    });
  });
});
