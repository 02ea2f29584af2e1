// Landing through the merge queue, end to end through the real CLI on real repositories: two jobs
// editing one line (the first lands, the second conflicts, /retry resolves and lands it), the
// user's uncommitted changes never overwritten, merge.check on the exact commit that lands (and
// again when the target moves during it), compare-and-swap on a branch checked out nowhere.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { runCli, startCli } from '../helpers/cli.js';
import { makeGitProject, type GitProject } from '../helpers/git.js';
import { waitFor } from '../helpers/wait.js';

// Each job writes its prompt as the first line of a.txt, once the test lets it go (both wait, so
// they run at the same time); `resolve` keeps both sides' lines, in order.
const editor = {
  agents: {
    edit: {
      type: 'command',
      phases: [
        { name: 'edit', run: 'touch "$JOBLINE_WORKTREE.started"; while [ ! -e "$JOBLINE_WORKTREE/../go" ]; do sleep 0.05; done; { printf "%s\\n" "$JOB_PROMPT"; tail -n +2 a.txt; } > a.next && mv a.next a.txt' },
        { name: 'resolve', run: 'grep -v "^[<=>|]\\{7\\}" a.txt | awk "NR<=2" > a.next && { cat a.next; tail -n +2 a.txt | grep -v "^[<=>|]\\{7\\}" | tail -n +3; } > a.txt && rm a.next' },
      ],
    },
  },
};

async function show(project: GitProject, id: string): Promise<Job> {
  const { stdout } = await runCli(['show', id, '--json'], { cwd: project.cwd, env: project.env });
  return JSON.parse(stdout) as Job;
}

async function runJob(project: GitProject, prompt: string, name: string, extra: string[] = []): Promise<Job> {
  const { code, stdout, stderr } = await runCli(['run', '-y', '--agent', 'edit', '--isolation', 'worktree', '--name', name, '--json', ...extra, prompt], { cwd: project.cwd, env: project.env });
  if (code !== 0) throw new Error(`run failed: ${stderr}`);
  return JSON.parse(stdout) as Job;
}

describe('the merge queue', () => {
  it('lands the first of two jobs on one line, reports the second as a conflict, and /retry resolves and lands it; the user\'s checkout is never overwritten', async () => {
    const project = makeGitProject({ 'a.txt': 'line\nrest\n', 'b.txt': 'user\n' }, editor);
    const head = project.git(['rev-parse', 'HEAD']).trim();
    const first = startCli(['run', '-y', '--agent', 'edit', '--isolation', 'worktree', '--name', 'red-fox', '--json', 'red'], { cwd: project.cwd, env: project.env });
    const second = startCli(['run', '-y', '--agent', 'edit', '--isolation', 'worktree', '--name', 'blue-jay', '--json', 'blue'], { cwd: project.cwd, env: project.env });
    await waitFor(() => existsSync(join(project.worktreesDir, 'red-fox.started')) && existsSync(join(project.worktreesDir, 'blue-jay.started')), 'both jobs to run');
    // While they run, the user's checkout is as it was.
    expect(project.git(['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(project.git(['status', '--porcelain'])).toBe('');
    project.write('go', '', project.worktreesDir);
    const [red, blue] = await Promise.all([first.result, second.result]);
    expect(red.code).toBe(0);
    expect(blue.code).toBe(0);
    const redJob = JSON.parse(red.stdout) as Job;
    const blueJob = JSON.parse(blue.stdout) as Job;
    expect(project.read('a.txt')).toBe('line\nrest\n');
    // The user edits another file meanwhile, and does not commit it.
    project.write('b.txt', 'user, still typing\n');

    const landed = await runCli(['merge', redJob.id], { cwd: project.cwd, env: project.env });
    expect(landed.code, landed.stderr).toBe(0);
    expect(landed.stdout).toContain(`Landed ${redJob.id}`);
    expect(project.git(['show', 'main:a.txt'])).toBe('red\nrest\n');
    // Landed through the user's checkout (main is checked out there): its files moved with it,
    // and the user's own change to b.txt is still there.
    expect(project.read('a.txt')).toBe('red\nrest\n');
    expect(project.read('b.txt')).toBe('user, still typing\n');
    expect(project.git(['rev-parse', `refs/jobline/before/${redJob.id}`]).trim()).toBe(head);
    expect((await show(project, redJob.id)).merge).toMatchObject({ status: 'landed', target: 'main', commit: project.git(['rev-parse', 'main']).trim() });

    const mainBefore = project.git(['rev-parse', 'main']).trim();
    const conflicted = await runCli(['merge', blueJob.id], { cwd: project.cwd, env: project.env });
    expect(conflicted.code).toBe(1);
    expect(conflicted.stderr).toContain('conflicts with main in 1 file: a.txt');
    expect(project.git(['rev-parse', 'main']).trim()).toBe(mainBefore);
    expect(project.read('a.txt')).toBe('red\nrest\n');
    expect((await show(project, blueJob.id)).merge).toMatchObject({ status: 'conflict', conflicts: ['a.txt'] });

    const resolved = await runCli(['retry', blueJob.id], { cwd: project.cwd, env: project.env });
    expect(resolved.stderr).toContain('Resolving');
    expect(resolved.code, resolved.stderr + resolved.stdout).toBe(0);
    const final = await show(project, blueJob.id);
    expect(final.merge?.status).toBe('landed');
    expect(final.phases.map((phase) => phase.name)).toEqual(['edit', 'resolve']);
    // Both jobs' work is in main's history; the user's uncommitted change survived both landings.
    const subjects = project.git(['log', '--format=%s', 'main']);
    expect(subjects).toContain('red-fox: edit');
    expect(subjects).toContain('blue-jay: edit');
    expect(subjects).toContain('blue-jay: resolve');
    expect(project.git(['show', 'main:a.txt'])).not.toMatch(/^[<=>]{7}/m);
    expect(project.read('b.txt')).toBe('user, still typing\n');
    expect(project.git(['status', '--porcelain']).trim()).toBe('M b.txt');
  });

  it('refuses to land over the user\'s uncommitted change to a file it changes, naming it; lands once the user committed it', async () => {
    const project = makeGitProject({ 'a.txt': 'line\n2\n3\n4\nlast\n' }, editor);
    project.write('go', '', project.worktreesDir);
    const job = await runJob(project, 'first', 'green-eel');
    const main = project.git(['rev-parse', 'main']).trim();
    project.write('a.txt', 'line\n2\n3\n4\nlast, mine\n');
    const refused = await runCli(['merge', job.id], { cwd: project.cwd, env: project.env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('your uncommitted changes in');
    expect(refused.stderr).toContain('a.txt');
    expect(refused.stderr).toContain('Commit or stash them');
    expect(project.git(['rev-parse', 'main']).trim()).toBe(main);
    expect(project.read('a.txt')).toBe('line\n2\n3\n4\nlast, mine\n');
    expect((await show(project, job.id)).merge).toMatchObject({ status: 'blocked', conflicts: ['a.txt'] });
    project.commitAll('mine');
    const landed = await runCli(['merge', job.id], { cwd: project.cwd, env: project.env });
    expect(landed.code, landed.stderr).toBe(0);
    expect(project.read('a.txt')).toBe('first\n2\n3\n4\nlast, mine\n');
    expect(project.git(['status', '--porcelain'])).toBe('');
  });

  it('blocks the landing when merge.check fails (its last lines and log kept), and checks again when the target moves during the check', async () => {
    const failing = makeGitProject({ 'a.txt': 'line\n' }, { ...editor, merge: { check: 'echo "checking $JOBLINE_CHECK_COMMIT"; echo "2 tests failed"; exit 1' } });
    failing.write('go', '', failing.worktreesDir);
    const job = await runJob(failing, 'x', 'gray-elk');
    const main = failing.git(['rev-parse', 'main']).trim();
    const refused = await runCli(['merge', job.id], { cwd: failing.cwd, env: failing.env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('merge.check');
    expect(refused.stderr).toContain('2 tests failed');
    expect(failing.git(['rev-parse', 'main']).trim()).toBe(main);
    const stored = await show(failing, job.id);
    expect(stored.merge?.status).toBe('check failed');
    expect(readFileSync(join(failing.jobsDir, job.id, 'merge-check.log'), 'utf8')).toContain('2 tests failed');
    expect(existsSync(join(failing.worktreesDir, `.check-${job.id}`))).toBe(false);

    // The first check moves main under the landing (a commit in the user's checkout); the second passes.
    const moving = makeGitProject({ 'a.txt': 'line\n', 'c.txt': 'c\n' }, { ...editor, merge: { check: 'n=$(cat ../../checks); echo $((n+1)) > ../../checks; echo "$JOBLINE_CHECK_COMMIT" >> ../../checked; if [ "$n" = 0 ]; then echo moved >> ../../project/c.txt && git -C ../../project commit -qam "moved meanwhile"; fi' } });
    moving.write('go', '', moving.worktreesDir);
    moving.write('checks', '0', moving.root);
    const movingJob = await runJob(moving, 'y', 'tan-cod');
    const landed = await runCli(['merge', movingJob.id], { cwd: moving.cwd, env: moving.env });
    expect(landed.code, landed.stderr).toBe(0);
    const checked = readFileSync(join(moving.root, 'checked'), 'utf8').trim().split('\n');
    expect(checked).toHaveLength(2);
    const tip = moving.git(['rev-parse', 'main']).trim();
    // Exactly the commit checked the second time landed, built on the commit that moved main.
    expect(checked[1]).toBe(tip);
    expect((await show(moving, movingJob.id)).merge).toMatchObject({ status: 'landed', commit: tip, checkedCommit: tip });
    expect(moving.git(['log', '--format=%s', 'main'])).toContain('moved meanwhile');
  });

  it('lands on a branch checked out nowhere by compare-and-swap, leaving the user\'s checkout alone; squash and rebase make their own shapes', async () => {
    const project = makeGitProject({ 'a.txt': 'line\n' }, { ...editor, merge: { target: 'release' } });
    project.git(['branch', 'release']);
    project.write('go', '', project.worktreesDir);
    const job = await runJob(project, 'shipped', 'old-yak');
    const landed = await runCli(['merge', job.id], { cwd: project.cwd, env: project.env });
    expect(landed.code, landed.stderr).toBe(0);
    expect(project.git(['show', 'release:a.txt'])).toBe('shipped\n');
    expect(project.git(['rev-parse', '--abbrev-ref', 'HEAD']).trim()).toBe('main');
    expect(project.read('a.txt')).toBe('line\n');
    expect(project.git(['rev-list', '--parents', '-1', 'release']).trim().split(' ')).toHaveLength(3);

    for (const strategy of ['squash', 'rebase'] as const) {
      const shaped = makeGitProject({ 'a.txt': 'line\n' }, { ...editor, merge: { strategy } });
      shaped.write('go', '', shaped.worktreesDir);
      const shapedJob = await runJob(shaped, strategy, `${strategy}-cat`);
      const before = shaped.git(['rev-parse', 'main']).trim();
      expect((await runCli(['merge', shapedJob.id], { cwd: shaped.cwd, env: shaped.env })).code).toBe(0);
      expect(shaped.git(['rev-list', '--parents', '-1', 'main']).trim().split(' ')).toEqual([shaped.git(['rev-parse', 'main']).trim(), before]);
      expect(shaped.git(['log', '-1', '--format=%s', 'main']).trim()).toBe(strategy === 'squash' ? `${strategy}-cat: the job's work, squashed` : `${strategy}-cat: edit`);
    }
  });

  it('lands by itself when merge.auto is set; refuses a conflict\'s retry for an agent that cannot resolve, saying why', async () => {
    const auto = makeGitProject({ 'a.txt': 'line\n' }, { ...editor, merge: { auto: true } });
    auto.write('go', '', auto.worktreesDir);
    const job = await runJob(auto, 'landed-by-itself', 'auto-emu');
    expect(auto.git(['show', 'main:a.txt'])).toBe('landed-by-itself\n');
    expect((await show(auto, job.id)).merge?.status).toBe('landed');

    const plain = makeGitProject({ 'a.txt': 'line\n' }, { agents: { write: { type: 'command', phases: [{ name: 'edit', run: 'printf "%s\\n" "$JOB_PROMPT" > a.txt' }] } } });
    const run = async (prompt: string): Promise<Job> => JSON.parse((await runCli(['run', '-y', '--agent', 'write', '--isolation', 'worktree', '--json', prompt], { cwd: plain.cwd, env: plain.env })).stdout) as Job;
    const first = await run('one');
    const second = await run('two');
    expect((await runCli(['merge', first.id], { cwd: plain.cwd, env: plain.env })).code).toBe(0);
    const conflicted = await runCli(['merge', second.id], { cwd: plain.cwd, env: plain.env });
    expect(conflicted.code).toBe(1);
    // The hint offers only what works: no /retry for an agent that cannot resolve, and by hand, how.
    expect(conflicted.stderr).toContain('A retry cannot resolve them (its agent write has no "resolve" phase to resolve a merge conflict with)');
    expect(conflicted.stderr).not.toContain(`/retry ${second.id}`);
    expect(conflicted.stderr).toContain('git merge main; fix the files; git commit), then jobline merge');
    const refused = await runCli(['retry', second.id], { cwd: plain.cwd, env: plain.env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('its agent write has no "resolve" phase to resolve a merge conflict with');
    expect((await show(plain, second.id)).merge?.status).toBe('conflict');
  });
});
