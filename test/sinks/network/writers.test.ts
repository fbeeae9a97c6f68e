// The HTTP and WebSocket frame writers are sinks: a block they cannot frame (its arrays
// disagree with its shape, so encodeFrame throws inside next) ends that one stream with an
// error frame, tells onError, and leaves the server and its other clients alone.
import { get } from 'node:http';
import { concat, config, lastValueFrom, of, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeFrames, fromServer, RemotePipelineError, type Block } from '@idxflow/core';
import { serve, type BatchServer } from '../../../packages/sinks/src/network/index.js';
import { syntheticBlock } from '../../fixtures/blocks.js';

const good = (first: number): Block => syntheticBlock(first, 4);
const unframeable = (): Block => ({ ...syntheticBlock(8, 4), images: new Uint8Array(5) });

let server: BatchServer;
const failures: unknown[] = [];
const unhandled: unknown[] = [];
beforeAll(async () => {
  config.onUnhandledError = (error) => unhandled.push(error);
  server = await serve(() => concat(of(good(0), good(4)), of(unframeable())), { onError: (error) => failures.push(error) });
});
afterAll(async () => {
  config.onUnhandledError = null;
  await server.close();
});

const health = (): Promise<number> =>
  new Promise((resolve, reject) => get(`${server.url}/health`, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject));

describe('frame writers', () => {
  it('HTTP: two frames, then an error frame naming the problem; the server goes on', async () => {
    const received: Block[] = [];
    const error = await new Promise<unknown>((resolve) => {
      fromServer(`${server.url}/batches`).subscribe({ next: (b) => received.push(b), error: resolve, complete: () => resolve(undefined) });
    });
    expect(received.map((b) => Array.from(b.indices))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(error).toBeInstanceOf(RemotePipelineError);
    expect((error as Error).message).toContain('Expected 48 pixels, 4 labels and 4 indices for block of shape [4, 4, 3] but received 5, 4 and 4');
    expect(await health()).toBe(200);
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(unhandled).toEqual([]);
  });

  it('WebSocket: two frames, then an error frame and close code 1011; the server goes on', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    const messages: Buffer[] = [];
    const code = await new Promise<number>((resolve, reject) => {
      ws.on('message', (data: Buffer) => messages.push(data));
      ws.on('close', (closeCode) => resolve(closeCode));
      ws.on('error', reject);
    });
    expect(code).toBe(1011);
    expect(messages).toHaveLength(3);
    const decoded = await lastValueFrom(of(...messages.slice(0, 2).map((m) => new Uint8Array(m))).pipe(decodeFrames(), toArray()));
    expect(decoded.map((b) => Array.from(b.indices))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    const last = await lastValueFrom(of(new Uint8Array(messages[2])).pipe(decodeFrames())).catch((error: unknown) => error);
    expect(last).toBeInstanceOf(RemotePipelineError);
    expect(await health()).toBe(200);
    expect(unhandled).toEqual([]);
  });
});
