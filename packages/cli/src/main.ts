#!/usr/bin/env node
import { VERSION } from './version.js';

async function main(argv: string[]): Promise<void> {
  // --version alone is answered before the command table is imported.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return void process.stdout.write(`${VERSION}\n`);
  const { readCommandLine } = await import('./commandTable.js');
  const invocation = await readCommandLine(argv);
  if (invocation.kind === 'print') return void process.stdout.write(`${invocation.text}\n`);
  await invocation.command.run(invocation.line);
}

main(process.argv.slice(2)).catch(async (error: unknown) => {
  // Imported for an error only: what it tells apart (core's and sinks' errors) is not loaded for --version.
  const { errorReport } = await import('./errorReport.js');
  const { code, text } = errorReport(error);
  process.stderr.write(text);
  process.exitCode = code;
  // Interrupted: end now, not when the last image being decoded (or a thread) is done.
  if (code === 130) process.exit(code);
});
