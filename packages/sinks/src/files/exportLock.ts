// One writer per part. Two runs of the same part in one folder (a retried job beside its
// original, a requeued task on another node) would remove each other's temporaries and
// journals. Each run of a part holds a lock file beside its manifest, created with O_EXCL
// (`wx`), which holds the holder's host, pid and the start time of that pid, and whose mtime a
// timer refreshes (the heartbeat). A lock left by a killed run is recognised as stale: on the
// same host, its process is gone (or the pid now belongs to another process, or to us: a pod
// restarted in its own pid namespace); on another host, whose processes cannot be seen, its
// heartbeat is older than the stale time. A stale lock is broken under a second lock file, the
// breaker, so that two runs finding it stale at once never take it both.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { IdxflowError } from '@idxflow/core';
import { manifestName, type PartRecord } from './manifest.js';

/**
 * Another run of the same export (or of the same part of it) is writing into the folder: this
 * one stops before it touches a file.
 *
 * ## Example
 * ```ts
 * await exportTo(mnist(), { format: 'npy', dir: 'out/mnist' }).catch((e) => {
 *   if (e instanceof ExportBusyError) console.error(e.message); // names the other run's host and pid
 * });
 * ```
 */
export class ExportBusyError extends IdxflowError {}

/** The name of the lock of a whole export (`.manifest.json.lock`) or of one part of it. */
export function lockName(part?: Pick<PartRecord, 'index' | 'of'>): string {
  return `.${manifestName(part)}.lock`;
}

/** Lock files (and their breakers) of any part: not an export's files, never removed by another part. */
export const LOCK_FILE = /^\.manifest(\.part-\d{5,}-of-\d{5,})?\.json\.lock(\.break)?$/;

/** How often a holder refreshes its lock's mtime. */
const HEARTBEAT_MS = 5_000;
/** A lock of another host whose heartbeat is older than this is stale (`IDXFLOW_LOCK_STALE_SECONDS`). */
const DEFAULT_STALE_SECONDS = 30;
/** How often a run waiting for another host's lock looks again. */
const POLL_MS = 500;

/** What a lock file holds. */
interface Holder {
  host: string;
  pid: number;
  /** The start time of `pid` (Linux: field 22 of /proc/PID/stat), to tell a reused pid. */
  started: string;
  /** Unique to one acquisition. */
  token: string;
}

/** A held lock: `release()` removes it (and stops its heartbeat); safe to call more than once. */
export interface ExportLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Options of `acquireExportLock()`. */
export interface ExportLockOptions {
  /** Called once when the lock is held by a run on another host that may still be alive, before waiting for it. */
  onWait?: (holder: string) => void;
  /** Stops a wait. */
  signal?: AbortSignal;
}

/** The start time of process `pid` on this host, '' where it cannot be read, undefined when no such process. */
function startOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return '';
    try {
      process.kill(pid, 0);
      return ''; // alive, but no /proc (not Linux)
    } catch (kill) {
      return (kill as NodeJS.ErrnoException).code === 'EPERM' ? '' : undefined;
    }
  }
}

function staleSeconds(): number {
  const text = process.env.IDXFLOW_LOCK_STALE_SECONDS;
  const value = text === undefined ? NaN : Number(text);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_STALE_SECONDS;
}

async function readHolder(path: string): Promise<{ holder: Holder | undefined; age: number } | undefined> {
  const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [undefined, undefined] as const;
    throw error;
  });
  if (text === undefined || info === undefined) return undefined;
  let holder: Holder | undefined;
  try {
    holder = JSON.parse(text) as Holder;
  } catch {
    holder = undefined; // a lock cut short by a crash while it was written: its age decides
  }
  return { holder, age: (Date.now() - info.mtimeMs) / 1000 };
}

/** Whether the holder of a lock is alive: true, false, or undefined when it cannot be known (another host). */
function alive(holder: Holder | undefined): boolean | undefined {
  if (holder === undefined || holder.host !== hostname()) return undefined;
  if (holder.pid === process.pid) return false; // not ours (we hold none): an earlier life of this pid, in a restarted container
  const started = startOf(holder.pid);
  return started !== undefined && (started === '' || holder.started === '' || started === holder.started);
}

const described = (holder: Holder | undefined, age: number): string =>
  holder ? `pid ${holder.pid} on ${holder.host}, heartbeat ${Math.round(age)} s ago` : `a lock written ${Math.round(age)} s ago`;

/** Whether a lock is stale: its holder is gone, or cannot be seen (another host) and its heartbeat is older than the stale time. */
function stale(found: { holder: Holder | undefined; age: number }): boolean {
  return (alive(found.holder) ?? found.age <= staleSeconds()) === false;
}

/** Whether the lock at `path` is held by a run that is alive, or may be (another host's, its heartbeat fresh). */
export async function lockHeld(path: string): Promise<boolean> {
  const found = await readHolder(path);
  return found !== undefined && !stale(found);
}

/** Creates `path` holding `holder`; false when it exists. */
async function create(path: string, holder: Holder): Promise<boolean> {
  const handle = await open(path, 'wx').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  });
  if (!handle) return false;
  try {
    await handle.writeFile(JSON.stringify(holder));
  } finally {
    await handle.close();
  }
  return true;
}

/** Removes the lock at `path` if it still holds the stale `token`, under the breaker; whether it did. */
async function breakStale(path: string, token: string | undefined, self: Holder): Promise<boolean> {
  const breaker = `${path}.break`;
  if (!(await create(breaker, self))) {
    const left = await readHolder(breaker);
    // A breaker left by a run killed while breaking: it took milliseconds, so an old one is dead.
    if (left && (alive(left.holder) === false || left.age > staleSeconds())) await rm(breaker, { force: true });
    return false;
  }
  try {
    const now = await readHolder(path);
    if (now !== undefined && now.holder?.token !== token) return false; // taken meanwhile by another run
    await rm(path, { force: true });
    return true;
  } finally {
    await rm(breaker, { force: true });
  }
}

/**
 * Takes the lock `name` in `dir` for this run: at once when it is free or stale; refused
 * (ExportBusyError) when a live process of this host holds it; after a wait when a run on
 * another host holds it, until that run releases it or its heartbeat goes stale.
 *
 * @param dir The export folder (it must exist).
 * @param name The lock's file name: see `lockName()`.
 * @param options See `ExportLockOptions`.
 *
 * ## Example
 * ```ts
 * const lock = await acquireExportLock('out/wds', lockName({ index: 1, of: 4 }));
 * try {
 *   // ... write part 1 of 4
 * } finally {
 *   await lock.release();
 * }
 * ```
 */
export async function acquireExportLock(dir: string, name: string, options: ExportLockOptions = {}): Promise<ExportLock> {
  const path = join(dir, name);
  const self: Holder = { host: hostname(), pid: process.pid, started: startOf(process.pid) ?? '', token: randomBytes(8).toString('hex') };
  let waited = false;
  for (;;) {
    if (await create(path, self)) return held(path, self.token);
    const found = await readHolder(path);
    if (found === undefined) continue; // released between the two calls
    if (alive(found.holder) === true) {
      throw new ExportBusyError({ file: path, expected: 'no other run writing this export (or this part of it) into the folder', found: `one running (${described(found.holder, found.age)}): wait for it to end, or stop it` });
    }
    if (stale(found)) {
      await breakStale(path, found.holder?.token, self);
      continue;
    }
    if (!waited) options.onWait?.(described(found.holder, found.age));
    waited = true;
    if (options.signal?.aborted) throw options.signal.reason;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The lock just created at `path`, with its heartbeat running. */
function held(path: string, token: string): ExportLock {
  const beat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  beat.unref();
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(beat);
      const now = await readHolder(path).catch(() => undefined);
      if (now?.holder?.token === token) await rm(path, { force: true }); // never another run's lock
    },
  };
}
