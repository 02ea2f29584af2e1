import { describe, expect, it } from 'vitest';
import { TransitionError } from '../../../src/errors.js';
import type { Job } from '../../../src/jobs/model/job.js';
import { transitionJob, transitionJobThrough, type JobAction } from '../../../src/jobs/model/transitions.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';

const T1 = '2026-11-22T10:00:05.000Z';
const run = (job: Job, actions: JobAction[], now = T1): Job => transitionJobThrough(job, actions, now).job;
const started = (job = makeJob()): Job => run(job, [{ type: 'start' }, { type: 'startPhase' }], FIXED_NOW);

describe('transitionJob', () => {
  it('starts a queued job and its first phase, logging started and phase_started', () => {
    const { job, events } = transitionJobThrough(makeJob(), [{ type: 'start' }, { type: 'startPhase' }], T1);
    expect(job.status).toBe('running');
    expect(job.startedAt).toBe(T1);
    expect(job.phases[0]).toMatchObject({ status: 'running', attempts: 1, startedAt: T1 });
    expect(events.map((e) => e.type)).toEqual(['started', 'phase_started']);
    expect(events[1]).toMatchObject({ phase: 'analyze', attempt: 1, ts: T1 });
  });

  it('does not modify the job it is given', () => {
    const job = makeJob();
    const copy = structuredClone(job);
    transitionJob(job, { type: 'start' }, T1);
    expect(job).toEqual(copy);
  });

  it('waits for approval after a phase in interactive mode, then approve queues the next phase', () => {
    const waiting = run(started(), [{ type: 'completePhase', output: 'found 3 files' }]);
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.currentPhase).toBe(0);
    expect(waiting.phases[0]).toMatchObject({ status: 'completed', output: 'found 3 files', endedAt: T1 });
    const approved = transitionJob(waiting, { type: 'approve' }, T1);
    expect(approved.job).toMatchObject({ status: 'queued', currentPhase: 1 });
    expect(approved.events.map((e) => e.type)).toEqual(['approved', 'queued']);
  });

  it('keeps retry feedback in the job until an attempt of the phase ends, through an interruption and a resume', () => {
    const waiting = run(started(), [{ type: 'completePhase', output: 'plan A' }]);
    const retried = run(waiting, [{ type: 'retry', feedback: 'use the STAGING database' }]);
    expect(retried).toMatchObject({ pendingFeedback: 'use the STAGING database', hasPendingApproval: false });
    const interrupted = run(retried, [{ type: 'start' }, { type: 'startPhase' }, { type: 'interrupt', reason: 'gone' }]);
    expect(interrupted.pendingFeedback).toBe('use the STAGING database');
    const resumed = run(interrupted, [{ type: 'resume', mode: 'interactive' }, { type: 'start' }, { type: 'startPhase' }]);
    expect(resumed).toMatchObject({ pendingFeedback: 'use the STAGING database', currentPhase: 0 });
    expect(resumed.phases[0]!.attempts).toBe(3);
    expect(run(resumed, [{ type: 'completePhase', output: 'plan B' }]).pendingFeedback).toBeNull();
    expect(run(resumed, [{ type: 'failPhase', error: 'x' }]).pendingFeedback).toBeNull();
  });

  it.each(['interrupt', 'cancel'] as const)('a job stopped (%s) while awaiting approval asks again when resumed interactively, and not in background mode', (how) => {
    const waiting = run(started(), [{ type: 'completePhase', output: 'edited 3 files' }]);
    expect(waiting.hasPendingApproval).toBe(true);
    const stopped = run(waiting, [how === 'interrupt' ? { type: 'interrupt', reason: 'gone' } : { type: 'cancel' }]);
    const asked = transitionJob(stopped, { type: 'resume', mode: 'interactive' }, T1);
    expect(asked.job).toMatchObject({ status: 'awaiting_approval', currentPhase: 0, hasPendingApproval: true });
    expect(asked.events.map((e) => e.type)).toEqual(['resumed', 'approval_requested']);
    expect(run(asked.job, [{ type: 'approve' }])).toMatchObject({ status: 'queued', currentPhase: 1, hasPendingApproval: false });
    const background = transitionJob(stopped, { type: 'resume', mode: 'background' }, T1);
    expect(background.job).toMatchObject({ status: 'queued', currentPhase: 1, hasPendingApproval: false });
  });

  it('runs phases straight through in background mode and completes after the last', () => {
    let job = started(makeJob({ mode: 'background' }));
    for (let i = 0; i < 3; i++) {
      const result = transitionJob(job, { type: 'completePhase', output: `out ${i}` }, T1);
      job = result.job;
      if (i < 2) {
        expect(job).toMatchObject({ status: 'running', currentPhase: i + 1 });
        job = run(job, [{ type: 'startPhase' }]);
      } else {
        expect(result.events.map((e) => e.type)).toEqual(['phase_completed', 'completed']);
      }
    }
    expect(job).toMatchObject({ status: 'completed', endedAt: T1, error: null });
  });

  it('retry re-runs the same phase with attempts + 1 and logs the feedback', () => {
    const waiting = run(started(), [{ type: 'completePhase', output: 'x' }]);
    const { job, events } = transitionJob(waiting, { type: 'retry', feedback: 'look at src/ too' }, T1);
    expect(job).toMatchObject({ status: 'queued', currentPhase: 0 });
    expect(events[0]).toMatchObject({ type: 'retried', phase: 'analyze', feedback: 'look at src/ too' });
    const again = run(job, [{ type: 'start' }, { type: 'startPhase' }]);
    expect(again.phases[0]).toMatchObject({ status: 'running', attempts: 2 });
  });

  it('a failed phase fails the job with a readable error', () => {
    const { job, events } = transitionJob(started(), { type: 'failPhase', error: 'exit code 2' }, T1);
    expect(job).toMatchObject({ status: 'failed', endedAt: T1, error: 'Phase analyze failed: exit code 2' });
    expect(job.phases[0]).toMatchObject({ status: 'failed', error: 'exit code 2' });
    expect(events.map((e) => e.type)).toEqual(['phase_failed', 'failed']);
  });

  it('cancel and interrupt stop the running phase and set endedAt', () => {
    const cancelled = run(started(), [{ type: 'cancel' }]);
    expect(cancelled).toMatchObject({ status: 'cancelled', endedAt: T1 });
    expect(cancelled.phases[0]!.status).toBe('cancelled');
    const interrupted = run(started(), [{ type: 'interrupt', reason: 'Interrupted: jobline exited' }]);
    expect(interrupted).toMatchObject({ status: 'interrupted', endedAt: T1, error: 'Interrupted: jobline exited' });
    // An interruption is not the user's cancel: the phase says what stopped it.
    expect(interrupted.phases[0]).toMatchObject({ status: 'interrupted', endedAt: T1 });
  });

  it('sets an ended, unfinished job aside with an event, and a resume offers it again', () => {
    const interrupted = run(started(), [{ type: 'interrupt', reason: 'gone' }]);
    const { job: kept, events } = transitionJob(interrupted, { type: 'setDismissed', isDismissed: true }, T1);
    expect(kept).toMatchObject({ status: 'interrupted', dismissedAt: T1 });
    expect(events.map((e) => e.type)).toEqual(['dismissed']);
    expect(transitionJob(kept, { type: 'setDismissed', isDismissed: false }, T1).job.dismissedAt).toBeUndefined();
    expect(transitionJob(kept, { type: 'resume', mode: 'background' }, T1).job.dismissedAt).toBeUndefined();
    for (const status of ['failed', 'cancelled'] as const) expect(transitionJob({ ...interrupted, status }, { type: 'setDismissed', isDismissed: true }, T1).job.dismissedAt).toBe(T1);
    expect(() => transitionJob(started(), { type: 'setDismissed', isDismissed: true }, T1)).toThrow('job-abcd1234 is running: only a failed, cancelled or interrupted job can be set aside.');
    expect(() => transitionJob({ ...interrupted, status: 'completed' }, { type: 'setDismissed', isDismissed: true }, T1)).toThrow(TransitionError);
  });

  it('resume continues from the first phase that did not complete, keeping earlier outputs', () => {
    let job = run(started(), [{ type: 'completePhase', output: 'analysis' }, { type: 'approve' }, { type: 'start' }, { type: 'startPhase' }]);
    job = run(job, [{ type: 'interrupt', reason: 'Interrupted: jobline exited' }]);
    const { job: resumed, events } = transitionJob(job, { type: 'resume', mode: 'background' }, T1);
    expect(resumed).toMatchObject({ status: 'queued', currentPhase: 1, mode: 'background', error: null, endedAt: null });
    expect(resumed.phases[0]).toMatchObject({ status: 'completed', output: 'analysis' });
    expect(events.map((e) => e.type)).toEqual(['resumed', 'queued']);
  });

  it.each<[string, Partial<Job>, JobAction]>([
    ['approve a running job', { status: 'running' }, { type: 'approve' }],
    ['start a completed job', { status: 'completed' }, { type: 'start' }],
    ['cancel a failed job', { status: 'failed' }, { type: 'cancel' }],
    ['resume a completed job', { status: 'completed' }, { type: 'resume', mode: 'interactive' }],
    ['complete a phase that is not running', { status: 'running' }, { type: 'completePhase', output: null }],
    ['retry a queued job', { status: 'queued' }, { type: 'retry', feedback: null }],
  ])('refuses to %s with ILLEGAL_TRANSITION', (_name, overrides, action) => {
    const attempt = (): unknown => transitionJob(makeJob(overrides), action, T1);
    expect(attempt).toThrow(TransitionError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }));
  });

  it('refuses to resume a job whose phases all completed', () => {
    const job = makeJob({ status: 'failed' }, ['only']);
    job.phases[0]!.status = 'completed';
    expect(() => transitionJob(job, { type: 'resume', mode: 'interactive' }, T1)).toThrow(/all completed/);
  });
});
