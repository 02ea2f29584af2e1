// Runs on other machines as the job model records them (pure): a remote worker taking a run names
// it, a run waiting for a worker with labels says which, and a run whose worker went away is
// interrupted, its task running again while its retries last and failing with the reason after.
import { describe, expect, it } from 'vitest';
import { applyActions, type JobState } from '../../../src/jobs/model/job-state.js';
import type { Job } from '../../../src/jobs/model/job.js';
import type { Task } from '../../../src/jobs/model/task.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTaskRecordLines, readTaskRecords } from '../../../src/store/task-log.js';
import { makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

const T1 = '2026-11-22T10:01:00.000Z';
const task = (id: string): Task => ({ id, phase: 0, title: id, input: `echo ${id}`, status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] });

function running(overrides: Partial<Job> = {}): JobState {
  const job = makeJob({ mode: 'background', workers: 2, ...overrides }, ['run']);
  const state = applyActions({ job, board: { tasks: [task('t1'), task('t2')], runs: [] } }, [{ type: 'start' }], T1).state;
  return applyActions(state, [{ type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }], T1).state;
}

const apply = (state: JobState, actions: JobAction[]) => applyActions(state, actions, T1);

describe('remote runs in the job model', () => {
  it('names the worker that took a run after the job\'s worker, and clears its wait', () => {
    const waited = apply(running(), [{ type: 'waitRun', taskId: 't1', labels: ['gpu'] }]);
    expect(waited.state.board.runs[0]!.waitingFor).toEqual(['gpu']);
    expect(waited.records).toEqual([expect.objectContaining({ kind: 'run', run: expect.objectContaining({ id: 'r1', waitingFor: ['gpu'] }) })]);
    const taken = apply(waited.state, [{ type: 'takeRun', taskId: 't1', host: 'box-1' }]);
    expect(taken.state.board.runs[0]).toMatchObject({ worker: 'build[abcd-0]@box-1' });
    expect(taken.state.board.runs[0]!.waitingFor).toBeUndefined();
    // A second taker (the first went away and BullMQ handed the run on) replaces the name.
    expect(apply(taken.state, [{ type: 'takeRun', taskId: 't1', host: 'box-2' }]).state.board.runs[0]!.worker).toBe('build[abcd-0]@box-2');
    // A taken run does not go back to waiting; neither changes the job's header.
    expect(apply(taken.state, [{ type: 'waitRun', taskId: 't1', labels: ['gpu'] }]).state.board.runs[0]!.waitingFor).toBeUndefined();
    expect(taken.state.job.status).toBe('running');
    expect(taken.events).toEqual([]);
  });

  it('interrupts a run whose worker went away: the task runs again while its retries last, then fails with the reason', () => {
    const reason = 'worker box-1 stopped answering: its hold on the run lapsed (3 s without renewal)';
    const retried = apply(running({ retries: 1, keepGoing: true }), [{ type: 'failTask', taskId: 't1', error: reason, isInterrupted: true }]);
    expect(retried.state.board.runs[0]!.state).toEqual({ status: 'interrupted', endedAt: T1, reason });
    expect(retried.state.board.tasks[0]).toMatchObject({ status: 'todo', attempts: 1 });
    const again = apply(retried.state, [{ type: 'startTask', taskId: 't1', worker: 0 }, { type: 'failTask', taskId: 't1', error: reason, isInterrupted: true }]);
    expect(again.state.board.runs.map((run) => run.state.status)).toEqual(['interrupted', 'running', 'interrupted']);
    expect(again.state.board.tasks[0]).toMatchObject({ status: 'failed', attempts: 2, result: reason });
  });

  it('keeps a remote worker\'s name and a run\'s wait in the task log, and refuses a name unsafe for a terminal', () => {
    const dir = makeTempDir();
    const taken = apply(apply(running(), [{ type: 'waitRun', taskId: 't2', labels: ['gpu', 'linux'] }]).state, [{ type: 'takeRun', taskId: 't1', host: 'box-1.lan' }]);
    const good = formatTaskRecordLines([...taken.state.board.runs.map((run) => ({ kind: 'run' as const, seq: 1, run }))]);
    const bad = formatTaskRecordLines([{ kind: 'run', seq: 1, run: { ...taken.state.board.runs[0]!, worker: 'build[abcd-0]@box\u001b[31m' } }]);
    writeFileSync(join(dir, 'tasks.jsonl'), good + bad);
    const read = readTaskRecords(join(dir, 'tasks.jsonl'))!;
    expect(read.skippedLines).toBe(1);
    expect(read.records.map((record) => (record.kind === 'run' ? [record.run.worker, record.run.waitingFor] : null))).toEqual([['build[abcd-0]@box-1.lan', undefined], ['build[abcd-1]', ['gpu', 'linux']]]);
  });
});

describe('the scheduler with a remote executor', () => {
  it('caps a queue\'s runs by the job\'s workers and the executor\'s own limit, not by maxWorkers (this machine\'s threads)', async () => {
    const { JobService } = await import('../../../src/jobs/service/job-service.js');
    const { JobManager } = await import('../../../src/jobs/service/manager.js');
    const { InMemoryRepository, ScriptedExecutor, makeInMemoryReader } = await import('../../helpers/fakes.js');
    const { commandAgent } = await import('../../helpers/jobs.js');
    const started = async (runLimit: number | undefined): Promise<number> => {
      const store = new InMemoryRepository();
      const executor = Object.assign(new ScriptedExecutor(), runLimit === undefined ? {} : { runLimit });
      const manager = new JobManager({ store, executor, maxConcurrentJobs: 2, maxWorkers: 3, whenBusy: 'queue', maxUnfinishedJobs: 10, maxCompletedJobs: 10, keepTempFiles: false, cancelGraceMs: 50, progressFlushMs: 5, policyPassDelayMs: 0 });
      const service = new JobService({ repository: store, reader: makeInMemoryReader(store), manager, cwd: '/w', adopt: (_stored, cwd) => ({ agent: commandAgent('sh', { run: 'x' }), cwd }) });
      await service.dispatch({ type: 'submit', agent: commandAgent('sh', { run: 'x' }), prompt: 'batch', mode: 'background', cwd: '/w', workers: 8, taskInputs: Array.from({ length: 20 }, (_, index) => `t${index}`) });
      await executor.whenRuns(Math.min(8, runLimit ?? 3));
      await new Promise((resolve) => setTimeout(resolve, 50));
      // (Nothing to close: an in-memory store and scripted runs, no threads.)
      return executor.runs.length;
    };
    expect(await started(undefined)).toBe(3); // threads here: maxWorkers
    expect(await started(Number.POSITIVE_INFINITY)).toBe(8); // a queue without a global cap: the job's workers
    expect(await started(5)).toBe(5); // queue.globalConcurrency
  });
});

describe('/tasks of a run waiting for a worker', () => {
  it('says which labels it waits for, or that no worker is connected', async () => {
    const { formatTaskList } = await import('../../../src/render/task-list.js');
    const gpu = apply(running(), [{ type: 'waitRun', taskId: 't1', labels: ['gpu'] }, { type: 'waitRun', taskId: 't2', labels: [] }]).state;
    const text = formatTaskList(gpu.job, gpu.board, new Date(T1), { command: '/tasks', logsCommand: '/logs' }).replace(/\u001b\[[0-9;]*m/g, '');
    expect(text).toMatch(/t1 .*\n\s+waits for a worker with labels gpu\n/);
    expect(text).toMatch(/t2 .*\n\s+waits for a worker \(none is connected\)/);
  });
});
