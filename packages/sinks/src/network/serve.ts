import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { holdUntil, type Block } from '@idxflow/core';
import type { Observable, Subscription } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeFrame } from './framing.js';
import { BadRequestError, parseServeParams, type ServeParams } from './params.js';

/** Options of `serve()`. */
export interface ServeOptions {
  /** Address to bind. Default `'127.0.0.1'`: this machine only. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (or `?token=` on /ws). */
  token?: string;
  /** Batch size when the client does not ask. Default 128. */
  defaultBatch?: number;
  /** Largest batch a client may ask for. Default 65,536. */
  maxBatch?: number;
}

/** A running batch server. */
export interface BatchServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  /** Clients streaming now; bytes queued in their sockets now, and the most ever seen. */
  stats(): { clients: number; bufferedBytes: number; maxBufferedBytes: number };
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: object): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body) + '\n');
};

/**
 * Serves a pipeline to trainers over HTTP (`GET /batches`) and WebSocket (`/ws`), one fresh
 * pipeline per client, built by `pipelineFactory` from the client's query parameters (seed,
 * epoch, epochs, batch, rank, worldSize). Frames follow PROTOCOL.md.
 *
 * Backpressure: a frame the socket cannot take yet holds the pipeline (core's flow.ts) until
 * `drain` (HTTP) or until the frame is flushed (WebSocket), so a slow client costs at most a
 * socket buffer and a frame or two. A client that disconnects unsubscribes its pipeline; the
 * others go on.
 *
 * ## Example
 * ```ts
 * const server = await serve(({ seed, batch: size, rank, worldSize }) =>
 *   mnist().pipe(shuffle({ seed }), shard({ rank, worldSize }), batch(size)), { port: 8080 });
 * console.log(`${server.url}/batches?seed=1&batch=64`);
 * ```
 */
export async function serve(pipelineFactory: (params: ServeParams) => Observable<Block>, options: ServeOptions = {}): Promise<BatchServer> {
  const defaultBatch = options.defaultBatch ?? 128;
  const maxBatch = options.maxBatch ?? 65536;
  const active = new Set<{ buffered(): number }>();
  let maxBufferedBytes = 0;
  const sample = (): number => {
    let total = 0;
    for (const client of active) total += client.buffered();
    maxBufferedBytes = Math.max(maxBufferedBytes, total);
    return total;
  };
  const authorised = (req: IncomingMessage, url: URL): boolean =>
    !options.token || req.headers.authorization === `Bearer ${options.token}` || url.searchParams.get('token') === options.token;

  const streamHttp = (res: ServerResponse, params: ServeParams): void => {
    const client = { buffered: () => res.writableLength };
    active.add(client);
    res.writeHead(200, { 'content-type': 'application/x-idxflow-batches', 'cache-control': 'no-store' });
    let subscription: Subscription | undefined = undefined;
    res.on('close', () => {
      active.delete(client);
      subscription?.unsubscribe(); // a client that left frees its pipeline
    });
    let drained: Promise<unknown> | undefined; // one 'drain' wait shared by every held frame
    subscription = pipelineFactory(params).subscribe({
      next(block) {
        let ok = true;
        for (const part of encodeFrame(block)) ok = res.write(part);
        sample();
        if (!ok) {
          drained ??= once(res, 'drain')
            .catch(() => undefined)
            .finally(() => (drained = undefined));
          holdUntil(drained);
        }
      },
      error: (error: Error) => res.destroy(error),
      complete: () => res.end(),
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return json(res, 200, { ok: true });
    if (url.pathname !== '/batches') return json(res, 404, { error: `Expected GET /batches, /ws or /health but received ${req.method} ${url.pathname}` });
    if (req.method !== 'GET') return json(res, 405, { error: `Expected GET for /batches but received ${req.method}` });
    if (!authorised(req, url)) return json(res, 401, { error: 'Expected Authorization: Bearer <token>' });
    try {
      streamHttp(res, parseServeParams(url.searchParams, defaultBatch, maxBatch));
    } catch (error) {
      if (error instanceof BadRequestError || error instanceof RangeError) return json(res, 400, { error: error.message });
      throw error;
    }
  });

  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: number, message: string): void => {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Bad Request'}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ error: message })}\n`);
    };
    if (url.pathname !== '/ws') return refuse(404, `Expected /ws but received ${url.pathname}`);
    if (!authorised(req, url)) return refuse(401, 'Expected Authorization: Bearer <token> or ?token=');
    let params: ServeParams;
    try {
      params = parseServeParams(url.searchParams, defaultBatch, maxBatch);
    } catch (error) {
      return refuse(400, (error as Error).message);
    }
    sockets.handleUpgrade(req, socket, head, (ws) => streamWebSocket(ws, params));
  });

  const streamWebSocket = (ws: WebSocket, params: ServeParams): void => {
    const client = { buffered: () => ws.bufferedAmount };
    active.add(client);
    const subscription = pipelineFactory(params).subscribe({
      next(block) {
        const frame = Buffer.concat(encodeFrame(block));
        // Each frame holds the pipeline until it is written out: at most one frame queued.
        holdUntil(new Promise<void>((resolve) => ws.send(frame, { binary: true }, () => resolve())));
        sample();
      },
      error: (error: Error) => ws.close(1011, error.message.slice(0, 120)),
      complete: () => ws.close(1000, 'end of stream'),
    });
    ws.on('close', () => {
      active.delete(client);
      subscription.unsubscribe();
    });
  };

  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    stats: () => ({ clients: active.size, bufferedBytes: sample(), maxBufferedBytes }),
    close: async () => {
      for (const ws of sockets.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
