// No request can crash `idxflow serve`: a corpus of malformed request targets, methods, headers,
// WebSocket handshakes and random bytes, each sent over a raw socket on 127.0.0.1 to the CLI
// server running as its own process. After every one the server must answer /health and
// stream a correct epoch (the test split in order, compared with the raw MNIST file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lcgBytes } from '../../fixtures/blocks.js';
import { readSamples } from '../../fixtures/frames.js';
import { exchange as exchangeWith, getText, startServer, type RunningServer } from '../../fixtures/server.js';
import { testSplit } from './rawMnist.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(['--split', 'test', '--workers', '1', '--token', 'secret', '--batch', '64']);
});
afterAll(async () => {
  await server?.stop();
});

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const AUTH = 'Authorization: Bearer secret\r\n';

/** Sends `bytes` to the server, reads what comes back for at most 300 ms (or 64 KiB), then closes. Resolves with the first line. */
const exchange = (bytes: Buffer | string): Promise<string> => exchangeWith(server.port, bytes);

const request = (target: string, headers = AUTH, method = 'GET'): string => `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`;
const upgrade = (target: string, extra = ''): string =>
  request(target, `${AUTH}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n${extra}`);

const TARGETS = [
  '//', '///', '//x', '//batches', '//health', 'http://[', 'http://x/batches', 'https://[::1', '*', '?', '/%', '/%zz', '/%00',
  '/batches?%', '/batches?seed=%ZZ', '/batches?seed=1&seed=1', '/batches?seed=1e3', '/batches?seed=0x10', '/batches?seed=%201',
  '/batches?seed=99999999999999999999', '/batches?batch=0', '/batches?batch=-1', '/batches?batch=99999999', '/batches?worldSize=0',
  '/batches?rank=2&worldSize=2', '/batches?start=-1', '/batches?start=10001', '/batches?split=nope', '/batches?split=',
  '/batches?split=train', '/batches?eval=2', '/batches?parts=0', '/batches?part=3&parts=3', '/batches?epochs=0', '/batches?epoch=-1',
  '/batches?nope=1', '/batches?=1', '/batches?&&&', '/batches?token=secret', '/batches#frag', '/batches/..', '/../../etc/passwd',
  '/health/../batches', '/%E9', '/batches?seed=%E9', '/ws', '/health?x=1', `/batches?seed=${'9'.repeat(5000)}`, `/${'a'.repeat(20000)}`,
];
const METHODS = ['POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'CONNECT', 'TRACE', 'get', 'G\x00T', 'BREW'];
const HEADERS = [
  '', // no token
  'Authorization: Bearer\r\n',
  'Authorization: Bearer wrong\r\n',
  'Authorization: Basic c2VjcmV0\r\n',
  `Authorization: Bearer ${'x'.repeat(10000)}\r\n`,
  `${AUTH}${AUTH}`,
  `${AUTH}Host: second\r\n`,
  `${AUTH}Content-Length: 5\r\n`,
  `${AUTH}Content-Length: -1\r\n`,
  `${AUTH}Content-Length: 1\r\nContent-Length: 2\r\n`,
  `${AUTH}Transfer-Encoding: chunked\r\n`,
  `${AUTH}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n`,
  `${AUTH}Expect: 100-continue\r\n`,
  `${AUTH}X-Bad\x01Name: 1\r\n`,
  `${AUTH}X-Bad-Value: \x7f\x00\r\n`,
  `${AUTH}No-Colon-Here\r\n`,
  `${AUTH}${'X-Many: 1\r\n'.repeat(3000)}`,
  `${AUTH}X-Huge: ${'y'.repeat(70000)}\r\n`,
  `${AUTH}Connection: Upgrade\r\n`,
  `${AUTH}Upgrade: h2c\r\nConnection: Upgrade\r\n`,
];
const HANDSHAKES: [string, string][] = [
  ['/ws?batch=5', ''],
  ['/ws?batch=5', 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=99\r\n'],
  ['/ws?batch=5', 'Sec-WebSocket-Extensions: ;;;,,\r\n'],
  ['/ws?batch=5', 'Sec-WebSocket-Protocol: a b c\r\n'],
  ['/ws?seed=x', ''],
  ['/ws?seed=1&seed=2', ''],
  ['//ws', ''],
  ['http://[', ''],
  ['/batches', ''],
  ['/ws?token=wrong', ''],
];

interface Case {
  name: string;
  bytes: Buffer | string;
}

function corpus(): Case[] {
  const cases: Case[] = [];
  for (const target of TARGETS) cases.push({ name: `GET ${target.slice(0, 40)}`, bytes: request(target) });
  for (const target of TARGETS.slice(0, 25)) cases.push({ name: `upgrade ${target.slice(0, 40)}`, bytes: upgrade(target) });
  for (const method of METHODS) cases.push({ name: `method ${JSON.stringify(method)}`, bytes: request('/batches', AUTH, method) });
  for (const [k, headers] of HEADERS.entries()) cases.push({ name: `headers #${k}`, bytes: request('/batches?batch=1000', headers) });
  for (const [target, extra] of HANDSHAKES) cases.push({ name: `handshake ${target} ${extra.slice(0, 30)}`, bytes: upgrade(target, extra) });
  // Handshakes broken in their own fields.
  const broken = [
    `${AUTH}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n`, // no key
    `${AUTH}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n`,
    `${AUTH}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 12\r\nSec-WebSocket-Key: ${KEY}\r\n`,
    `${AUTH}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\n`, // no version
    `${AUTH}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Key: ${KEY}\r\n`,
  ];
  for (const [k, headers] of broken.entries()) cases.push({ name: `broken handshake #${k}`, bytes: request('/ws?batch=5', headers) });
  // A good handshake followed by frames a client must not send (unmasked, reserved bits, huge).
  const frames = [Buffer.from([0x82, 0x02, 1, 2]), Buffer.from([0xf2, 0x80, 0, 0, 0, 0]), Buffer.from([0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), lcgBytes(300, 7)];
  for (const [k, frame] of frames.entries()) cases.push({ name: `upgrade then bad frame #${k}`, bytes: Buffer.concat([Buffer.from(upgrade('/ws?batch=5')), Buffer.from(frame)]) });
  // A request cut off in the middle, pipelined requests, and HTTP/1.0 and HTTP/2 prefaces.
  cases.push({ name: 'cut-off request line', bytes: 'GET /batc' });
  cases.push({ name: 'cut-off headers', bytes: `GET /batches HTTP/1.1\r\nHost: x\r\n${AUTH}X-A: ` });
  cases.push({ name: 'pipelined', bytes: request('/health').replace('Connection: close\r\n', '') + request('//') + request('/batches?batch=1') });
  cases.push({ name: 'HTTP/1.0', bytes: `GET /batches?batch=100 HTTP/1.0\r\n${AUTH}\r\n` });
  cases.push({ name: 'HTTP/2 preface', bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' });
  cases.push({ name: 'empty line only', bytes: '\r\n\r\n' });
  // Random bytes, and random bytes after a valid request line.
  for (let k = 0; k < 60; k++) cases.push({ name: `random #${k}`, bytes: Buffer.from(lcgBytes(1 + ((k * 97) % 3000), 1000 + k)) });
  for (let k = 0; k < 20; k++) cases.push({ name: `request line + random #${k}`, bytes: Buffer.concat([Buffer.from('GET /batches HTTP/1.1\r\n'), Buffer.from(lcgBytes(50 + k * 13, 2000 + k))]) });
  return cases;
}

/** Reads the evaluation epoch with a parser written in the tests (not idxflow's decoder) and compares it with the raw test file. */
async function correctEpoch(): Promise<boolean> {
  const samples = await readSamples(`${server.url}/batches?eval=1&batch=4000`, Infinity, { authorization: 'Bearer secret' });
  return samples.length === testSplit.count && samples.every((s, i) => s.index === i && s.label === testSplit.labels[i] && s.image.equals(testSplit.image(i)));
}

describe('idxflow serve under hostile requests (loopback)', () => {
  it('survives every request of the corpus, and after each answers /health and streams a correct epoch', async () => {
    const cases = corpus();
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const statuses = new Map<string, number>();
    for (const { name, bytes } of cases) {
      const first = await exchange(bytes);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(first)?.[1] ?? (first === '' ? 'closed' : 'other');
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(status, `${name}: ${first}`).not.toBe('500');
      const health = await getText(`${server.url}/health`);
      expect(health.status, `after ${name}`).toBe(200);
      expect(JSON.parse(health.body), `after ${name}`).toEqual({ ok: true }); // no counts without the token
      expect(await correctEpoch(), `a correct epoch after ${name}`).toBe(true);
    }
    expect(server.child.exitCode).toBe(null);
    // The corpus reached the handlers and Node's parser alike: refusals of both kinds were seen.
    expect(statuses.get('400')).toBeGreaterThan(50);
    expect(statuses.get('401')).toBeGreaterThan(0);
    expect(statuses.get('101')).toBeGreaterThan(0);
    expect(server.stderr()).not.toMatch(/uncaught|TypeError|RangeError/i);
  });

  it('/health gives the counts only with the token', async () => {
    const withToken = JSON.parse((await getText(`${server.url}/health`, { authorization: 'Bearer secret' })).body) as Record<string, unknown>;
    expect(Object.keys(withToken).sort()).toEqual(['bufferedBytes', 'clientMemory', 'clients', 'maxBatch', 'maxBufferedBytes', 'maxClients', 'maxMemory', 'ok']);
    expect(withToken.maxClients).toBe(256);
    // --max-memory 4096 MiB by default, shared by 256 clients; 3 batches of 28 x 28 uint8 + label + index a client.
    expect(withToken.clientMemory).toBe((4096 * 1024 * 1024) / 256);
    expect(withToken.maxMemory).toBe(4096 * 1024 * 1024);
    expect(withToken.maxBatch).toBe(Math.floor((16 * 1024 * 1024) / (3 * (28 * 28 + 1 + 4))));
  });
});
