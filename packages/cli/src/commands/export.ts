import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { asRows, batch, datasetEntry, decodeNpy, epochs, fromBytes, shuffleRows, skipSamples, takeSamples, type Block, type Run, type Split, type WorkerPool } from '@idxflow/core';
import { ExportRefusedError, runExport, type ExportSection } from '@idxflow/sinks';
import { loadUntilAborted } from '../interrupted.js';
import { hfDescription, manifestClasses, sourceOf } from '../dataSources.js';
import { mixingOf } from '../mixFlags.js';
import { classesOf, mixedSamples } from '../mixing.js';
import { policyStage } from '../policyStages.js';
import { augment, augmentPool, corrupt, corruptPool, normalize as normalizeStage, RECIPES, type CorruptOptions } from '@idxflow/transforms';
import { corruptionOf } from '../corruptFlags.js';
import { writeSuite } from './exportSuite.js';
import { lastValueFrom, of, type Observable, type OperatorFunction } from 'rxjs';
import { integerIn } from '../numbers.js';
import { augmentOptions, MAX_SAMPLES, normalizeOf, npyFiles, policyOf, seedOf, workersOf } from '../options.js';
import { progressInterval, progressReporter } from '../progress.js';
import { VERSION } from '../version.js';
import { UsageError } from '../usageError.js';
import { partOf } from './exportPart.js';
import { formatOf, MAX_SHARD_SIZE } from './exportFlags.js';
import { taskCount, taskSettingsOf, type TaskSettings } from '../taskFlags.js';
import { taskData, taskRecord } from '../tasks.js';

/** The splits the flags ask for, each with its source (its first --limit samples) and input files. */
async function splitsOf(flags: Flags, signal?: AbortSignal): Promise<{ split: Split; data: Block<Uint8Array>; inputs: string[]; name: string; skipped: string[] }[]> {
  await refuseFloatNpy(flags);
  const splits = (flags.split === 'all' ? ['train', 'test'] : [flags.split === 'test' || flags.split === 'val' ? flags.split : 'train']) as Split[];
  const out = [];
  for (const split of splits) {
    const { source, name, inputs: named, skipped = [] } = sourceOf({ ...flags, split });
    const inputs = named ?? (await datasetEntry(String(flags.dataset))!.files({ split, dir: typeof flags.dir === 'string' ? flags.dir : undefined }));
    const data = await loadUntilAborted(source, name, signal, inputs.join(' and '));
    if (data.shape[1] < 1 || data.shape[2] < 1) throw new UsageError(`Expected images of at least 1 x 1 pixels in ${inputs[0]} but received ${data.shape[1]} x ${data.shape[2]}`);
    refuseFloatPixels(String(flags.format), (data as Block).images, inputs[0]);
    out.push({ split, data, inputs, name, skipped });
  }
  return out;
}

type Flags = Record<string, string | boolean | undefined>;

/** The formats that hold 8-bit PNG files (or IDX's bytes): float32 pixels (an npy/npz export of --normalize) cannot go there. */
const BYTE_FORMATS = ['png', 'wds', 'hf'];

/** The dtype an `--npy` images file's header declares (read from its first 64 KiB), undefined when it has no readable header. */
async function npyDescr(path: string): Promise<string | undefined> {
  const handle = await open(path).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: new Uint8Array(65_536), position: 0 });
    let descr: string | undefined;
    await lastValueFrom(fromBytes(buffer.subarray(0, bytesRead)).pipe(decodeNpy({ file: path, onHeader: (h) => (descr = h.descr) })), { defaultValue: undefined }).catch(() => undefined);
    return descr;
  } finally {
    await handle.close();
  }
}

/** Refuses float32 `--npy` images for a format of PNG files from the header alone, before the images are read. */
async function refuseFloatNpy(flags: Flags): Promise<void> {
  if (typeof flags.npy !== 'string' || !BYTE_FORMATS.includes(String(flags.format))) return;
  const [images] = npyFiles(flags.npy);
  const descr = await npyDescr(images);
  if (descr?.endsWith('f4') !== true) return;
  throw new ExportRefusedError({ file: images, expected: `uint8 images for --format ${String(flags.format)} (PNG files hold 8-bit pixels; export float32 images as npy or npz)`, found: `float32 images (descr '${descr}')` });
}

/** Refuses, before anything is written, float32 pixels for a format of PNG files. */
function refuseFloatPixels(format: string, images: Block['images'], input: string): void {
  if (!(images instanceof Float32Array) || !BYTE_FORMATS.includes(format)) return;
  throw new ExportRefusedError({ file: input, expected: `uint8 images for --format ${format} (PNG files hold 8-bit pixels; export float32 images as npy or npz)`, found: `float32 images (${images.length} values)` });
}
type Settings = ReturnType<typeof settingsOf>;
type Splits = Awaited<ReturnType<typeof splitsOf>>;

/** What the flags ask of the export, each converted (EXPORT_RULES checked them). */
function settingsOf(flags: Flags) {
  return {
    out: String(flags.out),
    format: formatOf(String(flags.format)),
    copies: integerIn('copies', String(flags.copies), 1, MAX_SAMPLES),
    workers: workersOf(flags),
    seed: seedOf(flags),
    options: augmentOptions(flags),
    policy: policyOf(flags),
    normalize: normalizeOf(flags.normalize),
    shardSize: flags['shard-size'] === undefined ? undefined : integerIn('shard-size', String(flags['shard-size']), 1, MAX_SHARD_SIZE),
    limit: flags.limit === undefined ? undefined : Number(flags.limit),
    part: partOf(flags, process.env),
    mixing: mixingOf(flags),
    /** What the task of a --tasks folder is, for its manifest; none outside --tasks. */
    task: undefined as object | undefined,
    corruption: typeof flags.corrupt === 'string' ? corruptionOf(flags.corrupt) : undefined,
  };
}

/** Passes over split k: --copies, but the test split of --split all once, exactly as it is. */
const passesOf = (flags: Flags, settings: Settings, k: number): number => (flags.split === 'all' && k === 1 ? 1 : settings.copies);

/** Refuses an export of more samples than 32-bit counts hold (and a disk, most likely). */
function checkTotal(flags: Flags, settings: Settings, splits: Splits): void {
  const total = splits.reduce((sum, { data }, k) => sum + data.shape[0] * passesOf(flags, settings, k), 0);
  if (total > MAX_SAMPLES) {
    const counts = `N x ${splits[0].data.shape[0]}${splits.length > 1 ? ` + ${splits[1].data.shape[0]}` : ''}`;
    throw new UsageError(`Expected --copies N with ${counts} samples at most ${MAX_SAMPLES} but received ${settings.copies} (${total} samples; --limit takes fewer)`);
  }
}

/** The sections of the export: each split's samples as a function of their positions. */
function sectionsOf(flags: Flags, settings: Settings, splits: Splits, pool: WorkerPool | undefined, corruptions: WorkerPool | undefined): ExportSection[] {
  const { seed, options, policy, normalize, mixing, corruption } = settings;
  return splits.map(({ split, data }, k) => {
    const test = flags.split === 'all' && k === 1;
    const passes = passesOf(flags, settings, k);
    const classes = classesOf(data.labels);
    return {
      split,
      total: data.shape[0] * passes,
      // The samples at export positions [first, first + count): every one a pure function of its position.
      source: (first: number, count: number): Observable<Block> => {
        const runs: Observable<Run> = of(data).pipe(epochs(passes), flags.shuffle && !test ? shuffleRows({ seed }) : asRows());
        // augment()'s steps; then a policy (normalisation after it: policies take bytes, as
        // torchvision's) or a corruption (refused with --normalize and with a policy).
        const augmented: OperatorFunction<Run, Block> =
          test || (policy === undefined && corruption === undefined)
            ? augment(test ? { normalize } : { ...options, normalize }, { seed, pool })
            : corruption !== undefined
              ? (rows) => rows.pipe(augment(options, { seed, pool }), corrupt(corruption, { seed, pool: corruptions }))
              : (rows) => {
                  const policed = rows.pipe(augment(options, { seed, pool }), policyStage(policy!, { seed, pool }));
                  return normalize ? policed.pipe(normalizeStage(normalize)) : policed;
                };
        if (mixing && !test) return mixedSamples(mixing, runs, first, count, data.shape[0], augmented, seed, classes);
        return runs.pipe(skipSamples(first), takeSamples(count), batch(1024), augmented);
      },
    };
  });
}

/** The flags that make an export what it is (not where or on how many threads it runs): its manifest's pipeline. */
function pipelineRecord(flags: Flags, { options, policy, normalize, copies, shardSize, limit, mixing, task, corruption }: Settings, name: string): object {
  const record = { source: name, split: String(flags.split), copies, shuffle: Boolean(flags.shuffle), augment: options, normalize: normalize ?? null, shardSize: shardSize ?? null, ...manifestClasses(flags) };
  // Exports made before --limit, the mixing flags, the policies and --corrupt keep their record, to resume.
  const mix = mixing && { mix: { mixup: mixing.mixup ?? null, cutmix: mixing.cutmix ?? null, batch: mixing.group } };
  const corrupted = corruption && { corrupt: corruptionRecord(corruption) };
  return { ...record, ...(limit === undefined ? {} : { limit }), ...(policy === undefined ? {} : { policy }), ...corrupted, ...mix, ...(task === undefined ? {} : { task }) };
}

/** The corruption as the manifest records it: its name and the severity it ran at. */
function corruptionRecord(corruption: CorruptOptions): object {
  const released = RECIPES[corruption.name].released;
  const severity = corruption.severity ?? released;
  return severity === undefined ? { name: corruption.name } : { name: corruption.name, severity };
}

export async function exportCommand(flags: Flags, signal?: AbortSignal): Promise<string> {
  if (typeof flags.suite === 'string') return writeSuite(flags, signal);
  const settings = settingsOf(flags);
  const splits = await splitsOf(flags, signal);
  checkTotal(flags, settings, splits);
  const pool = settings.workers > 0 ? augmentPool(settings.workers) : undefined;
  const corruptions = settings.workers > 0 && settings.corruption ? corruptPool(settings.workers) : undefined;
  try {
    const tasks = taskSettingsOf(flags);
    if (tasks) return await exportTasks(flags, settings, splits, tasks, pool, corruptions, signal);
    return await writeExport(flags, settings, splits, sectionsOf(flags, settings, splits, pool, corruptions), signal);
  } finally {
    await Promise.all([pool?.destroy(), corruptions?.destroy()]);
  }
}

/**
 * --tasks: one export per task into `task-<t>/` of --out, each of its task's data (made from
 * the splits by the task stage) and with its own manifest naming the task; one summary line each.
 */
async function exportTasks(flags: Flags, settings: Settings, splits: Splits, tasks: TaskSettings, pool: WorkerPool | undefined, corruptions: WorkerPool | undefined, signal: AbortSignal | undefined): Promise<string> {
  const classes = Math.max(...splits.map((s) => classesOf(s.data.labels)));
  const count = taskCount(tasks, classes);
  const [, height, width] = splits[0].data.shape;
  const lines: string[] = [];
  for (let t = 0; t < count; t++) {
    const taskSplits: Splits = [];
    for (const s of splits) taskSplits.push({ ...s, data: await taskData(tasks, t, s.data, classes, settings.workers, s.inputs.join(' and '), signal) });
    const folder = { ...settings, out: join(settings.out, `task-${t}`), task: taskRecord(tasks, t, classes, height, width) };
    checkTotal(flags, folder, taskSplits);
    lines.push(await writeExport(flags, folder, taskSplits, sectionsOf(flags, folder, taskSplits, pool, corruptions), signal));
  }
  return lines.join('\n');
}

/** Runs the export of `sections` with a progress report; the summary line. */
async function writeExport(flags: Flags, settings: Settings, splits: Splits, sections: ExportSection[], signal: AbortSignal | undefined): Promise<string> {
  const { out, format, workers, seed, shardSize, part } = settings;
  const name = splits.map((s) => s.name).join(' + ');
  const progress = progressReporter(`export ${name}${part ? ` (part ${part.index + 1} of ${part.of})` : ''}`, process.stderr, progressInterval(process.env));
  const start = performance.now();
  try {
    const run = await runExport({
      dir: out,
      format,
      sections,
      part,
      shardSize,
      workers: format === 'png' || format === 'wds' ? workers : undefined,
      hf: format === 'hf' ? await hfDescription(flags) : undefined,
      manifest: { version: VERSION, seed, pipeline: pipelineRecord(flags, settings, name) },
      inputs: splits.flatMap((s) => s.inputs),
      overwrite: flags.overwrite === true,
      recycle: true, // nothing keeps the blocks once written: their memory serves the next ones
      onProgress: (done, of) => progress.update(done, of),
      onWait: (holder) => process.stderr.write(`idxflow: waiting for the run that holds this part of ${out} (${holder}): it may be alive on another host\n`),
      signal,
    });
    const seconds = (performance.now() - start) / 1000;
    if (run.alreadyComplete) return `${run.manifest} in ${out}: already complete (${run.summary.count} images, ${run.summary.files.length} files verified): nothing to do`;
    const made = run.summary.count - run.keptSamples;
    const resumed = run.kept.length > 0 ? `, kept ${run.kept.length} complete files (${run.keptSamples} images) of an interrupted run` : '';
    const removed = run.removed.length > 0 ? `, replaced an earlier export (${run.removed.length} files removed)` : '';
    const unread = splits.flatMap((s) => s.skipped);
    const skipped = unread.length > 0 ? `, skipped ${unread.length} unreadable file${unread.length > 1 ? 's' : ''} (${unread[0]}${unread.length > 1 ? ', ...' : ''})` : '';
    return `exported ${made} images (${format}) to ${out} in ${seconds.toFixed(2)} s (${Math.round(made / seconds)} images/s)${resumed}${removed}${skipped}; ${run.manifest}`;
  } finally {
    progress.finish();
  }
}
