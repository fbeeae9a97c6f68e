// The explore server answers by error code (httpStatusOf), not class: a request the page should
// not make is a 400 with its code, a failure of the server's own (a dataset found nowhere) a 500
// with its code. Real requests on 127.0.0.1, to the server `idxflow explore` starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExploreServer, type ExploreServer } from '../../packages/cli/src/commands/explore/server.js';

let server: ExploreServer;
let empty: string;
beforeAll(async () => {
  // --dir given: the split is looked for there only, and the folder is empty.
  empty = mkdtempSync(join(tmpdir(), 'idxflow-explore-status-'));
  server = await startExploreServer({ host: '127.0.0.1', port: 0, token: undefined, base: { dataset: 'mnist', split: 'test', dir: empty }, initial: { flags: [], seed: 0 } });
});
afterAll(async () => {
  await server?.close();
  rmSync(empty, { recursive: true, force: true });
});

const answer = async (path: string): Promise<{ status: number; body: { error: string; code?: string } }> => {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as { error: string; code?: string } };
};

describe('idxflow explore: the status is the error code\'s', () => {
  it('a request the page should not make: 400 and its code', async () => {
    expect(await answer('/api/info?x=1')).toEqual({ status: 400, body: { error: 'Expected no query parameters for /api/info', code: 'IDXFLOW_VIEW' } });
  });

  it("a failure of the server's own: 500 and its code, the message naming where it looked", async () => {
    const { status, body } = await answer('/api/grid');
    expect(status).toBe(500);
    expect(body.code).toBe('IDXFLOW_DATASET_NOT_FOUND');
    expect(body.error).toContain(empty);
  });
});
