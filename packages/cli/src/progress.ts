// Progress of long work: a bar with rate and ETA redrawn in place on a terminal; off a terminal
// (a log, a CI job, a scheduler's output file) one line every few seconds, so that a long export
// is never silent until it ends.
import { UsageError } from './usageError.js';

export interface Progress {
  update(done: number, total: number | undefined): void;
  finish(): void;
}

const rate = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));
const duration = (s: number): string => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`);

/** The text of one report: done of total, percentage, images/s (or another unit), ETA. */
export function progressText(label: string, done: number, total: number | undefined, seconds: number, unit = 'images'): string {
  const speed = seconds > 0 ? done / seconds : 0;
  const of = total ? `/${total} (${((done / total) * 100).toFixed(0)}%)` : '';
  const eta = total && speed > 0 ? `, ETA ${duration((total - done) / speed)}` : '';
  return `${label}: ${done}${of} ${unit}, ${rate(speed)} ${unit}/s${eta}`;
}

/** The interval of progress lines off a terminal, in ms: IDXFLOW_PROGRESS_SECONDS (default 5). */
export function progressInterval(env: NodeJS.ProcessEnv): number {
  const text = env.IDXFLOW_PROGRESS_SECONDS;
  if (text === undefined) return 5000;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0) || seconds > 86400) throw new UsageError(`Expected a number of seconds between 0 and 86400 for IDXFLOW_PROGRESS_SECONDS but received "${text}"`);
  return seconds * 1000;
}

/**
 * Reports on `stream` (stderr): a bar redrawn at most every 100 ms on a terminal, a line every
 * `every` ms elsewhere.
 */
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr, every = 5000, unit = 'images'): Progress {
  const start = performance.now();
  let last = start;
  const tty = stream.isTTY === true;
  return {
    update(done, total) {
      const now = performance.now();
      if (now - last < (tty ? 100 : every)) return;
      last = now;
      const text = progressText(label, done, total, (now - start) / 1000, unit);
      if (!tty) return void stream.write(`${text}\n`);
      const width = 24;
      const bar = total ? `[${'#'.repeat(Math.round((done / total) * width)).padEnd(width, '.')}] ` : '';
      stream.write(`\r\x1b[2K${bar}${text}`);
    },
    finish() {
      if (tty) stream.write('\r\x1b[2K');
    },
  };
}
