// One job as the manager holds it (JobHandle), driven as the manager drives it, on a real writer
// over an in-memory repository: what its runs' reports do to the job (last event, counters and
// tokens counted across runs side by side, what the other runs hear of the budget), the budget
// stop and the outcomes held during it, its workers, and a job another writer committed.
import { afterEach, describe, expect, it } from 'vitest';
import { createJobTasks } from '../../../src/jobs/model/task.js';
import { WRITING } from '../../../src/jobs/service/job-handle.js';
import { HeardRun, NOW, makeHandle, plans, settleWriters, startRuns } from './job-handle-harness.js';

afterEach(settleWriters);

describe('JobHandle: what its runs report', () => {
  it('marks output, activity and text with the task only when its phase runs several tasks', async () => {
    const { handle, heard } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]) });
    await startRuns(handle, ['t1', 't2']);
    handle.recordOutput(['one', 'two'], 2, 't2');
    handle.recordActivity('🔧', 'ran tests', 't1');
    handle.recordText('hello', 't2');
    expect(heard.outputs).toEqual([{ lines: ['one', 'two'], lineCount: 2, taskId: 't2' }]);
    expect(heard.activities).toEqual([{ icon: '🔧', text: 'ran tests', taskId: 't1' }]);
    expect(heard.texts).toEqual([{ text: 'hello', taskId: 't2' }]);

    const single = makeHandle();
    await startRuns(single.handle, ['t1']);
    single.handle.recordOutput(['only'], 1, 't1');
    single.handle.recordActivity('🔧', 'ran tests', 't1');
    single.handle.recordText('hi', 't1');
    single.handle.recordOutput(['unmarked'], 1);
    expect(single.heard.outputs.map((output) => output.taskId)).toEqual([undefined, undefined]);
    expect(single.heard.activities[0]!.taskId).toBeUndefined();
    expect(single.heard.texts[0]!.taskId).toBeUndefined();
  });

  it('makes the last output line the job\'s last event; no line leaves it as it was', async () => {
    const { handle, heard } = makeHandle();
    await startRuns(handle, ['t1']);
    handle.recordOutput(['first', 'second'], 2, 't1');
    expect(handle.job.progress.lastEvent).toBe('second');
    handle.recordOutput([], 2, 't1');
    expect(handle.job.progress.lastEvent).toBe('second');
    expect(heard.outputs).toHaveLength(2);
    handle.recordActivity('🔧', 'edited a.ts', 't1');
    expect(handle.job.progress.lastEvent).toBe('edited a.ts');
  });

  it('says the job is writing, with the characters each run streamed so far and the end of its last line', async () => {
    const { handle } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]) });
    await startRuns(handle, ['t1', 't2']);
    handle.recordText('Hello', 't1');
    expect(handle.job.progress.lastEvent).toBe(`${WRITING} (5 characters): Hello`);
    handle.recordText(' world\nsecond line\n', 't1');
    expect(handle.job.progress.lastEvent).toBe(`${WRITING} (24 characters): second line`);
    // Each run counts its own characters.
    handle.recordText('abc', 't2');
    expect(handle.job.progress.lastEvent).toBe(`${WRITING} (3 characters): abc`);
    handle.recordText('\n\n', 't2');
    expect(handle.job.progress.lastEvent).toBe(`${WRITING} (5 characters)`);
    // A line of 60 characters is shown whole; a longer one by its last 60.
    const sixty = 'x'.repeat(59) + 'y';
    handle.recordText(sixty, 't1');
    expect(handle.job.progress.lastEvent).toBe(`${WRITING} (84 characters): ${sixty}`);
    handle.recordText(`a${sixty}`, 't1');
    expect(handle.job.progress.lastEvent).toBe(`${WRITING} (145 characters): …${sixty}`);
    // Text of no run of this job counts only itself.
    handle.recordText('zz');
    expect(handle.job.progress.lastEvent).toBe(`${WRITING} (2 characters): zz`);
  });

  it('ignores reports once the job is not running', () => {
    const { handle, heard } = makeHandle();
    handle.recordProgress({ lastEvent: 'late', toolCalls: 3 });
    expect(handle.job.progress).toMatchObject({ lastEvent: null, toolCalls: 0 });
    expect(heard.progress).toEqual([]);
  });

  it('adds what each run side by side counted since its last report to the job\'s counters and tokens, and its phase\'s tokens', async () => {
    const { handle, heard } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]) });
    await startRuns(handle, ['t1', 't2']);
    handle.recordProgress({ toolCalls: 2, llmCalls: 1, usage: { input: 100, output: 10, cached: 0 } }, 't1');
    handle.recordProgress({ toolCalls: 3, llmCalls: 1, usage: { input: 50, output: 5, cached: 0 } }, 't2');
    handle.recordProgress({ toolCalls: 4, llmCalls: 2, usage: { input: 130, output: 20, cached: 0 } }, 't1');
    expect(handle.job.progress).toMatchObject({ toolCalls: 7, llmCalls: 3, usage: { input: 180, output: 25, cached: 0 } });
    expect(handle.job.phases[0]!.usage).toEqual({ input: 180, output: 25, cached: 0 });
    expect(heard.progress.at(-1)!.progress.toolCalls).toBe(7);
    // A report of no run of this process is the job's counters as they are.
    handle.recordProgress({ toolCalls: 10 }, 't9');
    expect(handle.job.progress.toolCalls).toBe(10);
    handle.recordProgress({ toolCalls: 11 });
    expect(handle.job.progress.toolCalls).toBe(11);
  });
});

describe('JobHandle: the budget its runs share', () => {
  it('tells every other run with a handle the job\'s tokens outside it and the budget, when tokens are reported', async () => {
    const { handle } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(3)]), job: { budget: { tokens: 10_000 } } });
    const runs = await startRuns(handle, ['t1', 't2', 't3']);
    // t3's run has no handle yet (it is starting): it hears nothing.
    handle.runs.get('t3')!.handle = null;
    handle.recordProgress({ toolCalls: 1 }, 't1');
    expect(runs.get('t2')!.told).toEqual([]);
    handle.recordProgress({ usage: { input: 100, output: 10, cached: 0 } }, 't1');
    expect(runs.get('t1')!.told).toEqual([]);
    expect(runs.get('t2')!.told).toEqual([{ others: { input: 100, output: 10, cached: 0 }, budget: { tokens: 10_000 } }]);
    expect(runs.get('t3')!.told).toEqual([]);
    handle.recordProgress({ usage: { input: 40, output: 4, cached: 0 } }, 't2');
    // t1 hears of the job's tokens less its own.
    expect(runs.get('t1')!.told).toEqual([{ others: { input: 40, output: 4, cached: 0 }, budget: { tokens: 10_000 } }]);
    expect(runs.get('t2')!.told).toHaveLength(1);
  });

  it('tells a run nothing before it counts (no request built yet)', async () => {
    const { handle } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]), job: { budget: { tokens: 10_000 } } });
    const runs = await startRuns(handle, ['t1', 't2']);
    delete handle.runs.get('t2')!.reported;
    handle.recordProgress({ usage: { input: 1, output: 1, cached: 0 } }, 't1');
    expect(runs.get('t2')!.told).toEqual([]);
  });

  it('tells nobody anything without a budget', async () => {
    const { handle } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]) });
    const runs = await startRuns(handle, ['t1', 't2']);
    handle.recordProgress({ usage: { input: 100, output: 10, cached: 0 } }, 't1');
    await handle.stopForBudget({ input: 100, output: 10, cached: 0 });
    expect(runs.get('t2')!.told).toEqual([]);
    expect(handle.job.status).toBe('running');
  });

  it('stops the job for approval once a run reaches the budget; a run that heard of a raise late is told the budget again', async () => {
    const { handle, heard } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]), job: { budget: { tokens: 100 } } });
    const runs = await startRuns(handle, ['t1', 't2']);
    await handle.stopForBudget({ input: 50, output: 0, cached: 0 });
    expect(handle.job.status).toBe('running');
    expect(runs.get('t1')!.told).toHaveLength(1);
    expect(runs.get('t2')!.told).toHaveLength(1);
    await handle.stopForBudget({ input: 90, output: 10, cached: 0 });
    expect(handle.job).toMatchObject({ status: 'awaiting_approval', budgetStop: { at: NOW } });
    expect(handle.savedJob.status).toBe('awaiting_approval');
    expect(heard.events).toContain('approval_requested');
    // A second run reaching it too: the job is stopped once.
    const told = runs.get('t2')!.told.length;
    await handle.stopForBudget({ input: 200, output: 10, cached: 0 });
    expect(heard.events.filter((type) => type === 'approval_requested')).toHaveLength(1);
    expect(runs.get('t2')!.told.length).toBeGreaterThan(told);
  });

  it('holds a run\'s outcome during the stop and records it once the stop is approved; a task without a run records at once', async () => {
    const { handle } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]), job: { budget: { tokens: 100 } } });
    await startRuns(handle, ['t1', 't2']);
    const recorded: string[] = [];
    handle.holdOutcome('t9', () => recorded.push('t9'));
    expect(recorded).toEqual(['t9']);
    await handle.stopForBudget({ input: 100, output: 0, cached: 0 });
    handle.holdOutcome('t1', () => recorded.push('t1'));
    expect(recorded).toEqual(['t9']);
    // A change landing while the job is still stopped records nothing.
    await handle.commit([{ type: 'rename', name: 'renamed' }]);
    expect(recorded).toEqual(['t9']);
    expect(handle.isRunningHere('t1')).toBe(true);
    await handle.commit([{ type: 'approve' }]);
    expect(recorded).toEqual(['t9', 't1']);
    expect(handle.isRunningHere('t1')).toBe(false);
    expect(handle.isRunningHere('t2')).toBe(true);
    expect(handle.job.budget!.tokens).toBeGreaterThan(100);
  });

  it('refuses nothing when a run reports the budget of a job not running', async () => {
    const { handle } = makeHandle({ job: { budget: { tokens: 100 } } });
    await expect(handle.stopForBudget({ input: 500, output: 0, cached: 0 })).resolves.toBeUndefined();
    expect(handle.job.status).toBe('queued');
  });
});

describe('JobHandle: its runs and workers', () => {
  it('reserves the lowest worker index not in use', () => {
    const { handle } = makeHandle();
    expect(handle.reserveWorker('t1')).toBe(0);
    expect(handle.reserveWorker('t2')).toBe(1);
    expect(handle.reserveWorker('t3')).toBe(2);
    handle.runs.delete('t2');
    expect(handle.reserveWorker('t4')).toBe(1);
    expect(handle.reserveWorker('t5')).toBe(3);
    expect(handle.isRunningHere('t4')).toBe(true);
    expect(handle.isRunningHere('t2')).toBe(false);
  });

  it('lists every run handle, its tasks\' and its other runs\'', () => {
    const { handle } = makeHandle();
    expect(handle.runHandles).toEqual([]);
    handle.reserveWorker('t1');
    handle.reserveWorker('t2');
    const task = new HeardRun();
    const setup = new HeardRun();
    handle.runs.get('t2')!.handle = task;
    handle.otherRuns.add(setup);
    expect(handle.runHandles).toEqual([task, setup]);
  });

  it('names the tasks whose open runs are not this process\'s (an external worker\'s claims)', async () => {
    const { handle } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(3)]) });
    expect(handle.externallyHeldTaskIds()).toEqual([]);
    await handle.commit([{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }, { type: 'startTask', taskId: 't2', worker: 1 }, { type: 'startTask', taskId: 't3', worker: 2 }]);
    handle.reserveWorker('t2');
    expect(handle.externallyHeldTaskIds()).toEqual(['t1', 't3']);
    expect(handle.openRunOf('t2')).toMatchObject({ taskId: 't2', state: { status: 'running' } });
    expect(handle.openRunOf('t4')).toBeUndefined();
  });

  it('adopts a job another writer committed only when it is newer and nothing of it runs here', () => {
    const { handle } = makeHandle();
    const seq = handle.savedJob.eventSeq;
    handle.adoptStoredJob({ ...handle.job, eventSeq: seq, name: 'same-seq' });
    expect(handle.job.name).not.toBe('same-seq');
    handle.adoptStoredJob({ ...handle.job, eventSeq: seq + 1, name: 'newer' });
    expect(handle.job.name).toBe('newer');
    expect(handle.savedJob.name).toBe('newer');
    handle.adoptStoredJob({ ...handle.job, eventSeq: seq, name: 'older' });
    expect(handle.job.name).toBe('newer');
    handle.reserveWorker('t1');
    handle.adoptStoredJob({ ...handle.job, eventSeq: seq + 5, name: 'while-running' });
    expect(handle.job.name).toBe('newer');
  });
});
