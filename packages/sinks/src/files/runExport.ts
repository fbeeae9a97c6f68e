// An export as a plan: one or two splits, the whole export or one part of it, resumable. Each
// split's samples come from a function of position, so a part (or the rest of an interrupted
// run) asks only for its own positions. Progress is journaled file by file: a rerun with the same
// flags keeps every file the journal lists whose SHA-256 still matches, and redoes the rest.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Block, IdxflowError, OptionError } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { tap } from '@idxflow/core/internal';
import { verifiedFiles, writeSplit, type ExportOptions } from './export.js';
import { dtypeOf } from './exportShape.js';
import { writeExportCard } from './hfCard.js';
import { closeExportDir, prepareExportDir, removeWritten, type ExportDirState } from './exportDir.js';
import { lockName } from './exportLock.js';
import { EXPORT_FORMATS, namesOf, partRange, partTag, type ExportFormat, type ExportPart } from './exportPlan.js';
import { checkManifestExtra, fingerprintOf, identityOf, journalName, manifestName, manifestOf, writeManifestFile, type Manifest, type ManifestExtra, type PartRecord } from './manifest.js';
import { toKerasNpz } from './npz.js';
import { shardName } from './webDataset.js';
import type { ExportedFile, ExportSummary } from './types.js';

/** One split of an export: its samples, as a function of their positions. */
export interface ExportSection {
  /** Which split: names its files (`train-images.npy`, `val-...`, `t10k-...`) and, with two sections, its folder. */
  split: 'train' | 'val' | 'test';
  /** Samples of this split in the whole export. */
  total: number;
  /** The samples at positions `[first, first + count)` of this split, in order. */
  source: (first: number, count: number) => Observable<Block>;
}

/** Options of `runExport()`. */
export interface RunExportOptions extends Pick<ExportOptions, 'shardSize' | 'workers' | 'overwrite' | 'inputs' | 'signal' | 'recycle' | 'hf'> {
  /** The export's folder: new, empty, or holding this same export (to resume it, or to add a part). */
  dir: string;
  /** The file format. */
  format: ExportFormat;
  /** One split, or train then test: `png` and `wds` put them in `train/` and `test/`, `npz` in Keras' `mnist.npz`. */
  sections: ExportSection[];
  /** Write only part `index` of `of` (not with two sections). Default: the whole export. */
  part?: ExportPart;
  /** Recorded in the manifest. */
  manifest: ManifestExtra;
  /** Called with the samples done (kept ones included) and the part's total. */
  onProgress?: (done: number, total: number) => void;
  /** Called once when another host's run holds this part's lock, before waiting for it to end or go stale. */
  onWait?: (holder: string) => void;
}

/** How a run ended. */
export interface ExportRun {
  /** The manifest written: `manifest.json`, or a part's `manifest.part-...json`. */
  manifest: string;
  /** Every file of the part, kept ones included, and its samples, shape and dtype. */
  summary: ExportSummary;
  /** Files an interrupted run had completed, verified and kept. */
  kept: ExportedFile[];
  /** Samples those files held, not computed again. */
  keptSamples: number;
  /** True when the part was complete already (or merged into the whole export's manifest.json): nothing was written. */
  alreadyComplete: boolean;
  /** Files of an earlier export removed by `overwrite`. */
  removed: string[];
}

/**
 * An export stopped by its signal: what it kept (a rerun resumes from there) and removed.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { ExportInterruptedError, runExport } from '@idxflow/sinks';
 * const controller = new AbortController();
 * process.once('SIGINT', () => controller.abort());
 * const sections = [{ split: 'test' as const, total: 10000, source: () => mnist({ split: 'test' }) }];
 * await runExport({ dir: 'out/npy', format: 'npy', sections, manifest: { version: '0.1.0' }, signal: controller.signal }).catch((error: unknown) => {
 *   if (!(error instanceof ExportInterruptedError)) throw error;
 *   console.error(`kept ${error.kept} files (${error.keptSamples} samples): run again to resume`);
 * });
 * ```
 */
export class ExportInterruptedError extends IdxflowError {
  constructor(
    dir: string,
    readonly kept: number,
    readonly keptSamples: number,
  ) {
    super({ file: dir, expected: 'the export to run to its end', found: `an interruption; kept ${kept} complete file${kept === 1 ? '' : 's'} (${keptSamples} samples) and removed the incomplete one: rerun the same command to resume` });
  }
}

/** One split's stretch of positions in this run's part, and where its files go. */
interface Plan {
  section: ExportSection;
  prefix: string;
  first: number;
  count: number;
}

/** What an export is, before anything is read from or written to its folder. */
interface Layout {
  plans: Plan[];
  extra: ManifestExtra & { format: ExportFormat };
  part: PartRecord | undefined;
  /** Samples of the whole export (both splits). */
  total: number;
  tag: string;
  shardSize: number;
  fingerprint: string;
  /** The export whatever its partition: see `identityOf`. */
  identity: string;
  /** Whether a file belongs to `plan`'s positions `[from, to)` (under any of `tags`). */
  stretch: (plan: Plan, from: number, to: number, tags: string[]) => (name: string) => boolean;
  /** Whether this run writes the dataset card of an `hf` export (the whole export, or its part 0, after the splits). */
  writesCard: boolean;
}

/** The dataset card of an `hf` export. */
const isCard = (format: ExportFormat, name: string): boolean => format === 'hf' && name === 'README.md';

function layoutOf(options: RunExportOptions): Layout {
  const { sections, part, format } = options;
  if (!EXPORT_FORMATS.includes(format)) throw new OptionError(`Expected one of ${EXPORT_FORMATS.join(', ')} for format but received ${String(format)}`);
  if (sections.length < 1 || sections.length > 2) throw new OptionError(`Expected one or two sections but received ${sections.length}`);
  if (sections.length === 2 && part) throw new OptionError('Expected the whole export with two splits: a split export takes one split at a time');
  const shardSize = options.shardSize ?? 10000;
  const plans = sections.map((section) => {
    const { first, count } = partRange(section.total, format === 'wds' ? shardSize : 1, part);
    const prefix = sections.length === 2 && (format === 'png' || format === 'wds') ? `${section.split}/` : '';
    return { section, prefix, first, count };
  });
  const extra = { ...options.manifest, format };
  checkManifestExtra(extra);
  const total = plans.reduce((n, p) => n + p.section.total, 0);
  const record = part && { index: part.index, of: part.of, first: plans[0].first, count: plans[0].count, total, unit: format === 'wds' ? shardSize : 1 };
  const keras = format === 'npz' && plans.length === 2; // both splits in one mnist.npz
  return {
    plans,
    extra,
    part: record,
    total,
    tag: partTag(part),
    shardSize,
    fingerprint: fingerprintOf({ idxflow: extra.version, format, seed: extra.seed ?? null, pipeline: extra.pipeline ?? null, part: record }),
    identity: identityOf({ idxflow: extra.version, format, seed: extra.seed ?? null, pipeline: extra.pipeline ?? null }),
    stretch: (plan, from, to, tags) => (keras ? (name) => name === 'mnist.npz' : namesOf(format, plan.section.split, plan.prefix, from, to, tags, shardSize, options.hf?.config)),
    writesCard: format === 'hf' && (!part || part.index === 0),
  };
}

/**
 * Samples of a plan that `kept` files hold already, from its first position on. An array format's
 * split is kept whole when the interrupted run listed its files (together: see `writeRest`) and
 * every one of them is `kept`, its soft labels' file included.
 */
function resumeOffset(layout: Layout, plan: Plan, kept: Set<string>, listed: readonly string[]): number {
  const { extra, shardSize, tag } = layout;
  if (extra.format === 'wds') {
    let at = plan.first;
    while (at < plan.first + plan.count && kept.has(`${plan.prefix}${shardName(at / shardSize)}`)) at += shardSize;
    return Math.min(at, plan.first + plan.count) - plan.first;
  }
  // Array formats hold a split whole: kept, or written again. A PNG folder is written again.
  const names = layout.stretch(plan, plan.first, plan.first + plan.count, [tag]);
  const files = listed.filter(names);
  const whole = files.length >= (extra.format === 'npz' || extra.format === 'hf' ? 1 : 2) && files.every((name) => kept.has(name));
  return extra.format !== 'png' && whole ? plan.count : 0;
}

/** Where a run starts: the files of an interrupted run it keeps, and per plan the samples they hold. */
interface Resume {
  files: ExportedFile[];
  offsets: number[];
  samples: number;
  /** The image shape and dtype the interrupted run recorded. */
  shape: [number, number];
  dtype: 'uint8' | 'float32';
}

/** Where to start, from `record` (the interrupted run's manifest or journal) and those of its files that hash as listed. */
function resumeOf(layout: Layout, record: Manifest | undefined, verified: ExportedFile[]): Resume {
  const { plans, tag } = layout;
  const mine = anyOf(plans.map((p) => layout.stretch(p, p.first, p.first + p.count, [tag])));
  const kept = verified.filter((f) => mine(f.name));
  const names = new Set(kept.map((f) => f.name));
  const listed = record?.files.map((f) => f.name) ?? [];
  const offsets = plans.map((p) => resumeOffset(layout, p, names, listed));
  // What stays: the files of each plan's stretch that is not written again (none of a plan
  // started again: an array format's names do not depend on the stretch).
  const stays = anyOf(plans.map((p, k) => (offsets[k] === 0 ? () => false : layout.stretch(p, p.first, p.first + offsets[k], [tag]))));
  const files = kept.filter((f) => stays(f.name));
  return { files, offsets, samples: offsets.reduce((a, b) => a + b, 0), shape: record?.shape ?? [0, 0], dtype: record?.dtype ?? 'uint8' };
}

/** A name test that holds when one of `tests` does. */
const anyOf =
  (tests: ((name: string) => boolean)[]) =>
  (name: string): boolean =>
    tests.some((test) => test(name));

/**
 * Runs an export, or one part of it, into `dir`, resuming an interrupted run of the same
 * export; writes the manifest at the end (`manifest.json`, or the part's
 * `manifest.part-0000I-of-0000N.json`). What `idxflow export` runs.
 *
 * Each section gives its split's samples as a function of their positions, so that a part (or
 * the rest of an interrupted run) asks only for its own: build it from a pipeline whose every
 * sample is a pure function of its position (`asRows()`, `skipSamples()`, `takeSamples()` and a
 * seeded `augment()`). Run again with the same options, it keeps every file the interrupted
 * run's journal lists whose SHA-256 still matches and writes only the rest; a complete run says
 * so (`alreadyComplete`) and writes nothing. Parts run anywhere, in any order, into one folder
 * (shared, or copied together afterwards); `mergeExportParts(dir)` then checks them and writes
 * the whole export's manifest, and joins the parts of array formats into the files one machine
 * writes.
 *
 * @param options See `RunExportOptions`.
 * @returns What the run did: see `ExportRun`.
 * @throws ExportRefusedError (nothing written) when `dir` holds inputs or other files;
 *   ExportInterruptedError when `signal` stopped it (complete files kept, to resume); any other
 *   error after removing what this run wrote.
 *
 * ## Example
 * ```ts
 * import { batch, epochs, gather, loadBlock, mnist, shuffleRows, skipSamples, takeSamples } from '@idxflow/core';
 * import { runExport } from '@idxflow/sinks';
 * import { of } from 'rxjs';
 * const train = await loadBlock(mnist());
 * const run = await runExport({ dir: 'out/wds', format: 'wds', part: { index: 0, of: 3 }, manifest: { version: '0.1.0', seed: 1 },
 *   sections: [{ split: 'train', total: 120000, source: (first, count) => of(train).pipe(epochs(2), shuffleRows({ seed: 1 }), skipSamples(first), takeSamples(count), batch(1024), gather()) }] });
 * console.log(run.manifest, run.keptSamples); // manifest.part-00000-of-00003.json, samples kept from an interrupted run
 * ```
 */
export async function runExport(options: RunExportOptions): Promise<ExportRun> {
  const { dir } = options;
  const layout = layoutOf(options);
  const { plans, part, tag } = layout;
  const allTags = part ? Array.from({ length: part.of }, (_, index) => partTag({ index, of: part.of })) : [''];
  // The name tests, built once: a folder of an interrupted PNG export holds millions of names.
  const ours = anyOf(plans.map((p) => layout.stretch(p, 0, p.section.total, allTags)));
  const mine = anyOf(plans.map((p) => layout.stretch(p, p.first, p.first + p.count, [tag])));
  const names = { manifest: manifestName(part), journal: journalName(part) };
  const state = await prepareExportDir({
    dir,
    fingerprint: layout.fingerprint,
    identity: layout.identity,
    total: layout.total,
    own: [names.manifest, names.journal],
    lock: lockName(part),
    ours: (name) => isCard(options.format, name) || ours(name),
    mine: (name) => (layout.writesCard && isCard(options.format, name)) || mine(name),
    inputs: options.inputs ?? [],
    overwrite: options.overwrite ?? false,
    onWait: options.onWait,
    signal: options.signal,
  });
  let failed = true;
  try {
    const record = state.records.get(names.manifest) ?? state.records.get(names.journal);
    const verified = await verifiedFiles(dir, record); // each file read once, whether the run finished or not
    const complete = record?.complete !== false && record?.files.length === verified.length;
    const run = (complete ? completeRun(state, names.manifest, record!, verified) : await mergedRun(layout, state, mine)) ?? (await resumeRun(options, layout, state, record, verified));
    failed = false;
    return run;
  } finally {
    await closeExportDir(dir, state, failed);
  }
}

/** The run of a part that is complete already: `record` lists the `verified` files, and nothing is written. */
function completeRun(state: ExportDirState, manifest: string, record: Manifest, verified: ExportedFile[]): ExportRun {
  const summary = { dir: state.dir, files: verified, count: record.count, shape: record.shape, dtype: record.dtype };
  return { manifest, summary, kept: verified, keptSamples: record.count, alreadyComplete: true, removed: state.removed };
}

/**
 * The run of a part whose export is merged already: the whole export's manifest.json is there,
 * and the part's files it lists (none, once a merge joined them into one file) hash as listed.
 * Else undefined.
 */
async function mergedRun(layout: Layout, state: ExportDirState, mine: (name: string) => boolean): Promise<ExportRun | undefined> {
  const merged = layout.part && state.siblings.get(manifestName());
  if (!merged) return undefined;
  const record = { ...merged, files: merged.files.filter((f) => mine(f.name)), count: layout.part!.count };
  const verified = await verifiedFiles(state.dir, record);
  return verified.length === record.files.length ? completeRun(state, manifestName(), record, verified) : undefined;
}

/** Writes the rest of the part (all of it, when nothing was kept) and its manifest. */
async function resumeRun(options: RunExportOptions, layout: Layout, state: ExportDirState, record: Manifest | undefined, verified: ExportedFile[]): Promise<ExportRun> {
  const { dir } = options;
  const names = { manifest: manifestName(layout.part), journal: journalName(layout.part) };
  const resume = resumeOf(layout, record, verified);
  const summary = await writeRest(options, layout, resume);
  await writeManifestFile(dir, names.manifest, manifestOf(summary, layout.extra, layout.part));
  await rm(join(dir, names.journal), { force: true });
  return { manifest: names.manifest, summary, kept: resume.files, keptSamples: resume.samples, alreadyComplete: false, removed: state.removed };
}

/**
 * Writes what `resume` does not hold, journaling each file as it completes. On an interruption
 * the complete files stay (ExportInterruptedError); on a failure this run's files go, and the
 * journal is put back as it was.
 */
async function writeRest(options: RunExportOptions, layout: Layout, resume: Resume): Promise<ExportSummary> {
  const { dir, format, signal } = options;
  const { plans, shardSize, tag, extra, part } = layout;
  const journalFile = journalName(part);
  const partSamples = plans.reduce((n, p) => n + p.count, 0);
  const record = { shape: resume.shape, dtype: resume.dtype };
  const written: ExportedFile[] = [];
  let done = resume.samples;
  let writtenSamples = 0; // in the shards this run completed: what an interruption keeps
  // The journal records the images' shape and dtype from the first block this run reads (not
  // from the end of a split): a rerun that finds every file journaled has nothing left to read them from.
  const noted = (source: Observable<Block>): Observable<Block> =>
    source.pipe(
      tap((block) => {
        if (record.shape[0] > 0) return;
        record.shape = [block.shape[1], block.shape[2]];
        record.dtype = dtypeOf(block.images);
      }),
    );
  let journalBytes = 0; // the size of the journal last written
  let unjournaled = 0; // bytes of the files completed since
  const journal = async (): Promise<void> => {
    const file = await writeManifestFile(dir, journalFile, { ...manifestOf({ files: [...resume.files, ...written], count: resume.samples + writtenSamples, ...record }, extra, part), complete: false });
    journalBytes = file.bytes;
    unjournaled = 0;
  };
  // A shard (or a PNG folder's file) is journaled as it completes, once the files completed since
  // the journal was last written hold as many bytes as it does: the journal lists every file, so
  // rewriting it for each of 10,000 small shards wrote some 7 GB. This way the journal's writes
  // add at most the export's own size; a run killed loses at most a journal's worth of files,
  // which its rerun writes again (the same bytes). The files of an array format's split are
  // journaled together, once the sink has them all, so that a journal never lists an images array
  // without the soft labels written beside it.
  const eachFile = format === 'wds' || format === 'png';
  const completed = async (file: ExportedFile, plan: Plan): Promise<void> => {
    written.push({ ...file, name: plan.prefix + file.name });
    const shard = /^shard-(\d{6})\.tar$/.exec(file.name);
    if (shard) writtenSamples += Math.min(shardSize, plan.first + plan.count - Number(shard[1]) * shardSize);
    unjournaled += file.bytes;
    if (eachFile && unjournaled >= journalBytes) await journal();
  };
  await rm(join(dir, manifestName(part)), { force: true });
  await journal();
  const common = { signal, tag, recycle: options.recycle, onProgress: (n: number) => options.onProgress?.(done + n, partSamples) };
  try {
    if (format === 'npz' && plans.length === 2 && resume.offsets[0] < plans[0].count) {
      const [train, test] = plans;
      const sources = { train: noted(train.section.source(train.first, train.count)), test: noted(test.section.source(test.first, test.count)) };
      const summary = await toKerasNpz(sources, { ...common, dir, onFile: (file) => completed(file, train) });
      Object.assign(record, { shape: summary.shape, dtype: summary.dtype });
      await journal();
    }
    for (const [k, plan] of plans.entries()) {
      const from = plan.first + resume.offsets[k];
      const count = plan.count - resume.offsets[k];
      if (count === 0 || (format === 'npz' && plans.length === 2)) continue;
      const summary = await writeSplit(noted(plan.section.source(from, count)), format, {
        ...common,
        dir: join(dir, plan.prefix),
        split: plan.section.split,
        expectedCount: count,
        position: from,
        shardSize: format === 'wds' ? shardSize : undefined,
        workers: options.workers,
        hf: format === 'hf' ? options.hf : undefined,
        onFile: (file) => completed(file, plan),
      });
      done += count;
      if (summary.count > 0) Object.assign(record, { shape: summary.shape, dtype: summary.dtype });
      if (!eachFile) await journal();
    }
    if (layout.writesCard) {
      const splits = plans.map((p) => ({ name: p.section.split, count: p.section.total }));
      const files = [...resume.files, ...written].map((f) => f.name);
      const card = await writeExportCard(dir, files, options.hf, { splits, pipeline: extra.pipeline, seed: extra.seed, version: extra.version });
      written.push(card);
      await journal();
    }
  } catch (error) {
    if (signal?.aborted) {
      if (unjournaled > 0) await journal().catch(() => undefined); // every complete file listed: the rerun keeps them all
      throw new ExportInterruptedError(dir, resume.files.length + written.length, resume.samples + writtenSamples);
    }
    // The folders this run may have made before a file in them was complete: the splits', the config's.
    const folders = [...plans.map((p) => p.prefix.slice(0, -1)).filter((f) => f !== ''), ...(format === 'hf' ? [options.hf?.config ?? 'data'] : [])];
    await removeWritten(dir, written.map((f) => f.name), folders);
    written.length = 0;
    writtenSamples = 0;
    if (resume.files.length === 0) await rm(join(dir, journalFile), { force: true });
    else await journal().catch(() => undefined);
    throw error;
  }
  return { dir, files: [...resume.files, ...written], count: partSamples, ...record };
}

export type { Manifest };
