// Every error the packages throw, or hand to an Observable's `error` or a promise's `reject`, is
// an IdxflowError subclass with a `code` (docs/errors.md). This test reads every throw site of
// packages/*/src with the TypeScript 7 compiler's API (its parser and checker, run by tsgo) and
// resolves each thrown class by importing the built module that declares it and walking its
// prototype chain, so a class that merely looks right (has a `code`, ends in "Error") does not pass.
//
// The rule for what may be thrown:
// - `new X(...)`: X is a class declared in packages/*/src whose prototype chain reaches
//   IdxflowError. A global class (Error, RangeError, TypeError) fails.
// - a call, `await` or conditional (`throw countError(...)`, `throw await refusal(...)`): the
//   checker's type of each possible value is such a class (or `never`).
// - a forwarded value: `throw error` where `error` is the variable of an enclosing `catch` clause
//   or a parameter of an enclosing function (an error callback's argument), also through
//   withPath(). These pass on what a callee threw: one of our typed errors, or a Node system
//   error (fs, net) that carries Node's own stable `code` (ENOENT, EACCES) and path, which
//   idxflow does not rewrap. A forward is fine only of a value the code did not make: any value
//   made here goes through the first two rules.
// - ALLOWED below lists the exceptions, each with its reason: a caught value kept in a field and
//   rethrown later (`failed.error`), and an AbortSignal's `reason` (the caller's own value).
import { describe, expect, test } from 'vitest';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IdxflowError } from '@idxflow/core';
import { API } from 'typescript/unstable/sync';
import { SyntaxKind, type Node, type SourceFile } from 'typescript/unstable/ast';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = ['core', 'transforms', 'sinks', 'cli'];

/** Sites that throw something else, by file and the thrown text's start, with the reason. */
const ALLOWED: Record<string, string> = {
  // makeFolders() reports a file in the way exactly as Node's mkdir would (errno ENOTDIR, path),
  // so its callers handle both alike: a Node system error, as the rule above allows.
  'packages/core/src/folders.ts: Object.assign(new Error(': 'a Node system error (ENOTDIR) shaped as mkdir makes it',
  // A caught value kept until the other lanes stop, then rethrown: the first failure of the work.
  'packages/core/src/images/mapBounded.ts: failed.error': 'a caught value, rethrown',
  'packages/sinks/src/files/pngFolder.ts: failed.reason': 'a caught value (a settled promise\'s reason), rethrown',
  'packages/sinks/src/tensors/iterateBlocks.ts: failure.error': "a value the pipeline's error callback received, rethrown to the iterator",
  // An AbortSignal's reason is the caller's: whatever it aborted with (a DOMException AbortError
  // by default), as fetch() and Node's own APIs throw it.
  'packages/sinks/src/files/exportLock.ts: options.signal.reason': "the caller's abort reason",
};

/** Functions that return the value they are given (withPath() adds the path to a Node system error's message). */
const FORWARDERS = ['withPath'];

interface Site {
  file: string;
  line: number;
  text: string;
  verdict: string | undefined; // undefined: fine
  allowedBy?: string; // the ALLOWED key that let it pass
}

/** The class of each error class declared in packages/*\/src, from its built module. */
async function declaredClasses(files: { file: string; sf: SourceFile }[]): Promise<Map<string, unknown>> {
  const classes = new Map<string, unknown>();
  for (const { file, sf } of files) {
    const names: string[] = [];
    const visit = (node: Node): void => {
      if (node.kind === SyntaxKind.ClassDeclaration) {
        const name = (node as unknown as { name?: { text: string } }).name?.text;
        if (name) names.push(name);
      }
      node.forEachChild(visit);
    };
    visit(sf);
    if (names.length === 0) continue;
    const built = file.replace('/src/', '/dist/').replace(/\.ts$/, '.js');
    const module = (await import(pathToFileURL(join(ROOT, built)).href)) as Record<string, unknown>;
    for (const name of names) if (module[name] !== undefined) classes.set(name, module[name]);
  }
  return classes;
}

// The built modules imported above are core's dist/ modules, which extend dist/errors.js's
// IdxflowError; the other packages' extend the one of core's bundle ('@idxflow/core', what Node
// loads for them). Either is the class.
const { IdxflowError: IdxflowErrorOfDist } = (await import(pathToFileURL(join(ROOT, 'packages/core/dist/errors.js')).href)) as typeof import('@idxflow/core');
const isIdxflowClass = (value: unknown): boolean => typeof value === 'function' && (value.prototype instanceof IdxflowError || value.prototype instanceof IdxflowErrorOfDist);

/** The sites of packages/*\/src and of the projects `extra` (tsconfig paths), judged by the rule. */
async function throwSites(extra: string[]): Promise<{ sites: Site[]; classes: Map<string, unknown> }> {
  const api = new API({ cwd: ROOT });
  try {
    const parsed: { file: string; sf: SourceFile; project: ReturnType<ReturnType<API['updateSnapshot']>['getProjects']>[number] }[] = [];
    for (const config of [...PACKAGES.map((pkg) => `packages/${pkg}/tsconfig.json`), ...extra]) {
      const snapshot = api.updateSnapshot({ openProject: config });
      const project = snapshot.getProjects().find((p) => p.configFileName.endsWith(config))!;
      for (const path of project.rootFiles) {
        const sf = project.program.getSourceFile(path);
        if (sf) parsed.push({ file: relative(ROOT, path), sf, project });
      }
    }
    const classes = await declaredClasses(parsed.filter((p) => p.file.startsWith('packages/')));
    const sites: Site[] = [];
    for (const { file, sf, project } of parsed) {
      const text = (node: Node): string => sf.text.slice(node.pos, node.end).trim();
      const lineOf = (node: Node): number => sf.text.slice(0, node.end).split('\n').length;
      const parents = new Map<Node, Node>();

      /** Whether `name` is an enclosing catch clause's variable or an enclosing function's parameter. */
      const forwarded = (at: Node, name: string): boolean => {
        for (let node = parents.get(at); node; node = parents.get(node)) {
          const n = node as unknown as { variableDeclaration?: Node; parameters?: readonly Node[] };
          if (node.kind === SyntaxKind.CatchClause && n.variableDeclaration && text(n.variableDeclaration).split(':')[0].trim() === name) return true;
          if (n.parameters?.some((p) => text(p).replace(/^\.\.\./, '').split(/[:=?]/)[0].trim() === name)) return true;
        }
        return false;
      };

      /** Why `node`, a value thrown or passed to error/reject, is not a typed error; undefined when it is. */
      const judge = (node: Node): string | undefined => {
        const kind = node.kind;
        const n = node as unknown as { expression: Node; whenTrue: Node; whenFalse: Node; name: { text: string } };
        if (kind === SyntaxKind.ParenthesizedExpression || kind === SyntaxKind.AsExpression) return judge(n.expression);
        if (kind === SyntaxKind.NewExpression) {
          const name = text(n.expression);
          if (!classes.has(name)) return `${name} is not a class of the packages`;
          return isIdxflowClass(classes.get(name)) ? undefined : `${name} is not an IdxflowError subclass`;
        }
        if (kind === SyntaxKind.ConditionalExpression) return judge(n.whenTrue) ?? judge(n.whenFalse);
        if (kind === SyntaxKind.Identifier && forwarded(node, text(node))) return undefined;
        const call = node as unknown as { expression: Node; arguments?: readonly Node[] };
        if (kind === SyntaxKind.CallExpression && FORWARDERS.includes(text(call.expression)) && call.arguments?.[0]) return judge(call.arguments[0]);
        // A call, an await, a local variable: what the checker says the value is.
        const type = project.checker.getTypeAtLocation(node);
        if (!type) return 'no type';
        const members = type.isUnionType() ? type.getTypes()! : [type];
        for (const member of members) {
          if (member.flags & 131072 /* TypeFlags.Never */) continue;
          const name = member.getSymbol()?.name ?? `(type flags ${member.flags})`;
          if (!isIdxflowClass(classes.get(name))) return `a value of type ${name}, not an IdxflowError subclass`;
        }
        return undefined;
      };

      const record = (node: Node, thrown: Node): void => {
        const allowedBy = Object.keys(ALLOWED).find((key) => key === `${file}: ${text(thrown).slice(0, key.length - file.length - 2)}`);
        sites.push({ file, line: lineOf(node), text: text(node).slice(0, 120), verdict: allowedBy ? undefined : judge(thrown), allowedBy });
      };

      const link = (node: Node): void => {
        node.forEachChild((child) => {
          parents.set(child, node);
          link(child);
          return undefined;
        });
      };
      link(sf);

      const visit = (node: Node): void => {
        if (node.kind === SyntaxKind.ThrowStatement) record(node, (node as unknown as { expression: Node }).expression);
        if (node.kind === SyntaxKind.CallExpression) {
          const call = node as unknown as { expression: Node; arguments: readonly Node[] };
          const callee = text(call.expression);
          // subscriber.error(x), destination.error(x), reject(x), Promise.reject(x): not console.error.
          if (/^(?!console\b)[\w.]*\.error$|^(?:Promise\.)?reject$|^\w+\.reject$/.test(callee) && call.arguments.length === 1) record(node, call.arguments[0]);
        }
        node.forEachChild(visit);
      };
      visit(sf);
    }
    return { sites, classes };
  } finally {
    api.close();
  }
}

describe('every throw site of packages/*/src', async () => {
  const FIXTURE = 'test/fixtures/throwSites/';
  const { sites: all, classes } = await throwSites([`${FIXTURE}tsconfig.json`]);
  const sites = all.filter((s) => s.file.startsWith('packages/'));

  test('throws an IdxflowError subclass, or forwards a caught value', () => {
    // The walk saw the sites it must see: a regression of the parser would find none.
    expect(sites.length).toBeGreaterThan(300);
    expect(sites.filter((s) => s.verdict).map((s) => `${s.file}:${s.line}: ${s.verdict}: ${s.text}`)).toEqual([]);
  });

  test('every exception in ALLOWED is still a site (none stale)', () => {
    expect(Object.keys(ALLOWED).filter((key) => !sites.some((s) => s.allowedBy === key))).toEqual([]);
  });

  test('refuses, in a fixture written to break the rule, each site that breaks it and only those', () => {
    const fixture = all.filter((s) => s.file.startsWith(FIXTURE)).map((s) => [s.line, s.verdict]);
    // test/fixtures/throwSites/sites.ts: the line of each site, and what the rule says of it.
    expect(fixture).toEqual([
      [8, 'RangeError is not a class of the packages'],
      [9, 'Error is not a class of the packages'],
      [10, undefined], // new OptionError
      [14, undefined], // rethrow of the catch clause's variable
      [17, 'a value of type Error, not an IdxflowError subclass'], // a value made here, thrown by name
      [21, 'TypeError is not a class of the packages'], // subscriber.error(new TypeError(...))
      [22, undefined], // subscriber.error(error) of the error callback's parameter
      [26, undefined], // a function typed to return an OptionError
      [27, 'a value of type Error, not an IdxflowError subclass'], // ... or an Error
    ]);
  });

  test('every error class the packages declare is an IdxflowError subclass with a code', () => {
    const errors = [...classes].filter(([name]) => name.endsWith('Error'));
    expect(errors.length).toBeGreaterThan(35);
    for (const [name, value] of errors) {
      expect.soft(isIdxflowClass(value) || value === IdxflowError || value === IdxflowErrorOfDist, name).toBe(true);
    }
  });

  test('the rule catches what it must: a RangeError, a bare Error, a TypeError are refused', () => {
    // The same resolution as the walk, on the classes it would meet in a bad site.
    expect(isIdxflowClass(RangeError)).toBe(false);
    expect(isIdxflowClass(Error)).toBe(false);
    expect(isIdxflowClass(classes.get('OptionError'))).toBe(true);
    expect(classes.has('TypeError')).toBe(false);
  });
});
