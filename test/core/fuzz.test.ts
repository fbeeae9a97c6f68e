// Fuzzes the reading end of every pipeline, fromBytes -> gunzip() -> decodeIdx(), with files
// generated from a fixed seed: valid IDX files of every type, mutated ones, raw or gzipped in
// one or more members (with every optional header field), and corrupted gzip. Two independent
// oracles decide each outcome: Node's zlib for the gzip layer and a reference IDX reader
// (test/fixtures/idxReference.ts) for what the decoded records must be.
import { gunzipSync, gzipSync } from 'node:zlib';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { decodeIdx, fromBytes, gunzip, GzipError, IdxflowError, IdxFormatError, type IdxRecords } from '@idxflow/core';
import { gzipMember, type MemberHeader } from '../fixtures/gzip.js';
import { elementBytes, referenceIdx, TYPE_CODES } from '../fixtures/idxReference.js';

const SEED = 20_000;
const CASES = 20_000;

/** Numerical Recipes' 32-bit LCG: fixed, and independent of idxflow's rng. */
class Lcg {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return Math.floor((this.state / 2 ** 32) * n);
  }
  chance(p: number): boolean {
    return this.int(1_000_000) < p * 1_000_000;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number, alphabet = 256): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(alphabet);
    return out;
  }
}

/** A valid IDX file: random type and small dims, random elements (any bits, NaNs included). */
function randomIdx(rng: Lcg): Uint8Array {
  const code = rng.pick(TYPE_CODES);
  const large = rng.chance(0.04); // some files larger than gunzip's 16 KiB pushes
  const dims = large
    ? [20 + rng.int(60), 28, 28]
    : [rng.int(7), ...Array.from({ length: rng.int(4) }, () => (rng.chance(0.08) ? 0 : 1 + rng.int(5)))];
  const length = dims.slice(1).reduce((a, b) => a * b, dims[0]) * elementBytes(code);
  // Small alphabets compress, so zlib writes Huffman blocks as well as stored ones (not the
  // smallest for large files: zlib's level 9 takes 90 ms on 47 KB of two symbols).
  const data = rng.bytes(length, large ? rng.pick([8, 17]) : rng.chance(0.3) ? rng.pick([2, 8, 17]) : 256);
  const file = new Uint8Array(4 + 4 * dims.length + length);
  const view = new DataView(file.buffer);
  view.setUint32(0, (code << 8) | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  file.set(data, 4 + 4 * dims.length);
  return file;
}

const HUGE = [70_000, 65_536, 65_537, 2 ** 31, 2 ** 32 - 1, 4e9];

/** Bit flips, truncations, extra bytes, wrong or huge dimensions, wrong type or rank. */
function mutateIdx(rng: Lcg, file: Uint8Array): Uint8Array {
  const out = new Uint8Array(file);
  const view = new DataView(out.buffer);
  const ndims = Math.min(out[3], (out.length - 4) >> 2);
  const dimAt = (): number => 4 + 4 * rng.int(Math.max(1, ndims));
  switch (rng.int(7)) {
    case 0:
      for (let k = 1 + rng.int(3); k > 0; k--) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    case 1:
      return out.subarray(0, rng.int(out.length));
    case 2:
      return new Uint8Array(Buffer.concat([out, rng.bytes(1 + rng.int(8))]));
    case 3: {
      const at = dimAt();
      if (at + 4 <= out.length) view.setUint32(at, Math.max(0, view.getUint32(at, false) + rng.pick([-1, 1])) >>> 0, false);
      return out;
    }
    case 4: {
      const at = dimAt();
      if (at + 4 <= out.length) view.setUint32(at, rng.chance(0.5) ? rng.pick(HUGE) : rng.int(2 ** 32), false);
      return out;
    }
    case 5:
      out[2] = rng.chance(0.5) ? rng.pick(TYPE_CODES) : rng.int(256);
      return out;
    default:
      out[3] = rng.int(7);
      return out;
  }
}

/** Optional header fields, each present or not, occasionally far longer than a chunk. */
function randomHeader(rng: Lcg): MemberHeader {
  const field = (): Uint8Array | undefined => (rng.chance(0.3) ? Uint8Array.from(rng.bytes(rng.chance(0.02) ? 6000 : rng.int(40), 255), (b) => b + 1) : undefined);
  return { name: field(), comment: field(), extra: rng.chance(0.3) ? rng.bytes(rng.int(30)) : undefined, headerCrc: rng.chance(0.3), level: rng.int(10) };
}

/** `content` as one to three gzip members, by zlib's gzip or written field by field. */
function gzipOf(rng: Lcg, content: Uint8Array): { bytes: Uint8Array; starts: number[] } {
  const cuts = Array.from({ length: rng.int(3) }, () => rng.int(content.length + 1)).sort((a, b) => a - b);
  const bounds = [0, ...cuts, content.length];
  const members = bounds.slice(1).map((end, i) => {
    const part = content.subarray(bounds[i], end);
    return rng.chance(0.5) ? gzipSync(part, { level: rng.int(10) }) : gzipMember(part, randomHeader(rng));
  });
  const starts = members.map((_, i) => members.slice(0, i).reduce((n, m) => n + m.length, 0));
  return { bytes: new Uint8Array(Buffer.concat(members)), starts };
}

/** Damage to a gzip file: flips, truncation, trailing bytes, overwrites, header bits. */
function mutateGzip(rng: Lcg, { bytes, starts }: { bytes: Uint8Array; starts: number[] }): Uint8Array {
  const out = new Uint8Array(bytes);
  const member = rng.pick(starts);
  switch (rng.int(6)) {
    case 0:
      for (let k = 1 + rng.int(2); k > 0; k--) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    case 1:
      return out.subarray(0, rng.int(out.length));
    case 2: // zero padding, stray bytes, or the start of another member
      return new Uint8Array(Buffer.concat([out, rng.pick([new Uint8Array(1 + rng.int(4)), rng.bytes(1 + rng.int(6)), Uint8Array.of(0x1f, 0x8b, 8)])]));
    case 3:
      out[rng.int(out.length)] = rng.int(256);
      return out;
    case 4: // a reserved flag bit
      out[member + 3] |= 0x20 << rng.int(3);
      return out;
    default: // a byte of some member's header
      out[Math.min(out.length - 1, member + rng.int(24))] ^= 1 << rng.int(8);
      return out;
  }
}

// The gzip oracle. Node's gunzipSync decodes every member of a multi-member stream, but stops at
// a 0x00 byte after a member and ignores everything from there on (trailing zeros are taken for
// padding, node_zlib.cc), while gunzip() accepts exactly a sequence of whole members, nothing
// after. So a gzip input is valid when zlib decodes it AND says it consumed every input byte.
function zlibGunzip(bytes: Uint8Array): Uint8Array | undefined {
  try {
    const { buffer, engine } = gunzipSync(bytes, { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    return engine.bytesWritten === bytes.length ? new Uint8Array(buffer) : undefined;
  } catch {
    return undefined;
  }
}

async function decode(bytes: Uint8Array, chunkSize: number): Promise<{ groups?: IdxRecords[]; error?: unknown }> {
  try {
    return { groups: await lastValueFrom(fromBytes(bytes, { chunkSize }).pipe(gunzip({ file: 'fuzz' }), decodeIdx({ file: 'fuzz' }), toArray())) };
  } catch (error) {
    return { error };
  }
}

/** Why the decoded groups differ from the reference's records, or undefined when they agree. */
function difference(groups: IdxRecords[], type: string, dims: number[], records: Uint8Array): string | undefined {
  let first = 0;
  const parts: Uint8Array[] = [];
  for (const g of groups) {
    if (g.header.type !== type || g.header.dims.join() !== dims.join()) return `header ${g.header.type} [${g.header.dims}], reference ${type} [${dims}]`;
    if (g.first !== first) return `group starts at record ${g.first}, expected ${first}`;
    first += g.count;
    parts.push(new Uint8Array(g.data.buffer, g.data.byteOffset, g.data.byteLength));
  }
  if (first !== dims[0]) return `${first} records, reference ${dims[0]}`;
  return Buffer.concat(parts).equals(records) ? undefined : 'record bytes differ from the reference';
}

describe('fuzz: fromBytes -> gunzip -> decodeIdx', () => {
  it(`agrees with zlib and a reference IDX reader on ${CASES} generated files`, async () => {
    const rng = new Lcg(SEED);
    const failures: string[] = [];
    const tally = { accepted: 0, rejected: 0, gzipAccepted: 0, gzipRejected: 0, multiMemberAccepted: 0 };
    for (let n = 0; n < CASES; n++) {
      let idx = randomIdx(rng);
      if (rng.chance(0.35)) idx = mutateIdx(rng, idx);
      let bytes = idx;
      let members = 1;
      if (rng.chance(0.5)) {
        const gz = gzipOf(rng, idx);
        members = gz.starts.length;
        bytes = rng.chance(0.35) ? mutateGzip(rng, gz) : gz.bytes;
      }
      // Small chunks for small files; a large file in tiny chunks costs time and tests nothing
      // more, as gunzip() gathers 16 KiB before inflating.
      const chunkSize = bytes.length > 4096 || rng.chance(0.1) ? 1 + rng.int(20_000) : 1 + rng.int(64);

      const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
      const content = isGzip ? zlibGunzip(bytes) : bytes;
      const expected = content ? referenceIdx(content) : undefined;
      const { groups, error } = await decode(bytes, chunkSize);
      const fail = (what: string): void => void failures.push(`case ${n} (${bytes.length} bytes, chunks of ${chunkSize}): ${what}`);
      if (error !== undefined) {
        tally.rejected++;
        if (isGzip && !content) tally.gzipRejected++;
        if (!(error instanceof IdxflowError)) fail(`untyped error ${String(error)}`);
        else if (!(error instanceof IdxFormatError || error instanceof GzipError)) fail(`unexpected ${error.name}`);
        else if (expected?.valid) fail(`valid file rejected: ${error.message}`);
        else if (content && error instanceof GzipError) fail(`gzip zlib accepts rejected: ${error.message}`);
      } else if (!expected?.valid) {
        fail(`invalid file accepted (${expected ? expected.why : 'zlib rejects the gzip'})`);
      } else {
        tally.accepted++;
        if (isGzip) tally.gzipAccepted++;
        if (isGzip && members > 1) tally.multiMemberAccepted++;
        const why = difference(groups!, expected.type, expected.dims, expected.records);
        if (why) fail(why);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // The generator must reach every kind of case, or the agreement above proves little.
    expect(tally.accepted).toBeGreaterThan(CASES / 4);
    expect(tally.rejected).toBeGreaterThan(CASES / 5);
    expect(tally.gzipAccepted).toBeGreaterThan(CASES / 10);
    expect(tally.gzipRejected).toBeGreaterThan(CASES / 40);
    expect(tally.multiMemberAccepted).toBeGreaterThan(CASES / 20);
  });
});
