import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ELASTIC_WASM } from '../../../packages/transforms/src/kernels/elastic.wasm.js';
import { compileElasticWasm, ELASTIC_WASM_MODULE, elasticWasmModule } from '../../../packages/transforms/scripts/elasticWasm.js';

describe('elastic.wasm.ts', () => {
  it('is elastic.wat assembled now (relaxed SIMD off): the committed bytes cannot drift from the source', async () => {
    const bytes = await compileElasticWasm();
    expect(Buffer.from(ELASTIC_WASM, 'base64').equals(Buffer.from(bytes))).toBe(true);
    expect(readFileSync(ELASTIC_WASM_MODULE, 'utf8')).toBe(elasticWasmModule(bytes));
  });
});
