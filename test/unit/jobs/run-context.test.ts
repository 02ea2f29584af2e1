// What a run is given and what it adds to its job: the job's counters grow by what a run added since
// its last report (never less), tokens to the job and its current phase; a task's context names its
// claims and its claiming neighbours (none for a phase's only, unclaimed task); earlier phases hand
// on their output (a cut answer says where the whole is) and, for a phase of several tasks, each
// task's status, result and files, at most 200 listed.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { Task, TaskBoard } from '../../../src/jobs/model/task.js';
import { countRunProgress, describePreviousOutputs, describeTaskContext } from '../../../src/jobs/service/run-context.js';
import { makeJob } from '../../helpers/jobs.js';

function task(id: string, phase: number, extra: Partial<Task> = {}): Task {
  return { id, phase, title: `title ${id}`, input: `input ${id}`, status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...extra };
}

const boardOf = (tasks: Task[]): TaskBoard => ({ tasks, runs: [] });

describe('countRunProgress', () => {
  it('adds what the run counted since its last report to the job, never taking any away', () => {
    const job = makeJob({ progress: { round: 1, toolCalls: 10, llmCalls: 4, lastEvent: null } });
    const reported = { round: 0, toolCalls: 3, llmCalls: 2, lastEvent: null };
    const counted = countRunProgress(job, reported, { toolCalls: 5, llmCalls: 1, lastEvent: 'edit a.ts' });
    expect(counted.progress).toEqual({ toolCalls: 12, llmCalls: 4, lastEvent: 'edit a.ts' });
    expect(counted.phaseUsage).toBeUndefined();
    expect(counted.reported).toEqual({ round: 0, toolCalls: 5, llmCalls: 1, lastEvent: 'edit a.ts' });
    // A report without counters changes none.
    expect(countRunProgress(job, reported, { round: 3 }).progress).toEqual({ round: 3 });
  });

  it('adds the tokens the run used since its last report to the job and to its current phase', () => {
    const base = makeJob({ currentPhase: 1, progress: { round: 1, toolCalls: 0, llmCalls: 0, lastEvent: null, usage: { input: 100, output: 10, cached: 0 } } });
    const job: Job = { ...base, phases: base.phases.map((phase, index) => (index === 1 ? { ...phase, usage: { input: 50, output: 5, cached: 1 } } : phase)) };
    const reported = { round: 0, toolCalls: 0, llmCalls: 0, lastEvent: null, usage: { input: 20, output: 2, cached: 0 } };
    const counted = countRunProgress(job, reported, { usage: { input: 30, output: 7, cached: 4 } });
    expect(counted.progress.usage).toEqual({ input: 110, output: 15, cached: 4 });
    expect(counted.phaseUsage).toEqual({ input: 60, output: 10, cached: 5 });
    expect(counted.reported.usage).toEqual({ input: 30, output: 7, cached: 4 });
    // A phase without tokens yet starts from none.
    expect(countRunProgress(makeJob(), { round: 0, toolCalls: 0, llmCalls: 0, lastEvent: null }, { usage: { input: 3, output: 1, cached: 0 } }).phaseUsage).toEqual({ input: 3, output: 1, cached: 0 });
  });
});

describe('describeTaskContext', () => {
  it('gives none for the only, unclaimed task of its phase, and a context for a claimed one', () => {
    const alone = task('t1', 0);
    expect(describeTaskContext(boardOf([alone, task('t2', 1)]), alone)).toBeNull();
    const claimed = task('t1', 0, { claims: ['src/a.ts'] });
    expect(describeTaskContext(boardOf([claimed]), claimed)).toEqual({ id: 't1', title: 'title t1', description: 'input t1', claims: ['src/a.ts'], others: [] });
  });

  it('names the neighbours of its phase that claim files, not itself, nor other phases', () => {
    const mine = task('t2', 1);
    const board = boardOf([task('t1', 1, { claims: ['a.ts'] }), mine, task('t3', 1), task('t4', 0, { claims: ['b.ts'] }), task('t5', 1, { claims: ['c/'] })]);
    expect(describeTaskContext(board, mine)).toEqual({ id: 't2', title: 'title t2', description: 'input t2', claims: [], others: [{ id: 't1', title: 'title t1', claims: ['a.ts'] }, { id: 't5', title: 'title t5', claims: ['c/'] }] });
    const crowd = Array.from({ length: 205 }, (_, index) => task(`t${index + 1}`, 0, { claims: [`f${index + 1}`] }));
    expect(describeTaskContext(boardOf(crowd), crowd[0]!)!.others.map((other) => other.id)).toEqual(crowd.slice(1, 201).map((other) => other.id));
  });
});

describe('describePreviousOutputs', () => {
  it('hands on the outputs of the phases before the current one, a cut answer with where to read it whole', () => {
    const base = makeJob({ currentPhase: 2 });
    const job: Job = { ...base, phases: base.phases.map((phase, index) => (index === 0 ? { ...phase, output: 'short answer' } : index === 1 ? { ...phase, output: 'long answer…', outputFile: 'answers/p2-a1.md' } : { ...phase, output: 'not yet' })) };
    expect(describePreviousOutputs(job, boardOf([]))).toEqual([
      { name: 'analyze', output: 'short answer' },
      { name: 'plan', output: 'long answer…\n(This answer is cut for length: read it whole with read_file, path "job:answers/p2-a1.md".)' },
    ]);
    const empty: Job = { ...base, phases: base.phases.map((phase) => ({ ...phase, output: null, outputFile: 'answers/x.md' })) };
    expect(describePreviousOutputs(empty, boardOf([]))).toEqual([{ name: 'analyze', output: null }, { name: 'plan', output: null }]);
  });

  it('lists each task of a phase of several, with its status, result and files', () => {
    const base = makeJob({ currentPhase: 1 });
    const job: Job = { ...base, phases: base.phases.map((phase, index) => (index === 0 ? { ...phase, output: 'all done' } : phase)) };
    const board = boardOf([task('t1', 0, { status: 'done', result: 'ok', filesModified: ['a.ts', 'b.ts'] }), task('t2', 0, { status: 'failed' }), task('t3', 1)]);
    expect(describePreviousOutputs(job, board)).toEqual([{ name: 'analyze', output: 'all done\n- t1 title t1: done — ok (files: a.ts, b.ts)\n- t2 title t2: failed' }]);
    const quiet: Job = { ...base, phases: base.phases.map((phase) => ({ ...phase, output: null })) };
    expect(describePreviousOutputs(quiet, board)[0]!.output).toBe('- t1 title t1: done — ok (files: a.ts, b.ts)\n- t2 title t2: failed');
  });

  it('lists at most 200 tasks of a phase and says how many more there are', () => {
    const job = makeJob({ currentPhase: 1 });
    const lines = describePreviousOutputs(job, boardOf(Array.from({ length: 203 }, (_, index) => task(`t${index + 1}`, 0, { status: 'done' }))))[0]!.output!.split('\n');
    expect(lines).toHaveLength(201);
    expect(lines[199]).toBe('- t200 title t200: done');
    expect(lines[200]).toBe('- … and 3 more tasks');
    const exact = describePreviousOutputs(job, boardOf(Array.from({ length: 200 }, (_, index) => task(`t${index + 1}`, 0))))[0]!.output!.split('\n');
    expect(exact).toHaveLength(200);
  });
});
