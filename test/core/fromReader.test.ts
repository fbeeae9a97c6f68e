// The datasets whose reading loads at subscription (datasets/<name>Reader.ts through
// fromReader()): their options are still checked when the stream is built, synchronously, with
// the typed error that names the option; and what the reader meets reaches `error`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { csv, imageFolder, OptionError, parquet, pngTree } from '@idxflow/core/internal';

describe('a dataset read by a reader loaded at subscription', () => {
  it('refuses a bad option when the stream is built, before anything is subscribed', () => {
    const cases: [string, () => unknown, string][] = [
      ['csv blockSize', () => csv({ path: 'a.csv', blockSize: 0 }), 'Expected integer >= 1 for blockSize but received 0 of type number'],
      ['csv path', () => csv({ path: '' }), 'Expected a file for path but received '],
      ['parquet files', () => parquet({ files: [] }), 'Expected at least one Parquet file for files'],
      ['parquet maxImagePixels', () => parquet({ files: ['a.parquet'], maxImagePixels: 1.5 }), 'Expected integer >= 1 for maxImagePixels but received 1.5 of type number'],
      ['imageFolder size', () => imageFolder({ root: 'photos', size: [28, 0] }), 'Expected integer between 1 and 65535 for size[1] but received 0 of type number'],
      ['pngTree size', () => pngTree({ root: 'tree', classes: ['A'], size: 70000 }), 'Expected integer between 1 and 65535 for size but received 70000 of type number'],
    ];
    for (const [name, build, message] of cases) {
      let thrown: unknown;
      try {
        build();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, name).toBeInstanceOf(OptionError);
      expect((thrown as Error).message, name).toBe(message);
    }
  });

  it("delivers the reader's error to the subscriber, naming the file", async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'idxflow-reader-')), 'absent.csv');
    const error = await lastValueFrom(csv({ path: missing })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect((error as Error).message).toContain(missing);
  });
});
