// The pure scheduler and the claim overlap it relies on: dependencies, claims overlapping by glob,
// the caps, the order of submission, a failed dependency.
import { describe, expect, it } from 'vitest';
import { doClaimListsOverlap, doClaimsOverlap } from '../../../src/jobs/model/claims.js';
import { describeClaimWait, findBlockedTasks, plan, planWithWaits, type ScheduledJob } from '../../../src/jobs/model/scheduler.js';
import type { Task, TaskStatus } from '../../../src/jobs/model/task.js';

function task(id: string, overrides: Partial<Task> = {}): Task {
  return { id, phase: 0, title: id, input: '', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...overrides };
}

function job(id: string, overrides: Partial<Omit<ScheduledJob, 'board'>> & { tasks?: Task[] } = {}): ScheduledJob {
  const { tasks = [task('t1')], ...rest } = overrides;
  return { id, status: 'queued', currentPhase: 0, workspace: '/w', board: { tasks, runs: [] }, runningTaskIds: [], hasSlot: false, workers: 1, ...rest };
}

const CAPS = { maxConcurrentJobs: 3, maxWorkers: 99 };
const ONE_WORKER = CAPS;
const MANY_WORKERS = CAPS;
const started = (assignments: ReturnType<typeof plan>) => assignments.map((a) => `${a.jobId}:${a.taskId}${a.needsSlot ? '+slot' : ''}`);

describe('claims overlap', () => {
  it.each([
    ['src/a.ts', 'src/a.ts', true],
    ['src/a.ts', 'src/b.ts', false],
    ['src', 'src/a.ts', true], // a folder claims what is under it
    ['./src/', 'src/lib/x.ts', true],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/lib/a.ts', false], // * stays in one folder
    ['src/**', 'src/lib/a.ts', true],
    ['src/**/*.ts', 'src/*.css', false],
    ['src/*.ts', 'src/*.css', false],
    ['src/a*.ts', 'src/*b.ts', true], // src/ab.ts matches both
    ['**/*.md', 'docs/readme.md', true],
    ['**/*.md', 'src/**/*.ts', false],
    ['test/**', 'src/**', false],
    ['src/{a,b}.ts', 'src/b.ts', true],
    ['src/{a,b}.ts', 'src/c.ts', false],
    ['lib', 'libs/x', false], // a folder is a whole segment
    ['src/?.ts', 'src/ab.ts', false],
    ['./././src/a.ts', 'src/a.ts', true], // any number of leading ./
    ['src//a.ts', 'src/a.ts', true], // empty segments ignored
    ['src/./a.ts', 'src/a.ts', true],
    ['src/a.ts///', 'src/a.ts/x', true], // trailing slashes: a folder
    ['src/.env', 'src/*', true], // dot files are matched
    ['src/*', 'src/.env', true],
    ['.github/*.yml', '.github/ci.yml', true],
    ['src/x*', 'src/*y', true], // xy
    ['src/x*', 'src/y*', false], // different fixed beginnings
    ['src/*x', 'src/*y', false], // different fixed ends
    ['src/ab*', 'src/a*', true], // one fixed beginning extends the other
    ['src/*ab', 'src/*b', true],
    ['src/a*c', 'src/ab*', true], // abc
    ['a', 'b', false],
    ['a/b', 'a', true],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(doClaimsOverlap(a, b)).toBe(expected);
    expect(doClaimsOverlap(b, a)).toBe(expected);
  });

  it('compares lists: any pair overlapping is an overlap; no claims never overlap', () => {
    expect(doClaimListsOverlap(['docs/**', 'src/a.ts'], ['src/**'])).toBe(true);
    expect(doClaimListsOverlap(['docs/**'], ['src/**', 'test/**'])).toBe(false);
    expect(doClaimListsOverlap([], ['**'])).toBe(false);
    expect(doClaimListsOverlap(['a/**'], ['b/**', 'a/x'])).toBe(true); // one pair is enough
    expect(doClaimListsOverlap(['a/**', 'b/**'], ['b/x'])).toBe(true);
  });
});

describe('plan', () => {
  it('gives free slots to queued jobs in order of submission, up to maxConcurrentJobs', () => {
    const jobs = ['a', 'b', 'c', 'd'].map((id) => job(id));
    expect(started(plan(jobs, ONE_WORKER))).toEqual(['a:t1+slot', 'b:t1+slot', 'c:t1+slot']);
    expect(started(plan(jobs, { ...ONE_WORKER, maxConcurrentJobs: 1 }))).toEqual(['a:t1+slot']);
  });

  it('counts the slots jobs already hold, and never gives a second one to a job winding down', () => {
    const jobs = [job('a', { status: 'running', hasSlot: true, runningTaskIds: ['t1'], tasks: [task('t1', { status: 'claimed' })] }), job('b', { hasSlot: true }), job('c'), job('d')];
    // a runs, b is queued again while its last run winds down (holds its slot), so one slot is left.
    expect(started(plan(jobs, ONE_WORKER))).toEqual(['c:t1+slot']);
  });

  it('skips jobs that are not queued or running: awaiting approval (a closed gate), ended, interrupted', () => {
    const statuses = ['awaiting_approval', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
    expect(plan(statuses.map((status, i) => job(`j${i}`, { status })), ONE_WORKER)).toEqual([]);
    // A running job without a slot is not this plan's to start (its run is being set up).
    expect(plan([job('a', { status: 'running' })], ONE_WORKER)).toEqual([]);
  });

  it('runs only the current phase\'s todo tasks whose dependencies are done', () => {
    const tasks = [
      task('t1', { status: 'done' }),
      task('t2', { dependsOn: ['t1'] }),
      task('t3', { dependsOn: ['t2'] }),
      task('t4', { phase: 1 }),
      task('t5', { status: 'failed' }),
    ];
    expect(started(plan([job('a', { workers: 4, tasks })], MANY_WORKERS))).toEqual(['a:t2+slot']);
    const later = tasks.map((t) => (t.id === 't2' ? { ...t, status: 'done' as TaskStatus } : t));
    expect(started(plan([job('a', { workers: 4, tasks: later })], MANY_WORKERS))).toEqual(['a:t3+slot']);
  });

  it('never runs a task whose dependency failed, and names it as blocked', () => {
    const tasks = [task('t1', { status: 'failed' }), task('t2', { dependsOn: ['t1'] }), task('t3', { dependsOn: ['t9'] }), task('t4')];
    expect(started(plan([job('a', { workers: 4, tasks })], MANY_WORKERS))).toEqual(['a:t4+slot']);
    expect(findBlockedTasks(tasks)).toEqual([{ taskId: 't2', dependency: 't1' }, { taskId: 't3', dependency: 't9' }]);
    expect(findBlockedTasks([task('t1', { status: 'done' }), task('t2', { dependsOn: ['t1'] })])).toEqual([]);
  });

  it('keeps tasks whose claims overlap apart, within a job and across jobs in one folder', () => {
    const tasks = [task('t1', { claims: ['src/**'] }), task('t2', { claims: ['src/a.ts'] }), task('t3', { claims: ['docs/**'] })];
    expect(started(plan([job('a', { workers: 4, tasks })], MANY_WORKERS))).toEqual(['a:t1+slot', 'a:t3']);
    const runningSrc = job('a', { status: 'running', hasSlot: true, runningTaskIds: ['t1'], tasks: [task('t1', { status: 'claimed', claims: ['src/**'] })] });
    expect(started(plan([runningSrc, job('b', { workers: 4, tasks: [task('t1', { claims: ['src/x.ts'] })] })], MANY_WORKERS))).toEqual([]);
    // The same claim in another folder is another file.
    expect(started(plan([runningSrc, job('b', { workers: 4, workspace: '/other', tasks: [task('t1', { claims: ['src/x.ts'] })] })], MANY_WORKERS))).toEqual(['b:t1+slot']);
  });

  it('says which task waits for a claim and who holds it, in its job or another', () => {
    const runningSrc = job('job-ab12cd34', { status: 'running', hasSlot: true, runningTaskIds: ['t1'], tasks: [task('t1', { status: 'claimed', claims: ['src/**'] }), task('t2', { claims: ['src/auth.ts'] })], workers: 2 });
    const other = job('job-ef56gh78', { tasks: [task('t3', { claims: ['docs/x.md', 'src/auth.ts'] })] });
    const { assignments, waits } = planWithWaits([runningSrc, other], MANY_WORKERS);
    expect(assignments).toEqual([]);
    expect(waits.map(describeClaimWait)).toEqual(['t2 waits: src/auth.ts is claimed by t1', 't3 waits: src/auth.ts is claimed by job-ab12 t1']);
    // A task this plan starts holds its claim for the tasks after it.
    const fresh = planWithWaits([job('j', { workers: 3, tasks: [task('t1', { claims: ['a.ts'] }), task('t2', { claims: ['a.ts'] })] })], MANY_WORKERS);
    expect(fresh.waits).toEqual([{ jobId: 'j', taskId: 't2', claim: 'a.ts', heldBy: { jobId: 'j', taskId: 't1' } }]);
  });

  it('lets a job blocked by claims not hold up the jobs behind it', () => {
    const runningSrc = job('a', { status: 'running', hasSlot: true, runningTaskIds: ['t1'], tasks: [task('t1', { status: 'claimed', claims: ['src/**'] })] });
    const blocked = job('b', { tasks: [task('t1', { claims: ['src/x.ts'] })] });
    expect(started(plan([runningSrc, blocked, job('c')], ONE_WORKER))).toEqual(['c:t1+slot']);
  });

  it('runs at most a job\'s workers tasks of it at once, counting those running', () => {
    const tasks = ['t1', 't2', 't3', 't4', 't5'].map((id) => task(id));
    expect(started(plan([job('a', { workers: 2, tasks })], { maxConcurrentJobs: 1, maxWorkers: 99 }))).toEqual(['a:t1+slot', 'a:t2']);
    const oneRunning = tasks.map((t) => (t.id === 't1' ? { ...t, status: 'claimed' as TaskStatus } : t));
    expect(started(plan([job('a', { workers: 2, status: 'running', hasSlot: true, runningTaskIds: ['t1'], tasks: oneRunning })], { maxConcurrentJobs: 1, maxWorkers: 99 }))).toEqual(['a:t2']);
  });

  it('runs at most maxWorkers tasks across all jobs, counting those running, in order of submission', () => {
    const tasks = ['t1', 't2', 't3'].map((id) => task(id));
    const caps = { maxConcurrentJobs: 3, maxWorkers: 3 };
    expect(started(plan([job('a', { workers: 2, tasks }), job('b', { workers: 2, tasks })], caps))).toEqual(['a:t1+slot', 'a:t2', 'b:t1+slot']);
    const busy = job('a', { workers: 3, status: 'running', hasSlot: true, runningTaskIds: ['t1', 't2'], tasks: tasks.map((t) => (t.id === 't3' ? t : { ...t, status: 'claimed' as TaskStatus })) });
    expect(started(plan([busy, job('b', { workers: 2, tasks })], caps))).toEqual(['a:t3']);
  });

  it('gives nothing when every slot is taken, and a running job its next task without a new slot', () => {
    const full = ['a', 'b', 'c'].map((id) => job(id, { status: 'running', hasSlot: true }));
    expect(started(plan([...full, job('d')], ONE_WORKER))).toEqual(['a:t1', 'b:t1', 'c:t1']);
  });
});
