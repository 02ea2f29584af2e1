// Cleanup that never loses work: the storage policy and /clean keep a job whose worktree holds
// commits not landed or uncommitted files (and /clean names it), remove a job's worktree and
// branch with it once its work landed or was discarded, or when it holds none; `discard` removes
// them after a confirmation that says what goes; the startup review lists what a crash left.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { runCli, startPipedRepl } from '../helpers/cli.js';
import { makeGitProject, type GitProject } from '../helpers/git.js';

const agents = {
  edit: { type: 'command', phases: [{ name: 'edit', run: 'echo "$JOB_PROMPT" >> a.txt' }] },
  noop: { type: 'command', phases: [{ name: 'look', run: 'cat a.txt' }] },
  half: { type: 'command', phases: [{ name: 'edit', run: 'echo half >> a.txt; exit 1' }] },
};

async function runJob(project: GitProject, agent: string, name: string): Promise<Job> {
  const { stdout } = await runCli(['run', '-y', '--agent', agent, '--isolation', 'worktree', '--name', name, '--json', name], { cwd: project.cwd, env: project.env });
  return JSON.parse(stdout) as Job;
}

const hasBranch = (project: GitProject, branch: string): boolean => project.git(['branch', '--list', branch]).trim() !== '';

describe('cleanup that never loses work', () => {
  it('the storage policy keeps jobs whose worktree holds work, and removes the others with their worktree and branch', async () => {
    const project = makeGitProject({ 'a.txt': 'a\n' }, { agents, maxCompletedJobs: 0, maxUnfinishedJobs: 0 });
    const committed = await runJob(project, 'edit', 'kept-one');
    const failed = await runJob(project, 'half', 'half-one');
    const empty = await runJob(project, 'noop', 'empty-one');
    expect(failed.status).toBe('failed');
    // Commits not landed, or uncommitted files: kept, job and worktree.
    expect(existsSync(join(project.jobsDir, committed.id, 'job.json'))).toBe(true);
    expect(existsSync(committed.worktree!.path)).toBe(true);
    expect(existsSync(join(project.jobsDir, failed.id, 'job.json'))).toBe(true);
    expect(existsSync(join(failed.worktree!.path, 'a.txt'))).toBe(true);
    // Nothing in it: gone, with its worktree and branch.
    expect(existsSync(join(project.jobsDir, empty.id))).toBe(false);
    expect(existsSync(empty.worktree!.path)).toBe(false);
    expect(hasBranch(project, 'jobline/empty-one')).toBe(false);
    // Once landed, the next pass takes it with its worktree and branch.
    expect((await runCli(['merge', committed.id], { cwd: project.cwd, env: project.env })).code).toBe(0);
    await runJob(project, 'noop', 'another-empty');
    expect(existsSync(join(project.jobsDir, committed.id))).toBe(false);
    expect(existsSync(committed.worktree!.path)).toBe(false);
    expect(hasBranch(project, 'jobline/kept-one')).toBe(false);
  });

  it('/clean names a job whose work is not landed and keeps it; discard removes it after its confirmation, and /clean then takes the job', async () => {
    const project = makeGitProject({ 'a.txt': 'a\n' }, { agents });
    const job = await runJob(project, 'edit', 'named-one');
    const repl = startPipedRepl(project.cwd, project.env);
    repl.send('/clean -y');
    await repl.until(`kept ${job.id} named-one: its work is not landed (1 commit not landed on jobline/named-one)`);
    await repl.end();
    expect(existsSync(job.worktree!.path)).toBe(true);

    const unconfirmed = await runCli(['discard', job.id], { cwd: project.cwd, env: project.env });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(`its branch jobline/named-one, with 1 commit not landed and 0 uncommitted files`);
    expect(unconfirmed.stderr).toContain('add -y');
    expect(existsSync(job.worktree!.path)).toBe(true);
    const discarded = await runCli(['discard', job.id, '-y'], { cwd: project.cwd, env: project.env });
    expect(discarded.code).toBe(0);
    expect(discarded.stdout).toContain('Discarded');
    expect(existsSync(job.worktree!.path)).toBe(false);
    expect(hasBranch(project, 'jobline/named-one')).toBe(false);
    expect(JSON.parse((await runCli(['show', job.id, '--json'], { cwd: project.cwd, env: project.env })).stdout).merge.status).toBe('discarded');
    const again = startPipedRepl(project.cwd, project.env);
    again.send('/clean -y');
    await again.until('Removed 1 completed job(s)');
    await again.end();
    expect(existsSync(join(project.jobsDir, job.id))).toBe(false);
  });

  it('lists, at startup, a worktree whose job folder a crash took, with its commits', async () => {
    const project = makeGitProject({ 'a.txt': 'a\n' }, { agents });
    const job = await runJob(project, 'edit', 'lost-one');
    rmSync(join(project.jobsDir, job.id), { recursive: true, force: true });
    const repl = startPipedRepl(project.cwd, project.env);
    await repl.until('without their job (left by a crash)').catch(() => { throw new Error(repl.output); });
    await repl.until(`jobline/lost-one (worktree ${job.worktree!.path}): 1 commit on no other branch, 0 uncommitted files`).catch(() => { throw new Error(repl.output); });
    await repl.end();
    expect(existsSync(job.worktree!.path)).toBe(true);
  });
});
