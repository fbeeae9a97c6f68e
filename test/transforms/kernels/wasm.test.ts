import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ELASTIC_WASM } from '../../../packages/transforms/src/kernels/elastic.wasm.js';
import { LOOKUP_WASM } from '../../../packages/transforms/src/kernels/lookup.wasm.js';
import { compileWasm, WASM_KERNELS, wasmModule, wasmModulePath } from '../../../packages/transforms/scripts/wasm.js';

const COMMITTED = { elastic: ELASTIC_WASM, lookup: LOOKUP_WASM };

describe('*.wasm.ts', () => {
  it.each(WASM_KERNELS)('%s.wasm.ts is %s.wat assembled now (relaxed SIMD off): the committed bytes cannot drift from the source', async (name) => {
    const bytes = await compileWasm(name);
    expect(Buffer.from(COMMITTED[name], 'base64').equals(Buffer.from(bytes))).toBe(true);
    expect(readFileSync(wasmModulePath(name), 'utf8')).toBe(wasmModule(name, bytes));
  });
});
