// docs/cli.md is the full reference of the command line: every line of every command's --help is
// in it, so a flag or a bound changed in the code and not in the document fails here. And every
// flag that takes a value has a check of its bounds (a path, or the bind address, excepted).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, readCommandLine } from '../../packages/cli/src/commandTable.js';
import { ROOT } from '../fixtures/mnist.js';

describe('the command line reference', () => {
  it("holds every line of every command's --help", async () => {
    const lines = new Set(readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8').split('\n'));
    for (const [name, command] of Object.entries(COMMANDS)) {
      for (const line of (await command.flags()).usage.split('\n')) expect(lines.has(line), `idxflow help ${name}: ${line}`).toBe(true);
    }
  });

  it('is named by idxflow --help as a file that exists (docs/cli.md here; cli.md in the package, which pack-all ships)', async () => {
    const help = await readCommandLine(['--help']);
    expect(help.kind === 'print' && help.text.split('\n').at(-1)).toBe(`the command was run from. The full reference: ${join(ROOT, 'docs', 'cli.md')}`);
    const files = (JSON.parse(readFileSync(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as { files: string[] }).files;
    expect(files).toContain('cli.md');
    // Every export format, hf too, in the summary of export.
    expect(help.kind === 'print' && help.text).toMatch(/export +write the \(augmented\) dataset as IDX, NPY\/NPZ, PNG folders, WebDataset shards or Hugging Face Parquet\n/);
  });

  it('lists no flag without a check of its bounds', async () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      for (const [flag, spec] of Object.entries((await command.flags()).flags)) {
        if (spec.type === 'string' && !spec.path && flag !== 'host') expect(spec.check, `${name} --${flag}`).toBeTypeOf('function');
        expect(spec.help.length, `${name} --${flag}`).toBeGreaterThan(0);
      }
    }
  });
});
