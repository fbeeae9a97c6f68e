// What the Python client tests share: the system Python they need, `idxflow serve` as a child
// process, and clients/python installed with pip into a fresh virtual environment.
import { execFile, spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { CLI, ROOT } from '../fixtures/mnist.js';

export const PYTHON = '/usr/bin/python3';
export const run = promisify(execFile);

/** What PYTHON lacks for these tests, or undefined. */
function pythonLacks(): string | undefined {
  const modules = ['numpy', 'torch', 'venv', 'ensurepip', 'pip', 'setuptools', 'wheel'];
  const probe = 'import importlib.util as u, sys; print(" ".join(m for m in sys.argv[1:] if u.find_spec(m) is None))';
  const r = spawnSync(PYTHON, ['-c', probe, ...modules], { encoding: 'utf8' });
  if (r.status !== 0) return `${PYTHON} does not run (${r.error?.message ?? r.stderr.trim()})`;
  return r.stdout.trim() === '' ? undefined : `${PYTHON} lacks ${r.stdout.trim().split(' ').join(', ')}`;
}
export const lacks = pythonLacks();
export const required = process.env.CI === 'true'; // CI installs them (.ci/run): there, missing is a failure
if (lacks !== undefined && !required) console.warn(`Skipping the Python client tests: ${lacks}`);

/** The environment the Python scripts run in: none of the launcher's variables or the caller's Python paths. */
export const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
for (const name of ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT', 'PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV']) delete env[name];

export interface Server {
  url: string;
  /** The server's process id, for a script that kills it. */
  pid: number;
  stop(): Promise<void>;
}

/** Starts `idxflow serve --port 0 --workers 1 ARGS` and reads its URL from the line it prints. */
export async function startServer(args: string[]): Promise<Server> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--workers', '1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`idxflow serve printed no URL in 30 s: ${output}`)), 30_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /serving batches at (http:\/\/\S+)\/batches/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`idxflow serve exited: ${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Installs clients/python[torch] with pip into `temp`/venv; resolves with its python and pip's output. */
export async function installClient(temp: string): Promise<{ venvPython: string; pipOutput: string }> {
  // pip builds in the source folder (build/, *.egg-info): build a copy, not the checkout.
  const source = join(temp, 'idxflow-client');
  await cp(join(ROOT, 'clients/python'), source, { recursive: true, filter: (path) => !/(^|\/)(build|__pycache__|[^/]*\.egg-info)$/.test(path) });
  await run(PYTHON, ['-m', 'venv', '--system-site-packages', join(temp, 'venv')], { env });
  const pip = [join(temp, 'venv/bin/pip'), 'install', '--no-index', '--no-build-isolation', `${source}[torch]`];
  const { stdout, stderr } = await run(pip[0], pip.slice(1), { env, encoding: 'utf8', timeout: 100_000 });
  return { venvPython: join(temp, 'venv/bin/python'), pipOutput: stdout + stderr };
}

/**
 * Runs `script` (a path) with `venvPython` in `cwd` (not the checkout: `import idxflow_client`
 * must find the installed package); resolves with its stdout parsed as JSON, and its stderr.
 */
export async function runPython<T>(venvPython: string, cwd: string, script: string, args: (string | number)[], extra: NodeJS.ProcessEnv = {}, timeout = 100_000): Promise<{ result: T; stderr: string }> {
  const { stdout, stderr } = await run(venvPython, [script, ...args.map(String)], {
    cwd,
    env: { ...env, ...extra },
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 << 20,
  });
  return { result: JSON.parse(stdout) as T, stderr };
}
