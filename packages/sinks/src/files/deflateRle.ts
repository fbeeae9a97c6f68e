// A zlib stream (RFC 1950) of one deflate block with fixed Huffman codes (RFC 1951, 3.2.6)
// whose only matches are runs of a repeated byte (distance 1): zlib's Z_RLE strategy, without
// zlib. Digits in the MNIST style are runs of black with short strokes between them, which this
// compresses in one allocation-free pass, somewhat less tightly than zlib's default and several
// times faster: zlib's own cost on a 28 x 28 image is mostly setting up state and tables it
// never fills (bench/png.ts compares them).

/** Fixed literal/length codes, bit-reversed for an LSB-first writer: code and length per symbol 0..287. */
const CODES = new Uint16Array(288);
const LENGTHS = new Uint8Array(288);
/** Per match length 3..258: its symbol (257..285), extra bits and their value. */
const LENGTH_SYMBOL = new Uint16Array(259);
const LENGTH_EXTRA_BITS = new Uint8Array(259);
const LENGTH_EXTRA = new Uint16Array(259);

function reverse(code: number, bits: number): number {
  let out = 0;
  for (let i = 0; i < bits; i++) out |= ((code >>> i) & 1) << (bits - 1 - i);
  return out;
}

{
  // RFC 1951, 3.2.6: 0-143 in 8 bits from 0x30, 144-255 in 9 bits from 0x190, 256-279 in 7 bits from 0, 280-287 in 8 bits from 0xc0.
  for (let s = 0; s < 288; s++) {
    const [base, first, bits] = s < 144 ? [0x30, 0, 8] : s < 256 ? [0x190, 144, 9] : s < 280 ? [0, 256, 7] : [0xc0, 280, 8];
    CODES[s] = reverse(base + s - first, bits);
    LENGTHS[s] = bits;
  }
  // RFC 1951, 3.2.5: length codes 257-285, their extra bits and base lengths.
  const extra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
  const base = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
  for (let k = 0; k < 29; k++) {
    const last = k === 28 ? 258 : base[k + 1] - 1;
    for (let length = base[k]; length <= last; length++) {
      LENGTH_SYMBOL[length] = 257 + k;
      LENGTH_EXTRA_BITS[length] = extra[k];
      LENGTH_EXTRA[length] = length - base[k];
    }
  }
}

let out = new Uint8Array(0);

/**
 * `data` as a zlib stream: header 0x78 0x01, one final fixed-Huffman block (literals, and runs
 * of 3 to 258 repeats of the byte before as matches at distance 1), end of block, Adler-32.
 * Any inflater reads it (Node's zlib, fflate, libpng, PIL, browsers).
 *
 * @param data Bytes to compress.
 * @returns A new array holding the stream.
 *
 * ## Example
 * ```ts
 * const z = deflateRle(new Uint8Array(812)); // 812 zero bytes: 11 bytes of zlib
 * ```
 */
export function deflateRle(data: Uint8Array): Uint8Array {
  const n = data.length;
  // Worst case: 9 bits a literal, the 3-bit block header, 7-bit end, 2 + 4 bytes of wrapper.
  const bound = Math.ceil((n * 9 + 10) / 8) + 8;
  if (out.length < bound) out = new Uint8Array(Math.max(bound, 2 * out.length));
  out[0] = 0x78;
  out[1] = 0x01; // (0x78 << 8 | 0x01) % 31 === 0: the header check of RFC 1950
  let at = 2;
  let bits = 0b011; // BFINAL = 1, BTYPE = 01 (fixed Huffman), LSB first
  let count = 3;
  const put = (code: number, length: number): void => {
    bits |= code << count;
    count += length;
    while (count >= 8) {
      out[at++] = bits & 0xff;
      bits >>>= 8;
      count -= 8;
    }
  };
  for (let i = 0; i < n; ) {
    const byte = data[i];
    if (i > 0 && byte === data[i - 1]) {
      let run = 1;
      while (run < 258 && i + run < n && data[i + run] === byte) run++;
      if (run >= 3) {
        const symbol = LENGTH_SYMBOL[run];
        put(CODES[symbol], LENGTHS[symbol]);
        if (LENGTH_EXTRA_BITS[run] > 0) put(LENGTH_EXTRA[run], LENGTH_EXTRA_BITS[run]);
        put(0, 5); // distance code 0: distance 1, no extra bits (its reversed 5-bit code is 0)
        i += run;
        continue;
      }
    }
    put(CODES[byte], LENGTHS[byte]);
    i++;
  }
  put(CODES[256], LENGTHS[256]); // end of block
  if (count > 0) out[at++] = bits & 0xff;
  // Adler-32 (RFC 1950, 9), sums reduced every 5552 bytes, before they can overflow.
  let a = 1;
  let b = 0;
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + 5552);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  out[at++] = b >>> 8;
  out[at++] = b & 0xff;
  out[at++] = a >>> 8;
  out[at++] = a & 0xff;
  return out.slice(0, at);
}
