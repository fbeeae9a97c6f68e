// --auto-augment, --rand-augment, --trivial-augment and --augmix: what each asks for, the
// one-line usage errors (exit 2), and an export's bytes: the source digits through augment()'s
// pass (the pipeline's random stage 0), then the policy drawn as stage 1, replayed here op by op
// from policyDraws() and applyPolicyOp, then --normalize.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, of } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { applyPolicyOp, augment, PolicyOpScratch, policyDraws, policySpecOf, randAugment, type PolicySpec } from '@idxflow/transforms/internal';
import { policyOf } from '../../packages/cli/src/options.js';
import { readSamples } from '../fixtures/frames.js';
import { CLI, raw } from '../fixtures/mnist.js';
import { startServer, type RunningServer } from '../fixtures/server.js';

const idxflow = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-policy-cli-'));
const PIXELS = 784;
const N = 300;

const npyData = (path: string): Buffer => {
  const bytes = readFileSync(path);
  return bytes.subarray(10 + bytes.readUInt16LE(8));
};

const scratch = new PolicyOpScratch();

/** Test digit `index` through the policy's draws as stage 1 of `epoch`, op by op (nothing else on: augment() copies). */
function replayOne(spec: PolicySpec, seed: number, epoch: number, index: number): Uint8Array {
  const source = readFileSync(raw('t10k-images-idx3-ubyte'));
  const image = Uint8Array.from(source.subarray(16 + index * PIXELS, 16 + (index + 1) * PIXELS));
  const draws = policyDraws(spec, { seed, stage: 1, epoch, index }, 28, 28);
  for (const s of draws.chains[0]) if (s.applied) applyPolicyOp(image, 28, 28, s.op, s.magnitude, spec, scratch);
  return image;
}

/** The first N test digits, replayed (AugMix's mixing is checked against torchvision in torchvisionPolicies.test.ts). */
function replayed(spec: PolicySpec, seed: number): Uint8Array {
  const out = new Uint8Array(N * PIXELS);
  for (let i = 0; i < N; i++) out.set(replayOne(spec, seed, 0, i), i * PIXELS);
  return out;
}

let server: RunningServer | undefined;
afterAll(async () => void (await server?.stop()));

describe('the automatic policy flags', () => {
  it('turn into the policies, with torchvision\'s defaults', () => {
    expect(policyOf({ 'rand-augment': '2:9' })).toEqual(policySpecOf('randAugment', { ops: 2, magnitude: 9, bins: 31 }));
    expect(policyOf({ 'rand-augment': '3:5:11' })).toEqual(policySpecOf('randAugment', { ops: 3, magnitude: 5, bins: 11 }));
    expect(policyOf({ 'trivial-augment': true })).toEqual(policySpecOf('trivialAugment', { bins: 31 }));
    expect(policyOf({ 'auto-augment': 'svhn' })).toEqual(policySpecOf('autoAugment', { policy: 'svhn' }));
    expect(policyOf({ augmix: '3' })).toEqual(policySpecOf('augMix', { severity: 3, width: 3, depth: -1, alpha: 1 }));
    expect(policyOf({ augmix: '5:2:2:0.5' })).toEqual(policySpecOf('augMix', { severity: 5, width: 2, depth: 2, alpha: 0.5 }));
    expect(policyOf({})).toBeUndefined();
  });

  it('--policy-interpolation and --policy-fill become the policy\'s interpolation and fill (unset: torchvision\'s, nearest and AugMix bilinear, fill 0)', () => {
    expect(policyOf({ 'rand-augment': '2:9', 'policy-interpolation': 'bilinear', 'policy-fill': '128' })).toEqual({ kind: 'randAugment', ops: 2, magnitude: 9, bins: 31, interpolation: 'bilinear', fill: 128 });
    expect(policyOf({ 'trivial-augment': true, 'policy-fill': '255' })).toEqual({ kind: 'trivialAugment', bins: 31, interpolation: 'nearest', fill: 255 });
    expect(policyOf({ 'auto-augment': 'svhn', 'policy-interpolation': 'bilinear' })).toEqual({ kind: 'autoAugment', policy: 'svhn', interpolation: 'bilinear', fill: 0 });
    expect(policyOf({ augmix: '3', 'policy-interpolation': 'nearest', 'policy-fill': '0.5' })).toEqual({ kind: 'augMix', severity: 3, width: 3, depth: -1, alpha: 1, interpolation: 'nearest', fill: 0.5 });
    expect(policyOf({ augmix: '3' })).toMatchObject({ interpolation: 'bilinear', fill: 0 });
  });

  it('refuse two policies (explore too) and bad values, with exit 2 and one line naming the flag, writing nothing', () => {
    const out = join(tmp(), 'out');
    const cases: [string[], RegExp][] = [
      [['--rand-augment', '2:9', '--auto-augment', 'svhn'], /^idxflow: Expected one automatic policy but received --auto-augment and --rand-augment/],
      [['--trivial-augment', '--augmix', '3'], /^idxflow: Expected one automatic policy but received --trivial-augment and --augmix/],
      [['--rand-augment', '2:31'], /^idxflow: Expected an integer from 0 to 30 .*--rand-augment but received "31"/],
      [['--rand-augment', '2'], /^idxflow: Expected OPS:MAGNITUDE or OPS:MAGNITUDE:BINS for --rand-augment/],
      [['--auto-augment', 'mnist'], /^idxflow: Expected one of imagenet, cifar10, svhn for --auto-augment but received "mnist"/],
      [['--augmix', '11'], /^idxflow: Expected an integer from 1 to 10 \(SEVERITY\) for --augmix/],
      [['--augmix', '3:3:0'], /^idxflow: Expected DEPTH -1 .* for --augmix/],
      [['--augmix', '3:3:-1:0'], /^idxflow: Expected ALPHA within \(0, 1000000\] for --augmix/],
      [['--rand-augment', '2:9', '--policy-fill', '256'], /^idxflow: Expected a byte value from 0 to 255 for --policy-fill but received "256"/],
      [['--trivial-augment', '--policy-fill', '-1'], /^idxflow: Expected a byte value from 0 to 255 for --policy-fill but received "-1"/],
      [['--trivial-augment', '--policy-interpolation', 'bicubic'], /^idxflow: Expected nearest or bilinear for --policy-interpolation but received "bicubic"/],
      [['--rotate', '10', '--policy-fill', '9'], /^idxflow: Expected --policy-fill only with an automatic policy \(--auto-augment, --rand-augment, --trivial-augment, --augmix\) but received none of them/],
      [['--policy-interpolation', 'bilinear'], /^idxflow: Expected --policy-interpolation only with an automatic policy/],
    ];
    for (const [flags, message] of cases) {
      const r = idxflow('export', '--split', 'test', '--limit', '5', '--out', out, ...flags);
      expect(r.status, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    const explore = idxflow('explore', '--trivial-augment', '--auto-augment', 'svhn');
    expect(explore.status).toBe(2);
    expect(explore.stderr).toMatch(/^idxflow: Expected one automatic policy but received --auto-augment and --trivial-augment/);
  });

  for (const [flags, spec] of [
    [['--rand-augment', '2:9'], policySpecOf('randAugment', { ops: 2, magnitude: 9 })],
    [['--trivial-augment'], policySpecOf('trivialAugment', {})],
    [['--auto-augment', 'svhn'], policySpecOf('autoAugment', { policy: 'svhn' })],
  ] as const) {
    it(`export ${flags.join(' ')} writes the policy's bytes, drawn as the pipeline's second random stage, on 0 and 2 workers`, () => {
      const expected = replayed(spec, 7);
      for (const workers of ['0', '2']) {
        const out = join(tmp(), 'out');
        const r = idxflow('export', '--split', 'test', '--limit', String(N), '--format', 'npy', '--seed', '7', '--workers', workers, '--out', out, ...flags);
        expect(r.stderr).toBe('');
        const images = npyData(join(out, 'test-images.npy'));
        expect(Buffer.from(expected).equals(images), `${workers} workers`).toBe(true);
        const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { pipeline: { policy?: { kind: string } } };
        expect(manifest.pipeline.policy?.kind).toBe(spec.kind);
      }
    });
  }

  it('export --rand-augment 2:9 --policy-interpolation bilinear --policy-fill 128 writes what augment() then randAugment({ interpolation: bilinear, fill: 128 }) give in code', async () => {
    const out = join(tmp(), 'out');
    const r = idxflow('export', '--split', 'test', '--limit', String(N), '--format', 'npy', '--seed', '7', '--out', out, '--rand-augment', '2:9', '--policy-interpolation', 'bilinear', '--policy-fill', '128');
    expect(r.stderr).toBe('');
    const images = npyData(join(out, 'test-images.npy'));
    const source = readFileSync(raw('t10k-images-idx3-ubyte'));
    const block = { images: Uint8Array.from(source.subarray(16, 16 + N * PIXELS)), labels: new Uint8Array(N), indices: Uint32Array.from({ length: N }, (_, i) => i), epoch: 0, shape: [N, 28, 28] as [number, number, number] };
    const staged = async (options: object) => (await lastValueFrom(of(block).pipe(augment({}, { seed: 7 }), randAugment({ ops: 2, magnitude: 9, ...options }, { seed: 7 })))).images as Uint8Array;
    expect(Buffer.from(await staged({ interpolation: 'bilinear', fill: 128 })).equals(images)).toBe(true);
    // The flags did something: torchvision's defaults (nearest, fill 0) give other bytes.
    expect(Buffer.from(await staged({})).equals(images)).toBe(false);
  });

  it('runs the policy after augment()\'s steps and before --normalize: the floats are (v / 255 - mean) / std of the policy\'s bytes', () => {
    const bytesOut = join(tmp(), 'b');
    const floatOut = join(tmp(), 'f');
    const common = ['export', '--split', 'test', '--limit', '50', '--format', 'npy', '--seed', '3', '--rotate', '10', '--rand-augment', '2:9'];
    expect(idxflow(...common, '--out', bytesOut).stderr).toBe('');
    expect(idxflow(...common, '--normalize', '0.5:0.25', '--out', floatOut).stderr).toBe('');
    const bytes = npyData(join(bytesOut, 'test-images.npy'));
    const raw32 = npyData(join(floatOut, 'test-images.npy'));
    const floats = new Float32Array(raw32.buffer.slice(raw32.byteOffset, raw32.byteOffset + raw32.length));
    let worst = 0;
    for (let i = 0; i < bytes.length; i++) worst = Math.max(worst, Math.abs(floats[i] - (bytes[i] / 255 - 0.5) / 0.25));
    expect(worst).toBeLessThan(1e-6);
  });

  it('serve --rand-augment 3:12 streams each shuffled sample through the policy, drawn as the second random stage', async () => {
    server = await startServer(['--split', 'test', '--limit', '200', '--workers', '2', '--rand-augment', '3:12']);
    const samples = await readSamples(`${server.url}/batches?batch=32&seed=4`, 100);
    expect(samples).toHaveLength(100);
    const spec = policySpecOf('randAugment', { ops: 3, magnitude: 12 });
    const wrong = samples.filter((s) => !Buffer.from(replayOne(spec, 4, s.epoch, s.index)).equals(s.image)).map((s) => s.index);
    expect(wrong).toEqual([]);
    expect(samples.map((s) => s.index)).not.toEqual(Array.from({ length: 100 }, (_, i) => i)); // shuffled
  });
});
