// A dataset's reading code (its parsers, decoders, archive and folder walkers) is a module of its
// own, `<name>Reader.ts`, loaded when a stream of it is subscribed or a function that reads is
// called, not when core is imported: most programs read one or two formats, and every module
// Node loads at import costs start-up time. The public module, `<name>.ts`, keeps what a caller
// or the catalog needs at once: the options, their checks (a bad option still throws when the
// stream is built), constants and class names.
import type { Observable } from 'rxjs';
import { defer, switchMap } from '../rx.js';

/**
 * The stream `open(reader)` returns, where `reader` is the module `load()` imports when the
 * stream is subscribed (once: Node keeps a loaded module). What `open` throws, and the stream's
 * errors, reach the subscriber's `error`.
 */
export function fromReader<R, T>(load: () => Promise<R>, open: (reader: R) => Observable<T>): Observable<T> {
  return defer(load).pipe(switchMap(open));
}
