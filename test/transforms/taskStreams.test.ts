// The continual-learning streams against independent computations: each task's samples are the
// source under that task's permutation (re-derived in Python from the documented recipe, applied
// with numpy), rotation (torchvision's RandomRotation(degrees=(a, a)), as Avalanche's
// RotatedMNIST builds it) or class subset (a label filter); the same samples for any worker count
// and block size; the task carried through the stages, and refused by a sink that cannot store it.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batch, mnist, samples, shuffle, takeSamples, type Block } from '@idxflow/core';
import { from, lastValueFrom, toArray, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { toIdx, UnstorableFieldError } from '@idxflow/sinks';
import { permutedTasks, rotatedTasks, splitClassOrder, splitTasks, taskAngle, taskPermutation } from '@idxflow/transforms';
import { raw } from '../fixtures/mnist.js';
import { describeWithPython, python } from '../fixtures/python.js';
import { ROTATION_TIES } from '../fixtures/rotationTies.js';

const N = 2000;

/** The first N MNIST test digits through `stage`, in blocks of `size`. */
const run = (stage: OperatorFunction<Block, Block>, size = 1000, n = N): Promise<Block[]> => lastValueFrom(mnist({ split: 'test' }).pipe(takeSamples(n), batch(size), stage, toArray()));

/** Each task's samples, in order of arrival, joined: pixels, labels and source indices. */
function byTask(blocks: Block[]): Map<number, { images: Uint8Array; labels: number[]; indices: number[] }> {
  const parts = new Map<number, Block[]>();
  for (const b of blocks) {
    expect(b.tasks).toBeInstanceOf(Uint8Array);
    expect(new Set(b.tasks).size).toBeLessThanOrEqual(1);
    if (b.shape[0] === 0) continue;
    const t = b.tasks![0];
    parts.set(t, [...(parts.get(t) ?? []), b]);
  }
  return new Map(
    [...parts].sort(([a], [b]) => a - b).map(([t, bs]) => {
      const images = new Uint8Array(bs.reduce((s, b) => s + b.images.length, 0));
      let at = 0;
      for (const b of bs) {
        images.set(b.images as Uint8Array, at);
        at += b.images.length;
      }
      return [t, { images, labels: bs.flatMap((b) => Array.from(b.labels)), indices: bs.flatMap((b) => Array.from(b.indices)) }];
    }),
  );
}

/** Writes each task's pixels to `dir/task-<t>.u8` for Python. */
function writeTasks(dir: string, tasks: ReturnType<typeof byTask>): void {
  for (const [t, { images }] of tasks) writeFileSync(join(dir, `task-${t}.u8`), images);
}

// The recipe of taskPermutation(), written again from its documentation: idxflow's counter-based
// generator (lowbias32 over (seed, stage 0x5054, epoch = task, index 0)) driving Fisher-Yates from
// the last position down, draw i for position i.
const PERMUTATION = `
M = 0xFFFFFFFF
G = 0x9E3779B9
def mix(x):
    x ^= x >> 16; x = (x * 0x7FEB352D) & M; x ^= x >> 15; x = (x * 0x846CA68B) & M; x ^= x >> 16
    return x
def key(seed, stage, epoch, index):
    h = mix((seed & M) ^ G)
    h = mix(((h + ((seed >> 32) & M)) & M) ^ 0x85EBCA6B)
    h = mix(((h + stage) & M) ^ 0xC2B2AE35)
    h = mix(((h + epoch) & M) ^ 0x27D4EB2F)
    return mix(((h + index) & M) ^ 0x165667B1)
def permutation(n, seed, task):
    k = key(seed, 0x5054, task, 0)
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = (mix(k ^ (((i + 1) * G) & M)) * (i + 1)) >> 32
        order[i], order[j] = order[j], order[i]
    return order
`;

describeWithPython(['numpy', 'torch', 'torchvision'], 'task streams against numpy and torchvision (/usr/bin/python3)', () => {
  it("permutedTasks: task t's images are the source's under permutation(seed, t), re-derived in Python and applied by numpy", async () => {
    const tasks = byTask(await run(permutedTasks({ tasks: 4, seed: 7, workers: 2 })));
    expect([...tasks.keys()]).toEqual([0, 1, 2, 3]);
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-tasks-'));
    writeTasks(dir, tasks);
    const read = python(
      `${PERMUTATION}
import json, sys
import numpy as np
dir, images = sys.argv[1], sys.argv[2]
src = np.fromfile(images, dtype=np.uint8, offset=16).reshape(-1, 784)[:${N}]
out = []
for t in range(4):
    p = np.array(permutation(784, 7, t))
    ours = np.fromfile(f'{dir}/task-{t}.u8', dtype=np.uint8).reshape(-1, 784)
    out.append({'equal': bool(np.array_equal(ours, src[:, p])), 'identity': bool((p == np.arange(784)).all()), 'perm': sorted(p.tolist()) == list(range(784)), 'head': p[:5].tolist()})
print(json.dumps(out))`,
      dir,
      raw('t10k-images-idx3-ubyte'),
    ) as { equal: boolean; identity: boolean; perm: boolean; head: number[] }[];
    for (const [t, r] of read.entries()) {
      expect(r, `task ${t}`).toMatchObject({ equal: true, identity: false, perm: true });
      expect(r.head).toEqual(Array.from(taskPermutation(7, t, 784).subarray(0, 5)));
    }
    expect(new Set(read.map((r) => r.head.join()))).toHaveLength(4); // four different permutations
    const labels = Array.from(readFileSync(raw('t10k-labels-idx1-ubyte')).subarray(8, 8 + N));
    for (const { labels: l, indices } of tasks.values()) {
      expect(l).toEqual(labels);
      expect(indices).toEqual(labels.map((_, i) => i));
    }
  });

  it("rotatedTasks: task t's images are torchvision's RandomRotation(degrees=(a, a)) of the source (Avalanche's, nearest), and F.rotate's bilinear", async () => {
    const angles = [0, 33, -90, 135.5, 45];
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-tasks-'));
    for (const interpolation of ['nearest', 'bilinear'] as const) {
      const tasks = byTask(await run(rotatedTasks({ angles, interpolation, workers: 2 })));
      expect([...tasks.keys()]).toEqual([0, 1, 2, 3, 4]);
      for (const [t, { images }] of tasks) writeFileSync(join(dir, `${interpolation}-${t}.u8`), images);
    }
    const read = python(
      `${ROTATION_TIES}
import json, sys, torch
import numpy as np
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode, RandomRotation
dir, images, angles = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
src = torch.from_numpy(np.fromfile(images, dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)[:${N}].copy())
out = {}
for mode in ('nearest', 'bilinear'):
    for t, a in enumerate(angles):
        # Bilinear with RandomRotation's fill=0 blends the border with the fill a second time
        # (torchvision's mask), so bilinear is compared with F.rotate's default fill=None.
        rotated = RandomRotation(degrees=(a, a))(src) if mode == 'nearest' else F.rotate(src, a, InterpolationMode.BILINEAR)
        theirs = rotated.numpy().reshape(-1, 784)
        ours = np.fromfile(f'{dir}/{mode}-{t}.u8', dtype=np.uint8).reshape(-1, 784)
        diff = np.abs(ours.astype(int) - theirs.astype(int))
        off = (diff > 0) & ~ties(a)
        out[f'{mode} {a}'] = [ours.shape[0], int(off.sum()), int((diff > 1).sum()), int(np.abs(theirs.astype(int) - src.numpy().reshape(-1, 784)).sum() > 0)]
print(json.dumps(out))`,
      dir,
      raw('t10k-images-idx3-ubyte'),
      JSON.stringify(angles),
    ) as Record<string, [number, number, number, number]>;
    // The project's geometry claim (test/transforms/torchvision.test.ts): torchvision's bytes.
    // Stated tolerance over these 2,000 digits: torchvision samples at float32 positions and
    // rounds half to even, idxflow at float64 positions rounding half up, so a pixel can land on
    // the other side of a boundary: nearest, only where the exact source position is a tie
    // between two pixels (ties(); the diagonals at 45 degrees); bilinear, by one level only,
    // anywhere at such ties (weights of exactly one half) and at most 1 in 10,000 pixels elsewhere.
    for (const [what, [count, differing, byMore, changed]] of Object.entries(read)) {
      expect(count, what).toBe(N);
      expect(differing, what).toBeLessThanOrEqual(what.startsWith('nearest') ? 0 : (N * 784) / 10_000);
      if (what.startsWith('bilinear')) expect(byMore, what).toBe(0);
      expect(changed, what).toBe(what.endsWith(' 0') ? 0 : 1); // 0 degrees is the source itself
    }
  });

  it("splitTasks: task t holds exactly the source's samples of its classes (numpy's label filter), in source order, with their labels", async () => {
    const order = splitClassOrder({ seed: 3 });
    expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const tasks = byTask(await run(splitTasks({ classesPerTask: 2, seed: 3 }), 333));
    expect([...tasks.keys()]).toEqual([0, 1, 2, 3, 4]);
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-tasks-'));
    writeTasks(dir, tasks);
    const read = python(
      `
import json, sys
import numpy as np
dir, images, labels, order = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
x = np.fromfile(images, dtype=np.uint8, offset=16).reshape(-1, 784)[:${N}]
y = np.fromfile(labels, dtype=np.uint8, offset=8)[:${N}]
out = []
for t in range(5):
    keep = np.isin(y, order[2 * t:2 * t + 2])
    ours = np.fromfile(f'{dir}/task-{t}.u8', dtype=np.uint8).reshape(-1, 784)
    out.append({'equal': bool(np.array_equal(ours, x[keep])), 'indices': np.nonzero(keep)[0].tolist(), 'labels': y[keep].tolist()})
print(json.dumps(out))`,
      dir,
      raw('t10k-images-idx3-ubyte'),
      raw('t10k-labels-idx1-ubyte'),
      JSON.stringify(order),
    ) as { equal: boolean; indices: number[]; labels: number[] }[];
    let total = 0;
    for (const [t, r] of read.entries()) {
      expect(r.equal, `task ${t}`).toBe(true);
      expect(tasks.get(t)!.indices).toEqual(r.indices);
      expect(tasks.get(t)!.labels).toEqual(r.labels);
      expect(new Set(r.labels)).toEqual(new Set(order.slice(2 * t, 2 * t + 2)));
      total += r.indices.length;
    }
    expect(total).toBe(N); // every sample in exactly one task
  });
});

describe('task streams: determinism, options, and the fields downstream', () => {
  const digest = (blocks: Block[]): string => JSON.stringify([...byTask(blocks)].map(([t, { images, labels, indices }]) => [t, Buffer.from(images).toString('base64'), labels, indices]));

  it('gives the same samples for workers 0 and 2, and blocks of 1 and 1000', async () => {
    const stages = [
      (workers: number) => permutedTasks({ tasks: 3, seed: 2, workers }),
      (workers: number) => rotatedTasks({ tasks: 3, seed: 2, workers }),
      () => splitTasks({ classesPerTask: 5, order: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] }),
    ];
    for (const stage of stages) {
      const reference = digest(await run(stage(0), 1000, 300));
      expect(digest(await run(stage(2), 1000, 300))).toBe(reference);
      expect(digest(await run(stage(0), 1, 300))).toBe(reference);
      expect(digest(await run(stage(2), 1, 300))).toBe(reference);
    }
  });

  it('draws whole-degree angles in -180..180 from (seed, task) alone, and only picks tasks', async () => {
    const angles = Array.from({ length: 50 }, (_, t) => taskAngle(5, t));
    for (const a of angles) {
      expect(Number.isInteger(a)).toBe(true);
      expect(Math.abs(a)).toBeLessThanOrEqual(180);
    }
    expect(new Set(angles).size).toBeGreaterThan(40);
    expect(taskAngle(6, 0)).not.toBe(taskAngle(5, 0)); // the seed matters (these two differ)
    const only = byTask(await run(permutedTasks({ tasks: 5, seed: 1, only: [3, 1] }), 500, 1000));
    const all = byTask(await run(permutedTasks({ tasks: 5, seed: 1 }), 500, 1000));
    expect([...only.keys()]).toEqual([1, 3]);
    expect(only.get(3)!.images).toEqual(all.get(3)!.images);
  });

  it('keeps each sample with its task through shuffle, batch and samples()', async () => {
    const blocks = await run(permutedTasks({ tasks: 2, seed: 1 }), 100, 200);
    const out = await lastValueFrom(from(blocks).pipe(shuffle({ seed: 3 }), batch(7), samples(), toArray()));
    expect(out).toHaveLength(400);
    const perTask = [0, 1].map((t) => out.filter((s) => s.task === t).map((s) => s.index).sort((a, b) => a - b));
    expect(perTask[0]).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(perTask[1]).toEqual(perTask[0]);
    const permuted1 = taskPermutation(1, 1, 784);
    const source = readFileSync(raw('t10k-images-idx3-ubyte'));
    for (const s of out.slice(0, 20)) {
      const p = taskPermutation(1, s.task!, 784);
      expect(Array.from(s.image as Uint8Array)).toEqual(Array.from(p, (k) => source[16 + s.index * 784 + k]));
    }
    expect(permuted1).not.toEqual(taskPermutation(1, 0, 784));
  });

  it('refuses bad options and a second task stage, with typed errors', async () => {
    expect(() => permutedTasks({ tasks: 0 })).toThrow(/Expected integer between 1 and 256 for tasks but received 0/);
    expect(() => rotatedTasks({})).toThrow(/Expected angles \(a list of degrees\) or tasks/);
    expect(() => rotatedTasks({ angles: [10, 190] })).toThrow(/angles\[1\]/);
    expect(() => splitTasks({ classesPerTask: 3 })).toThrow(/dividing the 10 classes/);
    expect(() => splitTasks({ order: [1, 2, 1, 3] })).toThrow(/each class once in order but received 1 twice/);
    expect(() => permutedTasks({ tasks: 2, only: 2 })).toThrow(/only\[0\]/);
    await expect(run(rotatedTasks({ angles: [5] }), 100, 100).then((b) => lastValueFrom(from(b).pipe(permutedTasks({ tasks: 2 }))))).rejects.toMatchObject({ code: 'IDXFLOW_BLOCK_MISMATCH' });
  });

  it('is refused by a sink that cannot store tasks (IDX), before anything is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-tasks-'));
    const e = await toIdx(mnist({ split: 'test' }).pipe(takeSamples(100), batch(100), splitTasks()), { dir }).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(UnstorableFieldError);
    expect(e).toMatchObject({ code: 'IDXFLOW_UNSTORABLE_FIELD', field: 'tasks', sink: 'idx' });
    expect((e as Error).message).toContain('permutedTasks(), rotatedTasks() or splitTasks()');
    expect(readdirSync(dir)).toEqual([]);
  });
});
