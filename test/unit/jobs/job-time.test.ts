import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import { accountRunningTime, workingMs } from '../../../src/jobs/model/job-time.js';
import { transitionJob, type JobAction } from '../../../src/jobs/model/transitions.js';
import { formatJobDetails } from '../../../src/render/job-details.js';
import { formatJobTime } from '../../../src/render/job-list.js';
import { parseJobFile } from '../../../src/store/job-file.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';

// Seconds after FIXED_NOW, as an ISO time.
const at = (seconds: number): string => new Date(Date.parse(FIXED_NOW) + seconds * 1000).toISOString();
// Applies each [second, action] in order.
const play = (job: Job, steps: ReadonlyArray<readonly [number, JobAction]>): Job => steps.reduce((current, [second, action]) => transitionJob(current, action, at(second)).job, job);
const PLACE = { files: { files: [], runLogs: null }, tasksCommand: 'jobline tasks', logsCommand: 'jobline logs' };
const elapsedShown = (job: Job, second: number): string => /Elapsed: +(\S+)/.exec(formatJobDetails(job, PLACE, new Date(at(second))).replace(/\u001b\[\d+m/g, ''))![1]!;

describe('the time a job ran', () => {
  it('sums every attempt of a batch (its run, then a resume), without the time it lay interrupted or queued', () => {
    const batch = makeJob({ mode: 'background' }, ['run']);
    // Ran 21 s and failed; resumed a minute later, queued 2 s, ran 1.1 s more.
    const ended = play(batch, [[0, { type: 'start' }], [0, { type: 'startPhase' }], [21, { type: 'failPhase', error: '1 of 30 tasks failed' }],
      [80, { type: 'resume', mode: 'background', retryFailed: true }], [82, { type: 'start' }], [82, { type: 'startPhase' }], [83.1, { type: 'completePhase', output: 'done' }]]);
    expect(ended.status).toBe('completed');
    expect(workingMs(ended, new Date(at(500)))).toBe(22_100);
    expect(elapsedShown(ended, 500)).toBe('22.1s');
    expect(formatJobTime(ended, new Date(at(500)))).toMatch(/ · ran 22\.1s$/);
  });

  it('counts a job interrupted after 2 s (/quit) and resumed for 20 s as 22 s, and a running one up to now', () => {
    const job = makeJob({ mode: 'background' }, ['run']);
    const quit = play(job, [[0, { type: 'start' }], [0, { type: 'startPhase' }], [2, { type: 'interrupt', reason: 'jobline exited' }]]);
    expect(workingMs(quit, new Date(at(60)))).toBe(2000);
    const running = play(quit, [[100, { type: 'resume', mode: 'background' }], [100, { type: 'start' }], [100, { type: 'startPhase' }]]);
    expect(formatJobTime(running, new Date(at(110)))).toBe('running 12.0s');
    const ended = play(running, [[120, { type: 'completePhase', output: null }]]);
    expect(formatJobTime(ended, new Date(at(900)))).toMatch(/ · ran 22\.0s$/);
  });

  it('leaves out the waits for approval, between phases and at a budget, and counts a retried phase\'s every attempt', () => {
    const job = makeJob({ budget: { tokens: 100 } }, ['plan', 'build']);
    const waiting = play(job, [[0, { type: 'start' }], [0, { type: 'startPhase' }], [2, { type: 'completePhase', output: 'plan A' }]]);
    expect(waiting.status).toBe('awaiting_approval');
    expect(workingMs(waiting, new Date(at(300)))).toBe(2000);
    // Retried after 5 minutes: 3 s more; approved after 8 minutes; build stops at its budget for 10 minutes.
    const building = play(waiting, [[300, { type: 'retry', feedback: 'smaller' }], [300, { type: 'start' }], [300, { type: 'startPhase' }], [303, { type: 'completePhase', output: 'plan B' }],
      [780, { type: 'approve' }], [780, { type: 'start' }], [780, { type: 'startPhase' }], [784, { type: 'stopForBudget', usage: { input: 90, output: 20, cached: 0 } }]]);
    expect(building.status).toBe('awaiting_approval');
    expect(workingMs(building, new Date(at(1000)))).toBe(9000);
    const ended = play(building, [[1384, { type: 'approve' }], [1385, { type: 'completePhase', output: 'built' }]]);
    expect(ended.status).toBe('completed');
    expect(workingMs(ended, new Date(at(5000)))).toBe(10_000);
  });

  it('keeps the count in job.json, and counts a job file of an older version by its phases', () => {
    const ran = play(makeJob({ mode: 'background' }, ['run']), [[0, { type: 'start' }], [0, { type: 'startPhase' }], [4, { type: 'interrupt', reason: 'gone' }]]);
    expect(parseJobFile(JSON.stringify(ran), 'job.json')).toMatchObject({ ranMs: 4000, runningSince: null });
    const older = { ...ran, phases: ran.phases.map((phase) => ({ ...phase })) } as Job;
    delete older.ranMs;
    delete older.runningSince;
    expect(workingMs(older, new Date(at(60)))).toBe(4000);
  });
});

describe('workingMs and accountRunningTime on job files as given', () => {
  const NOW = new Date(at(100));

  it('adds the current stretch only while the job runs and knows since when', () => {
    expect(workingMs(makeJob({ status: 'running', ranMs: 5000, runningSince: at(90) }), NOW)).toBe(15_000);
    expect(workingMs(makeJob({ status: 'running', ranMs: 5000, runningSince: null }), NOW)).toBe(5000);
    expect(workingMs(makeJob({ status: 'awaiting_approval', ranMs: 5000, runningSince: at(90) }), NOW)).toBe(5000);
    // A clock that went back counts nothing of the stretch.
    expect(workingMs(makeJob({ status: 'running', ranMs: 5000, runningSince: at(200) }), NOW)).toBe(5000);
  });

  it('opens a stretch on entering running and closes it on leaving, and leaves any other change alone', () => {
    const queued = makeJob({ status: 'queued', ranMs: 1000, runningSince: null });
    expect(accountRunningTime(queued, { ...queued, status: 'running' }, at(10))).toMatchObject({ ranMs: 1000, runningSince: at(10) });
    const running = makeJob({ status: 'running', ranMs: 1000, runningSince: at(10) });
    expect(accountRunningTime(running, { ...running, status: 'interrupted' }, at(14))).toMatchObject({ ranMs: 5000, runningSince: null });
    const untouched = { ...running, ranMs: 7, runningSince: 'kept' };
    expect(accountRunningTime(running, untouched, at(14))).toMatchObject({ ranMs: 7, runningSince: 'kept' });
    const waiting = makeJob({ status: 'awaiting_approval', ranMs: 3, runningSince: null });
    expect(accountRunningTime(waiting, { ...waiting, status: 'cancelled', ranMs: 3 }, at(14))).toMatchObject({ ranMs: 3, runningSince: null });
  });

  it('counts an older job file by its phases: ended ones start to end, the running one up to now while the job runs, none not started', () => {
    const base = makeJob({ status: 'running' }, ['a', 'b', 'c', 'd']);
    const older = { ...base, phases: [
      { ...base.phases[0]!, status: 'completed' as const, startedAt: at(0), endedAt: at(10) },
      { ...base.phases[1]!, status: 'running' as const, startedAt: at(40), endedAt: null },
      { ...base.phases[2]!, status: 'pending' as const, startedAt: null, endedAt: at(50) },
      { ...base.phases[3]!, status: 'failed' as const, startedAt: at(60), endedAt: null },
    ] } as Job;
    delete older.ranMs;
    expect(workingMs(older, NOW)).toBe(10_000 + 60_000);
    // Stopped (awaiting approval), the running phase counts nothing up to now.
    expect(workingMs({ ...older, status: 'awaiting_approval' }, NOW)).toBe(10_000);
    // An end before its start counts nothing.
    expect(workingMs({ ...older, phases: [{ ...older.phases[0]!, startedAt: at(20), endedAt: at(10) }] }, NOW)).toBe(0);
  });
});
