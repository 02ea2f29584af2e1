// The exact events and last-event lines each transition records: what events.jsonl and the
// front ends say about a job comes from here, word for word.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import { transitionJob, transitionJobThrough, type JobAction } from '../../../src/jobs/model/transitions.js';
import { makeJob } from '../../helpers/jobs.js';

const T = '2026-11-22T10:05:00.000Z';
const through = (job: Job, actions: JobAction[]) => transitionJobThrough(job, actions, T).job;
const running = (job = makeJob({}, ['analyze', 'plan'])) => through(job, [{ type: 'start' }, { type: 'startPhase' }]);

describe('the events of each transition', () => {
  it('names the phase, the attempt, the error and the reason', () => {
    const job = running();
    expect(job.progress.lastEvent).toBe('Phase analyze started');
    const done = transitionJob(job, { type: 'completePhase', output: 'x' }, T);
    expect(done.events).toEqual([{ ts: T, type: 'phase_completed', phase: 'analyze' }, { ts: T, type: 'approval_requested', phase: 'analyze' }]);
    expect(done.job.progress.lastEvent).toBe('Phase analyze completed');
    expect(transitionJob(done.job, { type: 'approve' }, T).events).toEqual([{ ts: T, type: 'approved', phase: 'analyze' }, { ts: T, type: 'queued' }]);
    const retried = transitionJob(done.job, { type: 'retry', feedback: 'shorter' }, T);
    expect(retried.events).toEqual([{ ts: T, type: 'retried', phase: 'analyze', feedback: 'shorter' }, { ts: T, type: 'queued' }]);
    expect(retried.job.phases[0]!.status).toBe('pending');
    expect(transitionJob(done.job, { type: 'retry', feedback: null }, T).events[0]).toEqual({ ts: T, type: 'retried', phase: 'analyze' });
    const failed = transitionJob(job, { type: 'failPhase', error: 'exit code 1' }, T);
    expect(failed.events).toEqual([{ ts: T, type: 'phase_failed', phase: 'analyze', error: 'exit code 1' }, { ts: T, type: 'failed', error: 'Phase analyze failed: exit code 1' }]);
    expect(failed.job.progress.lastEvent).toBe('Phase analyze failed');
    const cancelled = transitionJob(job, { type: 'cancel' }, T);
    expect(cancelled.events).toEqual([{ ts: T, type: 'cancelled' }]);
    expect(cancelled.job.progress.lastEvent).toBe('Cancelled');
    expect(cancelled.job.phases[0]).toMatchObject({ status: 'cancelled', endedAt: T });
    const interrupted = transitionJob(job, { type: 'interrupt', reason: 'Interrupted: jobline exited' }, T);
    expect(interrupted.events).toEqual([{ ts: T, type: 'interrupted', reason: 'Interrupted: jobline exited' }]);
    expect(interrupted.job).toMatchObject({ error: 'Interrupted: jobline exited', progress: { lastEvent: 'Interrupted: jobline exited' } });
    const resumed = transitionJob(failed.job, { type: 'resume', mode: 'background' }, T);
    expect(resumed.events).toEqual([{ ts: T, type: 'resumed', phase: 'analyze', mode: 'background' }, { ts: T, type: 'queued' }]);
    expect(resumed.job).toMatchObject({ status: 'queued', mode: 'background', endedAt: null, error: null, hasPendingApproval: false });
  });

  it('asks again about a completed phase nobody approved when resumed interactively, not in background mode', () => {
    const waiting = transitionJob(running(), { type: 'completePhase', output: 'x' }, T).job;
    const stopped = transitionJob(waiting, { type: 'interrupt', reason: 'gone' }, T).job;
    const asked = transitionJob(stopped, { type: 'resume', mode: 'interactive' }, T);
    expect(asked.events).toEqual([{ ts: T, type: 'resumed', phase: 'analyze', mode: 'interactive' }, { ts: T, type: 'approval_requested', phase: 'analyze' }]);
    expect(asked.job).toMatchObject({ status: 'awaiting_approval', currentPhase: 0, endedAt: null, error: null });
    const moved = transitionJob(stopped, { type: 'resume', mode: 'background' }, T);
    expect(moved.job).toMatchObject({ status: 'queued', currentPhase: 1, hasPendingApproval: false });
    expect(moved.events[0]).toEqual({ ts: T, type: 'resumed', phase: 'plan', mode: 'background' });
  });

  it('leaves a phase that is not running as it is when the job is cancelled or interrupted', () => {
    const waiting = transitionJob(running(), { type: 'completePhase', output: 'x' }, T).job;
    expect(transitionJob(waiting, { type: 'cancel' }, T).job.phases[0]).toMatchObject({ status: 'completed' });
    const queued = makeJob({}, ['a']);
    expect(transitionJob(queued, { type: 'interrupt', reason: 'r' }, T).job.phases[0]).toMatchObject({ status: 'pending', endedAt: null });
  });

  it('starts a phase that failed or was cancelled again, but never one running or completed', () => {
    const job = running();
    const stopped = { ...job, phases: job.phases.map((p, i) => (i === 0 ? { ...p, status: 'cancelled' as const } : p)) };
    expect(transitionJob(stopped, { type: 'startPhase' }, T).job.phases[0]).toMatchObject({ status: 'running', attempts: 2, error: null, endedAt: null });
    const failedBefore = { ...job, phases: job.phases.map((p, i) => (i === 0 ? { ...p, status: 'failed' as const, error: 'old' } : p)) };
    expect(transitionJob(failedBefore, { type: 'startPhase' }, T).job.phases[0]).toMatchObject({ status: 'running', error: null });
    const completed = { ...job, phases: job.phases.map((p, i) => (i === 0 ? { ...p, status: 'completed' as const } : p)) };
    expect(() => transitionJob(completed, { type: 'startPhase' }, T)).toThrow('Cannot startPhase phase analyze that is completed');
  });
});
