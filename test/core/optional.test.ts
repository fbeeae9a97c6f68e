import { MissingPackageError } from '@idxflow/core';
import { importOptional } from '@idxflow/core/internal';
import { describe, expect, it } from 'vitest';

describe('importOptional', () => {
  it('names the missing package and how to install it', async () => {
    const error = await importOptional('idxflow-no-such-package', 'a test feature', () => import('idxflow-no-such-package' as string)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPackageError);
    expect((error as MissingPackageError).packageName).toBe('idxflow-no-such-package');
    expect((error as Error).message).toBe(
      'Expected the optional package idxflow-no-such-package to be installed for a test feature, but it could not be imported: ' +
        'install it next to idxflow (npm install idxflow-no-such-package, or pnpm add idxflow-no-such-package)',
    );
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('returns the module when it is installed', async () => {
    const rxjs = await importOptional('rxjs', 'a test feature', () => import('rxjs'));
    expect(typeof rxjs.Observable).toBe('function');
  });

  it('passes on a failure of a package that is installed', async () => {
    const broken = new Error('the native module did not load');
    await expect(importOptional('rxjs', 'a test feature', () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
