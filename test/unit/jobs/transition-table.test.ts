// Every job action from every job status: the legal ones and what they lead to, and the illegal
// ones refused with ILLEGAL_TRANSITION, the state untouched. One table, checked exhaustively.
import { describe, expect, it } from 'vitest';
import { TransitionError } from '../../../src/errors.js';
import { JOB_STATUSES, type Job, type JobStatus } from '../../../src/jobs/model/job.js';
import { applyActions } from '../../../src/jobs/model/job-state.js';
import { createPhaseTasks } from '../../../src/jobs/model/task.js';
import { transitionJob, type JobAction } from '../../../src/jobs/model/transitions.js';
import { makeJob } from '../../helpers/jobs.js';

const T = '2026-11-22T10:05:00.000Z';

// A job in each status, reached the way the lifecycle reaches it (two phases, interactive).
function jobIn(status: JobStatus): Job {
  const queued = makeJob({}, ['a', 'b']);
  const running = transitionJob(transitionJob(queued, { type: 'start' }, T).job, { type: 'startPhase' }, T).job;
  switch (status) {
    case 'queued': return queued;
    case 'running': return running;
    case 'awaiting_approval': return transitionJob(running, { type: 'completePhase', output: 'ok' }, T).job;
    case 'completed': return { ...transitionJob(running, { type: 'completePhase', output: 'ok' }, T).job, status: 'completed', currentPhase: 1, phases: running.phases.map((p) => ({ ...p, status: 'completed' as const })) };
    case 'failed': return transitionJob(running, { type: 'failPhase', error: 'boom' }, T).job;
    case 'cancelled': return transitionJob(running, { type: 'cancel' }, T).job;
    case 'interrupted': return transitionJob(running, { type: 'interrupt', reason: 'gone' }, T).job;
  }
}

const ACTIONS: JobAction[] = [
  { type: 'start' },
  { type: 'startPhase' },
  { type: 'completePhase', output: 'out' },
  { type: 'failPhase', error: 'err' },
  { type: 'approve' },
  { type: 'retry', feedback: 'fb' },
  { type: 'cancel' },
  { type: 'interrupt', reason: 'gone' },
  { type: 'resume', mode: 'background' },
  { type: 'reportProgress', progress: { round: 1 } },
];

// status → action → the status it leads to (absent: illegal).
const TABLE: Record<JobStatus, Partial<Record<JobAction['type'], JobStatus>>> = {
  queued: { start: 'running', cancel: 'cancelled', interrupt: 'interrupted' },
  running: { startPhase: 'running', completePhase: 'awaiting_approval', failPhase: 'failed', cancel: 'cancelled', interrupt: 'interrupted', reportProgress: 'running' },
  awaiting_approval: { approve: 'queued', retry: 'queued', cancel: 'cancelled', interrupt: 'interrupted' },
  completed: {},
  failed: { resume: 'queued' },
  cancelled: { resume: 'queued' },
  interrupted: { resume: 'queued' },
};

// A running job's phase is already running: startPhase is legal for a running job only when its
// current phase is not (the run loop starts the next one after a completion in background mode).
const runningBetweenPhases = (): Job => {
  const job = makeJob({ mode: 'background' }, ['a', 'b']);
  const running = transitionJob(transitionJob(job, { type: 'start' }, T).job, { type: 'startPhase' }, T).job;
  return transitionJob(running, { type: 'completePhase', output: 'ok' }, T).job;
};

describe('the job state machine, every action from every status', () => {
  for (const status of JOB_STATUSES) {
    for (const action of ACTIONS) {
      const expected = TABLE[status][action.type];
      it(`${action.type} from ${status}: ${expected ?? 'refused'}`, () => {
        // Built inside the test (not while tests are collected), so that mutation testing sees
        // which test runs the transitions it builds with.
        const from = status === 'running' && action.type === 'startPhase' ? runningBetweenPhases() : jobIn(status);
        const board = { tasks: createPhaseTasks(from.phases.map((p) => p.name), from.description), runs: [] };
        if (!expected) {
          const before = structuredClone(from);
          expect(() => transitionJob(from, action, T)).toThrow(TransitionError);
          expect(() => applyActions({ job: from, board }, [action], T)).toThrow(/^Cannot /);
          try {
            transitionJob(from, action, T);
          } catch (error) {
            expect((error as TransitionError).code).toBe('ILLEGAL_TRANSITION');
            expect((error as Error).message).toContain(`Cannot ${action.type} a job that is ${status} (${from.id}).`);
          }
          expect(from).toEqual(before);
          return;
        }
        const { job, events } = transitionJob(from, action, T);
        expect(job.status).toBe(expected);
        if (action.type === 'reportProgress') expect(events).toEqual([]);
        else expect(events.length).toBeGreaterThan(0);
        for (const event of events) expect(event.ts).toBe(T);
      });
    }
  }

  it('refuses phase actions on a phase that is not running, and resuming a job with nothing left to do', () => {
    const running = jobIn('running');
    expect(() => transitionJob(running, { type: 'startPhase' }, T)).toThrow('Cannot startPhase phase a that is running (job-abcd1234).');
    const between = runningBetweenPhases();
    expect(() => transitionJob(between, { type: 'completePhase', output: null }, T)).toThrow('Cannot completePhase phase b that is pending (job-abcd1234).');
    expect(() => transitionJob(between, { type: 'failPhase', error: 'x' }, T)).toThrow('Cannot failPhase phase b that is pending (job-abcd1234).');
    const allDone = { ...jobIn('failed'), phases: jobIn('failed').phases.map((p) => ({ ...p, status: 'completed' as const })) };
    expect(() => transitionJob(allDone, { type: 'resume', mode: 'background' }, T)).toThrow('Cannot resume a job whose phases all completed, with no task left to run (job-abcd1234).');
    const pastLast = { ...running, currentPhase: 2 };
    expect(() => transitionJob(pastLast, { type: 'startPhase' }, T)).toThrow('Cannot startPhase a job with no phase left (job-abcd1234).');
    expect(() => transitionJob(pastLast, { type: 'completePhase', output: null }, T)).toThrow('Cannot completePhase a job with no current phase (job-abcd1234).');
  });

  it('completes the job after its last phase, in any mode, and moves on without asking in background mode', () => {
    const last = { ...jobIn('running'), currentPhase: 1, phases: jobIn('running').phases.map((p, i) => (i === 1 ? { ...p, status: 'running' as const } : { ...p, status: 'completed' as const })) };
    const done = transitionJob(last, { type: 'completePhase', output: 'x' }, T);
    expect(done.job).toMatchObject({ status: 'completed', endedAt: T, error: null });
    expect(done.events.map((e) => e.type)).toEqual(['phase_completed', 'completed']);
    const between = runningBetweenPhases();
    expect(between).toMatchObject({ status: 'running', currentPhase: 1, hasPendingApproval: false });
  });
});
