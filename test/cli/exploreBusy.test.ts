// `idxflow explore` under many heavy requests at once: the grids and statistics it takes are
// bounded across requests (503 with Retry-After beyond its queue), the small endpoints answer
// while the heavy work runs (it goes in chunks), and a request whose client leaves, or that a
// newer one replaces, gets no 500 and does not end the server. No timing is asserted: only
// what was answered, and in which order.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { exploreForTests, fetchJson, fetchRaw } from '../fixtures/explore.js';

const server = exploreForTests(['--split', 'test']);

/** The largest grid the page may ask for (64 rows, 32 draws), with an elastic field: seconds of work. */
const HEAVY = '/api/grid?rows=64&draws=32&elastic=34:4&rotate=20';

interface Pending {
  socket: Socket;
  /** Resolves with the status line and headers once they arrive ('' if the connection ends first). */
  head: Promise<string>;
}

/** Sends a GET on its own connection; the answer's head is awaited separately, the socket can be cut. */
function send(target: string): Pending {
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => undefined);
  const head = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n')) resolve(text.slice(0, text.indexOf('\r\n\r\n')));
    });
    socket.on('close', () => resolve(text));
  });
  socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
  return { socket, head };
}

const statusOf = (head: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);

describe('idxflow explore under concurrent heavy requests', () => {
  it('refuses heavy requests beyond its queue with 503 and Retry-After, answers a small one meanwhile, and frees the queue when clients leave', async () => {
    const heavy = Array.from({ length: 24 }, (_, k) => send(`${HEAVY}&seed=${k}`));
    const order: string[] = [];
    heavy.forEach(({ head }, k) => void head.then((h) => order.push(`grid ${k}: ${statusOf(h)}`)));
    await Promise.race(heavy.map(({ head }) => head)); // the first answer: a refusal, given at once
    const info = await fetchJson(`${server.url}/api/info`);
    order.push(`info: ${info.status}`);
    expect(info.status).toBe(200);
    // The small request was answered before any admitted grid: the grids run in chunks.
    expect(order.filter((line) => line.endsWith(': 200')), order.join(', ')).toEqual(['info: 200']);
    const heads = await Promise.all(heavy.map(({ head }) => head));
    // At most 8 are admitted at once (2 computed, 6 waiting): of 24 sent together, the others are refused.
    const refused = heads.filter((h) => statusOf(h) === 503);
    expect(refused.length, order.join(', ')).toBeGreaterThanOrEqual(1);
    expect(heads.filter((h) => statusOf(h) === 200).length + refused.length).toBe(24);
    for (const head of refused) expect(head.toLowerCase()).toContain('\r\nretry-after: 1');
    console.log(`explore, 24 largest grids at once: ${refused.length} refused (503), ${24 - refused.length} drawn`);
    // Eight admitted grids whose clients leave at once: the queue empties, and a new grid is drawn.
    const left = Array.from({ length: 8 }, (_, k) => send(`${HEAVY}&seed=${100 + k}`));
    await new Promise((r) => setTimeout(r, 100));
    for (const { socket } of left) socket.destroy();
    // A grid whose client left stops at its next chunk, not at once: ask again until the queue
    // has emptied (a bounded number of times), and a new grid is drawn.
    let after = await fetchRaw(`${server.url}/api/grid?rows=2&draws=1`);
    for (let tries = 0; after.status === 503 && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await fetchRaw(`${server.url}/api/grid?rows=2&draws=1`);
    }
    expect(after.status).toBe(200);
    expect(server.child.exitCode).toBe(null);
  });

  it('answers a statistics request whose client left with nothing and one a newer request replaced with 409, never 500', async () => {
    const left = send('/api/stats?samples=10000&elastic=34:4');
    await new Promise((r) => setTimeout(r, 300));
    left.socket.destroy();
    expect(await left.head).toBe(''); // nothing came back before it left
    const replaced = send('/api/stats?samples=10000&elastic=34:4&seed=1');
    await new Promise((r) => setTimeout(r, 300));
    const newer = await fetchJson<{ samples: number }>(`${server.url}/api/stats?samples=50`);
    const head = await replaced.head;
    expect(statusOf(head)).toBe(409);
    expect(newer.status).toBe(200);
    expect(newer.body.samples).toBe(50);
    const info = await fetchJson(`${server.url}/api/info`);
    expect(info.status).toBe(200);
    expect(server.child.exitCode).toBe(null);
    expect(server.stderr()).not.toMatch(/error|unhandled|500/i);
  });
});
