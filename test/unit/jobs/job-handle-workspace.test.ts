// The workspace each phase attempt of a job starts from (JobHandle.preparePhase), outside git:
// which phases are diffed at all (a plan's are, a batch's lines and task worktrees are not, nor a
// plan past MAX_RECORDED_TASKS tasks), the baseline a phase's only task counts from, what an LLM
// phase's retry is told of the attempt before, and one preparation for all of an attempt's runs.
import { afterEach, describe, expect, it } from 'vitest';
import type { Job, JobWorktree, PhaseState } from '../../../src/jobs/model/job.js';
import { createInputTasks, createJobTasks } from '../../../src/jobs/model/task.js';
import { MAX_RECORDED_TASKS } from '../../../src/jobs/service/job-handle.js';
import { commandAgent } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';
import { llmAgentIn, makeHandle, plans, settleWriters, type HandleOptions } from './job-handle-harness.js';

afterEach(settleWriters);

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const NOT_RECORDED = { baseline: null, previous: null, isRecorded: false };

// The job's phases as a new job's, with `first` set over its first phase's state.
function phasesWith(first: Partial<PhaseState>, names = ['a', 'b']): (job: Job) => Job {
  return (job) => ({ ...job, phases: job.phases.map((phase, index) => (index === 0 ? { ...phase, ...first } : phase)).slice(0, names.length) });
}

// A handle in a temp folder (outside git: nothing is snapshotted) whose job is changed by `shape`.
function handleIn(options: HandleOptions = {}) {
  const cwd = makeTempDir();
  return { ...makeHandle({ cwd, ...options }), cwd };
}

const retried = phasesWith({ status: 'running', attempts: 2, output: 'first answer', changes: { before: SHA_A, after: SHA_B, files: [{ path: 'f', added: 1, removed: 0 }], moreFiles: 0 } });

describe('JobHandle.preparePhase', () => {
  it('gives a phase\'s only task, at its first attempt, the baseline its phase recorded, at once', () => {
    const { handle } = handleIn({ shape: phasesWith({ changes: { before: SHA_A, after: SHA_B, files: [], moreFiles: 0 } }) });
    expect(handle.preparePhase('t1', '/jobs')).toEqual({ baseline: SHA_A, previous: null, isRecorded: true });
    expect(handle.preparePhase('t2', '/jobs')).toEqual({ baseline: null, previous: null, isRecorded: true });
  });

  it('does not diff a batch\'s lines, nor a phase past the last one', () => {
    const { handle } = handleIn({ tasks: createInputTasks(['a', 'b'], ['x', 'y']) });
    expect(handle.preparePhase('t1', '/jobs')).toEqual(NOT_RECORDED);
    // A line of the second phase is prepared as its own phase's (a batch: not diffed either).
    expect(handle.preparePhase('t3', '/jobs')).toEqual(NOT_RECORDED);
    const ended = handleIn({ shape: (job) => ({ ...job, currentPhase: 2 }) });
    expect(ended.handle.preparePhase('t9', '/jobs')).toEqual(NOT_RECORDED);
  });

  it('prepares a task of another phase than the current one as its own phase\'s', () => {
    const { handle } = handleIn({ tasks: [...createJobTasks(['a'], 'the prompt'), ...createInputTasks(['a', 'b'], ['x', 'y']).filter((task) => task.phase === 1).map((task, index) => ({ ...task, id: `t${index + 2}` }))] });
    expect(handle.job.currentPhase).toBe(0);
    expect(handle.preparePhase('t2', '/jobs')).toEqual(NOT_RECORDED);
    // An unknown task: the current phase's (its only task, first attempt).
    expect(handle.preparePhase('t9', '/jobs')).toEqual({ baseline: null, previous: null, isRecorded: true });
  });

  it('diffs a plan\'s tasks as one phase, prepared once for all of the attempt\'s runs: planned ones, or ones claiming files', async () => {
    for (const tasks of [createJobTasks(['a', 'b'], 'p', [plans(2)]).map((task) => ({ ...task, isPlanned: task.phase === 0 })), createJobTasks(['a', 'b'], 'p', [plans(2, ['src/**'])])]) {
      const { handle } = handleIn({ tasks });
      const first = handle.preparePhase('t1', '/jobs');
      expect(first).toBeInstanceOf(Promise);
      expect(handle.preparePhase('t2', '/jobs')).toBe(first);
      // Outside git there is no tree to count from; the phase is recorded.
      expect(await first).toEqual({ baseline: null, previous: null });
    }
  });

  it('does not diff a plan of more than MAX_RECORDED_TASKS tasks', async () => {
    const over = handleIn({ tasks: createJobTasks(['a', 'b'], 'p', [plans(MAX_RECORDED_TASKS + 1, ['src/**'])]) });
    expect(over.handle.preparePhase('t1', '/jobs')).toEqual(NOT_RECORDED);
    const at = handleIn({ tasks: createJobTasks(['a', 'b'], 'p', [plans(MAX_RECORDED_TASKS, ['src/**'])]) });
    expect(await at.handle.preparePhase('t1', '/jobs')).toEqual({ baseline: null, previous: null });
  });

  it('does not diff a plan whose tasks each run in a worktree of their own', () => {
    const worktree: JobWorktree = { path: makeTempDir(), branch: 'jobline/x', base: SHA_A, baseBranch: 'main', repository: '/repo', snapshot: null, target: 'main', isolation: 'task-worktree' };
    const { handle } = handleIn({ tasks: createJobTasks(['a', 'b'], 'p', [plans(2, ['src/**'])]), shape: (job) => ({ ...job, worktree }) });
    expect(handle.preparePhase('t1', '/jobs')).toEqual(NOT_RECORDED);
    // The phase after it, of one task, is diffed as usual.
    expect(handle.preparePhase('t3', '/jobs')).toEqual({ baseline: null, previous: null, isRecorded: true });
    // A task it does not know (of no plan): its current phase's, not diffed, without failing.
    expect(handle.preparePhase('t9', '/jobs')).toEqual(NOT_RECORDED);
  });

  it('prepares nothing for an LLM job asked to retry past its last phase', () => {
    const cwd = makeTempDir();
    const { handle } = handleIn({ cwd, agent: llmAgentIn(cwd), shape: (job) => ({ ...job, currentPhase: 2, pendingRetry: { keep: false } }) });
    expect(handle.preparePhase('t9', '/jobs')).toEqual(NOT_RECORDED);
  });

  it('tells an LLM phase\'s retry what the attempt before answered and changed', async () => {
    const cwd = makeTempDir();
    const { handle } = handleIn({ cwd, agent: llmAgentIn(cwd), shape: (job) => ({ ...retried(job), pendingRetry: { keep: false } }) });
    const prepared = handle.preparePhase('t1', '/jobs');
    expect(prepared).toBeInstanceOf(Promise);
    expect(await prepared).toEqual({ baseline: SHA_A, previous: { output: 'first answer', changes: { before: SHA_A, after: SHA_B }, keep: false, undoneRef: null } });
  });

  it('does not treat as a retry a command agent\'s, a first attempt, or an attempt no retry asked for', () => {
    const cwd = makeTempDir();
    const command = handleIn({ cwd, shape: (job) => ({ ...retried(job), pendingRetry: { keep: false } }) });
    expect(command.handle.preparePhase('t1', '/jobs')).toEqual({ baseline: SHA_A, previous: null, isRecorded: true });
    const first = handleIn({ cwd, agent: llmAgentIn(cwd), shape: (job) => ({ ...phasesWith({ attempts: 1, changes: null })(job), pendingRetry: { keep: false } }) });
    expect(first.handle.preparePhase('t1', '/jobs')).toEqual({ baseline: null, previous: null, isRecorded: true });
    const notAsked = handleIn({ cwd, agent: llmAgentIn(cwd), shape: retried });
    expect(notAsked.handle.preparePhase('t1', '/jobs')).toEqual({ baseline: SHA_A, previous: null, isRecorded: true });
  });

  it('tells only an LLM agent\'s plan retried what the attempt before did (a command agent\'s files are its own)', async () => {
    const tasks = createJobTasks(['a', 'b'], 'p', [plans(2, ['src/**'])]);
    const cwd = makeTempDir();
    const llm = handleIn({ cwd, tasks, agent: llmAgentIn(cwd), shape: (job) => ({ ...retried(job), pendingRetry: { keep: true } }) });
    expect(await llm.handle.preparePhase('t1', '/jobs')).toMatchObject({ baseline: SHA_A, previous: { output: 'first answer', keep: true } });
    const command = handleIn({ tasks, agent: commandAgent('two', { a: 'true', b: 'true' }), shape: (job) => ({ ...retried(job), pendingRetry: { keep: true } }) });
    expect(await command.handle.preparePhase('t1', '/jobs')).toEqual({ baseline: SHA_A, previous: null });
  });
});
