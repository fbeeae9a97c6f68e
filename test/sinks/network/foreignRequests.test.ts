// `idxflow serve` answers only requests that name it and come from no other site's page: a
// Host that is not the server's (a DNS-rebound name) gets 403 on every endpoint, an Origin of
// another page gets 403 on /batches and /ws, with or without the token; the same requests with
// a loopback Host and no Origin stream. Raw sockets on 127.0.0.1, so every header is ours.
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSamples } from '../../fixtures/frames.js';
import { rawReply, startServer, type RunningServer } from '../../fixtures/server.js';
import { testSplit } from './rawMnist.js';

let open: RunningServer; // no token, loopback
let guarded: RunningServer; // a token, every address, names and an origin allowed
beforeAll(async () => {
  [open, guarded] = await Promise.all([
    startServer(['--split', 'test', '--workers', '1', '--max-clients', '4', '--max-memory', '16']),
    startServer(['--split', 'test', '--workers', '1', '--host', '0.0.0.0', '--token', 'secret', '--allow-host', 'idxflow-serve', '--allow-host', 'idxflow-serve.ml.svc.cluster.local', '--allow-origin', 'http://dash.example']),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
});

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const UPGRADE = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n`;

/**
 * Sends one request and resolves with the status and the body: the whole body of an answer with
 * a Content-Length, nothing of a stream (200 chunked, 101), whose headers are enough.
 */
async function answer(port: number, text: string): Promise<{ status: string; body: string }> {
  const headerEnd = (all: string): number => all.indexOf('\r\n\r\n');
  const whole = (all: string): boolean => {
    const end = headerEnd(all);
    if (end < 0) return false;
    const length = /\r\ncontent-length: (\d+)/i.exec(all.slice(0, end));
    return !length || all.length - end - 4 >= Number(length[1]);
  };
  const all = await rawReply(port, text, whole, 20_000);
  const end = headerEnd(all);
  return { status: /^HTTP\/1\.1 (\d{3})/.exec(all)?.[1] ?? 'none', body: end < 0 ? '' : all.slice(end + 4) };
}

const request = (target: string, host: string, headers = ''): string => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${headers}\r\n`;

describe.each([
  ['without a token', () => open, ''],
  ['with --token (the token sent)', () => guarded, 'Authorization: Bearer secret\r\n'],
])('idxflow serve %s', (_name, server, auth) => {
  it('streams /batches and opens /ws for a loopback Host and no Origin', async () => {
    const { port } = server();
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, '127.0.0.1']) {
      expect((await answer(port, request('/batches?eval=1&batch=10', host, auth))).status, host).toBe('200');
      expect((await answer(port, request('/ws?eval=1&batch=10', host, auth + UPGRADE))).status, host).toBe('101');
    }
  });

  it('refuses a Host naming another server (DNS rebinding) with 403 on every endpoint, and streams nothing', async () => {
    const { port } = server();
    for (const host of [`evil.example:${port}`, 'evil.example', `localhost.evil.example:${port}`, `127.0.0.1.evil.example:${port}`]) {
      for (const [target, headers] of [['/batches?eval=1', auth], ['/ws?eval=1', auth + UPGRADE], ['/health', auth]]) {
        const got = await answer(port, request(target, host, headers));
        expect(got.status, `${target} with Host ${host}`).toBe('403');
        expect(JSON.parse(got.body).error).toMatch(/^Expected this server's own address in the Host header \(.+\) but received "/);
      }
    }
  });

  it('refuses a page of another origin with 403 on /batches and /ws, even with a loopback Host', async () => {
    const { port } = server();
    for (const origin of ['http://evil.example', 'null', `http://localhost:${port + 1}`, `https://127.0.0.1:${port}`]) {
      for (const [target, headers] of [['/batches?eval=1', auth], ['/ws?eval=1', auth + UPGRADE]]) {
        const got = await answer(port, request(target, `127.0.0.1:${port}`, `${headers}Origin: ${origin}\r\n`));
        expect(got.status, `${target} from ${origin}`).toBe('403');
        expect(JSON.parse(got.body).error).toMatch(/^Expected no Origin or this server's own \(http:\/\/127\.0\.0\.1:\d+\)/);
      }
    }
    // Its own origin (http:// + Host) is no other page's.
    expect((await answer(port, request('/batches?eval=1&batch=10', `127.0.0.1:${port}`, `${auth}Origin: http://127.0.0.1:${port}\r\n`))).status).toBe('200');
  });
});

describe('idxflow serve in a cluster (--host 0.0.0.0 --token, --allow-host, --allow-origin)', () => {
  it('takes the allowed names at any port and IP addresses, still refusing other names and origins', async () => {
    const { port } = guarded;
    const auth = 'Authorization: Bearer secret\r\n';
    // The machine's own name too (a Slurm node's trainers reach it as node01).
    for (const host of ['idxflow-serve', 'idxflow-serve:80', 'IDXFLOW-SERVE.ml.svc.cluster.local:8080', '10.1.2.3:8080', '[fd00::1]:8080', `${hostname()}:${port}`]) {
      expect((await answer(port, request('/batches?eval=1&batch=10', host, auth))).status, host).toBe('200');
    }
    for (const host of ['idxflow-serve.evil.example', 'other-service:8080']) {
      expect((await answer(port, request('/batches?eval=1&batch=10', host, auth))).status, host).toBe('403');
    }
    expect((await answer(port, request('/ws?eval=1&batch=10', `127.0.0.1:${port}`, `${auth}${UPGRADE}Origin: http://dash.example\r\n`))).status).toBe('101');
    expect((await answer(port, request('/ws?eval=1&batch=10', `127.0.0.1:${port}`, `${auth}${UPGRADE}Origin: http://dash.example.evil\r\n`))).status).toBe('403');
  });

  it("a token-less loopback server takes no IP address but its own, nor the machine's name", async () => {
    expect((await answer(open.port, request('/batches?eval=1&batch=10', `10.1.2.3:${open.port}`))).status).toBe('403');
    if (hostname() !== 'localhost') expect((await answer(open.port, request('/batches?eval=1&batch=10', `${hostname()}:${open.port}`))).status).toBe('403');
  });
});

describe('idxflow serve bounds what a client may hold', () => {
  it('caps the batch by --max-memory shared by --max-clients (3 batches a client) and says so in /health', async () => {
    // 16 MiB over 4 clients: 4 MiB each; a uint8 28 x 28 sample is 784 + 1 (label) + 4 (index) bytes.
    const clientMemory = (16 * 2 ** 20) / 4;
    const maxBatch = Math.floor(clientMemory / (3 * 789));
    const health = JSON.parse((await answer(open.port, request('/health', '127.0.0.1'))).body) as Record<string, number>;
    expect(health).toMatchObject({ clientMemory, maxMemory: 16 * 2 ** 20, maxBatch, maxClients: 4 });
    const refused = await answer(open.port, request(`/batches?batch=${maxBatch + 1}`, '127.0.0.1'));
    expect(refused.status).toBe('400');
    expect(JSON.parse(refused.body).error).toBe(`Expected an integer between 1 and ${maxBatch} for batch but received "${maxBatch + 1}"`);
    const samples = await readSamples(`${open.url}/batches?eval=1&batch=${maxBatch}`, Infinity);
    expect(samples.length).toBe(testSplit.count);
    expect(samples.every((s, i) => s.index === i && s.label === testSplit.labels[i] && s.image.equals(testSplit.image(i)))).toBe(true);
  });
});
