// What a long export says while it runs and when it is stopped: off a terminal, a progress line
// at the interval asked for; on Ctrl-C, one line saying what was kept and how to resume.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressText } from '../../packages/cli/src/progress.js';
import { CLI } from '../fixtures/mnist.js';

const ARGS = ['export', '--split', 'test', '--copies', '4', '--rotate', '10', '--elastic', '34:4', '--format', 'wds', '--shard-size', '1000', '--workers', '1'];

describe('export progress', () => {
  it('off a terminal: lines of done/total, percentage, rate and ETA at IDXFLOW_PROGRESS_SECONDS', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-progress-')), 'out');
    const r = spawnSync(process.execPath, [CLI, ...ARGS, '--out', out], { encoding: 'utf8', env: { ...process.env, IDXFLOW_PROGRESS_SECONDS: '0.2' } });
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^export mnist test: \d+\/40000 \(\d+%\) images, [\d.]+k? images\/s, ETA (\d+h\d+m|(\d+m)?\d+s)$/);
    const done = lines.map((l) => Number(/: (\d+)\//.exec(l)![1]));
    expect(done).toEqual([...done].sort((a, b) => a - b));
  });

  it('progressText computes the ETA from the rate so far (a hand-worked case)', () => {
    // 15,000 of 60,000 in 3 s: 5,000 images/s, 45,000 left: 9 s.
    expect(progressText('x', 15000, 60000, 3)).toBe('x: 15000/60000 (25%) images, 5.0k images/s, ETA 9s');
    expect(progressText('x', 10, undefined, 2)).toBe('x: 10 images, 5 images/s');
    expect(progressText('x', 1000, 2_000_000, 0.5)).toBe('x: 1000/2000000 (0%) images, 2.0k images/s, ETA 16m40s');
  });

  it('Ctrl-C: exit 130 and one line saying what was kept; the same command then resumes', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-progress-')), 'out');
    const child = spawn(process.execPath, [CLI, ...ARGS, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 400 && !(existsSync(out) && readdirSync(out).filter((n) => n.endsWith('.tar')).length >= 2); i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toBe(`idxflow: interrupted: kept ${/kept (\d+)/.exec(stderr)?.[1]} complete files (${Number(/kept (\d+)/.exec(stderr)?.[1]) * 1000} images) in ${out}, removed the incomplete one; rerun the same command to resume\n`);
    const kept = Number(/kept (\d+) complete/.exec(stderr)![1]);
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(readdirSync(out).filter((n) => n.endsWith('.partial'))).toEqual([]);
    const again = spawnSync(process.execPath, [CLI, ...ARGS, '--out', out], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`kept ${kept} complete files (${kept * 1000} images) of an interrupted run`);
  });
});
