// PNG encoding of the 10,000 MNIST test digits on one thread: sharp as encodePngs() calls it,
// and encodeGreyPng() at each row filter and several zlib levels. Prints a Markdown table of
// microseconds (wall clock, and CPU time of the whole process, steadier on a shared machine)
// and bytes per image: medians of 9 interleaved rounds after a warm-up.
//   pnpm build && node bench/dist/png.js
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zlibSync } from 'fflate';
import { deflateSync } from 'node:zlib';
import { deflateRle, encodeGreyPng, encodeGreyPngs, type GreyPngOptions, type PngFilter } from '@idxflow/sinks/internal';
import sharp from 'sharp';
import { median, RAW_DIR } from './harness.js';

const RUNS = 9;
const SIDE = 28;
const SIZE = SIDE * SIDE;
const images = new Uint8Array(readFileSync(join(RAW_DIR, 't10k-images-idx3-ubyte')).subarray(16));
const count = images.length / SIZE;

interface Row {
  name: string;
  /** Wall-clock microseconds per image. */
  us: number;
  /** CPU microseconds per image, all threads of the process (sharp encodes on libuv's). */
  cpu: number;
  bytes: number;
}

interface Case {
  name: string;
  run: () => Promise<number> | number;
}

/**
 * Runs every case once to warm up, then `RUNS` rounds of all cases in turn, so that a spell of
 * load from elsewhere on the machine falls on every case alike; reports medians per image.
 */
async function measure(cases: Case[]): Promise<Row[]> {
  const bytes = new Map<Case, number>();
  const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
  const cpu = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (const c of cases) bytes.set(c, await c.run());
  for (let r = 0; r < RUNS; r++) {
    for (const c of cases) {
      const start = process.hrtime.bigint();
      const used = process.cpuUsage();
      await c.run();
      times.get(c)!.push(Number(process.hrtime.bigint() - start) / 1e3);
      const { user, system } = process.cpuUsage(used);
      cpu.get(c)!.push(user + system);
    }
  }
  return cases.map((c) => ({ name: c.name, us: median(times.get(c)!) / count, cpu: median(cpu.get(c)!) / count, bytes: bytes.get(c)! / count }));
}

const sharpPng = (i: number): Promise<Buffer> =>
  sharp(images.subarray(i * SIZE, (i + 1) * SIZE), { raw: { width: SIDE, height: SIDE, channels: 1 } }).toColourspace('b-w').png().toBuffer();

/** sharp's encodes with up to `inFlight` at once, as encodePngs() keeps `concurrency` of them. */
async function sharpAll(inFlight: number): Promise<number> {
  let next = 0;
  let bytes = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const png = await sharpPng(next++);
      bytes += png.length;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return bytes;
}

function ours(options: GreyPngOptions): number {
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += encodeGreyPng(images.subarray(i * SIZE, (i + 1) * SIZE), SIDE, SIDE, options).length;
  return bytes;
}

function oursBatched(block: number): number {
  let bytes = 0;
  for (let at = 0; at < count; at += block) {
    const n = Math.min(block, count - at);
    bytes += encodeGreyPngs(images.subarray(at * SIZE, (at + n) * SIZE), [n, SIDE, SIDE]).bytes.length;
  }
  return bytes;
}

/** The digits as PNG scanlines with filter None (a zero byte before each row). */
const scanlines = new Uint8Array(count * SIDE * (SIDE + 1));
for (let r = 0; r < count * SIDE; r++) scanlines.set(images.subarray(r * SIDE, (r + 1) * SIDE), r * (SIDE + 1) + 1);
const LINES = SIDE * (SIDE + 1);

/** The zlib stream alone, by `compress`: what the encoder's time is made of. */
function zlibOnly(compress: (data: Uint8Array) => Uint8Array): number {
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += compress(scanlines.subarray(i * LINES, (i + 1) * LINES)).length;
  return bytes;
}

const cases: Case[] = [
  { name: 'sharp, one at a time', run: () => sharpAll(1) },
  { name: 'sharp, 8 in flight (encodePngs default; libuv threads)', run: () => sharpAll(8) },
  { name: 'encodeGreyPng default (none, level 6)', run: () => ours({}) },
  { name: 'encodeGreyPngs default, blocks of 1024', run: () => oursBatched(1024) },
  ...(['sub', 'up', 'average', 'paeth', 'adaptive'] as PngFilter[]).map((filter) => ({ name: `encodeGreyPng ${filter}, level 6`, run: () => ours({ filter }) })),
  ...[0, 1, 3, 9].map((level) => ({ name: `encodeGreyPng none, level ${level}`, run: () => ours({ level }) })),
  ...[1, 9].map((level) => ({ name: `encodeGreyPng adaptive, level ${level}`, run: () => ours({ filter: 'adaptive', level }) })),
  { name: 'fflate zlibSync level 6 alone (none-filtered rows)', run: () => zlibOnly((d) => zlibSync(d, { level: 6 })) },
  { name: "Node's zlib deflateSync level 6 alone (reference, Node only)", run: () => zlibOnly((d) => deflateSync(d, { level: 6 })) },
  { name: 'deflateRle alone (runs at distance 1, fixed Huffman)', run: () => zlibOnly(deflateRle) },
  { name: 'encodeGreyPng none with deflateRle (the export workers)', run: () => ours({ deflate: deflateRle }) },
];
const rows = await measure(cases);

console.log(`PNG encode of the ${count} MNIST test digits, one thread, median of ${RUNS} interleaved rounds (Node ${process.version})\n`);
console.log('| encoder | µs / image (wall) | µs / image (CPU) | bytes / image |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${r.us.toFixed(1)} | ${r.cpu.toFixed(1)} | ${r.bytes.toFixed(1)} |`);
