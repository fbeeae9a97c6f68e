import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolders } from '@idxflow/core/internal';
import { CLI } from '../fixtures/mnist.js';

describe('makeFolders', () => {
  it('makes the missing folders and returns the first it made, as mkdir -p; undefined when all were there', async () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-folders-'));
    expect(await makeFolders(join(root, 'a', 'b', 'c'))).toBe(join(root, 'a'));
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(await makeFolders(join(root, 'a', 'b'))).toBeUndefined();
    writeFileSync(join(root, 'file'), 'x');
    await expect(makeFolders(join(root, 'file', 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeFolders(join(root, 'file'))).rejects.toMatchObject({ code: 'ENOTDIR', path: join(root, 'file') }); // a file where the folder goes
  });

  it("refuses a folder under /proc with mkdir's ENOENT (Node 20's recursive mkdir loops there forever), and so do export and preview", async () => {
    await expect(makeFolders('/proc/idxflow-test/below')).rejects.toMatchObject({ code: 'ENOENT', path: '/proc/idxflow-test' });
    for (const args of [['export', '--split', 'test', '--limit', '10', '--out', '/proc/idxflow-test'], ['preview', '--out', '/proc/idxflow-test/sheet.png']]) {
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
      expect([r.status, r.stderr], args[0]).toEqual([1, `idxflow: Error: ENOENT: no such file or directory, mkdir '/proc/idxflow-test'\n`]);
    }
    expect(existsSync('/proc/idxflow-test')).toBe(false);
  });
});
