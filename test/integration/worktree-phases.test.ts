// A job's phases in its worktree, through the job service on real worker threads and a real
// repository: in interactive mode a phase is committed once approved, the last phase asks too, a
// retry starts again from the commit of the phase before it (the attempt kept under a ref and
// recorded as undone), unless it keeps the attempt's changes, and a resumed phase does the same.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitWorktrees } from '../../src/git/git-worktrees.js';
import { readEvents } from '../../src/store/event-log.js';
import type { JobManager } from '../../src/jobs/service/manager.js';
import type { JobStore } from '../../src/store/job-store.js';
import { commandAgent, makeManager } from '../helpers/jobs.js';
import { gitEnv, makeGitProject, type GitProject } from '../helpers/git.js';
import { waitFor } from '../helpers/wait.js';

let manager: JobManager<JobStore> | null = null;
afterEach(async () => {
  await manager?.shutdown();
  manager = null;
});

beforeAll(() => {
  Object.assign(process.env, gitEnv(makeGitProject({}).home));
});

function start(project: GitProject): JobManager<JobStore> {
  const worktrees = new GitWorktrees({ dir: project.worktreesDir, include: [], setup: null, merge: { auto: false, target: null, strategy: 'merge', check: null } });
  manager = makeManager({ worktrees });
  return manager;
}

// Each attempt of `second` writes its attempt number, so a retry that did not roll back would show both.
const agent = commandAgent('edit', {
  first: 'echo one >> a.txt',
  second: 'echo "attempt $JOB_ATTEMPT" >> a.txt && echo "$JOB_ATTEMPT" > "attempt-$JOB_ATTEMPT.txt"',
});

describe('phases in a worktree', () => {
  it('commits a phase once approved, asks after the last phase too, and retries from the previous phase\'s commit, keeping the attempt', async () => {
    const project = makeGitProject({ 'a.txt': 'zero\n' });
    const jobs = start(project);
    const { job } = await jobs.submit({ agent, prompt: 'go', mode: 'interactive', cwd: project.cwd, isolation: 'worktree', name: 'calm-owl' });
    const path = join(project.worktreesDir, 'calm-owl');
    await waitFor(() => jobs.get(job.id).status === 'awaiting_approval', 'the first approval');
    // Not committed before it is approved.
    expect(project.git(['rev-list', '--count', 'main..jobline/calm-owl']).trim()).toBe('0');
    await jobs.approve(job.id);
    expect(project.git(['log', '-1', '--format=%s', 'jobline/calm-owl']).trim()).toBe('calm-owl: first');
    const first = project.git(['rev-parse', 'jobline/calm-owl']).trim();
    expect(jobs.get(job.id).phases[0]!.commit).toBe(first);
    // The last phase asks too.
    await waitFor(() => jobs.get(job.id).status === 'awaiting_approval' && jobs.get(job.id).currentPhase === 1, 'the last phase\'s approval');
    expect(readFileSync(join(path, 'a.txt'), 'utf8')).toBe('zero\none\nattempt 1\n');
    await jobs.retry(job.id, 'again');
    // The attempt is kept under its ref, with what it wrote; the worktree went back to the first phase's commit.
    const ref = `refs/jobline/attempts/${job.id}/second/1`;
    expect(project.git(['show', `${ref}:a.txt`])).toBe('zero\none\nattempt 1\n');
    expect(project.git(['show', `${ref}:attempt-1.txt`]).trim()).toBe('1');
    await waitFor(() => jobs.get(job.id).status === 'awaiting_approval' && jobs.get(job.id).phases[1]!.attempts === 2, 'the retried phase\'s approval');
    expect(readFileSync(join(path, 'a.txt'), 'utf8')).toBe('zero\none\nattempt 2\n');
    expect(existsSync(join(path, 'attempt-1.txt'))).toBe(false);
    // Recorded as a retry in place records its undo: `show` lists it with its ref (a.txt and attempt-1.txt).
    expect(jobs.get(job.id).phases[1]!.undone).toEqual([{ attempt: 1, ref, files: 2, at: expect.any(String) }]);
    // A retry that keeps the attempt's changes starts from the files as they are.
    await jobs.retry(job.id, null, true);
    await waitFor(() => jobs.get(job.id).status === 'awaiting_approval' && jobs.get(job.id).phases[1]!.attempts === 3, 'the kept retry\'s approval');
    expect(readFileSync(join(path, 'a.txt'), 'utf8')).toBe('zero\none\nattempt 2\nattempt 3\n');
    expect(existsSync(join(path, 'attempt-2.txt'))).toBe(true);
    expect(jobs.get(job.id).phases[1]!.undone).toHaveLength(1);
    await jobs.approve(job.id);
    const done = jobs.get(job.id);
    expect(done.status).toBe('completed');
    expect(done.merge).toMatchObject({ status: 'ready', target: 'main' });
    expect(project.git(['log', '--format=%s', 'main..jobline/calm-owl']).trim().split('\n')).toEqual(['calm-owl: second', 'calm-owl: first']);
    expect(project.git(['rev-parse', 'jobline/calm-owl~1']).trim()).toBe(first);
    // The events say what happened to the work.
    const { events } = await readEvents(jobs.store.pathsOf(job.id).events);
    expect(events.filter((event) => event.type === 'phase_committed').map((event) => event.phase)).toEqual(['first', 'second']);
    expect(events.find((event) => event.type === 'attempt_kept')).toMatchObject({ phase: 'second', ref });
  });

  it('a resumed phase starts again from the previous phase\'s commit, its stopped attempt kept', async () => {
    const project = makeGitProject({ 'a.txt': 'zero\n' });
    const jobs = start(project);
    const failing = commandAgent('edit', { first: 'echo one >> a.txt', second: 'echo half >> a.txt; test -f "$JOBLINE_WORKTREE/../ok"' });
    const { job } = await jobs.submit({ agent: failing, prompt: 'go', mode: 'background', cwd: project.cwd, isolation: 'worktree', name: 'slow-ant' });
    await waitFor(() => jobs.get(job.id).status === 'failed', 'the second phase to fail');
    const path = join(project.worktreesDir, 'slow-ant');
    expect(readFileSync(join(path, 'a.txt'), 'utf8')).toBe('zero\none\nhalf\n');
    project.write('ok', '', project.worktreesDir);
    await jobs.resume(job.id, 'background');
    await waitFor(() => jobs.get(job.id).status === 'completed', 'the resumed job to complete');
    expect(readFileSync(join(path, 'a.txt'), 'utf8')).toBe('zero\none\nhalf\n');
    expect(project.git(['show', `refs/jobline/attempts/${job.id}/second/1:a.txt`])).toBe('zero\none\nhalf\n');
    expect(project.git(['log', '--format=%s', 'main..jobline/slow-ant']).trim().split('\n')).toEqual(['slow-ant: second', 'slow-ant: first']);
    expect(jobs.get(job.id).phases[1]!.undone).toEqual([{ attempt: 1, ref: `refs/jobline/attempts/${job.id}/second/1`, files: 1, at: expect.any(String) }]);
  });
});
