// Runs on other machines that need the repository (BullMQ on a real redis-server, real git): the
// worker fetches the job's commit from the queue's git remote into a worktree of its own cache,
// runs there, and pushes what the run changed as jobline/<job name>/<task id>, which is fetched
// into the job's repository; a run with "workspace": "none" runs in the worker's --workdir.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { FAST_QUEUE_ENV, startWorker, type TestWorker } from '../helpers/queue.js';
import { makeTempDir } from '../helpers/temp.js';

let redis: TestRedis;
let worker: TestWorker;

beforeAll(async () => {
  redis = await startRedis();
  worker = await startWorker(redis.url, { name: 'builder', concurrency: 2 });
});

afterAll(async () => {
  await worker?.stop();
  await redis?.stop(true);
});

const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' }).trim();

// A repository on branch main whose first commit holds `files` and a .jobrc.json of `config` with
// the queue and a bare git remote for it; returns the repository's folder.
function makeRepository(files: Record<string, string>, config: Record<string, unknown> = {}): string {
  const remote = join(makeTempDir(), 'remote.git');
  execFileSync('git', ['init', '--quiet', '--bare', remote]);
  const repo = makeTempDir();
  git(repo, 'init', '--quiet', '-b', 'main');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(repo, name), text);
  writeFileSync(join(repo, '.jobrc.json'), JSON.stringify({ queue: { url: redis.url, gitRemote: remote }, ...config }));
  git(repo, 'add', '-A');
  git(repo, 'commit', '--quiet', '-m', 'first');
  return repo;
}

describe('a run that needs the repository', () => {
  it('runs in a worktree at the job\'s commit, and its changes come back as its task\'s branch', async () => {
    const repo = makeRepository({ 'hello.txt': 'hello from the commit\n' }, { agents: { plain: { type: 'command', workspace: 'none', phases: [{ name: 'run', run: 'pwd; ls' }] } } });
    const head = git(repo, 'rev-parse', 'HEAD');
    // Not committed: not sent (the worker gets the commit, not the working tree).
    writeFileSync(join(repo, 'hello.txt'), 'an uncommitted edit\n');
    const env = { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs'), ...FAST_QUEUE_ENV };
    const result = await runCli(['run', '-y', '--json', '--name', 'edit-notes', 'cat hello.txt; echo "written on $JOBLINE_WORKER_NAME" > notes.txt; git rev-parse HEAD'], { cwd: repo, env });
    expect(result.code, result.stderr).toBe(0);
    const job = JSON.parse(result.stdout) as { id: string; phases: Array<{ output: string }> };
    expect(job.phases[0]!.output).toContain('hello from the commit');
    expect(job.phases[0]!.output).toContain(head);
    // The branch is in the user's repository, with the run's change; the working tree is untouched.
    expect(git(repo, 'show', 'jobline/edit-notes/t1:notes.txt')).toBe('written on builder');
    expect(git(repo, 'rev-parse', 'jobline/edit-notes/t1^')).toBe(head);
    expect(readFileSync(join(repo, 'hello.txt'), 'utf8')).toBe('an uncommitted edit\n');
    expect(existsSync(join(repo, 'notes.txt'))).toBe(false);
    const log = readFileSync(join(env.JOBLINE_JOBS_DIR, job.id, 'output.log'), 'utf8');
    expect(log).toContain(`branch jobline/edit-notes/t1 (`);
    // "workspace": "none" runs in the worker's folder.
    const plain = await runCli(['run', '-y', '--json', '--agent', 'plain', 'x'], { cwd: repo, env });
    expect((JSON.parse(plain.stdout) as { phases: Array<{ output: string }> }).phases[0]!.output.split('\n')[0]).toBe(worker.workdir);
  }, 60_000);
});

describe('a job in a worktree of its own whose runs go to workers', () => {
  it('gets each run\'s work merged into its branch, each run starting from the work before it, and lands it', async () => {
    const repo = makeRepository({ 'base.txt': 'base\n', '.gitignore': '.jobrc.json\n' }, { agents: { two: { type: 'command', isolation: 'worktree', phases: [{ name: 'write', run: 'echo "one on $JOBLINE_WORKER_NAME" > a.txt' }, { name: 'copy', run: 'cat a.txt base.txt > b.txt' }] } } });
    const head = git(repo, 'rev-parse', 'HEAD');
    const env = { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs'), ...FAST_QUEUE_ENV };
    const result = await runCli(['run', '-y', '--json', '--agent', 'two', '--name', 'two-steps', 'go'], { cwd: repo, env });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const job = JSON.parse(result.stdout) as { id: string; status: string; worktree: { branch: string; path: string } };
    expect(job.status).toBe('completed');
    // The second phase, on the worker, saw the first phase's work: its commit started from it.
    expect(git(repo, 'show', `${job.worktree.branch}:b.txt`)).toBe('one on builder\nbase');
    expect(readFileSync(join(job.worktree.path, 'b.txt'), 'utf8')).toBe('one on builder\nbase\n');
    // The user's checkout is as it was; no branch jobline/two-steps/t… clashes with the job's.
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(existsSync(join(repo, 'a.txt'))).toBe(false);
    const landed = await runCli(['merge', job.id], { cwd: repo, env });
    expect(landed.code, landed.stderr + landed.stdout).toBe(0);
    expect(readFileSync(join(repo, 'b.txt'), 'utf8')).toBe('one on builder\nbase\n');
  }, 60_000);

  it('merges the work of a batch\'s lines run at once on workers into the job\'s branch, each line\'s', async () => {
    const repo = makeRepository({ '.gitignore': '.jobrc.json\n' });
    const env = { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs'), ...FAST_QUEUE_ENV };
    const lines = ['a', 'b', 'c', 'd'].map((name) => `echo ${name} > ${name}.txt`).join('\n');
    const result = await runCli(['batch', '-', '-j', '4', '--isolation', 'worktree', '-n', 'four-lines', '--json'], { cwd: repo, env, input: `${lines}\n` });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const job = JSON.parse(result.stdout) as { name: string; worktree: { branch: string } };
    expect(job.name).toBe('four-lines');
    expect(result.stderr).toContain('4 tasks'); // the summary, on stderr with --json
    expect(git(repo, 'ls-tree', '--name-only', job.worktree.branch).split('\n').sort()).toEqual(['.gitignore', 'a.txt', 'b.txt', 'c.txt', 'd.txt']);
  }, 60_000);
});
