// writeOutputFile(), from the public entry: a file of one's own written as the exports write
// theirs (what `idxflow preview` writes its sheet with): folders made, never among the inputs,
// whole or not at all.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportRefusedError, writeOutputFile } from '@idxflow/sinks';
import { describe, expect, it } from 'vitest';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-output-file-'));

describe('writeOutputFile', () => {
  it('makes the missing folders and writes the bytes, leaving only the file', async () => {
    const dir = tmp();
    const path = join(dir, 'a', 'b', 'sheet.png');
    await writeOutputFile(path, Uint8Array.of(1, 2, 3));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['sheet.png']);
  });

  it('refuses a path inside an input folder, or that is an input, and writes nothing', async () => {
    const dir = tmp();
    const data = join(dir, 'data');
    mkdirSync(join(data, '3'), { recursive: true });
    writeFileSync(join(data, '3', '0.png'), 'png');
    const inside = await writeOutputFile(join(data, 'sheet.png'), Uint8Array.of(1), { inputs: [data] }).catch((e: unknown) => e);
    expect(inside).toBeInstanceOf(ExportRefusedError);
    const same = await writeOutputFile(join(data, '3', '0.png'), Uint8Array.of(1), { inputs: [join(data, '3', '0.png')] }).catch((e: unknown) => e);
    expect(same).toBeInstanceOf(ExportRefusedError);
    expect(readdirSync(data).sort()).toEqual(['3']);
    expect(readFileSync(join(data, '3', '0.png'), 'utf8')).toBe('png');
  });

  it('a path that is a folder fails naming it, and leaves no temporary', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'taken.png'));
    const error = await writeOutputFile(join(dir, 'taken.png'), Uint8Array.of(1)).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('EISDIR');
    expect((error as Error).message).toContain(join(dir, 'taken.png'));
    expect(readdirSync(dir)).toEqual(['taken.png']);
  });
});
