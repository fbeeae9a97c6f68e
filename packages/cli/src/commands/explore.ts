// `idxflow explore`: a local web page to choose augmentations by looking at them.
import { onlyWith, usageOf, type CommandLine, type FlagRule, type FlagSpec } from '../flags.js';
import { integerIn, shown } from '../numbers.js';
import { DATA_FLAGS, DATA_RULES, dataUsage, seedOf, sourceOf } from '../options.js';
import { UsageError } from '../usageError.js';
import { ExploreData } from './explore/data.js';
import { startExploreServer, type ExploreServer } from './explore/server.js';
import { AUGMENT_FLAGS, type ExploreBase } from './explore/view.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

const SERVER_FLAGS = {
  host: { type: 'string', arg: 'H', default: '127.0.0.1', help: 'address to bind (127.0.0.1: this machine only); any other needs --token, or --insecure-no-token to serve anyone who can reach it' },
  port: { type: 'string', arg: 'P', default: '8090', help: 'port, 0 to 65535 (0 picks a free one)', check: (t) => integerIn('port', t, 0, 65535) },
  token: {
    type: 'string',
    arg: 'T',
    help: 'require it from the page (open the printed URL, which carries it); 1 to 4096 visible ASCII characters',
    check: (t) => {
      if (!/^[\x21-\x7e]{1,4096}$/.test(t)) throw new UsageError(`Expected 1 to 4096 visible ASCII characters (no spaces) for --token but received ${shown(t)}`);
    },
  },
  'insecure-no-token': { type: 'boolean', help: 'serve a non-loopback --host without a token' },
} as const satisfies Record<string, FlagSpec>;

export const EXPLORE_FLAGS = { ...DATA_FLAGS, ...SERVER_FLAGS } as const satisfies Record<string, FlagSpec>;

/** The page loads named datasets (and may switch between them) or one pair of IDX files. */
const OTHER_SOURCES = ['images-dir', 'parquet', 'npz', 'npy', 'limit', 'orientation'] as const;

export const EXPLORE_RULES: readonly FlagRule[] = [
  ({ given }) => {
    const other = OTHER_SOURCES.find((flag) => given.has(flag));
    if (other !== undefined) throw new UsageError(`Expected no --${other} for idxflow explore, whose page reads a --dataset's whole splits or --images and --labels (export and preview take --${other})`);
  },
  ({ given, values }) => {
    const host = String(values.host);
    if (LOOPBACK.test(host) || given.has('token') || given.has('insecure-no-token')) return;
    throw new UsageError(`Expected --token T (or --insecure-no-token) to bind --host ${host}, which is not loopback: anyone who can reach it could read the data`);
  },
  onlyWith('insecure-no-token', ({ given, values }) => !given.has('token') && !LOOPBACK.test(String(values.host)), 'a non-loopback --host and no --token', ({ given, values }) => (given.has('token') ? '--token' : `--host ${String(values.host)}`)),
  ...DATA_RULES,
];

export const exploreUsage = `Usage: idxflow explore [options]

Serves a local web page that shows source digits next to augmented draws of them, with a
control for every augmentation, redrawn as you move it; click a draw to see what was drawn for
it (angle, shift, scale, ..., the elastic field). The page gives the "idxflow export" command
and the augment({...}) call that reproduce the bytes it shows, and statistics over a few
thousand samples. The flags below set what it starts with (--dataset or --images and --labels
for the data). See docs/explore.md.

${dataUsage()}
${usageOf('Server', SERVER_FLAGS)}`;

/** A running `idxflow explore`: its server, and the URL to open (with the token, if any). */
export interface ExploreCommand extends ExploreServer {
  /** The page's address; with a token, in the fragment (#token=...), which browsers never send. */
  pageUrl: string;
}

/**
 * Loads the starting split (so a bad data flag fails before binding, as in `serve`) and starts
 * the page's server. The augmentation flags given are the page's starting values; the flags are
 * already checked (readCommandLine).
 */
export async function exploreCommand({ values, given }: Pick<CommandLine, 'values' | 'given'>): Promise<ExploreCommand> {
  const initialFlags = AUGMENT_FLAGS.filter((name) => given.has(name) && typeof values[name] === 'string').map((name): [string, string] => [name, String(values[name])]);
  const seed = seedOf(values);
  const { split } = sourceOf(values);
  const token = typeof values.token === 'string' ? values.token : undefined;
  const base: ExploreBase = {
    dataset: String(values.dataset ?? 'mnist'),
    split,
    ...(typeof values.images === 'string' ? { images: values.images, labels: String(values.labels) } : {}),
    ...(typeof values.dir === 'string' ? { dir: values.dir } : {}),
  };
  const data = new ExploreData(base);
  await data.get(base.dataset, split); // validates the data flags before binding
  const server = await startExploreServer({ host: String(values.host), port: Number(values.port), token, base, data, initial: { flags: initialFlags, seed } });
  return { ...server, pageUrl: `${server.url}/${token === undefined ? '' : `#token=${encodeURIComponent(token)}`}` };
}
