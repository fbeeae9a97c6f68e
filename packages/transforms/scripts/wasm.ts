// Compiles each WebAssembly kernel, src/kernels/NAME.wat, into src/kernels/NAME.wasm.ts, the
// module's bytes as a base64 string: a TypeScript module builds with tsc and loads in worker
// threads like any other, with no .wasm file to copy or locate at run time. The outputs are
// committed; test/transforms/kernels/wasm.test.ts regenerates them and fails if they differ.
//
// Run: pnpm --filter @idxflow/transforms wasm
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import wabt from 'wabt';

/** The kernels written in WebAssembly text, by file name in src/kernels. */
export const WASM_KERNELS = ['elastic', 'lookup'] as const;
export type WasmKernel = (typeof WASM_KERNELS)[number];

const kernelFile = (name: string): string => fileURLToPath(new URL(`../src/kernels/${name}`, import.meta.url));

/** Assembles `name`.wat with SIMD and bulk memory on and relaxed SIMD off. */
export async function compileWasm(name: WasmKernel): Promise<Uint8Array> {
  const toolkit = await wabt();
  const module = toolkit.parseWat(`${name}.wat`, readFileSync(kernelFile(`${name}.wat`), 'utf8'), { simd: true, bulk_memory: true, relaxed_simd: false });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

/** The text of `name`.wasm.ts for `bytes`: one constant, NAME_WASM. */
export function wasmModule(name: WasmKernel, bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes).toString('base64');
  const lines = base64.match(/.{1,96}/g) ?? [];
  return [
    `// Generated from ${name}.wat by packages/transforms/scripts/wasm.ts: do not edit.`,
    `/** ${name}.wat assembled: ${bytes.length} bytes of WebAssembly, base64. */`,
    `export const ${name.toUpperCase()}_WASM =`,
    lines.map((line) => `  '${line}'`).join(' +\n') + ';',
    '',
  ].join('\n');
}

/** Path of the committed `name`.wasm.ts. */
export const wasmModulePath = (name: WasmKernel): string => kernelFile(`${name}.wasm.ts`);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const name of WASM_KERNELS) {
    const bytes = await compileWasm(name);
    writeFileSync(wasmModulePath(name), wasmModule(name, bytes));
    console.log(`wrote ${wasmModulePath(name)}: ${bytes.length} bytes of wasm`);
  }
}
