import { get, type IncomingMessage } from 'node:http';
import { batch, epochs, fromServer, mnist, OptionError, RemotePipelineError, ServerError, shard, shuffle, type Block } from '@idxflow/core';
import { concat, defer, finalize, lastValueFrom, take, tap, throwError, toArray, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type BatchServer, type ServeParams } from '../../../packages/sinks/src/network/index.js';
import { testSplit } from './rawMnist.js';

/** Per seed: pipelines subscribed, completed and finalized (completed, failed or unsubscribed). */
const lifecycle = new Map<number, { subscribed: number; completed: number; finalized: number }>();
const countsOf = (seed: number) => lifecycle.get(seed) ?? { subscribed: 0, completed: 0, finalized: 0 };
const failures: unknown[] = [];

/**
 * seed 666: 3 batches then a failure; 667: fails at once; 668: the factory throws a RangeError (no
 * idxflow code: a server failure); 669: a stage refuses its option; 100..199: two epochs of train
 * (long); else the test split.
 */
function factory(p: ServeParams): Observable<Block> {
  if (p.epochs > 5) throw new OptionError(`Expected at most 5 for epochs but received ${p.epochs}`);
  if (p.seed === 668) throw new RangeError('Expected a factory without bugs but received one');
  if (p.seed === 669) return mnist({ split: 'test' }).pipe(batch(0));
  const counts = countsOf(p.seed);
  lifecycle.set(p.seed, counts);
  const source = p.seed >= 100 && p.seed < 200 ? mnist({ split: 'train' }).pipe(epochs(2)) : mnist({ split: 'test' });
  let pipeline: Observable<Block> = source.pipe(shuffle({ seed: p.seed }), shard({ rank: p.rank, worldSize: p.worldSize }), batch(p.batch));
  if (p.seed === 666) pipeline = concat(pipeline.pipe(take(3)), throwError(() => new Error('disk on fire')));
  if (p.seed === 667) pipeline = throwError(() => new Error('dataset missing'));
  return defer(() => {
    counts.subscribed++;
    return pipeline.pipe(tap({ complete: () => counts.completed++ }), finalize(() => counts.finalized++));
  });
}

let server: BatchServer;
beforeAll(async () => {
  server = await serve(factory, { token: 'secret', maxBatch: 1000, onError: (error) => failures.push(error) });
});
afterAll(() => server.close());

const auth = { token: 'secret' };
const indicesOf = (blocks: Block[]): number[] => blocks.flatMap((b) => Array.from(b.indices));
const waitFor = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('serve() over real sockets on 127.0.0.1', () => {
  it('gives ranks 0 and 1 of 2 disjoint shares whose union is the test epoch, with the file pixels', async () => {
    const [a, b] = await Promise.all(
      [0, 1].map((rank) => lastValueFrom(fromServer(`${server.url}/batches?seed=5&batch=64&rank=${rank}&worldSize=2`, auth).pipe(toArray()))),
    );
    const ia = indicesOf(a);
    const ib = indicesOf(b);
    expect([ia.length, ib.length]).toEqual([5000, 5000]);
    expect(a.length).toBe(Math.ceil(5000 / 64));
    const union = [...ia, ...ib].sort((x, y) => x - y);
    expect(union).toEqual(Array.from({ length: testSplit.count }, (_, i) => i)); // disjoint and complete
    let checked = 0;
    for (const block of [a[0], a[40], b[7], b[b.length - 1]]) {
      for (let i = 0; i < block.shape[0]; i += 11, checked++) {
        const index = block.indices[i];
        expect(Buffer.from(block.images.subarray(i * 784, (i + 1) * 784) as Uint8Array).equals(testSplit.image(index))).toBe(true);
        expect(block.labels[i]).toBe(testSplit.labels[index]);
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('answers 401 with a JSON message to a missing or wrong token', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer guess' }, { authorization: 'secret' }];
    for (const headers of attempts) {
      const response = await fetch(`${server.url}/batches`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/json');
      const { error } = (await response.json()) as { error: string };
      expect(error).toMatch(/^Expected the server's token in "Authorization: Bearer <token>" for authorization but received (no token|a different token)$/);
      expect(error).not.toContain('secret');
    }
    const refused = await lastValueFrom(fromServer(`${server.url}/batches`, { token: 'wrong' })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ServerError);
    expect((refused as ServerError).status).toBe(401);
    expect((refused as Error).message).toContain('but received a different token');
  });

  it('answers 400 naming the bad parameter, what it expected and what it received', async () => {
    const bad: [string, string][] = [
      ['rank=2&worldSize=2', 'Expected an integer between 0 and 1 (below worldSize 2) for rank but received "2"'],
      ['batch=0', 'Expected an integer between 1 and 1000 for batch but received "0"'],
      ['batch=abc', 'Expected an integer between 1 and 1000 for batch but received "abc"'],
      ['batch=1001', 'Expected an integer between 1 and 1000 for batch but received "1001"'],
      ['seed=1.5', 'for seed but received "1.5"'],
      ['worldsize=2', 'Expected only seed, epoch, epochs, batch, rank, worldSize, offset, start, part, parts, split, eval as query parameters but received "worldsize"'],
      ['token=secret', 'as query parameters but received "token"'], // the query token is for browsers on /ws only
      ['epochs=6', 'Expected at most 5 for epochs but received 6'], // an OptionError of the factory
    ];
    for (const [query, message] of bad) {
      const error = await lastValueFrom(fromServer(`${server.url}/batches?${query}`, auth)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect((error as ServerError).status).toBe(400);
      expect((error as ServerError).serverCode).toBe(query === 'epochs=6' ? 'IDXFLOW_OPTION' : 'IDXFLOW_BAD_REQUEST');
      expect((error as Error).message).toContain(message);
    }
  });

  it('chooses the status by the error code, and sends the code: 400 for a request, 500 for a failure', async () => {
    const answer = async (query: string): Promise<[number, unknown]> => {
      const response = await fetch(`${server.url}/batches?${query}`, { headers: { authorization: 'Bearer secret' } });
      return [response.status, await response.json()];
    };
    // A query the parser refuses, an option the factory refuses, a stage's own option check.
    expect(await answer('batch=0')).toEqual([400, { error: 'Expected an integer between 1 and 1000 for batch but received "0"', code: 'IDXFLOW_BAD_REQUEST' }]);
    expect(await answer('epochs=6')).toEqual([400, { error: 'Expected at most 5 for epochs but received 6', code: 'IDXFLOW_OPTION' }]);
    expect(await answer('seed=669')).toEqual([400, { error: 'Expected integer >= 1 for size but received 0 of type number', code: 'IDXFLOW_OPTION' }]);
    // A RangeError is no longer a 400 by its class: it carries no idxflow code, so it is the server's failure.
    expect(await answer('seed=668')).toEqual([500, { error: 'Expected a factory without bugs but received one' }]);
    // A pipeline that fails at once with an error of no code: 500.
    expect(await answer('seed=667')).toEqual([500, { error: 'dataset missing' }]);
    failures.length = 0; // the next test counts the pipeline failures from here
  });

  it('answers 404 elsewhere, 405 to POST, 426 to /ws without upgrade, 200 JSON on /health', async () => {
    const error = await lastValueFrom(fromServer(`${server.url}/nothing`, auth)).catch((e: unknown) => e);
    expect((error as ServerError).status).toBe(404);
    expect((error as Error).message).toContain('Expected /batches, /ws or /health for path but received "/nothing"');
    expect((await fetch(`${server.url}/batches`, { method: 'POST', headers: { authorization: 'Bearer secret' } })).status).toBe(405);
    expect((await fetch(`${server.url}/ws`)).status).toBe(426);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true);
  });

  it('reports a pipeline failure: 500 before the first frame, an error frame after', async () => {
    const early = await lastValueFrom(fromServer(`${server.url}/batches?seed=667`, auth)).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ServerError);
    expect((early as ServerError).status).toBe(500);
    expect((early as Error).message).toContain('dataset missing');
    const seen: Block[] = [];
    const late = await lastValueFrom(fromServer(`${server.url}/batches?seed=666&batch=10`, auth).pipe(tap((b) => seen.push(b)))).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(RemotePipelineError);
    expect((late as Error).message).toContain("the server's pipeline failed: disk on fire");
    expect(seen.map((b) => b.shape[0])).toEqual([10, 10, 10]);
    expect(failures.map((e) => (e as Error).message)).toEqual(['dataset missing', 'disk on fire']);
  });

  it('unsubscribing fromServer aborts the request and the server unsubscribes the pipeline', async () => {
    const blocks = await lastValueFrom(fromServer(`${server.url}/batches?seed=150&batch=64`, auth).pipe(take(3), toArray()));
    expect(blocks.length).toBe(3);
    await waitFor(() => countsOf(150).finalized === 1);
    expect(countsOf(150)).toEqual({ subscribed: 1, completed: 0, finalized: 1 });
  });

  it('a client dropped mid-stream frees its pipeline and does not disturb another', async () => {
    const other = lastValueFrom(fromServer(`${server.url}/batches?seed=7&batch=50`, auth).pipe(toArray()));
    const dropped = await new Promise<IncomingMessage>((resolve) =>
      get(`${server.url}/batches?seed=101&batch=64`, { headers: { authorization: 'Bearer secret' } }, resolve),
    );
    let received = 0;
    await new Promise<void>((resolve) =>
      dropped.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 3 * 50_000) resolve(); // a few frames in
      }),
    );
    dropped.destroy();
    const blocks = await other;
    expect(indicesOf(blocks).sort((x, y) => x - y)).toEqual(Array.from({ length: testSplit.count }, (_, i) => i));
    expect(countsOf(7)).toEqual({ subscribed: 1, completed: 1, finalized: 1 });
    await waitFor(() => countsOf(101).finalized === 1);
    expect(countsOf(101)).toEqual({ subscribed: 1, completed: 0, finalized: 1 }); // unsubscribed, not completed
    await waitFor(() => server.stats().clients === 0);
    expect(server.stats().clients).toBe(0);
  });
});

describe('serve() bounds the frames of a client by clientMemory', () => {
  it('sends frames that fit, and refuses a stream whose first frame does not (500, naming the bound)', async () => {
    const small = await serve((p) => mnist({ split: 'test' }).pipe(batch(p.batch)), { clientMemory: 4096, onError: () => undefined });
    try {
      // A frame of n 28 x 28 uint8 samples: 4 + header (< 60) + n * (784 + 1 + 4) bytes.
      const fits = await lastValueFrom(fromServer(`${small.url}/batches?batch=4`).pipe(take(2), toArray()));
      expect(fits.map((b) => b.shape[0])).toEqual([4, 4]);
      const failed = await lastValueFrom(fromServer(`${small.url}/batches?batch=6`)).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(ServerError);
      expect((failed as ServerError).status).toBe(500);
      expect((failed as Error).message).toMatch(/Expected frames of at most 4096 bytes \(the server's clientMemory\) but the pipeline made one of \d+ bytes \(6 samples\)/);
    } finally {
      await small.close();
    }
  });
});
