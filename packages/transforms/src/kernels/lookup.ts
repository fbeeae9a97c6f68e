// Byte-to-float lookup, the whole of normalisation: dst[i] = table[src[i]].

/** Whether this machine stores the low byte of a word first (typed arrays use its order). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * `dst[i] = table[src[i]]` for every byte of `src`: a 256-entry table applied to bytes, e.g.
 * the normalised value of each byte. Reads four bytes at a time where they are 4-byte aligned
 * (a third faster than byte reads), with the same result as the plain loop on any machine.
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
  if (dst.length < n) throw new RangeError(`Expected at least ${n} values for dst but received ${dst.length}`);
  let i = 0;
  if (LITTLE_ENDIAN && n >= 16) {
    for (; ((src.byteOffset + i) & 3) !== 0; i++) dst[i] = table[src[i]];
    const words = new Uint32Array(src.buffer, src.byteOffset + i, (n - i) >> 2);
    for (let w = 0; w < words.length; w++, i += 4) {
      const v = words[w];
      dst[i] = table[v & 255];
      dst[i + 1] = table[(v >>> 8) & 255];
      dst[i + 2] = table[(v >>> 16) & 255];
      dst[i + 3] = table[v >>> 24];
    }
  }
  for (; i < n; i++) dst[i] = table[src[i]];
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
  if (dst.length < n * size) throw new RangeError(`Expected at least ${n * size} values for dst but received ${dst.length}`);
  for (let i = 0; i < n; i++) {
    if (rows[i] >= samples) throw new RangeError(`Expected rows below ${samples} but received ${rows[i]} at ${i}`);
  }
  if (!(LITTLE_ENDIAN && (size & 3) === 0 && (src.byteOffset & 3) === 0)) {
    for (let i = 0; i < n; i++) lookupBytes(src.subarray(rows[i] * size, (rows[i] + 1) * size), dst.subarray(i * size, (i + 1) * size), table);
    return;
  }
  // Every sample starts on a word: one view of the whole source, four bytes per read.
  const words = new Uint32Array(src.buffer, src.byteOffset, src.length >> 2);
  const perSample = size >> 2;
  for (let i = 0, d = 0; i < n; i++) {
    for (let w = rows[i] * perSample, end = w + perSample; w < end; w++, d += 4) {
      const v = words[w];
      dst[d] = table[v & 255];
      dst[d + 1] = table[(v >>> 8) & 255];
      dst[d + 2] = table[(v >>> 16) & 255];
      dst[d + 3] = table[v >>> 24];
    }
  }
}
