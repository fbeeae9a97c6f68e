// The command line as a table, part 1: the commands, --version and help, and every flag of
// export and of the data (good, bad, boundary and hostile values). Each row runs as a process:
// a refusal exits 2 with one line naming the flag, the bound and the value, and writes nothing.
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { bound, checkRow, checkRowInProcess, rowName, type Row } from '../fixtures/cliRows.js';
import { ROOT, raw } from '../fixtures/mnist.js';

const VERSION = (JSON.parse(readFileSync(`${ROOT}/packages/cli/package.json`, 'utf8')) as { version: string }).version;
const CORES = availableParallelism();
const MAX_WORKERS = Math.min(4 * CORES, 256);
const COMMANDS = 'Expected a command (info, preview, export, serve, explore, merge-manifests; or help, --version) but received';
const U32 = 'an integer from 1 to 2147483647';
const SEED = 'an integer from -9007199254740991 to 9007199254740991';
const IMAGES = ['--images', raw('t10k-images-idx3-ubyte'), '--labels', raw('t10k-labels-idx1-ubyte')];

/** export of the first 20 test samples (quick), with `flags`. */
const X = (...flags: string[]): string[] => ['export', '--split', 'test', '--limit', '20', ...flags];
const ok = (args: string[], stdout?: RegExp): Row => ({ args, expect: 'ok', stdout });
const no = (args: string[], message: string, noOut?: true): Row => ({ args, expect: message, noOut });
/** The row run as a process too; `data`: only as a process (refused once the data is read). */
const proc = (row: Row, level: true | 'data' = true): Row => ({ ...row, process: level });
/** A value of --flag refused by its bound. */
const over = (flag: string, value: string, text: string, base = X): Row => no(base(`--${flag}`, value), bound(flag, text, value));

const rows: Row[] = [
  // The commands, --version, help.
  proc(ok(['--version'], new RegExp(`^${VERSION}\\n$`))),
  ok(['-v'], new RegExp(`^${VERSION}\\n$`)),
  no(['--version', 'now'], 'Expected nothing after --version but received "now"'),
  proc(ok(['help', 'export'], /^Usage: idxflow export --out DIR \[options\]\n[^]*--copies N/)),
  proc({ args: ['export', '--help'], expect: 'ok', stdout: /^Usage: idxflow export --out DIR \[options\]\n/, noOut: true }),
  ok(['help'], /^Usage: idxflow <command> \[options\]\n/),
  no(['help', 'nope'], `${COMMANDS} "nope"`),
  no(['help', 'export', 'serve'], 'Expected at most one COMMAND after help but received 2'),
  proc(no(['frobnicate'], `${COMMANDS} "frobnicate"`)),
  no([''], `${COMMANDS} ""`),
  proc(no(['info'], 'Expected FILE for idxflow info but received none (idxflow help info shows its usage)')),
  no(['info', 'a', 'b'], 'Expected at most 1 argument for idxflow info but received "b"'),
  no(['info', '--json=1', 'a'], 'Expected no value for --json (a switch) but received one'),
  proc(ok(['info', '--json', raw('t10k-labels-idx1-ubyte')], /^\{"type":"u8","dims":\[10000\],"count":10000\}\n$/)),
  proc(no(['merge-manifests'], 'Expected DIR for idxflow merge-manifests but received none (idxflow help merge-manifests shows its usage)')),
  no(['merge-manifests', 'a', 'b'], 'Expected at most 1 argument for idxflow merge-manifests but received "b"'),
  // Options that are not, or not as given.
  proc(no(X('--ROTATE', '5'), 'Expected an option of idxflow export (idxflow help export lists them) but received "--ROTATE"')),
  no(X('-x'), 'Expected an option of idxflow export (idxflow help export lists them) but received "-x"'),
  no(X('extra'), 'Expected options only for idxflow export but received "extra"'),
  proc(no(X('--', '--rotate', '5'), 'Expected options only for idxflow export but received "--rotate"')),
  no([...X('--rotate'), '--out', 'x'], 'Expected a value after --rotate but received an option (write --rotate=VALUE for a value that starts with "-")', true),
  proc(no([...X(), '--out', '-x'], 'Expected a value after --out but received an option (write --out=VALUE for a value that starts with "-")', true)),
  no([...X(), '--out'], 'Expected a value after --out but received none', true),
  no([...X(), '--out='], 'Expected a value for --out but received ""', true),
  proc(no(X('--copies', '2', '--copies', '3'), 'Expected --copies at most once but received it 2 times')),
  proc(no(X(), 'Expected --out DIR (idxflow help export lists the options)', true)),
  // --copies: decimal integers, 1 to 2^31 - 1, and copies x samples within 2^31 - 1.
  proc(ok(X('--copies', '3', '--format', 'npy'), /^exported 60 images \(npy\)/)),
  ok(X('--copies', '+2'), /^exported 40 images \(idx\)/),
  ...['0', '-1', '2147483648', '9007199254740993', '1e3', '0x10', ' 2 ', '1_000', '1.5', 'Infinity', 'NaN', '\u0663', '3\n4'].map((v) => over('copies', v, U32)),
  no(X('--copies', ''), 'Expected a value for --copies but received ""'),
  over('copies', 'x'.repeat(200), U32),
  proc(no(X('--copies', '107374183'), 'Expected --copies N with N x 20 samples at most 2147483647 but received 107374183 (2147483660 samples; --limit takes fewer)'), 'data'),
  proc(no(['export', '--split', 'all', '--limit', '20', '--copies', '107374182'], 'Expected --copies N with N x 20 + 20 samples at most 2147483647 but received 107374182 (2147483660 samples; --limit takes fewer)'), 'data'),
  // --workers: 0 to 4 x the cores (at most 256).
  proc(ok(X('--workers', '0'))),
  ok(X('--workers', String(MAX_WORKERS), '--rotate', '5')),
  ...[String(MAX_WORKERS + 1), '1000', '-1', '2.5'].map((v) => over('workers', v, `an integer from 0 to ${MAX_WORKERS} (4 x ${CORES} cores)`)),
  // --format, --shard-size (wds only), --normalize (npy and npz only).
  ok(X('--format', 'idx.gz')),
  proc(ok(X('--format', 'png', '--workers', '0'))),
  proc(ok(X('--format', 'wds', '--shard-size', '7'))),
  ...['jpeg', 'NPY', 'npy '].map((v) => over('format', v, 'one of idx, idx.gz, npy, npz, png, wds, hf')),
  ...['0', '1000001', '1e4'].map((v) => over('shard-size', v, 'an integer from 1 to 1000000')),
  proc(no(X('--shard-size', '10'), 'Expected --shard-size only with --format wds but received --format idx')),
  proc(ok(X('--format', 'npz', '--normalize', '0.1307:0.3081'))),
  ok(X('--format', 'npy', '--normalize', '1:10')),
  proc(no(X('--format', 'npy', '--normalize', ':1'), 'Expected a decimal number for --normalize but received "" in ":1"')),
  no(X('--format', 'npy', '--normalize', '0.5'), 'Expected MEAN:STD for --normalize but received "0.5"'),
  no(X('--format', 'npy', '--normalize', '0.5:0'), 'Expected STD from 0.001 to 10 for --normalize but received "0.5:0"'),
  no(X('--format', 'npy', '--normalize', '2:1'), 'Expected MEAN from 0 to 1 for --normalize but received "2:1"'),
  no(X('--format', 'npy', '--normalize', '0.1:1e-9'), 'Expected a decimal number for --normalize but received "1e-9" in "0.1:1e-9"'),
  no(X('--format', 'png', '--normalize', '0.1:0.3'), 'Expected --normalize only with --format npy or npz but received --format png'),
  // --split, --shard, --shards.
  proc(ok(['export', '--split', 'all', '--limit', '20', '--format', 'npz'], /^exported 40 images \(npz\)/)),
  no(['export', '--split', 'validation'], 'Expected train, val, test or all for --split but received "validation"'),
  no(['export', '--split', 'all', ...IMAGES], 'Expected a named --dataset with --split all (--images and --labels give one split)'),
  proc(ok(X('--shard', '1/2'), /^exported 10 images/)),
  no(X('--shard', '2/2'), 'Expected a part index below the count (2) from --shard but received 2'),
  no(X('--shard', '1/0'), 'Expected I/N with 0 <= I < N for --shard but received "1/0"'),
  no(X('--shard', 'a/b'), 'Expected I/N with 0 <= I < N for --shard but received "a/b"'),
  no(X('--shard', '0/1000001'), 'Expected at most 1000000 parts from --shard but received 1000001'),
  no(['export', '--split', 'all', '--shard', '0/2'], 'Expected one split (train or test) for a part of an export: run the parts of each split on their own'),
  proc(no(X('--shards', '2'), 'Expected a part index beside --shards=2 (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or RANK), found none: give the part with --shard I/N')),
  over('shards', '0', 'an integer from 1 to 1000000'),
  // --shuffle, --overwrite (switches), --limit, --seed.
  ok(X('--shuffle', '--overwrite')),
  no(X('--shuffle=yes'), 'Expected no value for --shuffle (a switch) but received one'),
  proc(ok(['export', '--split', 'test', '--limit', '1'], /^exported 1 images/)),
  ...['0', '-5', '2147483648', '5.0'].map((v) => over('limit', v, U32, (...f) => ['export', ...f])),
  proc(ok(X('--seed', '-1', '--shuffle'))),
  ok(X('--seed=-9007199254740991', '--shuffle')),
  ok(X('--seed', '9007199254740991', '--rotate', '5')),
  ...['9007199254740992', '-9007199254740992', '1.5', '0x1', '1e2'].map((v) => over('seed', v, SEED)),
  // Which data.
  proc(over('dataset', 'cifar', 'one of mnist, fashion-mnist, kmnist, emnist-byclass, emnist-bymerge, emnist-balanced, emnist-letters, emnist-digits, emnist-mnist, qmnist, sign-language-mnist, notmnist-small, notmnist-large, kuzushiji-kanji, kuzushiji-49, chestmnist, chestmnist-64, chestmnist-128, chestmnist-224, pneumoniamnist, pneumoniamnist-64, pneumoniamnist-128, pneumoniamnist-224, breastmnist, breastmnist-64, breastmnist-128, breastmnist-224, octmnist, octmnist-64, octmnist-128, octmnist-224, organamnist, organamnist-64, organamnist-128, organamnist-224, organcmnist, organcmnist-64, organcmnist-128, organcmnist-224, organsmnist, organsmnist-64, organsmnist-128, organsmnist-224, tissuemnist, tissuemnist-64, tissuemnist-128, tissuemnist-224, mnist-c')),
  no(X('--dataset', 'kmnist', ...IMAGES), 'Expected --dataset only without --images and --labels (they name the files) but received both'),
  no(X('--dir', '/tmp', ...IMAGES), 'Expected --dir only without --images and --labels (they name the files) but received both'),
  // One source: a named dataset beside another source is refused, not ignored.
  proc(no(X('--dataset', 'fashion-mnist', '--images-dir', '/tmp'), 'Expected --dataset only without --images-dir (it names the data) but received both')),
  no(X('--dataset', 'kmnist', '--npz', 'x.npz'), 'Expected --dataset only without --npz (it names the data) but received both'),
  no(X('--dir', '/tmp', '--parquet', 'a.parquet'), 'Expected --dir only with a --dataset, not with --parquet'),
  no(X('--npy', 'a.npy,b.npy', '--npz', 'x.npz'), 'Expected one source but received --npz and --npy'),
  no(X('--images', raw('t10k-images-idx3-ubyte')), 'Expected both --images FILE and --labels FILE'),
  proc(ok(['export', '--limit', '20', ...IMAGES], /^exported 20 images \(idx\)/)),
];

describe('the command line, part 1: commands and the flags of export and the data: read by main in-process', () => {
  for (const row of rows.filter((r) => r.process !== 'data')) it(rowName(row.args), () => checkRowInProcess(row));
});

describe('the command line, part 1: commands and the flags of export and the data: as processes', () => {
  for (const row of rows.filter((r) => r.process)) it(rowName(row.args), () => checkRow(row));
});
