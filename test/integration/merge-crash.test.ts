// A landing killed with kill -9 at each of its steps (the test-only JOBLINE_TEST_PAUSE_LANDING
// stops it exactly there): afterwards the target is at its old commit or the new one, never in
// between, the job's merge status (as the next jobline reads it) says which, the backup ref is
// there once it was written (through a checkout: before the move; by compare-and-swap: with it),
// and no scratch worktree is left. And one landing at a time per
// repository across processes: a second waits, says its position, and goes once the first is gone.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { runCli, startCli } from '../helpers/cli.js';
import { makeGitProject, type GitProject } from '../helpers/git.js';
import { waitFor } from '../helpers/wait.js';

function project(check: string): GitProject {
  const made = makeGitProject({ 'a.txt': 'line\n' }, {
    agents: { edit: { type: 'command', phases: [{ name: 'edit', run: 'printf "%s\\n" "$JOB_PROMPT" >> a.txt' }] } },
    merge: { check },
  });
  return made;
}

async function runJob(made: GitProject, name: string): Promise<Job> {
  const { code, stdout, stderr } = await runCli(['run', '-y', '--agent', 'edit', '--isolation', 'worktree', '--name', name, '--json', name], { cwd: made.cwd, env: made.env });
  if (code !== 0) throw new Error(stderr);
  return JSON.parse(stdout) as Job;
}

async function show(made: GitProject, id: string): Promise<Job> {
  return JSON.parse((await runCli(['show', id, '--json'], { cwd: made.cwd, env: made.env })).stdout) as Job;
}

function scratchLeft(made: GitProject): string[] {
  return existsSync(made.worktreesDir) ? readdirSync(made.worktreesDir).filter((name) => name.startsWith('.check-')) : [];
}

describe('a landing killed at any step', () => {
  // built: the candidate recorded (the backup written with it); checked: merge.check passed on it;
  // moved: the target moved, its landing not yet recorded.
  for (const step of ['built', 'checked', 'moved'] as const) {
    it(`leaves the target old or new after kill -9 at "${step}", and the next jobline says which`, async () => {
      const made = project('true');
      const job = await runJob(made, `crash-${step}`);
      const old = made.git(['rev-parse', 'main']).trim();
      const { child, result } = startCli(['merge', job.id], { cwd: made.cwd, env: { ...made.env, JOBLINE_TEST_PAUSE_LANDING: step } });
      await waitFor(() => existsSync(join(made.jobsDir, job.id, `landing-paused-at-${step}`)), `the landing to reach ${step}`);
      child.kill('SIGKILL');
      await result;
      const target = made.git(['rev-parse', 'main']).trim();
      const after = await show(made, job.id);
      if (step === 'moved') {
        expect(target).not.toBe(old);
        expect(after.merge).toMatchObject({ status: 'landed', commit: target });
        expect(made.read('a.txt')).toBe(`line\ncrash-${step}\n`);
      } else {
        expect(target).toBe(old);
        expect(after.merge?.status).toBe('ready');
        expect(after.merge?.error).toContain('nothing landed');
        expect(made.read('a.txt')).toBe('line\n');
      }
      expect(made.git(['rev-parse', `refs/jobline/before/${job.id}`]).trim()).toBe(old);
      expect(scratchLeft(made)).toEqual([]);
      if (after.merge?.status === 'ready') {
        const again = await runCli(['merge', job.id], { cwd: made.cwd, env: made.env });
        expect(again.code, again.stderr).toBe(0);
        expect(made.git(['show', 'main:a.txt'])).toBe(`line\ncrash-${step}\n`);
      }
    });
  }

  it('removes the scratch worktree of a check that was running when its jobline was killed', async () => {
    const made = project('touch ../../check-running; while [ ! -e ../../check-release ]; do sleep 0.05; done');
    const job = await runJob(made, 'mid-check');
    const old = made.git(['rev-parse', 'main']).trim();
    const { child, result } = startCli(['merge', job.id], { cwd: made.cwd, env: made.env });
    await waitFor(() => existsSync(join(made.root, 'check-running')), 'the check to run');
    expect(scratchLeft(made)).toEqual([`.check-${job.id}`]);
    child.kill('SIGKILL');
    await result;
    writeFileSync(join(made.root, 'check-release'), '');
    const after = await show(made, job.id);
    expect(after.merge?.status).toBe('ready');
    expect(made.git(['rev-parse', 'main']).trim()).toBe(old);
    expect(scratchLeft(made)).toEqual([]);
    expect(made.git(['worktree', 'list', '--porcelain'])).not.toContain('.check-');
  });
});

describe('a landing by compare-and-swap killed at a step', () => {
  // A target checked out nowhere, no check: the move's git is started while the candidate is
  // recorded, and writes the backup at once, in a transaction before the target's.
  for (const step of ['built', 'moved'] as const) {
    it(`leaves the target old or new after kill -9 at "${step}", its backup there at either step`, async () => {
      const made = makeGitProject({ 'a.txt': 'line\n' }, {
        agents: { edit: { type: 'command', phases: [{ name: 'edit', run: 'printf "%s\\n" "$JOB_PROMPT" >> a.txt' }] } },
        merge: { target: 'release' },
      });
      made.git(['branch', 'release']);
      const job = await runJob(made, `swap-${step}`);
      const old = made.git(['rev-parse', 'release']).trim();
      const { child, result } = startCli(['merge', job.id], { cwd: made.cwd, env: { ...made.env, JOBLINE_TEST_PAUSE_LANDING: step } });
      await waitFor(() => existsSync(join(made.jobsDir, job.id, `landing-paused-at-${step}`)), `the landing to reach ${step}`);
      child.kill('SIGKILL');
      await result;
      const after = await show(made, job.id);
      const backup = (): string => made.git(['for-each-ref', '--format=%(objectname)', `refs/jobline/before/${job.id}`]).trim();
      if (step === 'moved') {
        expect(after.merge).toMatchObject({ status: 'landed', commit: made.git(['rev-parse', 'release']).trim() });
        expect(backup()).toBe(old);
      } else {
        expect(made.git(['rev-parse', 'release']).trim()).toBe(old);
        expect(after.merge?.status).toBe('ready');
        expect(backup()).toBe(old);
        const again = await runCli(['merge', job.id], { cwd: made.cwd, env: made.env });
        expect(again.code, again.stderr).toBe(0);
        expect(made.git(['show', 'release:a.txt'])).toBe(`line\nswap-${step}\n`);
        expect(backup()).toBe(old);
      }
      // The user's checkout (main) is as it was.
      expect(made.read('a.txt')).toBe('line\n');
    });
  }
});

describe('one landing at a time per repository', () => {
  it('queues a second landing from another process, says its position, and lets it go once the first is gone', async () => {
    const made = project('true');
    const first = await runJob(made, 'first-one');
    const second = await runJob(made, 'second-one');
    const holder = startCli(['merge', first.id], { cwd: made.cwd, env: { ...made.env, JOBLINE_TEST_PAUSE_LANDING: 'built' } });
    await waitFor(() => existsSync(join(made.jobsDir, first.id, 'landing-paused-at-built')), 'the first landing to hold the repository');
    const waiter = startCli(['merge', second.id], { cwd: made.cwd, env: made.env });
    let said = '';
    waiter.child.stderr!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await waitFor(() => said.includes('waiting to land on main: position 1'), 'the second landing to say its place');
    expect((await show(made, second.id)).merge?.status).toBe('checking');
    holder.child.kill('SIGKILL');
    await holder.result;
    const landed = await waiter.result;
    expect(landed.code, landed.stderr).toBe(0);
    expect(made.git(['show', 'main:a.txt'])).toBe('line\nsecond-one\n');
    expect((await show(made, first.id)).merge?.status).toBe('ready');
  });
});
