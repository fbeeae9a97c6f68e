// The main thread's side of parquetWorker.ts: requests as promises, and a thread that an abort
// (an unsubscribe, Ctrl-C) terminates at once, whatever hyparquet is doing in it. A thread
// released without an abort waits, idle and unreferenced, for the next reader: starting one
// (and loading hyparquet in it) costs more than reading a small file.
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type { FileMetaData } from 'hyparquet';
import { ParquetFormatError, WorkerThreadError } from '../errors.js';
import type { ParquetReply, ParquetRequest } from './parquetWorker.js';

type Request = { path: string } & ({ kind: 'metadata' } | { kind: 'rows'; start: number; end: number; columns: string[] } | { kind: 'forget' });

/** A thread running parquetWorker.ts: node:worker_threads is required then, not by every import of core. */
function startThread(): Worker {
  const threads = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  return new threads.Worker(new URL('./parquetWorker.js', import.meta.url));
}

/** At most one thread waiting for its next reader. */
const idle: ParquetThread[] = [];

/** One worker thread that reads Parquet files with hyparquet; `close()` (or the signal) ends it. */
export class ParquetThread {
  private readonly worker = startThread();
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private next = 0;
  private ended: WorkerThreadError | undefined;
  private detach = (): void => {};

  private constructor() {
    this.worker.on('message', (reply: ParquetReply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(new WorkerThreadError(`the Parquet reader thread failed: ${error.message}`, { cause: error })));
    this.worker.on('exit', () => this.fail(new WorkerThreadError('the Parquet reader thread ended')));
    this.worker.unref(); // referenced only while a request waits: an idle thread keeps no process alive
  }

  /** A thread for one reader (the idle one, or a new one); `signal`'s abort terminates it. */
  static take(signal?: AbortSignal): ParquetThread {
    const thread = idle.pop() ?? new ParquetThread();
    const abort = (): void => void thread.close();
    signal?.addEventListener('abort', abort, { once: true });
    thread.detach = () => signal?.removeEventListener('abort', abort);
    return thread;
  }

  /** Hands the thread back when its reader is done: kept idle for the next one (its files forgotten), or ended. */
  async release(): Promise<void> {
    this.detach();
    if (this.ended || this.pending.size > 0 || idle.length > 0) return this.close();
    await this.ask({ kind: 'forget', path: '' }).catch(() => undefined);
    if (this.ended || idle.length > 0) return this.close();
    idle.push(this);
  }

  /** The footer of `path`. */
  metadata(path: string): Promise<FileMetaData> {
    return this.ask({ kind: 'metadata', path }) as Promise<FileMetaData>;
  }

  /** Rows `[start, end)` of `path`, the `columns` only, as hyparquet's objects. */
  rows(path: string, start: number, end: number, columns: string[]): Promise<Record<string, unknown>[]> {
    return this.ask({ kind: 'rows', path, start, end, columns }) as Promise<Record<string, unknown>[]>;
  }

  /** Ends the thread (a request under way is refused). */
  async close(): Promise<void> {
    if (idle.includes(this)) idle.length = 0;
    this.fail(new WorkerThreadError('the Parquet reader was closed'));
    await this.worker.terminate();
  }

  private ask(request: Request): Promise<unknown> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...request, id } as ParquetRequest);
    });
  }

  private settle(reply: ParquetReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('value' in reply) return waiting.resolve(reply.value);
    const { details, message } = reply.error;
    // hyparquet's own errors name no file: say which one, and what could not be read.
    waiting.reject(details ? new ParquetFormatError(details) : new WorkerThreadError(message));
  }

  private fail(error: WorkerThreadError): void {
    this.ended ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
