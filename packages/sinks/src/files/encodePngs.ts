import { consume, holdUntil, type Block } from '@idxflow/core';
import type { Observable, Subscription } from 'rxjs';
import sharp from 'sharp';
import { countError } from './errors.js';
import { ExportShape } from './exportShape.js';

/** Where a sample sits in the export and where it came from. */
export interface SampleRecord {
  /** Place in the export, from 0: names the file (the source index repeats across copies). */
  position: number;
  label: number;
  /** Index in the source dataset. */
  index: number;
  epoch: number;
}

/** What a PNG-based sink does with each encoded sample. */
export interface PngSink<R> {
  /** Runs as soon as a sample is encoded; up to `concurrency` samples are between encode and record. */
  store(sample: SampleRecord, png: Buffer): Promise<R>;
  /** Runs one sample at a time, in export order, once that sample is stored. */
  record(sample: SampleRecord, stored: R): Promise<void>;
}

/** Options of `encodePngs()`, already checked. */
export interface EncodePngsOptions {
  concurrency: number;
  expectedCount: number | undefined;
  onProgress: (written: number) => void;
  signal: AbortSignal | undefined;
  /** Names the export in errors. */
  file: string;
}

/** An 8-bit grey PNG of one sample. `b-w` keeps one channel: without it sharp writes RGB. */
function encodePng(pixels: Buffer, width: number, height: number): Promise<Buffer> {
  return sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

/**
 * The samples of an export between the source and the sink: queued (their block received),
 * active (encoding or stored, not yet recorded; at most `concurrency`), recorded.
 */
class Slots<R> {
  private readonly queue: { block: Block<Uint8Array>; next: number }[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private queued = 0;
  private active = 0;
  private position = 0;
  private order: Promise<void> = Promise.resolve();
  private room: { promise: Promise<void>; resolve: () => void } | undefined;
  failed = false;

  constructor(
    private readonly options: EncodePngsOptions,
    private readonly sink: PngSink<R>,
    private readonly fail: (error: unknown) => void,
    private readonly idle: (count: number) => void,
  ) {}

  /** Queues a block's samples and starts what fits; returns a promise when the source must wait. */
  add(block: Block<Uint8Array>): Promise<void> | undefined {
    if (block.shape[0] > 0) {
      this.queue.push({ block, next: 0 });
      this.queued += block.shape[0];
      this.start();
    }
    if (this.hasRoom()) return undefined;
    if (!this.room) {
      let resolve!: () => void;
      this.room = { promise: new Promise<void>((r) => (resolve = r)), resolve };
    }
    return this.room.promise;
  }

  /** Reports `idle(count)` once nothing is queued or active. */
  checkIdle(): void {
    if (!this.failed && this.queued === 0 && this.active === 0) this.idle(this.position);
  }

  /** Stops starting work; settles once every store and record in flight has settled. */
  stop(): Promise<unknown> {
    this.failed = true;
    this.release();
    return Promise.allSettled([...this.running, this.order]);
  }

  private hasRoom(): boolean {
    return this.queued === 0 && this.active < this.options.concurrency;
  }

  private release(): void {
    if (this.room && (this.failed || this.hasRoom())) {
      this.room.resolve();
      this.room = undefined;
    }
  }

  private start(): void {
    while (!this.failed && this.queued > 0 && this.active < this.options.concurrency) {
      const head = this.queue[0];
      const i = head.next++;
      if (head.next === head.block.shape[0]) this.queue.shift();
      this.queued--;
      this.active++;
      this.run(head.block, i);
    }
  }

  private run(block: Block<Uint8Array>, i: number): void {
    const [, h, w] = block.shape;
    const sample = { position: this.position++, label: block.labels[i], index: block.indices[i], epoch: block.epoch };
    // The pixels are copied: the source may reuse its block once the hold is released.
    const pixels = Buffer.from(block.images.subarray(i * h * w, (i + 1) * h * w));
    const stored = encodePng(pixels, w, h).then((png) => this.sink.store(sample, png));
    this.running.add(stored);
    const settle = (): void => void this.running.delete(stored);
    stored.then(settle, settle);
    this.order = this.order.then(async () => {
      if (this.failed) return;
      const result = await stored;
      if (this.failed) return;
      await this.sink.record(sample, result);
      this.active--;
      this.options.onProgress(sample.position + 1);
      this.start();
      this.release();
      this.checkIdle();
    });
    this.order.catch(this.fail);
  }
}

/**
 * Encodes every sample of a pipeline to PNG with sharp, at most `concurrency` samples at a time,
 * and hands them to `sink`: `store` as each encode finishes, `record` in export order.
 *
 * Flow control (core's flow.ts): a sample holds its slot from the start of its encode until it
 * is recorded. A block's samples queue for free slots; while any wait, or all slots are taken,
 * the emission is held, so the source produces more only when a slot frees. Memory is bounded
 * by `concurrency` samples plus the blocks a producer's window lets through, however slow the
 * disk.
 *
 * On failure (the sink's, the pipeline's, an abort) the subscription is dropped and the promise
 * rejects once every `store` in flight has settled, so the caller cleans up after the last write.
 *
 * @returns The number of samples and their `[height, width]`.
 */
export function encodePngs<R>(source: Observable<Block>, options: EncodePngsOptions, sink: PngSink<R>): Promise<{ count: number; shape: [number, number] }> {
  const { expectedCount, signal } = options;
  return new Promise((resolve, reject) => {
    const kind = new ExportShape('a PNG export');
    let received = 0;
    let completed = false;
    let subscription: Subscription | undefined;
    const onAbort = (): void => fail(signal!.reason);
    const fail = (error: unknown): void => {
      if (slots.failed) return;
      signal?.removeEventListener('abort', onAbort);
      subscription?.unsubscribe();
      void slots.stop().then(() => reject(error));
    };
    const idle = (count: number): void => {
      if (!completed) return;
      if (expectedCount !== undefined && count !== expectedCount) return fail(countError(options.file, expectedCount, count));
      signal?.removeEventListener('abort', onAbort);
      resolve({ count, shape: kind.shape ?? [0, 0] });
    };
    const slots = new Slots(options, sink, fail, idle);
    if (signal?.aborted) return fail(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    subscription = consume(source, {
      next(block) {
        if (slots.failed) return;
        try {
          if (block.images instanceof Float32Array) {
            throw new TypeError(
              'Expected uint8 images for a PNG export but received float32 (PNG stores 8-bit pixels: export before normalize(), or use npy or npz)',
            );
          }
          kind.first(block);
          received += block.shape[0];
          if (expectedCount !== undefined && received > expectedCount) throw countError(options.file, expectedCount, received, true);
        } catch (error) {
          return fail(error);
        }
        const wait = slots.add(block as Block<Uint8Array>);
        if (wait) holdUntil(wait);
      },
      error: fail,
      complete() {
        completed = true;
        slots.checkIdle();
      },
    });
    if (slots.failed) subscription.unsubscribe();
  });
}
