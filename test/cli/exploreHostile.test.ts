// `idxflow explore` keeps the user's data on their machine and stays up: other origins and
// other host names are refused (DNS rebinding), no CORS header is ever sent, the token is
// required when set, and no request (malformed targets, methods, headers, random bytes) ends
// the process or gets a 500. The command's own flags fail in one line naming the flag.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lcgBytes } from '../fixtures/blocks.js';
import { exchange, fetchJson, fetchRaw, startExplore, type RunningExplore } from '../fixtures/explore.js';
import { CLI } from '../fixtures/mnist.js';

let open: RunningExplore;
let locked: RunningExplore;
beforeAll(async () => {
  [open, locked] = await Promise.all([startExplore(['--split', 'test']), startExplore(['--split', 'test', '--token', 's3cret'])]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), locked?.stop()]);
});

const statusOf = (line: string): string => /^HTTP\/1\.1 (\d{3})/.exec(line)?.[1] ?? (line === '' ? 'closed' : 'other');
const request = (target: string, host: string, headers = '', method = 'GET'): string => `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${headers}Connection: close\r\n\r\n`;

describe('idxflow explore refuses other origins', () => {
  it('answers only requests that name it in Host: a DNS-rebound name gets 403, even for the page', async () => {
    const here = `127.0.0.1:${open.port}`;
    for (const host of [here, `localhost:${open.port}`, `LOCALHOST:${open.port}`, `[::1]:${open.port}`]) {
      expect(statusOf(await exchange(open.port, request('/api/info', host))), host).toBe('200');
    }
    for (const host of [`evil.example:${open.port}`, 'evil.example', '127.0.0.1', `127.0.0.1:${open.port + 1}`, `127.0.0.2:${open.port}`, `localhost.evil.example:${open.port}`, '']) {
      for (const target of ['/', '/explore.js', '/api/info', '/api/grid']) {
        expect(statusOf(await exchange(open.port, request(target, host))), `${target} with Host ${JSON.stringify(host)}`).toMatch(/^40[03]$/);
      }
    }
    expect(statusOf(await exchange(open.port, 'GET /api/info HTTP/1.0\r\n\r\n'))).toBe('400'); // no Host at all
  });

  it("refuses the data endpoints to a foreign Origin or a cross-site fetch, and never sends CORS headers", async () => {
    const grid = `${open.url}/api/grid?rotate=15`;
    const own = await fetchRaw(grid, { origin: open.url, 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(200);
    const foreign: Record<string, string>[] = [{ origin: 'http://evil.example' }, { origin: 'null' }, { origin: `http://localhost:${open.port + 1}` }, { origin: `https://127.0.0.1:${open.port}` }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }];
    for (const headers of foreign) {
      const answer = await fetchRaw(grid, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(answer.body.toString()).error).toMatch(/^Expected (no Origin|a same-origin request)/);
    }
    const preflight = await exchange(open.port, request('/api/grid', `127.0.0.1:${open.port}`, 'Origin: http://evil.example\r\nAccess-Control-Request-Method: GET\r\n', 'OPTIONS'));
    expect(statusOf(preflight)).toBe('405');
    for (const answer of [own, await fetchRaw(`${open.url}/`), await fetchRaw(grid, { origin: 'http://evil.example' })]) {
      expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await fetchRaw(`${open.url}/`)).headers['content-security-policy']).toMatch(/default-src 'none'/);
  });

  it('with --token, the data endpoints want it (the page itself holds no data)', async () => {
    expect(locked.pageUrl).toBe(`${locked.url}/#token=s3cret`);
    expect((await fetchRaw(`${locked.url}/`)).status).toBe(200);
    expect((await fetchRaw(`${locked.url}/api/info`)).status).toBe(401);
    expect((await fetchRaw(`${locked.url}/api/grid`, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await fetchRaw(`${locked.url}/api/grid?token=s3cret`)).status).toBe(401); // not in the query: URLs get logged
    expect((await fetchRaw(`${locked.url}/api/grid`, { authorization: 'Bearer s3cret' })).status).toBe(200);
  });
});

const HERE = (): string => `127.0.0.1:${open.port}`;
const TARGETS = [
  '//', '//x', 'http://[', 'http://evil/api/info', '*', '?', '/%', '/%zz', '/%00', '/api/', '/api/nope', '/api/grid/..', '/../../etc/passwd',
  '/api/grid?%', '/api/grid?seed=%ZZ', '/api/grid?seed=1&seed=2', '/api/grid?seed=1.5', '/api/grid?seed=99999999999999999999',
  '/api/grid?rows=0', '/api/grid?rows=65', '/api/grid?draws=99999', '/api/grid?epoch=-1', '/api/grid?label=10', '/api/grid?label=-1',
  '/api/grid?skip=99999', '/api/grid?indices=10000', '/api/grid?indices=,,,', `/api/grid?indices=${'1,'.repeat(100)}`, '/api/grid?indices=1.5',
  '/api/grid?split=nope', '/api/grid?dataset=nope', '/api/grid?dataset=__proto__', '/api/grid?nope=1', '/api/grid?=1',
  '/api/grid?rotate=abc', '/api/grid?rotate=-5', '/api/grid?rotate=1@2', '/api/grid?elastic=34', '/api/grid?elastic=-1:4', '/api/grid?scale=0',
  '/api/grid?shear=95', '/api/grid?erase-scale=0.1:0.2', '/api/grid?erase=2', '/api/grid?interpolation=cubic', '/api/grid?fill=x',
  '/api/grid?thickness=99', '/api/grid?noise=-1', '/api/sample', '/api/sample?index=10000&at=0', '/api/sample?index=1', '/api/sample?index=1&at=x',
  '/api/stats?samples=0', '/api/stats?samples=10001', '/api/info?x=1', `/api/grid?rotate=${'9'.repeat(5000)}`, `/${'a'.repeat(20000)}`,
];
const METHODS = ['POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'CONNECT', 'TRACE', 'get', 'G\x00T', 'BREW'];
const HEADERS = [
  'Content-Length: 5\r\n', 'Content-Length: -1\r\n', 'Content-Length: 1\r\nContent-Length: 2\r\n', 'Transfer-Encoding: chunked\r\n',
  'Expect: 100-continue\r\n', 'X-Bad\x01Name: 1\r\n', 'X-Bad-Value: \x7f\x00\r\n', 'No-Colon-Here\r\n', `${'X-Many: 1\r\n'.repeat(3000)}`,
  `X-Huge: ${'y'.repeat(70000)}\r\n`, 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
  'Origin: \r\n', 'Origin: http://evil.example\r\nOrigin: http://127.0.0.1\r\n', `Authorization: Bearer ${'x'.repeat(10000)}\r\n`,
];

/** The corpus; `refused` where no answer may be a 200 (the headers' cases may be served). */
function corpus(): { name: string; bytes: Buffer | string; refused: boolean }[] {
  const cases: { name: string; bytes: Buffer | string; refused: boolean }[] = [];
  for (const target of TARGETS) cases.push({ name: `GET ${target.slice(0, 50)}`, bytes: request(target, HERE()), refused: true });
  for (const method of METHODS) cases.push({ name: `method ${JSON.stringify(method)}`, bytes: request('/api/grid', HERE(), '', method), refused: true });
  for (const [k, headers] of HEADERS.entries()) cases.push({ name: `headers #${k}`, bytes: request('/api/grid?rotate=10', HERE(), headers), refused: false });
  cases.push({ name: 'cut-off request line', bytes: 'GET /api/gr', refused: true });
  cases.push({ name: 'HTTP/2 preface', bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', refused: true });
  for (let k = 0; k < 30; k++) cases.push({ name: `random #${k}`, bytes: Buffer.from(lcgBytes(1 + ((k * 97) % 3000), 3000 + k)), refused: true });
  return cases;
}

describe('idxflow explore under hostile requests (loopback)', () => {
  it('answers every request of the corpus without a 500, and after each still serves the grid', async () => {
    const statuses = new Map<string, number>();
    for (const { name, bytes, refused } of corpus()) {
      const status = statusOf(await exchange(open.port, bytes));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(status, name).not.toBe('500');
      if (refused) expect(status, name).not.toBe('200');
      expect((await fetchRaw(`${open.url}/api/grid?rows=1&draws=1`)).status, `after ${name}`).toBe(200);
    }
    expect(statuses.get('400')).toBeGreaterThan(60);
    expect(statuses.get('405')).toBeGreaterThan(5);
    expect(open.child.exitCode).toBe(null);
    expect(open.stderr()).toBe('');
  });

  it("answers a bad flag value with 400 and the CLI's one-line message naming the flag", async () => {
    const answer = await fetchJson<{ error: string }>(`${open.url}/api/grid?rotate=15@1.5`);
    expect(answer).toEqual({ status: 400, body: { error: 'Expected a probability from 0 to 1 after @ for --rotate but received "15@1.5"', code: 'IDXFLOW_USAGE' } });
    expect((await fetchJson<{ error: string }>(`${open.url}/api/grid?erase-value=9`)).body.error).toBe('Expected --erase P with --erase-value');
    for (const name of ['constructor', '__proto__', 'cifar']) {
      const refused = await fetchJson<{ error: string }>(`${open.url}/api/grid?dataset=${name}`);
      expect(refused).toEqual({ status: 400, body: { error: `Expected one of mnist, fashion-mnist, kmnist, emnist-byclass, emnist-bymerge, emnist-balanced, emnist-letters, emnist-digits, emnist-mnist, qmnist, sign-language-mnist, notmnist-small, notmnist-large, kuzushiji-kanji, kuzushiji-49, chestmnist, chestmnist-64, chestmnist-128, chestmnist-224, pneumoniamnist, pneumoniamnist-64, pneumoniamnist-128, pneumoniamnist-224, breastmnist, breastmnist-64, breastmnist-128, breastmnist-224, octmnist, octmnist-64, octmnist-128, octmnist-224, organamnist, organamnist-64, organamnist-128, organamnist-224, organcmnist, organcmnist-64, organcmnist-128, organcmnist-224, organsmnist, organsmnist-64, organsmnist-128, organsmnist-224, tissuemnist, tissuemnist-64, tissuemnist-128, tissuemnist-224 for dataset but received "${name}"`, code: 'IDXFLOW_VIEW' } });
    }
  });
});

describe('idxflow explore flags', () => {
  it('exit 2 with a one-line message naming the flag', () => {
    const cases: [string[], string][] = [
      [['--rotate', 'abc'], 'Expected a decimal number for --rotate but received "abc"'],
      [['--port', '70000'], 'Expected an integer from 0 to 65535 for --port but received "70000"'],
      [['--port', 'x'], 'Expected an integer from 0 to 65535 for --port but received "x"'],
      [['--parquet', 'train.parquet'], "Expected no --parquet for idxflow explore, whose page reads a --dataset's whole splits or --images and --labels (export and preview take --parquet)"],
      [['--host', '0.0.0.0'], 'Expected --token T (or --insecure-no-token) to bind --host 0.0.0.0, which is not loopback: anyone who can reach it could read the data'],
      [['--split', 'val'], 'Expected one of train, test for --split but received "val"'],
      [['--dataset', 'cifar'], 'Expected one of mnist, fashion-mnist, kmnist, emnist-byclass, emnist-bymerge, emnist-balanced, emnist-letters, emnist-digits, emnist-mnist, qmnist, sign-language-mnist, notmnist-small, notmnist-large, kuzushiji-kanji, kuzushiji-49, chestmnist, chestmnist-64, chestmnist-128, chestmnist-224, pneumoniamnist, pneumoniamnist-64, pneumoniamnist-128, pneumoniamnist-224, breastmnist, breastmnist-64, breastmnist-128, breastmnist-224, octmnist, octmnist-64, octmnist-128, octmnist-224, organamnist, organamnist-64, organamnist-128, organamnist-224, organcmnist, organcmnist-64, organcmnist-128, organcmnist-224, organsmnist, organsmnist-64, organsmnist-128, organsmnist-224, tissuemnist, tissuemnist-64, tissuemnist-128, tissuemnist-224, mnist-c for --dataset but received "cifar"'],
    ];
    for (const [args, message] of cases) {
      const run = spawnSync(process.execPath, [CLI, 'explore', ...args], { encoding: 'utf8' });
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toBe(`idxflow: ${message}\n`);
    }
  });
});
