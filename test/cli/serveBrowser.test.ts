/// <reference lib="dom" />
// `idxflow serve` (no token, loopback) and the pages of other sites, in a real browser (Debian's
// chromium, driven by playwright-core): a page of another origin (http://localhost:P, a second
// server on 127.0.0.1) opens `ws://127.0.0.1:PORT/ws` and fetches `/batches`, and a page whose
// name resolves to 127.0.0.1 (DNS rebinding, emulated by chromium's host resolver rules) does
// the same under its own name. Neither receives a byte, and the server queued none; the same
// page against a server that allows its origin (--allow-origin) does receive the stream.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getText, startServer, type RunningServer } from '../fixtures/server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP rebind.test 127.0.0.1'];
const present = existsSync(CHROMIUM);
const ci = process.env.CI === 'true';
if (!present && !ci) console.warn(`skipping the serve browser test: no ${CHROMIUM} (apt-get install chromium)`);

let pages: Server; // the other site: a page of its own, nothing else
let pagePort: number;
let refusing: RunningServer;
let allowing: RunningServer;
let context: BrowserContext;
let page: Page;
let profile: string;

/** What a page's WebSocket saw before it closed (or 10 s passed). */
interface SocketSeen {
  opened: boolean;
  messages: number;
  bytes: number;
}

/** Opens `url` as a WebSocket in the page and counts what arrives. */
const openSocket = (url: string): Promise<SocketSeen> =>
  page.evaluate(
    (url) =>
      new Promise<SocketSeen>((resolve) => {
        const seen = { opened: false, messages: 0, bytes: 0 };
        const ws = new WebSocket(url);
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => (seen.opened = true);
        ws.onmessage = (event: MessageEvent<ArrayBuffer>) => {
          seen.messages++;
          seen.bytes += event.data.byteLength;
        };
        ws.onclose = () => resolve(seen);
        setTimeout(() => resolve(seen), 10_000);
      }),
    url,
  );

/** Fetches `url` from the page and reads its body, or says why it could not. */
const fetchFromPage = (url: string): Promise<{ bytes: number; error?: string }> =>
  page.evaluate(async (url) => {
    try {
      const response = await fetch(url);
      return { bytes: (await response.arrayBuffer()).byteLength };
    } catch (error) {
      return { bytes: 0, error: String(error) };
    }
  }, url);

describe.skipIf(!present && !ci)('idxflow serve and the pages of other sites, in chromium', () => {
  beforeAll(async () => {
    if (!present) throw new Error(`CI=true and ${CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install chromium)`);
    pages = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>another site</title><p>hello'));
    pages.listen(0, '127.0.0.1');
    await once(pages, 'listening');
    pagePort = (pages.address() as AddressInfo).port;
    [refusing, allowing] = await Promise.all([
      startServer(['--split', 'test', '--workers', '1']),
      startServer(['--split', 'test', '--workers', '1', '--allow-origin', `http://localhost:${pagePort}`]),
    ]);
    profile = mkdtempSync(join(tmpdir(), 'idxflow-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
    page = await context.newPage();
  });
  afterAll(async () => {
    await context?.close();
    await Promise.all([refusing?.stop(), allowing?.stop()]);
    pages?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('a page of another origin receives nothing from /ws or /batches', async () => {
    await page.goto(`http://localhost:${pagePort}/`);
    const socket = await openSocket(`ws://127.0.0.1:${refusing.port}/ws?eval=1&batch=100`);
    expect(socket).toEqual({ opened: false, messages: 0, bytes: 0 });
    const fetched = await fetchFromPage(`http://127.0.0.1:${refusing.port}/batches?eval=1&batch=100`);
    expect(fetched.bytes).toBe(0);
    expect(fetched.error).toMatch(/TypeError/);
  });

  it('a page under a name that resolves to 127.0.0.1 (DNS rebinding) receives nothing either', async () => {
    await page.goto(`http://rebind.test:${pagePort}/`);
    expect(await page.title()).toBe('another site'); // the rule maps the name: the page came from 127.0.0.1
    const socket = await openSocket(`ws://rebind.test:${refusing.port}/ws?eval=1&batch=100`);
    expect(socket).toEqual({ opened: false, messages: 0, bytes: 0 });
    expect((await fetchFromPage(`http://rebind.test:${refusing.port}/batches?eval=1&batch=100`)).bytes).toBe(0);
  });

  it('the server queued no byte for them, while the page of an allowed origin receives the whole split', async () => {
    const health = JSON.parse((await getText(`${refusing.url}/health`)).body) as { clients: number; maxBufferedBytes: number };
    expect(health).toMatchObject({ clients: 0, maxBufferedBytes: 0 });
    await page.goto(`http://localhost:${pagePort}/`);
    const socket = await openSocket(`ws://127.0.0.1:${allowing.port}/ws?eval=1&batch=100`);
    // 10,000 test samples in frames of 100: each 4 + header + 100 * (784 + 1 + 4) bytes.
    expect(socket.opened).toBe(true);
    expect(socket.messages).toBe(100);
    expect(socket.bytes).toBeGreaterThan(100 * 100 * 789);
  });
});
