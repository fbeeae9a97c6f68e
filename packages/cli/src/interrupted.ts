// Ctrl-C or SIGTERM while a command is still reading its data: the read is abandoned (its
// source unsubscribed: a Parquet reader thread is terminated, whatever it is decoding), nothing
// has been written, and the command ends with exit code 130.
import { type Block, loadBlock } from '@idxflow/core';
import { Observable, takeUntil } from 'rxjs';
import { InterruptedError } from './interruptedError.js';

export { InterruptedError };

/** An Observable that emits once when `signal` aborts. */
const aborted = (signal: AbortSignal): Observable<void> =>
  new Observable<void>((subscriber) => {
    const fire = (): void => subscriber.next();
    if (signal.aborted) fire();
    signal.addEventListener('abort', fire, { once: true });
    return () => signal.removeEventListener('abort', fire);
  });

/**
 * `loadBlock(source, { name: files })`, given up as soon as `signal` aborts: the source is
 * unsubscribed and an InterruptedError naming what was being read is thrown.
 */
export async function loadUntilAborted<P extends Block['images']>(source: Observable<Block<P>>, what: string, signal?: AbortSignal, files = what): Promise<Block<P>> {
  if (!signal) return loadBlock(source, { name: files });
  const interrupted = (): InterruptedError => new InterruptedError(`interrupted while reading ${what}: nothing written`);
  if (signal.aborted) throw interrupted();
  try {
    const block = await loadBlock(source.pipe(takeUntil(aborted(signal))), { name: files });
    if (signal.aborted) throw interrupted();
    return block;
  } catch (error) {
    throw signal.aborted ? interrupted() : error;
  }
}
