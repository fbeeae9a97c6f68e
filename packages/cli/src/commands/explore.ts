// `idxflow explore`: a local web page to choose augmentations by looking at them.
import { DATA_FLAGS, DATA_USAGE, augmentOptions, parseInteger, seedOf, sourceOf } from '../options.js';
import { UsageError } from './info.js';
import { ExploreData } from './explore/data.js';
import { startExploreServer, type ExploreServer } from './explore/server.js';
import { AUGMENT_FLAGS, type ExploreBase } from './explore/view.js';

export const EXPLORE_FLAGS = {
  ...DATA_FLAGS,
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8090' },
  token: { type: 'string' },
  'insecure-no-token': { type: 'boolean', default: false },
} as const;

export const exploreUsage = `Usage: idxflow explore [options]

Serves a local web page that shows source digits next to augmented draws of them, with a
control for every augmentation, redrawn as you move it; click a draw to see what was drawn for
it (angle, shift, scale, ..., the elastic field). The page gives the "idxflow export" command
and the augment({...}) call that reproduce the bytes it shows, and statistics over a few
thousand samples. The flags below set what it starts with. See docs/explore.md.

${DATA_USAGE}
Server:
  --host H               address to bind (default 127.0.0.1: this machine only); any other
                         needs --token, or --insecure-no-token to serve anyone who can reach it
  --port P               port (default 8090; 0 picks a free one)
  --token T              require it from the page (open the printed URL, which carries it)`;

/** A running `idxflow explore`: its server, and the URL to open (with the token, if any). */
export interface ExploreCommand extends ExploreServer {
  /** The page's address; with a token, in the fragment (#token=...), which browsers never send. */
  pageUrl: string;
}

/**
 * Checks the flags, loads the starting split (so a bad data flag fails before binding, as in
 * `serve`), and starts the page's server.
 */
export async function exploreCommand(flags: Record<string, string | boolean | undefined>): Promise<ExploreCommand> {
  // The flags given (parseArgs fills in defaults: those are the page's own starting values).
  const defaults = DATA_FLAGS as Record<string, { default?: string | boolean }>;
  const initialFlags = AUGMENT_FLAGS.filter((name) => typeof flags[name] === 'string' && flags[name] !== defaults[name]?.default).map((name): [string, string] => [name, String(flags[name])]);
  augmentOptions(Object.fromEntries(initialFlags)); // one-line errors naming the flag
  const seed = seedOf(flags);
  const { split } = sourceOf(flags);
  const host = String(flags.host);
  const port = parseInteger('port', String(flags.port), 0);
  if (port > 65535) throw new UsageError(`Expected a port between 0 and 65535 for --port but received "${String(flags.port)}"`);
  const token = typeof flags.token === 'string' ? flags.token : undefined;
  if (token === '') throw new UsageError('Expected a non-empty --token');
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host) && token === undefined && flags['insecure-no-token'] !== true) {
    throw new UsageError(`Expected --token T (or --insecure-no-token) to bind --host ${host}, which is not loopback: anyone who can reach it could read the data`);
  }
  const base: ExploreBase = {
    dataset: String(flags.dataset ?? 'mnist'),
    split,
    ...(typeof flags.images === 'string' ? { images: flags.images, labels: String(flags.labels) } : {}),
    ...(typeof flags.dir === 'string' ? { dir: flags.dir } : {}),
  };
  const data = new ExploreData(base);
  await data.get(base.dataset, split); // validates the data flags before binding
  const server = await startExploreServer({ host, port, token, base, data, initial: { flags: initialFlags, seed } });
  return { ...server, pageUrl: `${server.url}/${token === undefined ? '' : `#token=${encodeURIComponent(token)}`}` };
}
