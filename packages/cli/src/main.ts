#!/usr/bin/env node
import { IdxflowError } from '@idxflow/core';
import { parseArgs } from 'node:util';
import { info, UsageError } from './commands/info.js';
import { preview, PREVIEW_FLAGS, previewUsage } from './commands/preview.js';
import { exportCommand, EXPORT_FLAGS, exportUsage } from './commands/export.js';
import { serveCommand, SERVE_FLAGS, serveUsage } from './commands/serve.js';
import { mergeCommand, MERGE_FLAGS, mergeUsage } from './commands/mergeManifests.js';
import { exploreCommand, EXPLORE_FLAGS, exploreUsage } from './commands/explore.js';
import { ExportInterruptedError, ExportRefusedError } from '@idxflow/sinks/internal';

const USAGE = `Usage: idxflow <command> [options]

Commands:
  info FILE        type, dimensions and record count of an IDX file (raw or .gz)
  preview          PNG contact sheet of augmented digits
  export           write the (augmented) dataset as IDX, NPY/NPZ, PNG folders or WebDataset shards
  serve            stream augmented batches to trainers over HTTP and WebSocket
  explore          a local web page to choose augmentations by looking at them
  merge-manifests  join the manifests of the parts of a split export

Run "idxflow <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'info': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean' } } });
      if (values.help) return void process.stdout.write(`${(await import('./commands/info.js')).infoUsage}\n`);
      return info({ positionals, json: values.json ?? false }, process.stdout);
    }
    case 'preview': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: PREVIEW_FLAGS });
      if (values.help) return void process.stdout.write(`${previewUsage}\n`);
      if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".\n\n${previewUsage}`);
      const out = await preview(values);
      process.stdout.write(`wrote ${out}\n`);
      return;
    }
    case 'export': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: EXPORT_FLAGS });
      if (values.help) return void process.stdout.write(`${exportUsage}\n`);
      if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".\n\n${exportUsage}`);
      // Ctrl-C (or SIGTERM) stops the export: complete files are kept, to resume; the rest removed.
      const interrupt = new AbortController();
      const stop = (): void => interrupt.abort(new Error('interrupted'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        process.stdout.write(`${await exportCommand(values, interrupt.signal)}\n`);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      return;
    }
    case 'merge-manifests': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: MERGE_FLAGS });
      if (values.help) return void process.stdout.write(`${mergeUsage}\n`);
      if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}".\n\n${mergeUsage}`);
      process.stdout.write(`${await mergeCommand(positionals[0], values)}\n`);
      return;
    }
    case 'serve': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: SERVE_FLAGS });
      if (values.help) return void process.stdout.write(`${serveUsage}\n`);
      if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".\n\n${serveUsage}`);
      const server = await serveCommand(values);
      process.stdout.write(`serving batches at ${server.url}/batches (Ctrl-C stops)\n`);
      const stop = (): void => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return;
    }
    case 'explore': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: EXPLORE_FLAGS });
      if (values.help) return void process.stdout.write(`${exploreUsage}\n`);
      if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".\n\n${exploreUsage}`);
      const server = await exploreCommand(values);
      process.stdout.write(`exploring at ${server.pageUrl} (Ctrl-C stops)\n`);
      const stop = (): void => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return;
    }
    case undefined:
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ExportInterruptedError) {
    const files = `${error.kept} complete file${error.kept === 1 ? '' : 's'} (${error.keptSamples} images)`;
    process.stderr.write(`idxflow: interrupted: kept ${files} in ${error.file}, removed the incomplete one; rerun the same command to resume\n`);
    process.exitCode = 130;
  } else if (error instanceof ExportRefusedError) {
    process.stderr.write(`idxflow: ${error.name}: ${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof UsageError || (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`idxflow: ${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof IdxflowError || error instanceof RangeError || error instanceof TypeError || (error as NodeJS.ErrnoException).code) {
    const { name, message, path } = error as NodeJS.ErrnoException;
    const where = path && !message.includes(path) ? ` (${path})` : '';
    process.stderr.write(`idxflow: ${name}: ${message}${where}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`idxflow: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
});
