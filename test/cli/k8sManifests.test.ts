// docs/distributed/k8s as kubectl renders it (`kubectl kustomize`, offline), validated against the
// Kubernetes API's OpenAPI schemas by kubernetes-models, and read for what the recipe promises:
// the part count is the Job's completions, idxflow is the container's process (no shell), the
// merge is a Job on the same volume that waits suspended, and the export's command runs.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CLI, ROOT } from '../fixtures/mnist.js';

const RECIPE = join(ROOT, 'docs', 'distributed', 'k8s');

// The rendered objects are plain YAML: read them loosely, the schemas check their types.
type Obj = Record<string, any>; // oxlint-disable-line no-explicit-any

/** `kubectl kustomize dir`, parsed: the objects `kubectl apply -k dir` would send. */
function render(dir: string): Obj[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${r.error?.message ?? r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
}

/** Validates `obj` against its kind's schema; throws naming the first field in error. */
function validate(obj: Obj): void {
  if (obj.apiVersion === 'batch/v1' && obj.kind === 'Job') new Job(obj as never).validate();
  else if (obj.apiVersion === 'v1' && obj.kind === 'PersistentVolumeClaim') new PersistentVolumeClaim(obj as never).validate();
  else throw new Error(`no schema picked for ${obj.apiVersion} ${obj.kind}`);
}

const named = (objects: Obj[], name: string): Obj => objects.find((o) => o.metadata.name === name)!;
const envOf = (container: Obj): Record<string, string> => Object.fromEntries((container.env ?? []).map((e: Obj) => [e.name, e.value]));

describe('the Kubernetes recipe (docs/distributed/k8s)', () => {
  const objects = render(RECIPE);
  const exportJob = named(objects, 'idxflow-mnist8m');
  const mergeJob = named(objects, 'idxflow-mnist8m-merge');
  const volume = named(objects, 'mnist8m');

  it('renders objects that the Kubernetes API schemas accept, and a broken copy that they refuse', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['Job/idxflow-mnist8m', 'Job/idxflow-mnist8m-merge', 'PersistentVolumeClaim/mnist8m']);
    for (const obj of objects) expect(() => validate(obj), `${obj.kind}/${obj.metadata.name}`).not.toThrow();
    const broken = (edit: (job: Obj) => void): Obj => {
      const copy = structuredClone(exportJob);
      edit(copy);
      return copy;
    };
    expect(() => validate(broken((job) => (job.spec.completions = '8')))).toThrow(/spec\/completions must be integer/);
    expect(() => validate(broken((job) => (job.spec.template.spec.containers[0].env[0].value = 8)))).toThrow(/env\/0\/value must be string/);
    expect(() => validate(broken((job) => delete job.spec.template.spec.containers[0].name))).toThrow(/containers\/0 must have required property name/);
  });

  it('ties the part count to completions: IDXFLOW_SHARDS and parallelism follow it', () => {
    const [container] = exportJob.spec.template.spec.containers;
    expect([exportJob.spec.completionMode, exportJob.spec.completions, exportJob.spec.parallelism, envOf(container).IDXFLOW_SHARDS]).toEqual(['Indexed', 8, 8, '8']);
    // A copy of the recipe with completions: 3 renders 3 everywhere.
    const copy = join(mkdtempSync(join(tmpdir(), 'idxflow-k8s-')), 'k8s');
    cpSync(RECIPE, copy, { recursive: true });
    const jobFile = join(copy, 'export-job.yaml');
    writeFileSync(jobFile, readFileSync(jobFile, 'utf8').replace(/^( {2}completions:) 8\b/m, '$1 3'));
    const three = named(render(copy), 'idxflow-mnist8m');
    expect([three.spec.completions, three.spec.parallelism, envOf(three.spec.template.spec.containers[0]).IDXFLOW_SHARDS]).toEqual([3, 3, '3']);
    expect(() => validate(three)).not.toThrow();
  });

  it('runs idxflow as the container process, and the merge as a suspended Job on the same volume', () => {
    const [container] = exportJob.spec.template.spec.containers;
    const [merger] = mergeJob.spec.template.spec.containers;
    for (const c of [container, merger]) {
      expect(c.command[0]).toBe('idxflow'); // no shell in front: SIGTERM reaches idxflow
      expect(c.args).toBeUndefined();
      expect(c.image).toBe('registry.example.com/idxflow:0.1.0');
    }
    expect(exportJob.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    expect(mergeJob.spec.suspend).toBe(true);
    expect(merger.command).toEqual(['idxflow', 'merge-manifests', '/data/mnist8m']);
    expect(container.command).toContain('--out=/data/mnist8m');
    for (const job of [exportJob, mergeJob]) {
      expect(job.spec.template.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: volume.metadata.name } }]);
      expect(job.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    }
    expect(volume.spec.accessModes).toEqual(['ReadWriteMany']);
  });

  it("the export's command runs as the last pod of the Job would run it (sized down)", () => {
    const [container] = exportJob.spec.template.spec.containers;
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-k8s-')), 'mnist8m');
    // Every flag as written, with 1 copy of 160 images instead of 135 copies, in shards of 20.
    const args = container.command.slice(1).map((a: string) => (a.startsWith('--out=') ? `--out=${out}` : a === '--copies=135' ? '--copies=1' : a));
    expect(args).toContain('--copies=1');
    const env: NodeJS.ProcessEnv = { ...process.env, ...envOf(container), JOB_COMPLETION_INDEX: String(exportJob.spec.completions - 1) };
    for (const name of Object.keys(env)) if (/^(SLURM_|RANK$|WORLD_SIZE$)/.test(name)) delete env[name];
    const r = spawnSync(process.execPath, [CLI, ...args, '--limit=160', '--shard-size=20'], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    // Part 7 of 8 of 8 shards: the last shard, and its manifest.
    expect(readdirSync(out).sort()).toEqual(['manifest.part-00007-of-00008.json', 'shard-000007.tar']);
  });
});
