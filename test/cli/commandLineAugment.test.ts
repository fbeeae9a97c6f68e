// The command line as a table, part 2: the augmentation flags (on export), preview's and
// serve's own flags: good, bad, boundary and hostile values, each row run as a process.
import { availableParallelism } from 'node:os';
import { describe, it } from 'vitest';
import { bound, checkRow, checkRowInProcess, rowName, type Row } from '../fixtures/cliRows.js';

const MAX_WORKERS = Math.min(4 * availableParallelism(), 256);
const MOVING = 'a step that moves pixels (--rotate, --shift, --scale, --shear, --shear-y, --resized-crop, --perspective, --elastic) but received none of them';

/** npy export of the first 20 test samples (quick), with `flags`. */
const X = (...flags: string[]): string[] => ['export', '--split', 'test', '--limit', '20', '--format', 'npy', ...flags];
/** A 1 x 2 preview of the test split, with `flags`. */
const P = (...flags: string[]): string[] => ['preview', '--split', 'test', ...flags];
/** A server of 10 test samples on a free port, with `flags`. */
const S = (...flags: string[]): string[] => ['serve', '--port', '0', '--split', 'test', '--limit', '10', ...flags];
const ok = (args: string[], stdout?: RegExp): Row => ({ args, expect: 'ok', stdout });
const no = (args: string[], message: string, noOut?: true): Row => ({ args, expect: message, noOut });
/** The row run as a process too; `data`: only as a process (refused once the data is read). */
const proc = (row: Row, level: true | 'data' = true): Row => ({ ...row, process: level });
/** Each value of --flag refused by its bound, `text`. */
const over = (flag: string, values: string[], text: string, base = X): Row[] => values.map((v) => no(base(`--${flag}`, v), bound(flag, text, v)));
const decimal = (flag: string, part: string, value: string): string => `Expected a decimal number for --${flag} but received ${JSON.stringify(part)}${part === value ? '' : ` in ${JSON.stringify(value)}`}`;

const rows: Row[] = [
  // Rotation: degrees within [-360, 360]; X alone means -X:X; @P a probability.
  ...['15', '0:360', '360', '15@0.5', '-360:-359'].map((v) => ok(X('--rotate', v))),
  proc(ok(X('--rotate', '-5:5'))), // a negative value after the flag is its value
  proc(ok(X('--rotate=-5:5'))),
  ...over('rotate', ['361', '1000:1000', '-361:0'], 'degrees within [-360, 360]'),
  proc(no(X('--rotate', '-5'), 'Expected X >= 0 (meaning -X:X) or MIN:MAX for --rotate but received "-5"')),
  proc(no(X('--rotate', '1e308:1e308'), decimal('rotate', '1e308', '1e308:1e308'))),
  no(X('--rotate', 'NaN'), decimal('rotate', 'NaN', 'NaN')),
  no(X('--rotate', '5:-5'), 'Expected MIN <= MAX for --rotate but received "5:-5"'),
  no(X('--rotate', '1:2:3'), 'Expected X or MIN:MAX for --rotate but received "1:2:3"'),
  no(X('--rotate', '15@1.5'), 'Expected a probability from 0 to 1 after @ for --rotate but received "15@1.5"'),
  no(X('--rotate', '15@'), 'Expected a probability from 0 to 1 after @ for --rotate but received "15@"'),
  // Shift, pixels within [-1024, 1024]; scale, factors within [0.1, 10] (F alone: exactly F).
  ...['-3:3', '2', '1024'].map((v) => ok(X('--shift', v))),
  ...over('shift', ['1025', '-2000:0'], 'pixels within [-1024, 1024]'),
  no(X('--shift', '-3'), 'Expected X >= 0 (meaning -X:X) or MIN:MAX for --shift but received "-3"'),
  ...['1.2', '0.9:1.1', '0.1', '10'].map((v) => ok(X('--scale', v))),
  ...over('scale', ['0', '0.0000001', '10.5', '-1:2'], 'factors within [0.1, 10]'),
  proc(no(X('--scale', '1e-300'), decimal('scale', '1e-300', '1e-300'))),
  // Shears: degrees strictly within (-90, 90).
  ...['10', '-89.9:89.9'].map((v) => ok(X('--shear', v))),
  ...over('shear', ['90', '91', '-90:0'], 'degrees within (-90, 90)'),
  ...over('shear-y', ['95'], 'degrees within (-90, 90)'),
  ok(X('--shear-y', '89.99')),
  // Elastic: ALPHA within [0, 1000] px, SIGMA within [0.5, 32] px.
  ...['34:4', '0:0.5', '1000:32@0.5'].map((v) => ok(X('--elastic', v))),
  no(X('--elastic', '34'), 'Expected ALPHA:SIGMA for --elastic but received "34"'),
  no(X('--elastic', '1001:4'), 'Expected ALPHA (pixels) from 0 to 1000 for --elastic but received "1001:4"'),
  ...['34:0', '34:33', '34:0.4'].map((v) => no(X('--elastic', v), `Expected SIGMA (pixels) from 0.5 to 32 for --elastic but received ${JSON.stringify(v)}`)),
  // Flips and the photometric steps.
  ...['0.5', '1', '0'].map((v) => ok(X('--hflip', v))),
  ...over('hflip', ['1.5', '-0.1'], 'a probability from 0 to 1'),
  no(X('--vflip', 'x'), decimal('vflip', 'x', 'x')),
  ...['1.5', '-1:1', '64'].map((v) => ok(X('--thickness', v))),
  ...over('thickness', ['65', '-65:0'], 'radii within [-64, 64]'),
  ok(X('--brightness', '0.8:1.2')),
  ...over('brightness', ['11', '-0.5:1'], 'factors within [0, 10]'),
  ok(X('--contrast', '0:10')),
  ok(X('--gamma', '0.5:2')),
  ...over('gamma', ['0.05', '0'], 'exponents within [0.1, 10]'),
  ok(X('--noise', '0.1')),
  ...over('noise', ['1.5'], 'sigmas within [0, 1]'),
  // Erasing: P, and its sub-flags only with it.
  proc(ok(X('--erase', '0.5', '--erase-value', '255', '--erase-scale', '0:1', '--erase-ratio', '0.01:100'))),
  ...over('erase', ['2'], 'a probability from 0 to 1'),
  no(X('--erase-scale', '0.1:0.2'), 'Expected --erase-scale only with --erase P but received no --erase'),
  no(X('--erase-value', '3'), 'Expected --erase-value only with --erase P but received no --erase'),
  no(X('--erase', '0.5', '--erase-scale', '0.1:1.5'), 'Expected MIN:MAX with 0 <= MIN <= MAX <= 1 for --erase-scale but received "0.1:1.5"'),
  no(X('--erase', '0.5', '--erase-ratio', '0:2'), 'Expected MIN:MAX with 0.01 <= MIN <= MAX <= 100 for --erase-ratio but received "0:2"'),
  no(X('--erase', '0.5', '--erase-value', '256'), bound('erase-value', 'a value from 0 to 255', '256')),
  // Resampling: --interpolation and --fill only with a step that moves pixels; fill 0-255 for bytes.
  ok(X('--rotate', '10', '--interpolation', 'nearest', '--fill', '255')),
  proc(ok(X('--rotate', '10', '--fill', '-1', '--normalize', '0.5:0.5'))),
  no(X('--rotate', '10', '--interpolation', 'bicubic'), 'Expected bilinear or nearest for --interpolation but received "bicubic"'),
  proc(no(X('--interpolation', 'nearest'), `Expected --interpolation only with ${MOVING}`)),
  no(X('--fill', '3'), `Expected --fill only with ${MOVING}`),
  ...['256', '-1', '255.5'].map((v) => no(X('--rotate', '10', '--fill', v), bound('fill', 'a byte value (without --normalize) from 0 to 255', v))),
  no(X('--rotate', '10', '--fill', '1000001', '--normalize', '0.5:0.5'), bound('fill', 'a value from -1000000 to 1000000', '1000001')),
  // preview --grid (at most 10,000 cells), --zoom (1 to 1024, the sheet at most 16384 px a side), --out.
  proc(ok(P('--grid', '1x2', '--zoom', '1'))),
  ok(P('--grid', '100x100', '--zoom', '1')),
  proc(ok(P('--grid', '1x2', '--zoom', '282', '--rotate', '-10:10')), 'data'),
  ...['10x100000', '1x1', '0x5', '101x100'].map((v) => no(P('--grid', v), `Expected ROWS >= 1, COLS >= 2 and ROWS x COLS <= 10000 cells for --grid but received ${JSON.stringify(v)}`)),
  ...['10', '10x8x2', '-1x2', ' 1x2'].map((v) => no(P('--grid', v), `Expected ROWSxCOLS (e.g. 10x8) for --grid but received ${JSON.stringify(v)}`)),
  ...over('zoom', ['0', '1025', '100000', '4.5'], 'an integer from 1 to 1024', P),
  proc(no(P('--grid', '1x2', '--zoom', '283'), 'Expected --grid and --zoom to make a sheet of at most 16384 x 16384 pixels but received --grid 1x2 --zoom 283, which make 16414 x 8207 of 28 x 28 images'), 'data'),
  proc(no(P('--zoom', '1000'), 'Expected --grid and --zoom to make a sheet of at most 16384 x 16384 pixels but received --grid 10x8 --zoom 1000, which make 232000 x 290000 of 28 x 28 images'), 'data'),
  proc(no([...P(), '--out', 'sheet.jpg'], 'Expected a .png file for --out but received "sheet.jpg"', true)),
  no(P('x'), 'Expected options only for idxflow preview but received "x"'),
  // serve: its flags checked before it binds or loads anything.
  proc(ok(S('--workers', '0'))),
  proc(ok(S('--workers', '1', '--rotate', '-5:5', '--seed', '-1', '--normalize', '0.5:0.5', '--batch', '65536', '--max-clients', '1', '--max-memory', '1048576'))),
  // Each client may hold --max-memory / --max-clients: 4096 MiB / 4096 = 1048576 bytes, three batches of 28 * 28 * 4 + 5 bytes a sample.
  proc(no(S('--normalize', '0.5:0.5', '--batch', '112', '--max-clients', '4096'), 'Expected --batch at most 111 (--max-memory 4096 MiB shared by --max-clients 4096 gives each client 1048576 bytes, 3 batches of 3141 bytes a sample) but received 112: raise --max-memory or lower --max-clients'), 'data'),
  proc(ok(S('--normalize', '0.5:0.5', '--batch', '111', '--max-clients', '4096')), 'data'),
  ...over('max-memory', ['15', '1048577', '1.5'], 'an integer from 16 to 1048576', S),
  ok(S('--workers', '0', '--allow-host', 'idxflow-serve', '--allow-host', 'idxflow-serve.ml.svc.cluster.local', '--allow-host', '[fd00::1]', '--allow-origin', 'https://dash.example:8443')),
  ...['a b', 'x/y', 'a,b'].map((v) => no(S('--allow-host', 'ok', '--allow-host', v), bound('allow-host', 'a host name (letters, digits, _ . -), [IPv6] or *', v))),
  ...['dash.example', 'https://dash.example/', 'ftp://x'].map((v) => no(S('--allow-origin', v), bound('allow-origin', 'an origin such as https://dashboard.example (scheme and host, no path)', v))),
  proc(ok(S('--workers', '0', '--host', '0.0.0.0', '--token', 't0k3n'), /^serving batches at http:\/\/0\.0\.0\.0:\d+\/batches/)),
  ...over('workers', ['1000', String(MAX_WORKERS + 1)], `an integer from 0 to ${MAX_WORKERS} (4 x ${availableParallelism()} cores)`, S),
  ...over('port', ['65536', '-1', '80.5', 'http'], 'an integer from 0 to 65535', (...f) => ['serve', ...f]),
  ...over('batch', ['0', '65537'], 'an integer from 1 to 65536', S),
  ...over('max-clients', ['0', '4097'], 'an integer from 1 to 4096', S),
  ...over('token', ['a b', 'x'.repeat(4097), 'pass\u00e9', 'line\nbreak'], '1 to 4096 visible ASCII characters (no spaces)', S),
  ok(S('--workers', '0', '--token', 'x'.repeat(4096))),
  proc(no(S('--host', '0.0.0.0'), 'Expected --token T (or --insecure-no-token) to bind --host 0.0.0.0, which is not loopback: anyone who can reach it could read the data')),
  proc(no(S('--insecure-no-token'), 'Expected --insecure-no-token only with a non-loopback --host and no --token but received --host 127.0.0.1')),
  no(S('--host', '0.0.0.0', '--token', 't', '--insecure-no-token'), 'Expected --insecure-no-token only with a non-loopback --host and no --token but received --token'),
  proc(no(['serve', '--split', 'train,validation'], 'Expected train or test in --split for --dataset mnist but received "validation"')),
  ...['train,train', 'train,', 'a b'].map((v) => no(['serve', '--split', v], bound('split', 'distinct comma-separated split names (letters, digits, _ . -)', v))),
  no(S('--normalize', '0.5:0'), 'Expected STD from 0.001 to 10 for --normalize but received "0.5:0"'),
];

describe('the command line, part 2: augmentation, preview and serve: read by main in-process', () => {
  for (const row of rows.filter((r) => r.process !== 'data')) it(rowName(row.args), () => checkRowInProcess(row));
});

describe('the command line, part 2: augmentation, preview and serve: as processes', () => {
  for (const row of rows.filter((r) => r.process)) it(rowName(row.args), () => checkRow(row));
});
