// Instantiation of the WebAssembly kernels (NAME.wat, assembled into NAME.wasm.ts).

/** The part of the WebAssembly JavaScript API used here (lib ES2022 and @types/node 20 lack it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};

/** A kernel's memory, as its module exports it. */
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Bytes in a page of WebAssembly memory. */
export const WASM_PAGE = 65536;

/**
 * Instantiates a kernel module (no imports) from its base64 bytes, synchronously: the modules
 * are a few kilobytes, and each thread makes its instance once, on first use.
 */
export function instantiateKernel<Exports>(base64: string): Exports {
  const module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
  return new WebAssembly.Instance(module, {}).exports as Exports;
}
