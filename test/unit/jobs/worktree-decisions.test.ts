// WorktreeJobs' answers to the scheduler and the manager, each decision on its own (a job's
// handle reduced to what WorktreeJobs reads, a scripted executor, a worktree port that answers
// as git would): which jobs get a worktree, how a worktree's making and setup end (and what the
// failure says), which phase commit an approval or a background phase gets, how a task's work is
// merged into the job's branch (conflicts sent back once), what a retry or a resume rolls back.
import { describe, expect, it } from 'vitest';
import type { AgentSpec, PhaseOutcome } from '../../../src/agents/agent.js';
import type { Job, JobWorktree, PhaseState } from '../../../src/jobs/model/job.js';
import type { Run, Task, TaskBoard } from '../../../src/jobs/model/task.js';
import type { JobHandle } from '../../../src/jobs/service/job-handle.js';
import { PREPARE_CANCELLED, WorktreeJobs } from '../../../src/jobs/service/worktree-jobs.js';
import { InMemoryRepository, ScriptedExecutor } from '../../helpers/fakes.js';
import { commandAgent, makeJob } from '../../helpers/jobs.js';
import { commitId, ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';

const ONE = commandAgent('one', { run: 'true' });
const WRITER = { type: 'llm', name: 'build', summary: 'build', isWriter: true, phases: [] } as unknown as AgentSpec;
const NOW = '2026-12-06T09:00:00.000Z';
const WORKTREE: JobWorktree = { path: '/worktrees/night', branch: 'jobline/night', base: commitId(1), baseBranch: 'main', repository: '/work', snapshot: null, target: 'main', isolation: 'worktree' };

function makeWorktreeJobs(configure: (port: ScriptedWorktrees) => void = () => {}, deps: { secretEnvNames?: string[]; maxOutputBytes?: number } = {}) {
  const port = new ScriptedWorktrees();
  configure(port);
  const executor = new ScriptedExecutor();
  const store = new InMemoryRepository();
  const jobs = new WorktreeJobs({ port, executor, store, defaultIsolation: null, secretEnvNames: deps.secretEnvNames ?? [], maxOutputBytes: deps.maxOutputBytes ?? Number.POSITIVE_INFINITY });
  return { port, executor, jobs };
}

function task(id: string, phase: number, status: Task['status'], title = `do ${id}`): Task {
  return { id, phase, title, input: '', status, dependsOn: [], claims: [], attempts: 1, result: null, filesModified: [] };
}

function failedRun(id: string, taskId: string, error: string): Run {
  return { id, taskId, attempt: 1, worker: 'w', startedAt: NOW, state: { status: 'failed', endedAt: NOW, error }, output: { file: 'output.log', section: id } };
}

function phase(name: string, overrides: Partial<PhaseState> = {}): PhaseState {
  return { name, status: 'pending', attempts: 0, startedAt: null, endedAt: null, output: null, error: null, changes: null, ...overrides } as PhaseState;
}

function jobWith(overrides: Partial<Job> = {}, phases: PhaseState[] = [phase('plan', { status: 'running', attempts: 1 }), phase('apply')]): Job {
  return { ...makeJob({ name: 'night', status: 'running', mode: 'background', worktree: WORKTREE, ...overrides }), phases, ...(overrides.phases ? { phases: overrides.phases } : {}) };
}

// A job's handle as WorktreeJobs reads it, recording what it is told.
function handleOf(job: Job, board: TaskBoard = { tasks: [task('t1', 0, 'claimed')], runs: [] }, agent: AgentSpec = ONE) {
  const activities: string[] = [];
  const output: string[] = [];
  const handle = {
    id: job.id, job, board, agent, cwd: '/work', preparing: null as Promise<string | null> | null,
    otherRuns: new Set(), taskFeedback: new Map<string, string>(), taskLandings: Promise.resolve() as Promise<unknown>,
    recordActivity: (icon: string, text: string) => activities.push(`${icon} ${text}`),
    recordOutput: (lines: string[]) => output.push(...lines),
  };
  return { handle, entry: handle as unknown as JobHandle, activities, output };
}

const done: PhaseOutcome = { kind: 'completed', output: 'ok' };

describe('plan', () => {
  it('plans an explicit worktree anywhere, and the built-in writers\' default one only inside git', async () => {
    const { jobs, port } = makeWorktreeJobs();
    expect(await jobs.plan(ONE, '/elsewhere', 'worktree', undefined)).toMatchObject({ worktree: { repository: '/elsewhere', isolation: 'worktree', snapshot: null } });
    expect(await jobs.plan(WRITER, '/work', undefined, 'worktree')).toMatchObject({ worktree: { repository: '/work', snapshot: commitId(2) } });
    expect(await jobs.plan(WRITER, '/elsewhere', undefined, undefined)).toBeNull();
    expect(await jobs.plan(ONE, '/work', undefined, undefined)).toBeNull();
    expect(port.calls).toEqual(['plan /elsewhere head worktree', 'plan /work worktree worktree']);
  });
});

describe('prepare', () => {
  it('makes the worktree once for all runs, says so, and runs no setup when none is configured', async () => {
    const { jobs, port, executor } = makeWorktreeJobs();
    const { entry, activities } = handleOf(jobWith());
    expect(await jobs.prepare(entry)).toBeNull();
    expect(await jobs.prepare(entry)).toBeNull();
    expect(port.calls.filter((call) => call.startsWith('create'))).toEqual(['create /worktrees/night']);
    expect(activities).toEqual(['🌳 worktree /worktrees/night on branch jobline/night']);
    expect(executor.runs).toHaveLength(0);
  });

  it('runs the setup as a run of its own, its output and activity the job\'s, and marks the worktree set up', async () => {
    const { jobs, port, executor } = makeWorktreeJobs((p) => (p.settings.setup = 'npm ci'), { secretEnvNames: ['API_KEY'], maxOutputBytes: 4096 });
    const { entry, handle, activities, output } = handleOf(jobWith({ description: 'the job', progress: { ...makeJob().progress, lastEvent: 'x' } }));
    const prepared = jobs.prepare(entry);
    const run = await executor.whenRuns(1);
    expect(run.request).toMatchObject({
      jobId: handle.id, prompt: 'the job', phaseIndex: 0, attempt: 1, feedback: null, previousOutputs: [], cwd: '/worktrees/night', worktree: '/worktrees/night',
      secretEnvNames: ['API_KEY'], maxOutputBytes: 4096, isWorkspaceRecorded: false,
      agent: { type: 'command', name: 'setup', summary: 'worktree setup', phases: [{ name: 'worktree-setup', run: 'npm ci' }] },
    });
    expect(run.request.progress).toEqual(handle.job.progress);
    expect(handle.otherRuns.has(run)).toBe(true);
    run.listener.output(['added 3 packages'], 1);
    run.listener.activity('⚙', 'installing');
    run.complete();
    expect(await prepared).toBeNull();
    expect(handle.otherRuns.size).toBe(0);
    expect(output).toEqual(['added 3 packages']);
    expect(activities).toEqual(['🌳 worktree /worktrees/night on branch jobline/night', '🔧 setting up the worktree: npm ci', '⚙ installing']);
    expect(port.calls).toContain('markSetUp /worktrees/night');
  });

  it('hands the setup the configured defaults: no secrets, no output cap', async () => {
    const { jobs, executor } = makeWorktreeJobs((p) => (p.settings.setup = 'make'));
    const prepared = jobs.prepare(handleOf(jobWith()).entry);
    const run = await executor.whenRuns(1);
    expect(run.request.secretEnvNames).toEqual([]);
    expect(run.request.maxOutputBytes).toBe(Number.POSITIVE_INFINITY);
    run.complete();
    await prepared;
  });

  it('says why a setup failed, quoting its last ten lines that are not blank; the next run tries again', async () => {
    const { jobs, port, executor } = makeWorktreeJobs((p) => (p.settings.setup = 'npm ci'));
    const { entry, handle } = handleOf(jobWith());
    const first = jobs.prepare(entry);
    const lines = Array.from({ length: 12 }, (_, index) => `line ${index + 1}`);
    (await executor.whenRuns(1)).finish({ kind: 'failed', error: 'exit code 1', output: [...lines, '   ', ''].join('\n') });
    expect(await first).toBe(`the worktree's setup failed (exit code 1); its last lines:\n${lines.slice(2).join('\n')}`);
    expect(handle.preparing).toBeNull();
    const second = jobs.prepare(entry);
    (await executor.whenRuns(2)).finish({ kind: 'failed', error: 'exit code 2', output: '  \n\n' });
    expect(await second).toBe('the worktree\'s setup failed (exit code 2)');
    const third = jobs.prepare(entry);
    (await executor.whenRuns(3)).finish({ kind: 'failed', error: 'exit code 3' });
    expect(await third).toBe('the worktree\'s setup failed (exit code 3)');
    const fourth = jobs.prepare(entry);
    (await executor.whenRuns(4)).finish({ kind: 'interrupted', reason: 'its worker went away' } as unknown as PhaseOutcome); // a remote worker's run
    expect(await fourth).toBe('the worktree\'s setup failed (its worker went away)');
    expect(port.calls).not.toContain('markSetUp /worktrees/night');
  });

  it('ends a cancelled setup as cancelled, and a worktree that cannot be made says why', async () => {
    const { jobs, executor } = makeWorktreeJobs((p) => (p.settings.setup = 'npm ci'));
    const cancelled = jobs.prepare(handleOf(jobWith()).entry);
    (await executor.whenRuns(1)).stop();
    expect(await cancelled).toBe(PREPARE_CANCELLED);
    const broken = makeWorktreeJobs((p) => (p.createError = new Error('disk full')));
    expect(await broken.jobs.prepare(handleOf(jobWith()).entry)).toBe('its worktree could not be made: disk full');
  });

  it('gives a task of a shared phase in task worktrees a worktree of its own, once the job\'s is ready', async () => {
    const board: TaskBoard = { tasks: [task('t1', 0, 'claimed'), task('t2', 0, 'todo')], runs: [] };
    const { jobs, port } = makeWorktreeJobs();
    const { entry } = handleOf(jobWith({ worktree: { ...WORKTREE, isolation: 'task-worktree' } }), board);
    expect(await jobs.prepare(entry, 't1')).toBeNull();
    expect(await jobs.prepare(entry)).toBeNull();
    expect(port.calls.filter((call) => call.startsWith('taskWorktree'))).toEqual(['taskWorktree t1']);
    port.createTaskWorktree = async () => {
      throw new Error('branch exists');
    };
    expect(await jobs.prepare(entry, 't2')).toBe('its task worktree could not be made: branch exists');
    // The job's own worktree failing: no task worktree is tried.
    const failing = makeWorktreeJobs((p) => (p.createError = new Error('no space')));
    const { entry: other } = handleOf(jobWith({ worktree: { ...WORKTREE, isolation: 'task-worktree' } }), { tasks: [task('t1', 0, 'claimed'), task('t2', 0, 'todo')], runs: [] });
    expect(await failing.jobs.prepare(other, 't1')).toBe('its worktree could not be made: no space');
    expect(failing.port.calls.filter((call) => call.startsWith('taskWorktree'))).toEqual([]);
  });

  it('gives the only task of a phase, or a task of a job in one worktree, no worktree of its own', async () => {
    const { jobs, port } = makeWorktreeJobs();
    expect(await jobs.prepare(handleOf(jobWith({ worktree: { ...WORKTREE, isolation: 'task-worktree' } })).entry, 't1')).toBeNull();
    expect(await jobs.prepare(handleOf(jobWith(), { tasks: [task('t1', 0, 'claimed'), task('t2', 0, 'todo')], runs: [] }).entry, 't1')).toBeNull();
    expect(await jobs.prepare(handleOf(jobWith()).entry, 'no-such-task')).toBeNull();
    expect(port.calls.filter((call) => call.startsWith('taskWorktree'))).toEqual([]);
  });
});

describe('commitPhase', () => {
  it('commits nothing where the worktree is not made yet', async () => {
    const { jobs, port } = makeWorktreeJobs();
    expect(await jobs.commitPhase(jobWith(), 0, NOW)).toEqual({ commit: null, events: [] });
    expect(port.calls).toEqual([]);
  });

  it('names the commit after the job (its id when it has no name) and says what it made', async () => {
    const { jobs, port } = makeWorktreeJobs((p) => p.made.add(WORKTREE.path));
    const named: string[] = [];
    const commit = port.commitPhase.bind(port);
    port.commitPhase = (worktree, job) => {
      named.push(`${job.name} ${job.phase} ${job.phaseIndex}`);
      return commit(worktree, job);
    };
    const job = jobWith({ name: null });
    expect(await jobs.commitPhase(job, 1, NOW)).toEqual({ commit: commitId(100), events: [{ ts: NOW, type: 'phase_committed', phase: 'apply', commit: commitId(100) }] });
    await jobs.commitPhase(jobWith(), 0, NOW);
    expect(named).toEqual([`${job.id} apply 1`, 'night plan 0']);
  });

  it('takes a branch its tasks moved as the phase\'s commit, and nothing when it did not move since the phase before', async () => {
    const { jobs, port } = makeWorktreeJobs((p) => {
      p.made.add(WORKTREE.path);
      p.phaseCommits = false;
    });
    port.branches.set('jobline/night', commitId(60));
    expect(await jobs.commitPhase(jobWith(), 0, NOW)).toEqual({ commit: commitId(60), events: [{ ts: NOW, type: 'phase_committed', phase: 'plan', commit: commitId(60) }] });
    // A later phase's commit does not count as the one before.
    const laterCommitted = jobWith({}, [phase('plan', { status: 'running' }), phase('apply', { commit: commitId(60) })]);
    expect((await jobs.commitPhase(laterCommitted, 0, NOW)).commit).toBe(commitId(60));
    const earlierCommitted = jobWith({}, [phase('plan', { status: 'completed', commit: commitId(60) }), phase('apply', { status: 'running' })]);
    expect(await jobs.commitPhase(earlierCommitted, 1, NOW)).toEqual({ commit: null, events: [] });
    port.branches.delete('jobline/night');
    expect(await jobs.commitPhase(jobWith(), 0, NOW)).toEqual({ commit: null, events: [] });
  });
});

describe('commitOnOutcome', () => {
  const shared = (): TaskBoard => ({ tasks: [task('t1', 0, 'claimed', 'first part'), task('t2', 0, 'todo')], runs: [] });

  it('has nothing to do for a job in place or a task it does not know', () => {
    const { jobs } = makeWorktreeJobs();
    expect(jobs.commitOnOutcome(handleOf(jobWith({ worktree: null })).entry, 't1', done)).toBeNull();
    expect(jobs.commitOnOutcome(handleOf(jobWith()).entry, 't9', done)).toBeNull();
  });

  it('commits a background phase when its last open task completes, not an interactive one nor an unfinished phase', async () => {
    const { jobs, port } = makeWorktreeJobs((p) => p.made.add(WORKTREE.path));
    expect(jobs.commitOnOutcome(handleOf(jobWith({ mode: 'interactive' })).entry, 't1', done)).toBeNull();
    expect(jobs.commitOnOutcome(handleOf(jobWith()).entry, 't1', { kind: 'failed', error: 'boom' })).toBeNull();
    expect(jobs.commitOnOutcome(handleOf(jobWith(), { tasks: [task('t1', 0, 'claimed'), task('t2', 0, 'claimed')], runs: [] }).entry, 't1', done)).toBeNull();
    expect(await jobs.commitOnOutcome(handleOf(jobWith()).entry, 't1', done)).toEqual({ outcome: done, commit: commitId(100), events: [{ ts: expect.any(String), type: 'phase_committed', phase: 'plan', commit: commitId(100) }] });
    // The others ended: done, or not run.
    const ended = { tasks: [task('t1', 0, 'done'), task('t2', 0, 'cancelled'), task('t3', 0, 'claimed')], runs: [] };
    expect((await jobs.commitOnOutcome(handleOf(jobWith(), ended).entry, 't3', done))!.commit).toBe(commitId(101));
    // A failed task ends the phase only for a job that keeps going.
    const withFailure = () => ({ tasks: [task('t1', 0, 'done'), task('t2', 0, 'failed'), task('t3', 0, 'claimed')], runs: [] });
    expect(jobs.commitOnOutcome(handleOf(jobWith({ keepGoing: false }), withFailure()).entry, 't3', done)).toBeNull();
    expect((await jobs.commitOnOutcome(handleOf(jobWith({ keepGoing: true }), withFailure()).entry, 't3', done))!.commit).toBe(commitId(102));
    expect(port.calls.filter((call) => call.startsWith('landTask') || call.startsWith('mergeBranch'))).toEqual([]);
  });

  it('fails the run when the phase cannot be committed, saying why', async () => {
    const { jobs } = makeWorktreeJobs((p) => {
      p.made.add(WORKTREE.path);
      p.phaseCommits = new Error('index.lock exists');
    });
    expect(await jobs.commitOnOutcome(handleOf(jobWith()).entry, 't1', { kind: 'completed', output: 'ok' })).toEqual({
      outcome: { kind: 'failed', error: 'the phase\'s work could not be committed in its worktree: index.lock exists', output: 'ok' },
      events: [],
    });
  });

  it('merges a task\'s own worktree into the job\'s branch with a message naming it, keeping the task worktree when clean', async () => {
    const { jobs, port } = makeWorktreeJobs((p) => p.made.add(WORKTREE.path));
    const messages: string[] = [];
    const land = port.landTask.bind(port);
    port.landTask = (worktree, taskId, message?: string) => {
      messages.push(message ?? '');
      return land(worktree, taskId);
    };
    const job = jobWith({ name: null, worktree: { ...WORKTREE, isolation: 'task-worktree' } });
    const { entry, handle } = handleOf(job, shared());
    handle.taskFeedback.set('t1', 'old conflict');
    expect(await jobs.commitOnOutcome(entry, 't1', done)).toEqual({ outcome: done, events: [] });
    expect(messages).toEqual([`${job.id}: t1 first part\n\nJobline-Job: ${job.id}\nJobline-Task: t1\n`]);
    expect(handle.taskFeedback.has('t1')).toBe(false);
    expect(port.calls.filter((call) => call.startsWith('removeTaskWorktree'))).toEqual([]);
    const { entry: named } = handleOf(jobWith({ worktree: { ...WORKTREE, isolation: 'task-worktree' } }), shared());
    await jobs.commitOnOutcome(named, 't1', done);
    expect(messages[1]).toMatch(/^night: t1 first part\n/);
  });

  it('merges nothing of a task that did not complete', async () => {
    const { jobs, port } = makeWorktreeJobs();
    const failed: PhaseOutcome = { kind: 'failed', error: 'exit 1' };
    expect(await jobs.commitOnOutcome(handleOf(jobWith({ worktree: { ...WORKTREE, isolation: 'task-worktree' } }), shared()).entry, 't1', failed)).toEqual({ outcome: failed, events: [] });
    expect(port.calls).toEqual([]);
  });

  it('sends a conflicting task back once, with the files as its feedback, and fails it the second time', async () => {
    const files = Array.from({ length: 12 }, (_, index) => `f${index}.ts`);
    const { jobs, port } = makeWorktreeJobs((p) => (p.taskConflicts = files));
    const error = `merge conflict with jobline/night in ${files.slice(0, 10).join(', ')}`;
    const board = shared();
    // Another task's conflict does not count against this one.
    board.runs.push(failedRun('r1', 't2', 'merge conflict with jobline/night in x.ts'));
    const { entry, handle } = handleOf(jobWith({ worktree: { ...WORKTREE, isolation: 'task-worktree' } }), board);
    expect(await jobs.commitOnOutcome(entry, 't1', done)).toEqual({ outcome: { kind: 'failed', error, output: 'ok' }, events: [], retry: true });
    expect(handle.taskFeedback.get('t1')).toBe(`Your last attempt conflicted with the work merged meanwhile into jobline/night, in: ${files.join(', ')}. This attempt starts from that work: build on it.`);
    expect(port.calls.filter((call) => call.startsWith('removeTaskWorktree'))).toEqual(['removeTaskWorktree t1']);
    board.runs.push(failedRun('r2', 't1', error));
    expect(await jobs.commitOnOutcome(entry, 't1', done)).toMatchObject({ retry: false });
  });

  it('merges a remote run\'s branch, and a failed merge fails the run saying why', async () => {
    const { jobs, port } = makeWorktreeJobs();
    const remote: PhaseOutcome = { kind: 'completed', output: 'ok', branch: 'remote/t1' };
    expect(await jobs.commitOnOutcome(handleOf(jobWith({ mode: 'interactive' })).entry, 't1', remote)).toEqual({ outcome: remote, events: [] });
    expect(port.calls).toEqual(['mergeBranch remote/t1 for t1']);
    // In a task worktree: the unused task worktree goes once the branch is merged.
    await jobs.commitOnOutcome(handleOf(jobWith({ mode: 'interactive', worktree: { ...WORKTREE, isolation: 'task-worktree' } }), shared()).entry, 't1', remote);
    expect(port.calls.slice(1)).toEqual(['mergeBranch remote/t1 for t1', 'removeTaskWorktree t1']);
    port.mergeBranch = async () => {
      throw new Error('not a branch');
    };
    expect(await jobs.commitOnOutcome(handleOf(jobWith()).entry, 't1', remote)).toEqual({ outcome: { kind: 'failed', error: 'its work could not be merged into jobline/night: not a branch', output: 'ok' }, events: [] });
  });
});

describe('rollBack', () => {
  const nothing = { actions: [], events: [] };

  it('moves the branch back to the commit before the phase, keeping the attempt under a ref', async () => {
    const { jobs, port } = makeWorktreeJobs((p) => p.made.add(WORKTREE.path));
    const job = jobWith({}, [phase('plan', { status: 'completed', commit: commitId(50) }), phase('apply', { status: 'running', attempts: 3 }), phase('ship', { commit: commitId(70) })]);
    expect(await jobs.rollBack(job, { tasks: [task('t1', 1, 'failed')], runs: [] }, 1, NOW)).toEqual({
      actions: [{ type: 'recordUndone', phase: 1, undone: { attempt: 3, ref: 'refs/jobline/attempts/x', files: 2, at: NOW } }],
      events: [{ ts: NOW, type: 'attempt_kept', phase: 'apply', attempt: 3, ref: 'refs/jobline/attempts/x' }],
    });
    // The first phase goes back to the branch's start (never to a later phase's commit), as attempt 1 at least.
    const first = jobWith({}, [phase('plan', { status: 'running', attempts: 0 }), phase('apply', { commit: commitId(70) })]);
    expect((await jobs.rollBack(first, { tasks: [], runs: [] }, 0, NOW)).actions).toEqual([{ type: 'recordUndone', phase: 0, undone: { attempt: 1, ref: 'refs/jobline/attempts/x', files: 2, at: NOW } }]);
    expect(port.calls).toEqual([`rollBack 032 apply 3`, `rollBack 001 plan 1`]);
  });

  it('does nothing without a worktree, a phase, a worktree made, a kept attempt, or when done tasks keep their work', async () => {
    const { jobs, port } = makeWorktreeJobs();
    const board: TaskBoard = { tasks: [task('t1', 0, 'done'), task('t2', 0, 'failed')], runs: [] };
    expect(await jobs.rollBack(jobWith({ worktree: null }), { tasks: [], runs: [] }, 0, NOW)).toEqual(nothing);
    expect(await jobs.rollBack(jobWith(), { tasks: [], runs: [] }, 5, NOW)).toEqual(nothing);
    expect(await jobs.rollBack(jobWith(), { tasks: [], runs: [] }, 0, NOW)).toEqual(nothing); // not made
    port.made.add(WORKTREE.path);
    expect(await jobs.rollBack(jobWith(), board, 0, NOW)).toEqual(nothing);
    expect(port.calls).toEqual([]);
    port.kept = null;
    expect(await jobs.rollBack(jobWith(), { tasks: [task('t1', 0, 'failed')], runs: [] }, 0, NOW)).toEqual(nothing);
    expect(port.calls).toEqual(['rollBack 001 plan 1']);
  });
});

describe('prepareResume', () => {
  const nothing = { actions: [], events: [] };

  it('keeps a job in its worktree: resuming it in place is refused, saying where its work is', async () => {
    const { jobs } = makeWorktreeJobs();
    const { entry, handle } = handleOf(jobWith({ status: 'failed' }));
    await expect(jobs.prepareResume(entry, 'background', false, 'none', NOW)).rejects.toMatchObject({
      code: 'JOB_NOT_RESUMABLE',
      message: `${handle.id} runs in its worktree /worktrees/night, where its work is: resume it without --isolation none, or discard its work first (jobline discard ${handle.id}).`,
    });
  });

  it('gives a job that ran in place a worktree only when asked', async () => {
    const { jobs, port } = makeWorktreeJobs();
    // A writer, which would get a worktree by default at its submission: a resume does not give it one unasked.
    const { entry } = handleOf(jobWith({ status: 'failed', worktree: null }), undefined, WRITER);
    expect(await jobs.prepareResume(entry, 'background', false, undefined, NOW)).toEqual(nothing);
    expect(await jobs.prepareResume(entry, 'background', false, 'none', NOW)).toEqual(nothing);
    expect(port.calls).toEqual([]);
    expect(await jobs.prepareResume(entry, 'background', false, 'worktree', NOW)).toEqual({
      actions: [{ type: 'setWorktree', worktree: { path: '/worktrees/night', branch: 'jobline/night', base: commitId(1), baseBranch: 'main', repository: '/work', snapshot: null, target: 'main', isolation: 'worktree' } }],
      events: [],
    });
    expect(port.calls).toEqual(['plan /work head worktree']);
    const { entry: unnamed, handle } = handleOf(jobWith({ status: 'failed', worktree: null, name: null }));
    const { actions } = await jobs.prepareResume(unnamed, 'background', false, 'worktree', NOW);
    expect(actions).toEqual([{ type: 'setWorktree', worktree: expect.objectContaining({ path: `/worktrees/${handle.id}` }) }]);
  });

  it('rolls back the first unfinished phase, unless an interactive job waits for its approval', async () => {
    const { jobs, port } = makeWorktreeJobs((p) => p.made.add(WORKTREE.path));
    const waiting = handleOf(jobWith({ status: 'interrupted', hasPendingApproval: true })).entry;
    expect(await jobs.prepareResume(waiting, 'interactive', false, undefined, NOW)).toEqual(nothing);
    expect(port.calls).toEqual([]);
    expect((await jobs.prepareResume(waiting, 'background', false, undefined, NOW)).events).toEqual([{ ts: NOW, type: 'attempt_kept', phase: 'plan', attempt: 1, ref: 'refs/jobline/attempts/x' }]);
    const stopped = handleOf(jobWith({ status: 'interrupted', hasPendingApproval: false })).entry;
    expect((await jobs.prepareResume(stopped, 'interactive', false, undefined, NOW)).actions).toHaveLength(1);
    const complete = handleOf(jobWith({ status: 'cancelled' }, [phase('plan', { status: 'completed' }), phase('apply', { status: 'completed' })]), { tasks: [task('t1', 0, 'done')], runs: [] }).entry;
    expect(await jobs.prepareResume(complete, 'background', false, undefined, NOW)).toEqual(nothing);
    expect(port.calls).toHaveLength(2);
  });
});
