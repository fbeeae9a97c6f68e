// An export as a plan: one or two splits, the whole export or one part of it, resumable. Each
// split's samples come from a function of position, so a part (or the rest of an interrupted
// run) asks only for its own positions. Progress is journaled file by file: a rerun with the same
// flags keeps every file the journal lists whose SHA-256 still matches, and redoes the rest.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IdxflowError, type Block } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { DIGIT_NAMES, verifiedFiles, writeSplit, type ExportOptions } from './export.js';
import { writeHfCard } from './hfCard.js';
import { prepareExportDir, removeWritten } from './exportDir.js';
import { EXPORT_FORMATS, namesOf, partRange, partTag, type ExportFormat, type ExportPart } from './exportPlan.js';
import { checkManifestExtra, fingerprintOf, journalName, manifestName, manifestOf, writeManifestFile, type Manifest, type ManifestExtra, type PartRecord } from './manifest.js';
import { toKerasNpz } from './npz.js';
import type { ExportedFile, ExportSummary } from './types.js';

/** One split of an export: its samples, as a function of their positions. */
export interface ExportSection {
  split: 'train' | 'test';
  /** Samples of this split in the whole export. */
  total: number;
  /** The samples at positions `[first, first + count)` of this split, in order. */
  source: (first: number, count: number) => Observable<Block>;
}

/** Options of `runExport()`. */
export interface RunExportOptions extends Pick<ExportOptions, 'shardSize' | 'workers' | 'overwrite' | 'inputs' | 'signal' | 'recycle' | 'hf'> {
  dir: string;
  format: ExportFormat;
  /** One split, or train then test: `png` and `wds` put them in `train/` and `test/`, `npz` in Keras' `mnist.npz`. */
  sections: ExportSection[];
  /** Write only part `index` of `of` (not with two sections). Default: the whole export. */
  part?: ExportPart;
  /** Recorded in the manifest. */
  manifest: ManifestExtra;
  /** Called with the samples done (kept ones included) and the part's total. */
  onProgress?: (done: number, total: number) => void;
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
  /** True when the part was complete already: nothing was written. */
  alreadyComplete: boolean;
  /** Files of an earlier export removed by `overwrite`. */
  removed: string[];
}

/** An export stopped by its signal: what it kept (a rerun resumes from there) and removed. */
export class ExportInterruptedError extends IdxflowError {
  constructor(
    dir: string,
    readonly kept: number,
    readonly keptSamples: number,
  ) {
    super({ file: dir, expected: 'the export to run to its end', found: `an interruption; kept ${kept} complete file${kept === 1 ? '' : 's'} (${keptSamples} samples) and removed the incomplete one: rerun the same command to resume` });
  }
}

interface Plan {
  section: ExportSection;
  prefix: string;
  first: number;
  count: number;
}

function plansOf(options: RunExportOptions, unit: number): Plan[] {
  const { sections, part, format } = options;
  if (sections.length < 1 || sections.length > 2) throw new RangeError(`Expected one or two sections but received ${sections.length}`);
  if (sections.length === 2 && part) throw new RangeError('Expected the whole export with two splits: a split export takes one split at a time');
  return sections.map((section) => {
    const { first, count } = partRange(section.total, unit, part);
    const prefix = sections.length === 2 && (format === 'png' || format === 'wds') ? `${section.split}/` : '';
    return { section, prefix, first, count };
  });
}

/** Shards (or whole-split files) of `kept` that let a plan start later: the samples they hold. */
function resumeOffset(plan: Plan, format: ExportFormat, kept: Set<string>, shardSize: number, tag: string, config?: string): number {
  if (format === 'wds') {
    let at = plan.first;
    while (at < plan.first + plan.count && kept.has(`${plan.prefix}shard-${String(at / shardSize).padStart(6, '0')}.tar`)) at += shardSize;
    return Math.min(at, plan.first + plan.count) - plan.first;
  }
  const names = namesOf(format, plan.section.split, plan.prefix, plan.first, plan.first + plan.count, [tag], shardSize, config);
  const whole = [...kept].filter(names).length;
  const expected = format === 'npz' || format === 'hf' ? 1 : 2;
  return format !== 'png' && whole === expected ? plan.count : 0;
}

/**
 * Runs an export, or one part of it, into `dir`, resuming an interrupted run of the same
 * export; writes the part's manifest at the end (see `mergeManifests` to join parts).
 *
 * @param options See `RunExportOptions`.
 * @returns What the run did: see `ExportRun`.
 * @throws ExportRefusedError (nothing written) when `dir` holds inputs or other files;
 *   ExportInterruptedError when `signal` stopped it (complete files kept, to resume); any other
 *   error after removing what this run wrote.
 *
 * ## Example
 * ```ts
 * const train = await loadBlock(mnist());
 * await runExport({ dir: 'out/wds', format: 'wds', part: { index: 0, of: 3 }, manifest: { version: '0.1.0', seed: 1 },
 *   sections: [{ split: 'train', total: 60000, source: (first, count) => of(train).pipe(asRows(), skipSamples(first), takeSamples(count), batch(1024), gather()) }] });
 * ```
 */
export async function runExport(options: RunExportOptions): Promise<ExportRun> {
  const { dir, format, part, signal } = options;
  if (!EXPORT_FORMATS.includes(format)) throw new TypeError(`Expected one of ${EXPORT_FORMATS.join(', ')} for format but received ${String(format)}`);
  const shardSize = options.shardSize ?? 10000;
  const unit = format === 'wds' ? shardSize : 1;
  const plans = plansOf(options, unit);
  const extra = { ...options.manifest, format };
  checkManifestExtra(extra);
  const total = plans.reduce((n, p) => n + p.section.total, 0);
  const partRecord: PartRecord | undefined = part && { index: part.index, of: part.of, first: plans[0].first, count: plans[0].count, total };
  const tag = partTag(part);
  const fingerprint = fingerprintOf({ idxflow: extra.version, format, seed: extra.seed ?? null, pipeline: extra.pipeline ?? null, part: partRecord });
  const allTags = part ? Array.from({ length: part.of }, (_, index) => partTag({ index, of: part.of })) : [''];
  const keras = format === 'npz' && plans.length === 2; // both splits in one mnist.npz
  const stretch = (p: Plan, from: number, to: number, tags: string[]) => (name: string): boolean =>
    keras ? name === 'mnist.npz' : namesOf(format, p.section.split, p.prefix, from, to, tags, shardSize, options.hf?.config)(name);
  // The card of an hf export is written by the whole export, or by its part 0, after the splits.
  const writesCard = format === 'hf' && (!part || part.index === 0);
  const card = (name: string): boolean => format === 'hf' && name === 'README.md';
  const ours = (name: string): boolean => card(name) || plans.some((p) => stretch(p, 0, p.section.total, allTags)(name));
  const mine = (name: string): boolean => (writesCard && card(name)) || plans.some((p) => stretch(p, p.first, p.first + p.count, [tag])(name));
  const state = await prepareExportDir({ dir, fingerprint, ours, mine, inputs: options.inputs ?? [], overwrite: options.overwrite ?? false });
  const names = { manifest: manifestName(part), journal: journalName(part) };
  const partSamples = plans.reduce((n, p) => n + p.count, 0);

  const finished = state.records.get(names.manifest);
  if (finished) {
    const valid = await verifiedFiles(dir, finished);
    if (valid.length === finished.files.length) {
      const summary = { dir, files: valid, count: finished.count, shape: finished.shape, dtype: finished.dtype };
      return { manifest: names.manifest, summary, kept: valid, keptSamples: finished.count, alreadyComplete: true, removed: state.removed };
    }
  }
  const record = finished ?? state.records.get(names.journal);
  const kept = (await verifiedFiles(dir, record)).filter((f) => mine(f.name));
  const keptNames = new Set(kept.map((f) => f.name));
  const offsets = keras ? plans.map((p) => (keptNames.has('mnist.npz') ? p.count : 0)) : plans.map((p) => resumeOffset(p, format, keptNames, shardSize, tag, options.hf?.config));
  const keptSamples = offsets.reduce((a, b) => a + b, 0);
  let shape: [number, number] = record?.shape ?? [0, 0];
  let dtype: 'uint8' | 'float32' = record?.dtype ?? 'uint8';
  // What stays: the files of each split's stretch that is not written again.
  const files = kept.filter((f) => plans.some((p, k) => (offsets[k] === p.count ? stretch(p, p.first, p.first + p.count, [tag]) : stretch(p, p.first, p.first + offsets[k], [tag]))(f.name)));
  const written: ExportedFile[] = [];
  const journal = (): Promise<unknown> =>
    writeManifestFile(dir, names.journal, { ...manifestOf({ files: [...files, ...written], count: keptSamples, shape, dtype }, extra, partRecord), complete: false });
  await rm(join(dir, names.manifest), { force: true });
  await journal();
  let done = keptSamples;
  let writtenSamples = 0; // in the shards this run completed (what an interruption keeps)
  try {
    const report = (n: number): void => options.onProgress?.(done + n, partSamples);
    const record = async (file: ExportedFile, prefix: string, plan?: Plan): Promise<void> => {
      written.push({ ...file, name: prefix + file.name });
      // The samples a complete file holds: a shard its stretch of positions, another file its whole split's.
      const shard = /^shard-(\d{6})\.tar$/.exec(file.name);
      if (plan && shard) writtenSamples += Math.min(shardSize, plan.first + plan.count - Number(shard[1]) * shardSize);
      await journal();
    };
    if (format === 'npz' && plans.length === 2 && offsets[0] < plans[0].count) {
      const [train, test] = plans;
      const summary = await toKerasNpz(
        { train: train.section.source(train.first, train.count), test: test.section.source(test.first, test.count) },
        { dir, signal, onProgress: report, onFile: (file) => record(file, ''), recycle: options.recycle },
      );
      ({ shape, dtype } = summary);
    } else {
      for (const [k, plan] of plans.entries()) {
        const from = plan.first + offsets[k];
        const count = plan.count - offsets[k];
        if (count === 0) continue;
        const summary = await writeSplit(plan.section.source(from, count), format, {
          dir: join(dir, plan.prefix),
          split: plan.section.split,
          expectedCount: count,
          position: from,
          tag,
          signal,
          shardSize: format === 'wds' ? shardSize : undefined,
          workers: options.workers,
          hf: format === 'hf' ? options.hf : undefined,
          onProgress: report,
          onFile: (file) => record(file, plan.prefix, plan),
          recycle: options.recycle,
        });
        done += count;
        if (summary.count > 0) ({ shape, dtype } = summary);
      }
    }
    if (writesCard) {
      const splits = plans.map((p) => ({ name: p.section.split, count: p.section.total }));
      const hf = options.hf;
      await record(await writeHfCard(dir, { ...hf?.card, classes: hf?.classes ?? DIGIT_NAMES, config: hf?.config, splits, pipeline: extra.pipeline, seed: extra.seed, version: extra.version }), '');
    }
  } catch (error) {
    if (signal?.aborted) {
      throw new ExportInterruptedError(dir, files.length + written.length, keptSamples + writtenSamples);
    }
    await removeWritten(dir, written.map((f) => f.name), false);
    if (files.length === 0) await removeWritten(dir, [names.journal], state.created);
    else await journal().catch(() => undefined);
    throw error;
  }
  const summary = { dir, files: [...files, ...written], count: partSamples, shape, dtype };
  await writeManifestFile(dir, names.manifest, manifestOf(summary, extra, partRecord));
  await rm(join(dir, names.journal), { force: true });
  return { manifest: names.manifest, summary, kept: files, keptSamples, alreadyComplete: false, removed: state.removed };
}

export type { Manifest };
