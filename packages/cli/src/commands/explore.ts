// `idxflow explore`: a local web page to choose augmentations by looking at them.
import { type CommandLine } from '../flags.js';
import { seedOf } from '../options.js';
import { ExploreData } from './explore/data.js';
import { startExploreServer, type ExploreServer } from './explore/server.js';
import { AUGMENT_FLAGS, type ExploreBase } from './explore/view.js';

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
  const initialFlags = [...AUGMENT_FLAGS, 'corrupt'].filter((name) => given.has(name) && (typeof values[name] === 'string' || values[name] === true)).map((name): [string, string] => [name, values[name] === true ? 'on' : String(values[name])]);
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
