// A writing job in its own git worktree, end to end through the real CLI on real repositories:
// the worktree and its branch, a commit per phase with the job in a trailer, $JOBLINE_WORKTREE,
// the user's checkout untouched, the job's record, the includes and the setup command, a retry
// from the previous phase's commit (its attempt kept under a ref), and --base head|worktree.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { runCli } from '../helpers/cli.js';
import { makeGitProject } from '../helpers/git.js';

const twoPhases = {
  agents: {
    edit: {
      type: 'command',
      phases: [
        { name: 'first', run: 'echo "one" >> a.txt && echo "$JOBLINE_WORKTREE" > where.txt && pwd > pwd.txt' },
        { name: 'second', run: 'echo "two" >> a.txt && printf "new\\n" > b.txt' },
      ],
    },
  },
};

async function showJson(project: ReturnType<typeof makeGitProject>, id: string): Promise<Job & { tasks: unknown[] }> {
  const { stdout } = await runCli(['show', id, '--json'], { cwd: project.cwd, env: project.env });
  return JSON.parse(stdout) as Job & { tasks: unknown[] };
}

describe('a job in its own worktree', () => {
  it('works in jobline/<name> from HEAD, commits each phase with the job in a trailer, and leaves the checkout as it was', async () => {
    const project = makeGitProject({ 'a.txt': 'zero\n' }, twoPhases);
    const head = project.git(['rev-parse', 'HEAD']).trim();
    const { code, stdout, stderr } = await runCli(['run', '-y', '--agent', 'edit', '--isolation', 'worktree', '--name', 'tidy-fox', '--json', 'go'], { cwd: project.cwd, env: project.env });
    expect(stderr).not.toContain('Error');
    expect(code).toBe(0);
    const job = JSON.parse(stdout) as Job;
    const path = join(project.worktreesDir, 'tidy-fox');
    expect(job.worktree).toEqual({ path, branch: 'jobline/tidy-fox', base: head, baseBranch: 'main', repository: project.cwd, snapshot: null, target: 'main', isolation: 'worktree' });
    expect(job.merge).toMatchObject({ status: 'ready', target: 'main' });
    // The commands ran in the worktree, and were told so.
    expect(readFileSync(join(path, 'where.txt'), 'utf8').trim()).toBe(path);
    expect(readFileSync(join(path, 'pwd.txt'), 'utf8').trim()).toBe(path);
    expect(readFileSync(join(path, 'a.txt'), 'utf8')).toBe('zero\none\ntwo\n');
    // One commit per phase, named after the job, with its id in a trailer.
    const log = project.git(['log', '--format=%s%x09%(trailers:key=Jobline-Job,valueonly,separator=%x2C)', `${head}..jobline/tidy-fox`]).trim().split('\n');
    expect(log).toEqual([`tidy-fox: second\t${job.id}`, `tidy-fox: first\t${job.id}`]);
    expect(job.phases.map((phase) => phase.commit)).toEqual([project.git(['rev-parse', 'jobline/tidy-fox~1']).trim(), project.git(['rev-parse', 'jobline/tidy-fox']).trim()]);
    // The user's checkout: same commit, same files, nothing new.
    expect(project.git(['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(project.read('a.txt')).toBe('zero\n');
    expect(project.git(['status', '--porcelain'])).toBe('');
    // show --json and diff say the same.
    expect((await showJson(project, job.id)).worktree?.branch).toBe('jobline/tidy-fox');
    const diff = await runCli(['diff', job.id, '--stat'], { cwd: project.cwd, env: project.env });
    expect(diff.stdout).toMatch(/a\.txt\s+\|\s+2 \+\+/);
    expect(diff.stdout).toMatch(/b\.txt/);
  });

  it('refuses --isolation worktree outside a git repository, and runs build-like defaults in place there', async () => {
    const project = makeGitProject({}, twoPhases);
    const outside = join(project.root, 'plain');
    (await import('node:fs')).mkdirSync(outside);
    (await import('node:fs')).writeFileSync(join(outside, '.jobrc.json'), JSON.stringify(twoPhases));
    const refused = await runCli(['run', '-y', '--agent', 'edit', '--isolation', 'worktree', 'go'], { cwd: outside, env: project.env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not in a git repository');
    expect(existsSync(join(outside, 'a.txt'))).toBe(false);
  });

  it('copies the includes (hard links for a folder, where no reflink) and runs the setup command before the first phase, into the job log', async () => {
    const project = makeGitProject({ '.gitignore': 'node_modules/\n.env\n', 'a.txt': 'zero\n' }, {
      ...twoPhases,
      worktree: { include: ['node_modules', '.env'], setup: 'echo setting-up && test -f node_modules/pkg/index.js && echo ready > setup.done' },
    });
    project.write('node_modules/pkg/index.js', 'module.exports = 1;\n');
    project.write('.env', 'SECRET=1\n');
    const { code, stdout, stderr } = await runCli(['run', '-y', '--agent', 'edit', '--isolation', 'worktree', '--name', 'deep-elk', '--json', 'go'], { cwd: project.cwd, env: project.env });
    expect(stderr).not.toContain('failed');
    expect(code).toBe(0);
    const job = JSON.parse(stdout) as Job;
    const path = job.worktree!.path;
    expect(readFileSync(join(path, '.env'), 'utf8')).toBe('SECRET=1\n');
    const copied = statSync(join(path, 'node_modules/pkg/index.js'));
    const original = statSync(join(project.cwd, 'node_modules/pkg/index.js'));
    // Same file system, no reflink in a temp folder: a hard link (or a clone, where it exists).
    expect(copied.ino === original.ino || copied.nlink === 1).toBe(true);
    expect(readFileSync(join(path, 'setup.done'), 'utf8')).toBe('ready\n');
    const log = (await runCli(['logs', job.id], { cwd: project.cwd, env: project.env })).stdout;
    expect(log.indexOf('setting-up')).toBeGreaterThan(-1);
    expect(log.indexOf('setting-up')).toBeLessThan(log.indexOf('phase 1/2 first'));
    // The includes are never committed, even where not ignored (the .env here is).
    const files = project.git(['ls-tree', '-r', '--name-only', 'jobline/deep-elk']).trim().split('\n');
    expect(files).not.toContain('.env');
    expect(files.some((file) => file.startsWith('node_modules'))).toBe(false);
  });

  it('fails the job before any agent runs when the setup command fails, with its last lines', async () => {
    const project = makeGitProject({ 'a.txt': 'zero\n' }, { ...twoPhases, worktree: { setup: 'echo "cannot find lockfile" && exit 3' } });
    const { code, stdout } = await runCli(['run', '-y', '--agent', 'edit', '--isolation', 'worktree', '--json', 'go'], { cwd: project.cwd, env: project.env });
    expect(code).toBe(1);
    const job = JSON.parse(stdout) as Job;
    expect(job.status).toBe('failed');
    expect(job.error).toContain("the worktree's setup failed");
    expect(job.error).toContain('cannot find lockfile');
    expect(existsSync(join(job.worktree!.path, 'where.txt'))).toBe(false);
  });

  it('--base worktree carries the uncommitted changes in as a snapshot that never lands; --base head leaves them out and says so', async () => {
    const project = makeGitProject({ 'a.txt': 'zero\n', 'c.txt': 'user\n' }, twoPhases);
    project.write('c.txt', 'user, edited\n');
    project.write('new.txt', 'untracked\n');
    const stashBefore = project.git(['stash', 'list']);
    const withChanges = await runCli(['run', '-y', '--agent', 'edit', '--isolation', 'worktree', '--base', 'worktree', '--json', 'go'], { cwd: project.cwd, env: project.env });
    expect(withChanges.code).toBe(0);
    const job = JSON.parse(withChanges.stdout) as Job;
    expect(readFileSync(join(job.worktree!.path, 'c.txt'), 'utf8')).toBe('user, edited\n');
    expect(readFileSync(join(job.worktree!.path, 'new.txt'), 'utf8')).toBe('untracked\n');
    expect(job.worktree!.snapshot).toMatch(/^[0-9a-f]{40}$/);
    // The user's checkout and stash list are untouched.
    expect(project.git(['stash', 'list'])).toBe(stashBefore);
    expect(project.git(['status', '--porcelain', '--untracked-files=all']).split('\n').filter(Boolean).sort()).toEqual([' M c.txt', '?? new.txt']);
    // The diff is the job's own work only.
    const diff = (await runCli(['diff', job.id, '--stat'], { cwd: project.cwd, env: project.env })).stdout;
    expect(diff).toMatch(/a\.txt/);
    expect(diff).not.toMatch(/c\.txt|new\.txt/);
    const headOnly = await runCli(['run', '-y', '--agent', 'edit', '--isolation', 'worktree', '--json', 'go'], { cwd: project.cwd, env: project.env });
    const second = JSON.parse(headOnly.stdout) as Job;
    expect(readFileSync(join(second.worktree!.path, 'c.txt'), 'utf8')).toBe('user\n');
    expect(existsSync(join(second.worktree!.path, 'new.txt'))).toBe(false);
    expect(headOnly.stderr).toContain('Your 2 uncommitted files are not in');
    expect(headOnly.stderr).toContain('--base worktree');
  });
});
