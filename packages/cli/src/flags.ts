// The command line of one command, read from a table of flag specs: each flag's type, default,
// --help line and bounds in one place, so a flag cannot be added without its bounds and its
// documentation, and every value is checked before any work starts.
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './usageError.js';
import { shown } from './numbers.js';

/** One flag: how it is read, what --help says of it, and the check of its bounds. */
export interface FlagSpec {
  /** A string flag takes a value; a boolean one is a switch. */
  readonly type: 'string' | 'boolean';
  /** The value when the flag is not given (shown in --help). */
  readonly default?: string;
  /** The value's form in --help: "N", "DEG|MIN:MAX[@P]". */
  readonly arg?: string;
  /** --help's description, bounds included (wrapped to the width of the help). */
  readonly help: string;
  /** Checks a given value: throws a one-line UsageError naming the flag, the bound and the value. */
  readonly check?: (text: string) => unknown;
  /** A path: a relative value resolves against the directory the command was run from. */
  readonly path?: boolean;
  /** May be given more than once: the values are joined with commas (each checked on its own). */
  readonly repeatable?: boolean;
}

/** The flags of a command, by name (without the dashes). */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** The flags as given, defaults filled in; `given` names the ones on the command line. */
export interface CommandLine {
  values: Record<string, string | boolean | undefined>;
  given: ReadonlySet<string>;
  positionals: string[];
}

/** A check across flags (one that does not apply to another's choice, a pair given alone). */
export type FlagRule = (line: CommandLine) => void;

/** Every command's --help switch. */
export const HELP_FLAG: FlagSpec = { type: 'boolean', help: 'this text (also: idxflow help COMMAND)' };

/**
 * The directory the command was run from: pnpm and npm run a package's scripts from the
 * package's folder and set INIT_CWD to where the user typed the command. It counts only when
 * the script did not change directory itself (the current one is the package's own).
 */
export function invocationDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const fromScript = env.INIT_CWD && env.npm_lifecycle_event && env.npm_package_json && resolve(env.npm_package_json, '..') === cwd;
  return fromScript && isAbsolute(env.INIT_CWD!) ? env.INIT_CWD! : cwd;
}

/** `path` resolved against the directory the command was run from (unchanged when that is the current one). */
export function resolvePath(path: string, base = invocationDir()): string {
  return base === process.cwd() ? path : resolve(base, path);
}

/**
 * A value that starts with "-" and a digit, after a string flag, is that flag's value
 * (`--shift -3:3` as `--shift=-3:3`): parseArgs would refuse it as ambiguous.
 */
function joinNegativeValues(args: readonly string[], table: FlagTable): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([^=]+)$/.exec(args[i])?.[1];
    if (name !== undefined && table[name]?.type === 'string' && /^-\.?\d/.test(args[i + 1] ?? '')) {
      out.push(`${args[i]}=${args[++i]}`);
    } else out.push(args[i]);
  }
  return out;
}

/** parseArgs' message, which can span lines and point at its own syntax, as one line of ours. */
function parseErrorOf(error: Error & { code?: string }, command: string): UsageError {
  const option = /'(--?[^' ]+)/.exec(error.message)?.[1] ?? '';
  const see = `(idxflow help ${command} lists them)`;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`Expected an option of idxflow ${command} ${see} but received ${shown(option)}`);
  if (/does not take an argument/.test(error.message)) return new UsageError(`Expected no value for ${option} (a switch) but received one`);
  if (/ambiguous/.test(error.message)) return new UsageError(`Expected a value after ${option} but received an option (write ${option}=VALUE for a value that starts with "-")`);
  if (/argument missing/.test(error.message)) return new UsageError(`Expected a value after ${option} but received none`);
  return new UsageError(error.message.split('\n')[0]);
}

/**
 * Reads `args` for `command` against `table`: each given value checked against its flag's
 * bounds, then `rules` across flags. A flag given twice, an empty value, an unknown option and
 * more than `maxArguments` arguments are refused. With --help, nothing is checked.
 */
export function parseCommandLine(command: string, args: readonly string[], table: FlagTable, rules: readonly FlagRule[] = [], maxArguments = 0): CommandLine {
  const options = Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, name === 'help' ? { type: spec.type, short: 'h' } : { type: spec.type, multiple: spec.repeatable === true }]));
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(args, table), options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? parseErrorOf(error as Error, command) : error;
  }
  const given = new Set(Object.keys(parsed.values));
  const values: CommandLine['values'] = {};
  for (const [name, spec] of Object.entries(table)) values[name] = spec.default;
  const lists = Object.entries(parsed.values).filter(([name]) => table[name]?.repeatable === true);
  for (const [name, list] of lists) {
    for (const text of list as string[]) {
      if (text === '') throw new UsageError(`Expected a value for --${name} but received ""`);
      table[name].check?.(text);
    }
  }
  const joined = Object.fromEntries(lists.map(([name, list]) => [name, (list as string[]).join(',')]));
  const line: CommandLine = { values: { ...values, ...(parsed.values as CommandLine['values']), ...joined }, given, positionals: parsed.positionals };
  if (line.values.help === true) return line;
  if (line.positionals.length > maxArguments) {
    const expected = maxArguments === 0 ? 'options only' : `at most ${maxArguments} argument${maxArguments === 1 ? '' : 's'}`;
    throw new UsageError(`Expected ${expected} for idxflow ${command} but received ${shown(line.positionals[maxArguments])}`);
  }
  for (const name of given) {
    const times = parsed.tokens.filter((t) => t.kind === 'option' && t.name === name).length;
    if (times > 1 && !table[name].repeatable) throw new UsageError(`Expected --${name} at most once but received it ${times} times`);
    const value = line.values[name];
    if (typeof value !== 'string') continue;
    if (value === '') throw new UsageError(`Expected a value for --${name} but received ""`);
    if (!table[name].repeatable) table[name].check?.(value); // a repeatable one's values were checked one by one
  }
  for (const rule of rules) rule(line);
  const base = invocationDir();
  for (const [name, spec] of Object.entries(table)) {
    const value = line.values[name];
    if (spec.path && typeof value === 'string') line.values[name] = resolvePath(value, base);
  }
  return line;
}

/**
 * A rule: `flag` only when `applies` holds, else "Expected --flag only with <where> but
 * received <what>".
 */
export function onlyWith(flag: string, applies: (line: CommandLine) => boolean, where: string, what: (line: CommandLine) => string): FlagRule {
  return (line) => {
    if (line.given.has(flag) && !applies(line)) throw new UsageError(`Expected --${flag} only with ${where} but received ${what(line)}`);
  };
}

/** `text` in lines of at most `width` characters, broken at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

const HELP_COLUMN = 31;
const HELP_WIDTH = 100;

/** --help's lines for `table` under `title`: "  --flag ARG   help (default D)", wrapped at 100 columns. */
export function usageOf(title: string, table: FlagTable): string {
  const lines = [`${title}:`];
  for (const [name, spec] of Object.entries(table)) {
    if (name === 'help') continue;
    const head = `  --${name}${spec.arg ? ` ${spec.arg}` : ''}`;
    const [first, ...more] = wrap(`${spec.help}${spec.default === undefined ? '' : ` (default ${spec.default})`}`, HELP_WIDTH - HELP_COLUMN);
    lines.push(head.length < HELP_COLUMN - 1 ? `${head.padEnd(HELP_COLUMN)}${first}` : `${head}\n${' '.repeat(HELP_COLUMN)}${first}`);
    for (const next of more) lines.push(`${' '.repeat(HELP_COLUMN)}${next}`);
  }
  return lines.join('\n');
}
