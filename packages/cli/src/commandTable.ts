// The commands of idxflow and how a command line picks one: its flags read and checked, or
// the text that --help, help COMMAND and --version print. The table holds what the list of
// commands shows (name, arguments, summary); a command's flags (`commands/<name>Flags.ts`) and
// its work (`commands/<name>.ts`) are imported when that command is named (`await import(...)`),
// so that the bundled idxflow (scripts/bundle.mjs) loads, for info, info's flags and info, not
// the data, augmentation, policy and export flags of the other commands.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inflateRatioOf } from './inflateRatioFlag.js';
import { parseCommandLine, resolvePath, type CommandLine, type FlagRule, type FlagTable } from './flags.js';
import { shown } from './numbers.js';
import { UsageError } from './usageError.js';
import { VERSION } from './version.js';
import { InterruptedError } from './interruptedError.js';

/** A command's flags, their rules and its --help: what its `commands/<name>Flags.ts` defines. */
export interface CommandFlags {
  flags: FlagTable;
  rules?: readonly FlagRule[];
  usage: string;
}

/** One command: what the list of commands shows, its flags (imported when asked for), what it does. */
export interface Command {
  /** The arguments' names in the command list ("FILE"). */
  args?: string;
  summary: string;
  /** Most positional arguments (FILE, DIR). */
  arguments: number;
  /** Its flags, rules and --help, from the module that defines them, imported when called. */
  flags(): Promise<CommandFlags>;
  run(line: CommandLine): Promise<void>;
}

export const COMMANDS: Record<string, Command> = {
  info: {
    args: 'FILE',
    summary: 'type, dimensions and record count of an IDX file (raw or .gz)',
    flags: async () => {
      const { INFO_FLAGS, infoUsage } = await import('./commands/infoFlags.js');
      return { flags: INFO_FLAGS, usage: infoUsage };
    },
    arguments: 1,
    run: async ({ positionals, values }) => (await import('./commands/info.js')).info({ positionals: positionals.map((p) => resolvePath(p)), json: values.json === true, maxInflateRatio: inflateRatioOf(values['max-inflate-ratio']) }, process.stdout),
  },
  preview: {
    summary: 'PNG contact sheet of augmented digits',
    flags: async () => {
      const { PREVIEW_FLAGS, PREVIEW_RULES, previewUsage } = await import('./commands/previewFlags.js');
      return { flags: PREVIEW_FLAGS, rules: PREVIEW_RULES, usage: previewUsage };
    },
    arguments: 0,
    run: async ({ values }) => void process.stdout.write(`wrote ${await (await import('./commands/preview.js')).preview(values)}\n`),
  },
  export: {
    summary: 'write the (augmented) dataset as IDX, NPY/NPZ, PNG folders, WebDataset shards or Hugging Face Parquet',
    flags: async () => {
      const { EXPORT_FLAGS, EXPORT_RULES, exportUsage } = await import('./commands/exportFlags.js');
      return { flags: EXPORT_FLAGS, rules: EXPORT_RULES, usage: exportUsage };
    },
    arguments: 0,
    run: runExport,
  },
  serve: {
    summary: 'stream augmented batches to trainers over HTTP and WebSocket',
    flags: async () => {
      const { SERVE_FLAGS, SERVE_RULES, serveUsage } = await import('./commands/serveFlags.js');
      return { flags: SERVE_FLAGS, rules: SERVE_RULES, usage: serveUsage };
    },
    arguments: 0,
    run: runServe,
  },
  explore: {
    summary: 'a local web page to choose augmentations by looking at them',
    flags: async () => {
      const { EXPLORE_FLAGS, EXPLORE_RULES, exploreUsage } = await import('./commands/exploreFlags.js');
      return { flags: EXPLORE_FLAGS, rules: EXPLORE_RULES, usage: exploreUsage };
    },
    arguments: 0,
    run: runExplore,
  },
  'merge-manifests': {
    args: 'DIR',
    summary: 'join the manifests of the parts of a split export',
    flags: async () => {
      const { MERGE_FLAGS, mergeUsage } = await import('./commands/mergeManifestsFlags.js');
      return { flags: MERGE_FLAGS, usage: mergeUsage };
    },
    arguments: 1,
    run: async ({ positionals, values }) => void process.stdout.write(`${await (await import('./commands/mergeManifests.js')).mergeCommand(positionals[0] === undefined ? undefined : resolvePath(positionals[0]), values)}\n`),
  },
};

/**
 * The full reference's file: cli.md in the installed package (scripts/pack-all.mjs puts
 * docs/cli.md there), or docs/cli.md of the checkout this runs from.
 */
function referenceFile(): string {
  for (const candidate of ['../cli.md', '../../../docs/cli.md']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  return 'docs/cli.md of the idxflow repository';
}

const usage = (): string => `Usage: idxflow <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${`${name} ${c.args ?? ''}`.padEnd(21)}${c.summary}`)
  .join('\n')}

"idxflow help COMMAND" (or "idxflow COMMAND --help") lists a command's options and their
bounds; "idxflow --version" prints the version. Relative paths are taken from the directory
the command was run from. The full reference: ${referenceFile()}`;

async function runExport({ values }: CommandLine): Promise<void> {
  // Ctrl-C (or SIGTERM) stops the export: complete files are kept, to resume; the rest removed.
  const interrupt = new AbortController();
  const stop = (): void => interrupt.abort(new InterruptedError('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const { exportCommand } = await import('./commands/export.js');
    process.stdout.write(`${await exportCommand(values, interrupt.signal)}\n`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function runServe({ values }: CommandLine): Promise<void> {
  const { serveCommand } = await import('./commands/serve.js');
  const server = await serveCommand(values);
  // Ready for a stop before saying where it serves: whoever reads the line may stop it at once.
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(`serving batches at ${server.url}/batches (Ctrl-C stops)\n`);
}

async function runExplore(line: CommandLine): Promise<void> {
  const { exploreCommand } = await import('./commands/explore.js');
  const server = await exploreCommand(line);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(`exploring at ${server.pageUrl} (Ctrl-C stops)\n`);
}

const commandOf = (name: string): Command => {
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`Expected a command (${Object.keys(COMMANDS).join(', ')}; or help, --version) but received ${shown(name)}`);
  return COMMANDS[name];
};

/** What a command line asks for: a text to print (--help, --version), or a command to run with its checked flags. */
export type Invocation = { kind: 'print'; text: string } | { kind: 'run'; command: Command; line: CommandLine };

/**
 * Reads a command line (without "node idxflow"): every flag checked against its bounds and
 * every rule, before any work. Rejects with a UsageError (one line, exit code 2) for one that
 * cannot run. Only the named command's flags are imported; the list of commands needs none.
 */
export async function readCommandLine(argv: readonly string[]): Promise<Invocation> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    if (rest.length > 0) throw new UsageError(`Expected nothing after ${name} but received ${shown(rest[0])}`);
    return { kind: 'print', text: VERSION };
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (rest.length > 1) throw new UsageError(`Expected at most one COMMAND after help but received ${rest.length}`);
    return { kind: 'print', text: rest.length === 1 ? (await commandOf(rest[0]).flags()).usage : usage() };
  }
  const command = commandOf(name);
  const { flags, rules, usage: help } = await command.flags();
  const line = parseCommandLine(name, rest, flags, rules, command.arguments);
  if (line.values.help === true) return { kind: 'print', text: help };
  if (command.args && line.positionals.length === 0) throw new UsageError(`Expected ${command.args} for idxflow ${name} but received none (idxflow help ${name} shows its usage)`);
  return { kind: 'run', command, line };
}
