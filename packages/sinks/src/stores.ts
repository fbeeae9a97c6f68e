// The sink contract: which Block fields each sink stores, and the one check that refuses a block
// carrying a field its sink cannot store (instead of writing the rest and dropping it). A new
// optional Block field (a task id) is added here once, in OPTIONAL_FIELDS (and its
// MADE_BY line, which the compiler then asks for): every sink that does not list it in
// SINK_STORES then refuses it, until its format learns to keep it.
import { IdxflowError, type Block } from '@idxflow/core';

/**
 * The optional per-sample fields of a Block: data a stage adds (`softLabels`, after `mixup()` or
 * `cutmix()`) or a dataset carries (`labelMatrix`, ChestMNIST's 14 findings; `classIds`,
 * Kuzushiji-Kanji's 3,832 classes) that a sink must either store or refuse. `images` and `labels` every sink stores;
 * `indices` and `epoch` are provenance, which a position-based export reproduces from its
 * manifest's seed and pipeline, and which only some sinks keep (never refused).
 *
 * ## Example
 * ```ts
 * declare const block: Block;
 * const carried = OPTIONAL_FIELDS.filter((field) => block[field] !== undefined); // ['softLabels'] after mixup()
 * ```
 */
export const OPTIONAL_FIELDS = [
  'softLabels',
  'labelMatrix',
  'classIds',
  'tasks',
] as const satisfies readonly (keyof Block)[];

/** One of `OPTIONAL_FIELDS`. */
export type OptionalField = (typeof OPTIONAL_FIELDS)[number];

/** A field of a Block that a sink may store: the data every sink keeps, the provenance, and the optional fields. */
export type BlockField = 'images' | 'labels' | 'indices' | 'epoch' | OptionalField;

/** Where each optional field comes from, for messages. */
const MADE_BY: { readonly [F in OptionalField]: string } = {
  softLabels: 'after mixup() or cutmix()',
  labelMatrix: 'of a multi-label dataset such as chestmnist',
  classIds: 'of a dataset of more than 256 classes such as kuzushiji-kanji',
  tasks: 'after permutedTasks(), rotatedTasks() or splitTasks()',
};

/**
 * The sinks, by the name the contract uses: the export formats (`exportTo()`'s `format`, and the
 * CLI's `--format`), Keras' `mnist.npz` (`toKerasNpz()`), `toTensors()` without and with
 * `oneHot`, `toTfDataset()` and the batch server (`serve()`).
 */
export type SinkName = 'idx' | 'idx.gz' | 'npy' | 'npz' | 'png' | 'wds' | 'hf' | 'toKerasNpz' | 'toTensors' | 'toTensors(oneHot)' | 'toTfDataset' | 'serve';

/**
 * What each sink stores of a Block. A block with an optional field (`OPTIONAL_FIELDS`) that its
 * sink does not list here is refused with an `UnstorableFieldError`; provenance fields are kept
 * where listed and otherwise not written (a PNG folder's `labels.csv` and the server's frames
 * keep them).
 *
 * | sink | where `softLabels` go | `labelMatrix` | `classIds` |
 * |---|---|---|---|
 * | `npy` | `<split>-soft-labels.npy`, float32 `(n, classes)` | `<split>-label-matrix.npy`, uint8 `(n, columns)` | `<split>-class-ids.npy`, uint16 `(n,)` |
 * | `npz` | member `soft_labels` of `<split>.npz`, float32 `(n, classes)` | member `label_matrix`, uint8 `(n, columns)` | member `class_ids`, uint16 `(n,)` |
 * | `toKerasNpz` | members `soft_labels_train`, `soft_labels_test` of `mnist.npz` | `label_matrix_train`, `label_matrix_test` | `class_ids_train`, `class_ids_test` |
 * | `wds` | member `<key>.soft.npy` per sample, float32 `(classes,)` | member `<key>.labels.npy`, uint8 `(columns,)` | the class id in `<key>.cls` |
 * | `hf` | column `soft_labels`, `list<float>` (a `Sequence` of `float32`) | column `label_matrix`, `list<int32>` (a `Sequence` of `uint8`) | the class id in `label` (a ClassLabel of every class) |
 * | `png` | refused | refused | the class id as the folder name and `labels.csv`'s `label` |
 * | `toTensors` | refused | refused | `y`, Int32 class ids |
 * | `toTensors(oneHot)`, `toTfDataset` | `y` / `ys`, in place of the one-hot rows | refused | refused |
 * | `serve` | each frame's soft-label section (PROTOCOL.md) | refused | refused |
 * | `idx`, `idx.gz` | refused: one byte-sized class per sample only | refused | refused |
 *
 * `tasks` (after `permutedTasks()`, `rotatedTasks()`, `splitTasks()`) go to `<split>-tasks.npy`
 * (`npy`), member `tasks` of `<split>.npz` and `tasks_train`, `tasks_test` of Keras' `mnist.npz`,
 * uint8 `(n,)`; to member `<key>.task.cls` per sample (`wds`, decimal ASCII, as `.cls`); to
 * column `task` (`hf`, uint8, a `Value('uint8')`); every other sink refuses them.
 *
 * ## Example
 * ```ts
 * import { SINK_STORES } from '@idxflow/sinks';
 * SINK_STORES.npz.has('softLabels'); // true
 * SINK_STORES.idx.has('softLabels'); // false: toIdx() refuses blocks after mixup()
 * ```
 */
export const SINK_STORES: { readonly [S in SinkName]: ReadonlySet<BlockField> } = {
  idx: new Set(['images', 'labels']),
  'idx.gz': new Set(['images', 'labels']),
  npy: new Set(['images', 'labels', 'softLabels', 'labelMatrix', 'classIds', 'tasks']),
  npz: new Set(['images', 'labels', 'softLabels', 'labelMatrix', 'classIds', 'tasks']),
  png: new Set(['images', 'labels', 'indices', 'epoch', 'classIds']),
  wds: new Set(['images', 'labels', 'softLabels', 'labelMatrix', 'classIds', 'tasks']),
  hf: new Set(['images', 'labels', 'softLabels', 'labelMatrix', 'classIds', 'tasks']),
  toKerasNpz: new Set(['images', 'labels', 'softLabels', 'labelMatrix', 'classIds', 'tasks']),
  toTensors: new Set(['images', 'labels', 'indices', 'epoch', 'classIds']),
  'toTensors(oneHot)': new Set(['images', 'labels', 'softLabels', 'indices', 'epoch']),
  toTfDataset: new Set(['images', 'labels', 'softLabels']),
  serve: new Set(['images', 'labels', 'softLabels', 'indices', 'epoch']),
};

/**
 * The sinks that store `field`, in `SINK_STORES`' order: where to send blocks that carry it.
 *
 * ## Example
 * ```ts
 * sinksStoring('softLabels'); // ['npy', 'npz', 'wds', 'hf', 'toKerasNpz', 'toTensors(oneHot)', 'toTfDataset', 'serve']
 * ```
 */
export function sinksStoring(field: BlockField): SinkName[] {
  return (Object.keys(SINK_STORES) as SinkName[]).filter((sink) => SINK_STORES[sink].has(field));
}

/** What a present optional field is, for messages: `softLabels (10 per sample, after mixup() or cutmix())`. */
function describeField(field: OptionalField, block: Block): string {
  const n = block.shape[0];
  const values = block[field]?.length ?? 0;
  return `${field} (${n === 0 ? 'no samples' : `${values / n} per sample`}, ${MADE_BY[field]})`;
}

/**
 * A block carries a field its sink cannot store (`SINK_STORES`): soft labels after `mixup()` or
 * `cutmix()`, ChestMNIST's label matrix or Kuzushiji-Kanji's class ids for an IDX file, which
 * holds one byte-sized class per sample. Refused before
 * anything of the block is written (nothing half-written stays), rather than dropped. `field`
 * names it, `sink` the sink, `keptBy` the sinks that store it; `code` is
 * `IDXFLOW_UNSTORABLE_FIELD`.
 *
 * ## Example
 * ```ts
 * await toIdx(mnist().pipe(batch(128), mixup({ alpha: 0.2 })), { dir: 'out' }).catch((e) => {
 *   if (e instanceof UnstorableFieldError) console.error(e.field, e.keptBy); // softLabels [ 'npy', 'npz', 'wds', 'hf', ... ]
 * });
 * ```
 */
export class UnstorableFieldError extends IdxflowError {
  constructor(
    /** The sink that refused (`SinkName`). */
    readonly sink: SinkName,
    /** The field it cannot store. */
    readonly field: OptionalField,
    /** The sinks that store it. */
    readonly keptBy: readonly SinkName[],
    details: { file: string; found: string },
  ) {
    super({ file: details.file, expected: `blocks of the fields ${sink} stores (${[...SINK_STORES[sink]].join(', ')})`, found: details.found });
  }
}

/**
 * Refuses a block that carries an optional field `sink` does not store: an `UnstorableFieldError`
 * naming the field and the sinks that keep it. Each sink calls it on every block before writing.
 *
 * @param sink The sink, as `SINK_STORES` names it.
 * @param where The call, for messages (`toIdx()`).
 * @param block The block about to be written.
 */
export function refuseUnstored(sink: SinkName, where: string, block: Block): void {
  for (const field of OPTIONAL_FIELDS) {
    if (block[field] === undefined || SINK_STORES[sink].has(field)) continue;
    const keptBy = sinksStoring(field);
    throw new UnstorableFieldError(sink, field, keptBy, { file: where, found: `${describeField(field, block)}, which ${sink} cannot store: ${keptBy.join(', ')} keep ${field}` });
  }
}
