// The budget's part of the job state machine (transitions.ts): a run that reached the job's
// budget stops the job before its next model call, awaiting approval in every mode; approving
// raises the budget by half and the waiting runs go on; a cancel or an interruption ends the stop.
// Pure.
import { TransitionError } from '../../errors.js';
import type { Job } from './job.js';
import type { JobEvent } from './job-event.js';
import { describeBudgetStop, findReachedLimits, raiseBudget, type TokenUsage } from './usage.js';

type MakeEvent = (type: JobEvent['type'], details?: Omit<JobEvent, 'ts' | 'type'>) => JobEvent;

/**
 * `job` (running) stopped at its budget with its tokens at `usage`, as `next` (a copy being
 * built). @throws TransitionError ILLEGAL_TRANSITION when it has no budget, `usage` has not
 * reached it (a run heard of a raise late), or it is stopped already.
 */
export function stopForBudget(job: Job, next: Job, usage: TokenUsage, event: MakeEvent): { job: Job; events: JobEvent[] } {
  if (!job.budget || findReachedLimits(usage, job.budget).length === 0 || job.budgetStop) {
    throw new TransitionError('ILLEGAL_TRANSITION', `Cannot stopForBudget a job ${job.budgetStop ? 'already stopped at its budget' : 'within its budget'} (${job.id}).`);
  }
  const reason = describeBudgetStop(usage, job.budget);
  const at = event('approval_requested').ts;
  Object.assign(next, { status: 'awaiting_approval', budgetStop: { reason, at } });
  next.progress.lastEvent = reason;
  return { job: next, events: [event('approval_requested', { phase: job.phases[job.currentPhase]?.name, reason })] };
}

/** Approving a budget stop: the budget grows by half (see raiseBudget) and the job runs on. */
export function approveBudgetStop(next: Job, event: MakeEvent): { job: Job; events: JobEvent[] } {
  const budget = raiseBudget(next.budget ?? {}, next.progress.usage);
  Object.assign(next, { status: 'running', budget, budgetStop: null });
  next.progress.lastEvent = 'Budget raised; going on';
  return { job: next, events: [event('approved', { phase: next.phases[next.currentPhase]?.name, reason: 'budget raised' })] };
}

/** The fields that end a budget stop, for a job that ends or is interrupted during one. */
export function withoutBudgetStop(job: Job): Partial<Job> {
  return job.budgetStop ? { budgetStop: null } : {};
}
