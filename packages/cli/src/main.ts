#!/usr/bin/env node
import { readCommandLine } from './commandTable.js';
import { errorReport } from './errorReport.js';

async function main(argv: string[]): Promise<void> {
  const invocation = readCommandLine(argv);
  if (invocation.kind === 'print') return void process.stdout.write(`${invocation.text}\n`);
  await invocation.command.run(invocation.line);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const { code, text } = errorReport(error);
  process.stderr.write(text);
  process.exitCode = code;
  // Interrupted: end now, not when the last image being decoded (or a thread) is done.
  if (code === 130) process.exit(code);
});
