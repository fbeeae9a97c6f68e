// `idxflow explore`: a local web page to choose augmentations by looking at them.
import { usageOf, type CommandLine, type FlagRule, type FlagSpec } from '../flags.js';
import { DATA_FLAGS, DATA_RULES, dataUsage, seedOf } from '../options.js';
import { LISTEN_RULES, listenFlags } from '../serverFlags.js';
import { UsageError } from '../usageError.js';
import { ExploreData } from './explore/data.js';
import { startExploreServer, type ExploreServer } from './explore/server.js';
import { AUGMENT_FLAGS, type ExploreBase } from './explore/view.js';

const SERVER_FLAGS = listenFlags('8090', 'require it from the page (open the printed URL, which carries it)');

export const EXPLORE_FLAGS = { ...DATA_FLAGS, ...SERVER_FLAGS } as const satisfies Record<string, FlagSpec>;

/** The page loads named datasets (and may switch between them) or one pair of IDX files. */
const OTHER_SOURCES = ['images-dir', 'parquet', 'npz', 'npy', 'limit', 'orientation'] as const;

export const EXPLORE_RULES: readonly FlagRule[] = [
  ({ given }) => {
    const other = OTHER_SOURCES.find((flag) => given.has(flag));
    if (other !== undefined) throw new UsageError(`Expected no --${other} for idxflow explore, whose page reads a --dataset's whole splits or --images and --labels (export and preview take --${other})`);
  },
  ...LISTEN_RULES,
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
  // A switch (--trivial-augment) travels as "on", as the page's control sends it.
  const initialFlags = AUGMENT_FLAGS.filter((name) => given.has(name) && (typeof values[name] === 'string' || values[name] === true)).map((name): [string, string] => [name, values[name] === true ? 'on' : String(values[name])]);
  const seed = seedOf(values);
  const split = values.split === 'test' ? 'test' : 'train';
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
