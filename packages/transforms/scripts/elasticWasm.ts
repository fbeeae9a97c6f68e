// Compiles src/kernels/elastic.wat into src/kernels/elastic.wasm.ts, the module's bytes as a
// base64 string: a TypeScript module builds with tsc and loads in worker threads like any
// other, with no .wasm file to copy or locate at run time. The output is committed;
// test/transforms/kernels/elastic.wasm.test.ts regenerates it and fails if they differ.
//
// Run: pnpm --filter @idxflow/transforms wasm
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import wabt from 'wabt';

const SOURCE = fileURLToPath(new URL('../src/kernels/elastic.wat', import.meta.url));
const OUTPUT = fileURLToPath(new URL('../src/kernels/elastic.wasm.ts', import.meta.url));

/** Assembles elastic.wat with SIMD and bulk memory on and relaxed SIMD off. */
export async function compileElasticWasm(): Promise<Uint8Array> {
  const toolkit = await wabt();
  const module = toolkit.parseWat('elastic.wat', readFileSync(SOURCE, 'utf8'), { simd: true, bulk_memory: true, relaxed_simd: false });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

/** The text of elastic.wasm.ts for `bytes`. */
export function elasticWasmModule(bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes).toString('base64');
  const lines = base64.match(/.{1,96}/g) ?? [];
  return [
    '// Generated from elastic.wat by packages/transforms/scripts/elasticWasm.ts: do not edit.',
    `/** The elastic field kernel, ${bytes.length} bytes of WebAssembly, base64. */`,
    'export const ELASTIC_WASM =',
    lines.map((line) => `  '${line}'`).join(' +\n') + ';',
    '',
  ].join('\n');
}

/** Path of the committed elastic.wasm.ts. */
export const ELASTIC_WASM_MODULE = OUTPUT;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bytes = await compileElasticWasm();
  writeFileSync(OUTPUT, elasticWasmModule(bytes));
  console.log(`wrote ${OUTPUT}: ${bytes.length} bytes of wasm`);
}
