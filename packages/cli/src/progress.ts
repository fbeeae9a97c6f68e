// A progress line for long work: redrawn in place on a terminal, silent otherwise.

export interface Progress {
  update(done: number): void;
  finish(): void;
}

/**
 * A progress bar on `stream` when it is a TTY; does nothing when output goes to a file or
 * pipe (logs then hold just the summary line).
 */
export function progressBar(label: string, total: number | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => undefined, finish: () => undefined };
  const start = performance.now();
  let last = 0;
  const draw = (done: number): void => {
    const seconds = (performance.now() - start) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const width = 30;
    const bar = total ? '#'.repeat(Math.round((done / total) * width)).padEnd(width, '.') : '';
    const of = total ? `/${total} ${((done / total) * 100).toFixed(0).padStart(3)}%` : '';
    stream.write(`\r${label} [${bar}] ${done}${of}  ${Math.round(rate)} images/s `);
  };
  return {
    update(done) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      draw(done);
    },
    finish() {
      stream.write('\r\x1b[2K');
    },
  };
}
