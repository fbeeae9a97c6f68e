// The export formats, apart from the plans and writers that use them (exportPlan.ts): an
// option parser that only checks a format name loads this file, not the writers.

/** The formats `exportTo()` writes. */
export type ExportFormat = 'idx' | 'idx.gz' | 'npy' | 'npz' | 'png' | 'wds' | 'hf';

/** Every `ExportFormat`, for option parsers. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['idx', 'idx.gz', 'npy', 'npz', 'png', 'wds', 'hf'];
