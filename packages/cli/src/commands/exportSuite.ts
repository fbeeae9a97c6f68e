// export --suite mnist-c: the released MNIST-C layout, made from any named dataset and a seed.
// Written into a temporary sibling of --out and renamed into place when whole, so an
// interrupted or failed suite leaves nothing behind.
import { mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { asRows, batch, type Block, type WorkerPool } from '@idxflow/core';
import { AtomicFile, ExportRefusedError, npyHeader } from '@idxflow/sinks';
import { corrupt, corruptPool, MNIST_C_SUITE, RECIPES, type CorruptionName } from '@idxflow/transforms';
import { lastValueFrom, of, tap } from 'rxjs';
import { InterruptedError, loadUntilAborted } from '../interrupted.js';
import { seedOf, workersOf } from '../options.js';
import { sourceOf } from '../dataSources.js';
import { VERSION } from '../version.js';

type Flags = Record<string, string | boolean | undefined>;


interface WrittenFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** Refuses an --out that holds anything: a suite is written whole or not at all. */
async function checkOut(out: string): Promise<void> {
  const entries = await readdir(out).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0) throw new ExportRefusedError({ file: out, expected: 'a new or empty folder for --suite', found: `${entries.length} entries (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})` });
}

/** Writes `<split>_images.npy` and `<split>_labels.npy` of `data` corrupted by `name`. */
async function writeSplit(dir: string, split: string, data: Block<Uint8Array>, name: CorruptionName, seed: number, pool: WorkerPool | undefined, signal?: AbortSignal): Promise<WrittenFile[]> {
  const [n, height, width] = data.shape;
  const images = await AtomicFile.create(join(dir, `${split}_images.npy`));
  const labels = await AtomicFile.create(join(dir, `${split}_labels.npy`));
  try {
    await images.write(npyHeader('|u1', [n, height, width]));
    await labels.write(npyHeader('|u1', [n]));
    let queue = Promise.resolve();
    await lastValueFrom(
      of(data).pipe(
        asRows(),
        batch(1024),
        corrupt({ name }, { seed, pool }),
        tap((block) => {
          if (signal?.aborted) throw new InterruptedError(`interrupted while writing the ${name} folder of the suite: nothing kept`);
          const pixels = block.images as Uint8Array;
          queue = queue.then(() => images.write(pixels.slice())).then(() => labels.write(block.labels.slice()));
        }),
      ),
      { defaultValue: undefined },
    );
    await queue;
    return [
      { name: `${split}_images.npy`, ...(await images.commit()) },
      { name: `${split}_labels.npy`, ...(await labels.commit()) },
    ];
  } catch (error) {
    await Promise.all([images.abort(), labels.abort()]);
    throw error;
  }
}

/** The dataset card of the suite: what it is, how it was made, how to cite it. */
function cardOf(source: string, seed: number, counts: Record<string, number>, shape: [number, number]): string {
  const rows = MNIST_C_SUITE.map((name) => `| ${name} | ${RECIPES[name].released ?? '-'} | ${RECIPES[name].random ? 'yes' : 'no'} |`);
  return `# ${source}-C

${source} corrupted by the fifteen corruptions of MNIST-C, made by idxflow ${VERSION}.

- Recipe: MNIST-C, Norman Mu and Justin Gilmer, "MNIST-C: A Robustness Benchmark for Computer
  Vision", ICML 2019 Workshop on Uncertainty and Robustness in Deep Learning (arXiv:1906.02337),
  as its published generator (google-research/mnist-c, corruptions.py) defines each corruption;
  idxflow's own implementation (docs/benchmarks.md says where it differs).
- Source: ${source}, ${Object.entries(counts).map(([split, n]) => `${split} ${n}`).join(' and ')} images of ${shape[0]} x ${shape[1]}.
- Seed: ${seed}. Every random draw is a function of (seed, corruption stage, sample index): the
  same command gives the same bytes.
- Layout: as the released MNIST-C: \`<corruption>/<split>_{images,labels}.npy\`, uint8, images
  (n, ${shape[0]}, ${shape[1]}), labels (n,) equal to the source's; a manifest.json per folder.

| corruption | severity | random |
| --- | --- | --- |
${rows.join('\n')}

Cite MNIST-C as:

\`\`\`bibtex
@article{mu2019mnist,
  title={MNIST-C: A Robustness Benchmark for Computer Vision},
  author={Mu, Norman and Gilmer, Justin},
  journal={arXiv preprint arXiv:1906.02337},
  year={2019}
}
\`\`\`
`;
}

/** `export --suite mnist-c`: 16 folders of the released layout, a manifest each, a card; the summary line. */
export async function writeSuite(flags: Flags, signal?: AbortSignal): Promise<string> {
  const out = String(flags.out);
  const seed = seedOf(flags);
  const workers = workersOf(flags);
  await checkOut(out);
  // Both splits, as released; --split test: the test files alone (the evaluation set).
  const splits = flags.split === 'test' ? (['test'] as const) : (['train', 'test'] as const);
  const data: Record<string, Block<Uint8Array>> = {};
  let source = '';
  for (const split of splits) {
    const { source: blocks, name } = sourceOf({ ...flags, split });
    data[split] = await loadUntilAborted(blocks, name, signal);
    source = String(flags.dataset ?? 'mnist');
  }
  const counts = Object.fromEntries(splits.map((split) => [split, data[split].shape[0]]));
  const shape: [number, number] = [data[splits[0]].shape[1], data[splits[0]].shape[2]];
  const temp = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  const pool = workers > 0 ? corruptPool(workers) : undefined;
  const start = performance.now();
  try {
    await rm(temp, { recursive: true, force: true });
    for (const name of MNIST_C_SUITE) {
      const dir = join(temp, name);
      await mkdir(dir, { recursive: true });
      const files: WrittenFile[] = [];
      for (const split of splits) files.push(...(await writeSplit(dir, split, data[split], name, seed, pool, signal)));
      const severity = RECIPES[name].released;
      const manifest = {
        idxflow: VERSION,
        suite: 'mnist-c',
        recipe: 'MNIST-C (Mu and Gilmer 2019), google-research/mnist-c corruptions.py',
        corruption: name,
        severity: severity ?? null,
        seed,
        source,
        counts,
        shape,
        dtype: 'uint8',
        files,
      };
      await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    }
    await writeFile(join(temp, 'README.md'), cardOf(source, seed, counts, shape));
    await rmdir(out).catch(() => undefined); // an empty --out, checked above
    await rename(temp, out);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  } finally {
    await pool?.destroy();
  }
  const images = MNIST_C_SUITE.length * Object.values(counts).reduce((a, b) => a + b, 0);
  const seconds = (performance.now() - start) / 1000;
  return `wrote the mnist-c suite of ${source} (${MNIST_C_SUITE.length} folders, ${images} images) to ${out} in ${seconds.toFixed(2)} s (${Math.round(images / seconds)} images/s)`;
}
