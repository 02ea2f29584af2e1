// Tasks in worktrees of their own (`isolation: task-worktree`): 6 tasks of one phase touching 3
// files, each in a worktree off the job's branch, merged into it by the same queue as they end, in
// dependency order; one that conflicts goes back once, on the updated branch, with the conflict
// as its feedback, and merges then.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { runCli } from '../helpers/cli.js';
import { makeGitProject } from '../helpers/git.js';

// $JOBLINE_WORKTREE is the task's own worktree (`<job worktree>-tN`); the job's is beside it.
const JOB = '"${JOBLINE_WORKTREE%-t*}"';
const tasks = [
  { name: 'a', run: 'echo a > f1.txt' },
  { name: 'b', run: 'echo b > f2.txt' },
  { name: 'c', run: 'echo c >> f1.txt', dependsOn: ['a'] },
  // d writes f3 once x runs (so x's worktree was made before d merged); x writes its own f3 once
  // d's is in the job's branch: a conflict, then on the updated branch it adds to d's.
  { name: 'd', run: `while [ ! -e ${JOB}.x-started ]; do sleep 0.05; done; echo d > f3.txt` },
  { name: 'e', run: 'echo e >> f2.txt', dependsOn: ['b'] },
  { name: 'x', run: `touch ${JOB}.x-started; while [ ! -e ${JOB}/f3.txt ]; do sleep 0.05; done; if [ -n "$JOB_FEEDBACK" ]; then echo x-after >> f3.txt; else echo x > f3.txt; fi` },
];

describe('task worktrees', () => {
  it('runs each task of a phase in its own worktree and merges them into the job\'s branch in dependency order, sending one conflict back once', async () => {
    const project = makeGitProject({ 'base.txt': 'base\n' }, { agents: { par: { type: 'command', workers: 4, isolation: 'task-worktree', phases: [{ name: 'work', tasks }] } } });
    const { code, stdout, stderr } = await runCli(['run', '-y', '--agent', 'par', '--name', 'six-tasks', '--json', 'go'], { cwd: project.cwd, env: project.env });
    expect(code, stderr).toBe(0);
    const job = JSON.parse(stdout) as Job & { tasks: Array<{ id: string; title: string; status: string; runs: Array<{ state: { status: string; error?: string } }> }> };
    expect(job.worktree?.isolation).toBe('task-worktree');
    expect(job.merge?.status).toBe('ready');
    const branch = 'jobline/six-tasks';
    expect(project.git(['show', `${branch}:f1.txt`])).toBe('a\nc\n');
    expect(project.git(['show', `${branch}:f2.txt`])).toBe('b\ne\n');
    expect(project.git(['show', `${branch}:f3.txt`])).toBe('d\nx-after\n');
    // Merged one by one into the job's branch, each task's work a merge of its own branch, a
    // task after the one it depends on.
    const merges = project.git(['log', '--first-parent', '--reverse', '--format=%s', branch]).trim().split('\n').filter((subject) => subject.startsWith('Merge'));
    const order = merges.map((subject) => /-(t\d+) into/.exec(subject)?.[1]);
    expect(order.sort()).toEqual(['t1', 't2', 't3', 't4', 't5', 't6']);
    const at = (id: string): number => merges.findIndex((subject) => subject.includes(`-${id} into`));
    expect(at('t1')).toBeLessThan(at('t3'));
    expect(at('t2')).toBeLessThan(at('t5'));
    expect(at('t4')).toBeLessThan(at('t6'));
    // x conflicted once, went back, and merged on the updated branch.
    const { stdout: shown } = await runCli(['show', job.id, '--json'], { cwd: project.cwd, env: project.env });
    const x = (JSON.parse(shown) as typeof job).tasks.find((task) => task.title === 'x')!;
    expect(x.status).toBe('done');
    expect(x.runs.map((run) => run.state.status)).toEqual(['failed', 'succeeded']);
    expect(x.runs[0]!.state.error).toContain('merge conflict with jobline/six-tasks in f3.txt');
    // The tasks' worktrees and branches are gone once merged; the job's stays, with its work.
    expect(readdirSync(project.worktreesDir).filter((name) => /-t\d+$/.test(name))).toEqual([]);
    expect(project.git(['branch', '--list', 'jobline/six-tasks-*']).trim()).toBe('');
    expect(existsSync(join(job.worktree!.path, 'f3.txt'))).toBe(true);
    expect(project.git(['status', '--porcelain'])).toBe('');
  });
});
