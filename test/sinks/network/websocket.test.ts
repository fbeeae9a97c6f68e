import { batch, decodeFrames, epochs, fromServer, mnist, shuffle, type Block } from '@idxflow/core';
import { finalize, from, lastValueFrom, tap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serve, type BatchServer } from '../../../packages/sinks/src/network/index.js';
import { testSplit } from './rawMnist.js';

let server: BatchServer;
let finalized = 0;
beforeAll(async () => {
  server = await serve((p) => mnist({ split: 'test' }).pipe(shuffle({ seed: p.seed }), batch(p.batch), finalize(() => finalized++)), {
    token: 'secret',
  });
});
afterAll(() => server.close());

const wsUrl = (query: string): string => `${server.url.replace('http', 'ws')}/ws?${query}`;

/** Collects every message of a WebSocket until it closes, with the close code. */
function receive(ws: WebSocket): Promise<{ messages: Buffer[]; code: number }> {
  const messages: Buffer[] = [];
  return new Promise((resolve, reject) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? messages.push(data) : reject(new Error('text message'))));
    ws.on('close', (code) => resolve({ messages, code }));
    ws.on('error', reject);
  });
}

/** The status of a refused upgrade. */
function refusedStatus(ws: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
  });
}

describe('the WebSocket endpoint /ws', () => {
  it('carries the same frames as HTTP, one binary message per frame, then closes with 1000', async () => {
    const http = await lastValueFrom(fromServer(`${server.url}/batches?seed=3&batch=500`, { token: 'secret' }).pipe(toArray()));
    const { messages, code } = await receive(new WebSocket(wsUrl('seed=3&batch=500&token=secret')));
    expect(code).toBe(1000);
    expect(messages.length).toBe(testSplit.count / 500);
    // Each message is exactly one frame: its length prefix and header account for all its bytes.
    for (const message of messages) {
      const length = message.readUInt32BE(0);
      const { shape } = JSON.parse(message.subarray(4, 4 + length).toString()) as { shape: number[] };
      expect(message.length).toBe(4 + length + shape[0] * 784 + 5 * shape[0]);
    }
    const blocks: Block[] = await lastValueFrom(from(messages).pipe(decodeFrames(), toArray()));
    expect(blocks.map((b) => Array.from(b.indices))).toEqual(http.map((b) => Array.from(b.indices)));
    blocks.forEach((b, k) => {
      expect(Buffer.from(b.images as Uint8Array).equals(Buffer.from(http[k].images as Uint8Array))).toBe(true);
      expect(Buffer.from(b.labels).equals(Buffer.from(http[k].labels))).toBe(true);
    });
  });

  it('takes the token from the Authorization header too, and refuses a wrong or missing one with 401', async () => {
    const { messages, code } = await receive(new WebSocket(wsUrl('seed=1&batch=2500'), { headers: { authorization: 'Bearer secret' } }));
    expect([messages.length, code]).toEqual([4, 1000]);
    expect(await refusedStatus(new WebSocket(wsUrl('seed=1&token=wrong')))).toBe(401);
    expect(await refusedStatus(new WebSocket(wsUrl('seed=1')))).toBe(401);
    expect(await refusedStatus(new WebSocket(wsUrl('batch=0&token=secret')))).toBe(400);
  });

  it('a client that closes mid-stream has its pipeline unsubscribed', async () => {
    const before = finalized;
    const ws = new WebSocket(wsUrl('seed=4&batch=10&token=secret'));
    await new Promise((resolve) => ws.once('message', resolve));
    ws.close();
    for (let i = 0; i < 300 && finalized === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(finalized).toBe(before + 1);
    for (let i = 0; i < 300 && server.stats().clients > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.stats().clients).toBe(0);
  });

  it('holds the pipeline of a client that stops reading', async () => {
    // A server of its own: maxBufferedBytes is a maximum over the server's life.
    let produced = 0;
    const long = await serve((p) => mnist({ split: 'train' }).pipe(epochs(2), shuffle({ seed: p.seed }), batch(p.batch), tap(() => produced++)));
    const frameBytes = 4 + 64 + 64 * 784 + 5 * 64; // 50,564
    const ws = new WebSocket(`${long.url.replace('http', 'ws')}/ws?seed=100&batch=64`);
    await new Promise((resolve) => ws.once('message', resolve));
    ws.pause(); // stop reading the socket: TCP fills, then the server's buffer
    let last = -1;
    while (produced !== last) {
      last = produced;
      await new Promise((r) => setTimeout(r, 500)); // until production stops
    }
    const stats = long.stats();
    ws.terminate();
    await long.close();
    console.log(`paused ws client: maxBufferedBytes ${stats.maxBufferedBytes}, produced ${produced} of 1876`);
    // As over HTTP: under 16 KiB queued, then at most 2 emissions of up to 5 frames each.
    expect(stats.maxBufferedBytes).toBeLessThanOrEqual(16 * 1024 + 10 * frameBytes);
    expect(produced).toBeLessThan(1876);
  });
});
