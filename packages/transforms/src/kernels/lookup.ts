// Byte-to-float lookup, the whole of normalisation: dst[i] = table[src[i]].
//
// The loop runs in WebAssembly (lookup.wat): bytes are staged into the kernel's memory a chunk
// at a time, looked up there and the values copied out. Staging and copying included, that is
// faster than the same loop in JavaScript on images gathered from a shuffled epoch
// (docs/benchmarks.md has the figures).
// Table entries are moved as they are, never computed, so every path gives the same bits.
import { LOOKUP_WASM } from './lookup.wasm.js';
import { instantiateKernel, type WasmMemory } from './wasm.js';
import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS

/** What lookup.wat exports. */
interface LookupExports {
  memory: WasmMemory;
  lookup(src: number, n: number, dst: number, table: number): void;
}

// Byte offsets in the kernel's memory (3 pages): the table, then a chunk of staged bytes and
// its values. 32 KiB of bytes stays in the first-level cache while it is staged and read.
const TABLE = 0;
const CHUNK = 32768;
const STAGE = 1024;
const VALUES = STAGE + CHUNK;

/** Stages runs of bytes and writes their values to one output, a chunk at a time. */
class LookupKernel {
  private readonly wasm = instantiateKernel<LookupExports>(LOOKUP_WASM);
  private readonly table = new Float32Array(this.wasm.memory.buffer, TABLE, 256);
  private readonly staged = new Uint8Array(this.wasm.memory.buffer, STAGE, CHUNK);
  private readonly values = new Float32Array(this.wasm.memory.buffer, VALUES, CHUNK);
  private dst: Float32Array = new Float32Array(0);
  private written = 0;
  private used = 0;

  /** Starts an output: `dst` from its first value, through `table`. */
  start(dst: Float32Array, table: Float32Array): void {
    this.table.set(table.subarray(0, 256));
    this.dst = dst;
    this.written = 0;
    this.used = 0;
  }

  /** Appends the values of bytes `from` to `to` of `src` to the output. */
  add(src: Uint8Array, from: number, to: number): void {
    while (from < to) {
      const take = Math.min(to - from, CHUNK - this.used);
      this.staged.set(src.subarray(from, from + take), this.used);
      this.used += take;
      from += take;
      if (this.used === CHUNK) this.flush();
    }
  }

  /** Writes what is still staged and lets go of the output. */
  finish(): void {
    this.flush();
    this.dst = new Float32Array(0);
  }

  private flush(): void {
    if (this.used === 0) return;
    this.wasm.lookup(STAGE, this.used, VALUES, TABLE);
    this.dst.set(this.values.subarray(0, this.used), this.written);
    this.written += this.used;
    this.used = 0;
  }
}

/** This thread's kernel, made on first use. */
let kernel: LookupKernel | undefined;

function checkTable(table: Float32Array): void {
  if (table.length < 256) throw new OptionError(`Expected at least 256 values for table but received ${table.length}`);
}

/**
 * `dst[i] = table[src[i]]` for every byte of `src`: a 256-entry table applied to bytes, e.g.
 * the normalised value of each byte.
 *
 * @param src Bytes.
 * @param dst At least `src.length` values out.
 * @param table 256 values.
 *
 * ## Example
 * ```ts
 * const table = Float32Array.from({ length: 256 }, (_, v) => v / 255);
 * lookupBytes(Uint8Array.of(0, 255), new Float32Array(2), table); // [0, 1]
 * ```
 */
export function lookupBytes(src: Uint8Array, dst: Float32Array, table: Float32Array): void {
  const n = src.length;
  if (dst.length < n) throw new OptionError(`Expected at least ${n} values for dst but received ${dst.length}`);
  checkTable(table);
  kernel ??= new LookupKernel();
  kernel.start(dst, table);
  kernel.add(src, 0, n);
  kernel.finish();
}

/**
 * Gathers samples and looks their bytes up in one pass: sample `i` of `dst` is
 * `table[b]` for each byte `b` of sample `rows[i]` of `src`, samples being `size` bytes.
 * This is shuffle's copy and normalisation together, for `augment()` and `normalize()` after
 * `shuffle()`.
 *
 * @param src Samples, `size` bytes each.
 * @param rows Which samples, in output order.
 * @param size Bytes per sample.
 * @param dst At least `rows.length * size` values out.
 * @param table 256 values.
 *
 * ## Example
 * ```ts
 * const table = Float32Array.from({ length: 256 }, (_, v) => v);
 * gatherLookup(Uint8Array.of(1, 2, 3, 4), Uint32Array.of(1, 0), 2, new Float32Array(4), table); // [3, 4, 1, 2]
 * ```
 */
export function gatherLookup(src: Uint8Array, rows: Uint32Array, size: number, dst: Float32Array, table: Float32Array): void {
  const n = rows.length;
  const samples = Math.floor(src.length / size);
  if (dst.length < n * size) throw new OptionError(`Expected at least ${n * size} values for dst but received ${dst.length}`);
  for (let i = 0; i < n; i++) {
    if (rows[i] >= samples) throw new OptionError(`Expected rows below ${samples} but received ${rows[i]} at ${i}`);
  }
  checkTable(table);
  kernel ??= new LookupKernel();
  kernel.start(dst, table);
  for (let i = 0; i < n; i++) kernel.add(src, rows[i] * size, (rows[i] + 1) * size);
  kernel.finish();
}
