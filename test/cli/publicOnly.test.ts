// The CLI is a user of the public API: no file of packages/cli/src imports an `/internal` entry
// of a package, or a package's files by path (its dist/ or src/, or a sibling's folder through
// `../`). Whatever the command line can do, a program can do through the documented entries.
// Imports are read with TypeScript's own pre-processor (static imports and exports, `import()`,
// `require()`), the compiler API of TypeScript 5 that tools/docs installs, as
// test/docs/publicApi.test.ts does.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from '../../tools/docs/node_modules/typescript/lib/typescript.js';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI_SRC = join(ROOT, 'packages', 'cli', 'src');
const ts = createRequire(join(ROOT, 'tools', 'docs', 'package.json'))('typescript') as typeof TS;

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.m?ts$/.test(entry.name) ? [path] : [];
  });
}

/** The module specifiers a file imports, exports from, `import()`s or `require()`s. */
function specifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName);
}

/** Why importing `specifier` from `file` goes around the public API, or undefined when it does not. */
function problem(file: string, specifier: string): string | undefined {
  if (/^@idxflow\/[^/]+\/internal(\/|$)/.test(specifier)) return `${specifier}: an /internal entry`;
  if (/^@idxflow\/[^/]+\/(dist|src)(\/|$)/.test(specifier)) return `${specifier}: a package's files by path`;
  if (/(^|\/)packages\/(core|transforms|sinks)\//.test(specifier)) return `${specifier}: a package's files by path`;
  if (specifier.startsWith('.') && relative(CLI_SRC, resolve(dirname(file), specifier)).startsWith('..')) return `${specifier}: a file outside packages/cli/src`;
  return undefined;
}

/** `file: why` for each import of `text` (read from `file`) that goes around the public API. */
function problemsOf(file: string, text: string): string[] {
  return specifiers(text).flatMap((specifier) => {
    const why = problem(file, specifier);
    return why === undefined ? [] : [`${relative(ROOT, file)}: ${why}`];
  });
}

describe('the CLI imports only public entry points', () => {
  it('finds an /internal import or a path into a package in any of its forms (the check can fail)', () => {
    const file = join(CLI_SRC, 'commands', 'example.ts');
    const text = [
      "import { runExport } from '@idxflow/sinks/internal';",
      "import {\n  specOf,\n  type AugmentSpec,\n} from '@idxflow/transforms/internal';",
      "export { validate } from '@idxflow/core/internal';",
      "const lazy = () => import('@idxflow/core/internal');",
      "import type { Block } from '@idxflow/core/dist/block.js';",
      "import { toIdx } from '../../../sinks/src/files/idx.js';",
      "import { mnist } from '@idxflow/core'; // '@idxflow/core/internal' in a comment is no import",
      "import { UsageError } from '../usageError.js';",
    ].join('\n');
    expect(problemsOf(file, text)).toEqual([
      'packages/cli/src/commands/example.ts: @idxflow/sinks/internal: an /internal entry',
      'packages/cli/src/commands/example.ts: @idxflow/transforms/internal: an /internal entry',
      'packages/cli/src/commands/example.ts: @idxflow/core/internal: an /internal entry',
      'packages/cli/src/commands/example.ts: @idxflow/core/internal: an /internal entry',
      "packages/cli/src/commands/example.ts: @idxflow/core/dist/block.js: a package's files by path",
      'packages/cli/src/commands/example.ts: ../../../sinks/src/files/idx.js: a file outside packages/cli/src',
    ]);
  });

  it('packages/cli/src: no file imports an /internal entry or a package by path', () => {
    const files = sources(CLI_SRC);
    const imported = new Set(files.flatMap((file) => specifiers(readFileSync(file, 'utf8'))));
    // The walk reached the command modules and read their imports of the public entries.
    expect(files.map((file) => relative(CLI_SRC, file))).toEqual(expect.arrayContaining(['main.ts', join('commands', 'export.ts'), join('commands', 'explore', 'server.ts')]));
    expect([...imported].filter((s) => s.startsWith('@idxflow/')).sort()).toEqual(['@idxflow/core', '@idxflow/sinks', '@idxflow/transforms']);
    expect(files.flatMap((file) => problemsOf(file, readFileSync(file, 'utf8')))).toEqual([]);
  });
});
