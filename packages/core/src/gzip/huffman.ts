// Deflate's codes (RFC 1951, sections 3.2.2-3.2.7): decoding tables, the fixed codes, and the
// code definitions at the start of a dynamic block.
//
// A table is indexed by the next `bits` input bits, least significant first (deflate sends codes
// most significant bit first, so each code is stored bit-reversed and repeated for every value
// of the bits after it). An entry is `symbol << 4 | code length`; 0 marks bits that begin no
// code. One lookup a symbol, as fflate does; the tables are filled in place, never allocated per
// block.

/** The three kinds of code a deflate block defines; zlib accepts different sets for each. */
export type CodeKind = 'code length' | 'literal/length' | 'distance';

const MAX_BITS = 15;

// Bases and extra bits of the length symbols 257-285 and the distance symbols 0-29, and the
// order in which a dynamic block lists its code-length code (RFC 1951, section 3.2.5 and 3.2.7).
export const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
export const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
export const DISTANCE_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577);
export const DISTANCE_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
export const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/** Up to 17 bits of `buf` from bit `pos` (least significant first), masked. */
export const bitsAt = (buf: Uint8Array, pos: number, mask: number): number => {
  const i = pos >>> 3;
  return ((buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16)) >>> (pos & 7)) & mask;
};

let reversedTable: Uint16Array | undefined;

/**
 * reversed()[i] is the 15-bit reversal of i: that of i >> 1 moved down a bit, with i's lowest bit
 * on top. One step an entry, not fifteen; built for the first code a stream reads, not when
 * core is imported (it took some 2 ms of `import('@idxflow/core')`).
 */
function reversed(): Uint16Array {
  if (reversedTable === undefined) {
    reversedTable = new Uint16Array(1 << MAX_BITS);
    for (let i = 1; i < reversedTable.length; i++) reversedTable[i] = (reversedTable[i >> 1] >> 1) | ((i & 1) << (MAX_BITS - 1));
  }
  return reversedTable;
}

const counts = new Uint16Array(MAX_BITS + 1);
const nextCode = new Uint16Array(MAX_BITS + 1);

function countLengths(lengths: Uint8Array): number {
  counts.fill(0);
  let max = 0;
  for (let s = 0; s < lengths.length; s++) {
    counts[lengths[s]]++;
    if (lengths[s] > max) max = lengths[s];
  }
  counts[0] = 0;
  return max;
}

/**
 * Says why `lengths` cannot define a code of `kind`, or returns undefined when it can.
 *
 * The rules are zlib's (inftrees.c), so that a stream zlib rejects is rejected here too: no set
 * may be over-subscribed; the code-length code must be complete; a literal/length or distance
 * code may be incomplete only when it is a single code of one bit; and a block may define no
 * distance codes at all (it then may not use one).
 */
export function codeProblem(lengths: Uint8Array, kind: CodeKind): string | undefined {
  const max = countLengths(lengths);
  if (max === 0) return kind === 'distance' ? undefined : `no ${kind} codes`;
  let left = 1;
  for (let len = 1; len <= MAX_BITS; len++) {
    left = 2 * left - counts[len];
    if (left < 0) return `an over-subscribed set of ${kind} code lengths`;
  }
  if (left > 0 && (kind === 'code length' || max !== 1)) return `an incomplete set of ${kind} code lengths`;
  return undefined;
}

/**
 * Fills `table` for the code of `lengths` (which `codeProblem` accepted).
 *
 * @returns The number of bits the table is indexed by (the longest code's length).
 */
export function buildTable(lengths: Uint8Array, table: Uint16Array): number {
  const max = countLengths(lengths);
  const size = 1 << max;
  table.fill(0, 0, size); // an incomplete code leaves entries that begin no code
  let code = 0;
  for (let len = 1; len <= max; len++) {
    code = (code + counts[len - 1]) << 1;
    nextCode[len] = code;
  }
  const reverse = reversed();
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s];
    if (len === 0) continue;
    const entry = (s << 4) | len;
    for (let i = reverse[nextCode[len]++] >>> (MAX_BITS - len); i < size; i += 1 << len) table[i] = entry;
  }
  return max;
}

function fixedTable(lengths: number[], valid: number): FixedCode {
  const table = new Uint16Array(1 << 9);
  const bits = buildTable(Uint8Array.from(lengths), table);
  // The fixed codes define symbols that no stream may use (literal/length 286-287, distance
  // 30-31): they decode as no code, as in zlib.
  for (let i = 0; i < table.length; i++) if (table[i] >>> 4 >= valid) table[i] = 0;
  return { table, bits };
}

/** A fixed code's table and the number of bits it is indexed by. */
export interface FixedCode {
  table: Uint16Array;
  bits: number;
}

let fixed: { literals: FixedCode; distances: FixedCode } | undefined;

/**
 * The fixed literal/length code (RFC 1951, section 3.2.6) and the fixed distance code (5 bits
 * for every symbol): built for the first stream that reads, not when core is imported.
 */
export function fixedCodes(): { literals: FixedCode; distances: FixedCode } {
  fixed ??= {
    literals: fixedTable(
      Array.from({ length: 288 }, (_, s) => (s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8)),
      286,
    ),
    distances: fixedTable(Array.from({ length: 32 }, () => 5), 30),
  };
  return fixed;
}

type Fail = (bit: number, expected: string, found: string) => never;

function check(lengths: Uint8Array, kind: CodeKind, pos: number, fail: Fail): void {
  const problem = codeProblem(lengths, kind);
  if (problem) fail(pos, `a complete set of ${kind} code lengths`, problem);
}

/** The codes of a dynamic block (RFC 1951, section 3.2.7), in tables reused block after block. */
export class DynamicCodes {
  readonly lit = new Uint16Array(1 << MAX_BITS);
  litBits = 0;
  readonly dist = new Uint16Array(1 << MAX_BITS);
  distBits = 0;
  private readonly codeLengthTable = new Uint16Array(1 << 7);
  private readonly lengths = new Uint8Array(286 + 30);
  private readonly codeLengths = new Uint8Array(19);

  /**
   * Reads a dynamic block's code definitions from bit `pos` of `buf`, whose data ends at bit
   * `end`, and builds its tables.
   *
   * @param fail Throws for a problem found at a bit position.
   * @returns The bit position after the definitions; -1 when the input ends inside them.
   */
  read(buf: Uint8Array, pos: number, end: number, fail: Fail): number {
    if (pos + 14 > end) return -1;
    const literals = bitsAt(buf, pos, 31) + 257;
    const distances = bitsAt(buf, pos + 5, 31) + 1;
    const codes = bitsAt(buf, pos + 10, 15) + 4;
    if (literals > 286 || distances > 30) fail(pos, 'at most 286 literal/length and 30 distance codes', `${literals} and ${distances}`);
    pos += 14;
    if (pos + 3 * codes > end) return -1;
    this.codeLengths.fill(0);
    for (let i = 0; i < codes; i++, pos += 3) this.codeLengths[CODE_LENGTH_ORDER[i]] = bitsAt(buf, pos, 7);
    check(this.codeLengths, 'code length', pos, fail);
    const table = this.codeLengthTable;
    const mask = (1 << buildTable(this.codeLengths, table)) - 1;
    const lengths = this.lengths;
    const total = literals + distances;
    for (let n = 0; n < total; ) {
      const entry = table[bitsAt(buf, pos, mask)]; // a complete code: never 0
      pos += entry & 15;
      const symbol = entry >>> 4;
      if (symbol < 16) {
        if (pos > end) return -1;
        lengths[n++] = symbol;
        continue;
      }
      // 16 repeats the previous length 3-6 times, 17 and 18 repeat zero 3-10 and 11-138 times
      const extra = symbol === 16 ? 2 : symbol === 17 ? 3 : 7;
      const repeat = (symbol === 18 ? 11 : 3) + bitsAt(buf, pos, (1 << extra) - 1);
      pos += extra;
      if (pos > end) return -1;
      if (symbol === 16 && n === 0) fail(pos, 'a code length before a repeat of the previous one', 'a repeat at the start');
      if (n + repeat > total) fail(pos, `${total} code lengths`, `${n + repeat} (a repeat runs past the end)`);
      const value = symbol === 16 ? lengths[n - 1] : 0;
      lengths.fill(value, n, n + repeat);
      n += repeat;
    }
    if (lengths[256] === 0) fail(pos, 'a code for end-of-block', 'none');
    const lit = lengths.subarray(0, literals);
    const dist = lengths.subarray(literals, total);
    check(lit, 'literal/length', pos, fail);
    check(dist, 'distance', pos, fail);
    this.litBits = buildTable(lit, this.lit);
    this.distBits = buildTable(dist, this.dist);
    return pos;
  }
}
