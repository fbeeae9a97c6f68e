// docs/errors.md's table lists exactly the error codes the packages define, no more, no fewer,
// each with the class and package that define it, the exit status the CLI ends with and the HTTP
// status the servers answer with. The codes come from the built classes themselves: every
// `export class X extends ...` of packages/*/src whose prototype chain reaches IdxflowError,
// its code read from an instance (IdxflowError's constructor sets it), not derived here.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { httpStatusOf, IdxflowError } from '@idxflow/core';
import { describe, expect, it } from 'vitest';
import { errorReport, inFlags } from '../../packages/cli/src/errorReport.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

interface Defined {
  code: string;
  className: string;
  pkg: string;
  instance: IdxflowError;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const coreEntries = { ...(await import('@idxflow/core')), ...(await import('@idxflow/core/internal')) };

/** Every IdxflowError subclass the packages declare, with the code an instance of it carries. */
async function definedErrors(): Promise<Defined[]> {
  const defined: Defined[] = [];
  for (const pkg of ['core', 'transforms', 'sinks', 'cli']) {
    for (const file of sources(join(ROOT, 'packages', pkg, 'src'))) {
      const names = [...readFileSync(file, 'utf8').matchAll(/^export class (\w+) extends \w+/gm)].map((m) => m[1]);
      if (names.length === 0) continue;
      const built = join(ROOT, relative(ROOT, file).replace('/src/', '/dist/').replace(/\.ts$/, '.js'));
      // Core's classes as Node loads them, from its bundle's entries (one IdxflowError with the other packages').
      const module = (pkg === 'core' ? coreEntries : await import(pathToFileURL(built).href)) as Record<string, new (...args: never[]) => unknown>;
      for (const className of names) {
        const cls = module[className];
        if (typeof cls !== 'function' || !(cls.prototype instanceof IdxflowError)) continue;
        // IdxflowError's constructor alone, with the subclass as new.target: the code it sets.
        const instance = Reflect.construct(IdxflowError, ['a message of no option'], cls) as IdxflowError;
        Object.assign(instance, { tried: [], kept: 0, keptSamples: 0 }); // fields errorReport reads of two classes
        defined.push({ code: instance.code, className, pkg, instance });
      }
    }
  }
  return defined;
}

/** The rows of the table in docs/errors.md. */
function documented(): { code: string; className: string; pkg: string; exit: number; http: number }[] {
  const text = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  return [...text.matchAll(/^\| `(IDXFLOW_\w+)` \| `(\w+)` \| (\w+) \| .+ \| (\d+) \| (\d+) \|$/gm)].map((m) => ({
    code: m[1],
    className: m[2],
    pkg: m[3],
    exit: Number(m[4]),
    http: Number(m[5]),
  }));
}

describe('docs/errors.md', async () => {
  const defined = await definedErrors();
  const rows = documented();

  it('lists exactly the codes the packages define, each with its class and package', () => {
    expect(defined.length).toBeGreaterThan(35); // the scan found the classes
    const byCode = (a: { code: string }, b: { code: string }): number => a.code.localeCompare(b.code);
    expect(rows.map(({ code, className, pkg }) => ({ code, className, pkg })).sort(byCode)).toEqual(
      defined.map(({ code, className, pkg }) => ({ code, className, pkg })).sort(byCode),
    );
    expect(new Set(rows.map((r) => r.code)).size).toBe(rows.length); // no code twice
  });

  it("states each code's CLI exit status and HTTP status as the CLI and the servers give them", () => {
    for (const row of rows) {
      const { instance } = defined.find((d) => d.code === row.code)!;
      expect.soft(errorReport(instance).code, `${row.code} exit`).toBe(row.exit);
      expect.soft(httpStatusOf(instance), `${row.code} HTTP`).toBe(row.http);
    }
    // A few statuses worked out by hand from the rules, so the columns cannot just echo the code.
    const status = (code: string): [number, number] => {
      const row = rows.find((r) => r.code === code)!;
      return [row.exit, row.http];
    };
    expect(status('IDXFLOW_OPTION')).toEqual([2, 400]);
    expect(status('IDXFLOW_EXPORT_INTERRUPTED')).toEqual([130, 500]);
    expect(status('IDXFLOW_BUSY')).toEqual([1, 503]);
    expect(status('IDXFLOW_GZIP')).toEqual([1, 500]);
    // Not an idxflow error: exit 1, HTTP 500.
    expect(httpStatusOf(new RangeError('x'))).toBe(500);
    expect(errorReport(new RangeError('x')).code).toBe(1);
  });
});

describe("the CLI's words for the library's options", () => {
  it('turns a quoted option or the option an OptionError names into its flag, and leaves the rest', () => {
    expect(inFlags('choose another `dir`, or pass `overwrite: true` to remove them')).toBe('choose another --out, or pass --overwrite to remove them');
    expect(inFlags('at most 4 pixels (`maxImagePixels`)')).toBe('at most 4 pixels (--max-image-pixels)');
    expect(inFlags('Expected integer >= 1 for maxInflateRatio but received 0', 'maxInflateRatio')).toBe('Expected integer >= 1 for --max-inflate-ratio but received 0');
    expect(inFlags('Expected integer >= 1 for size but received 0', 'size')).toBe('Expected integer >= 1 for size but received 0'); // no flag
    expect(inFlags('a `constructor` and a `seed`')).toBe('a `constructor` and a `seed`'); // not in the table
  });
});
