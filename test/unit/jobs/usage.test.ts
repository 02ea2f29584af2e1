// Tokens, cost and budgets as pure arithmetic, and the budget's part of the state machine: a stop
// awaits approval with what it reached, continue raises the budget by half and the job runs on,
// retry is refused, cancel and interrupt end the stop.
import { describe, expect, it } from 'vitest';
import { TransitionError } from '../../../src/errors.js';
import { transitionJob, transitionJobThrough } from '../../../src/jobs/model/transitions.js';
import { addUsage, describeBudgetStop, findReachedLimits, formatTokens, formatUsage, priceUsage, raiseBudget, subtractUsage } from '../../../src/jobs/model/usage.js';
import { makeJob } from '../../helpers/jobs.js';

const T = '2026-11-22T10:05:00.000Z';

describe('token usage', () => {
  it('adds and subtracts, the cost known when either side has one', () => {
    expect(addUsage({ input: 10, output: 2, cached: 1 }, { input: 5, output: 1, cached: 0, costUsd: 0.5 })).toEqual({ input: 15, output: 3, cached: 1, costUsd: 0.5 });
    expect(addUsage(undefined, { input: 1, output: 1, cached: 0 })).toEqual({ input: 1, output: 1, cached: 0 });
    expect(subtractUsage({ input: 15, output: 3, cached: 1, costUsd: 0.5 }, { input: 10, output: 2, cached: 1 })).toEqual({ input: 5, output: 1, cached: 0, costUsd: 0.5 });
    expect(subtractUsage({ input: 1, output: 1, cached: 0 }, { input: 5, output: 5, cached: 5 })).toEqual({ input: 0, output: 0, cached: 0 });
  });

  it('prices cached input at its own price, else at the input price, and without a price not at all', () => {
    expect(priceUsage({ input: 1_000_000, output: 1_000_000, cached: 500_000 }, { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 }).costUsd).toBe(16.65);
    expect(priceUsage({ input: 1_000_000, output: 0, cached: 500_000 }, { inputPerMTok: 3, outputPerMTok: 15 }).costUsd).toBe(3);
    expect(priceUsage({ input: 10, output: 1, cached: 0 }, undefined)).toEqual({ input: 10, output: 1, cached: 0 });
  });

  it('says which limits are reached, raises a budget by half (at least half above what was used), and formats for people', () => {
    expect(findReachedLimits({ input: 100, output: 50, cached: 0, costUsd: 2 }, { tokens: 150, usd: 3 })).toEqual(['tokens']);
    expect(findReachedLimits({ input: 100, output: 50, cached: 0, costUsd: 3 }, { usd: 3 })).toEqual(['usd']);
    expect(findReachedLimits({ input: 100, output: 40, cached: 0 }, { tokens: 150 })).toEqual([]);
    expect(findReachedLimits({ input: 100, output: 40, cached: 0 }, null)).toEqual([]);
    expect(raiseBudget({ tokens: 1000, usd: 2 }, { input: 900, output: 200, cached: 0, costUsd: 2.1 })).toEqual({ tokens: 1600, usd: 3.1 });
    expect(raiseBudget({ tokens: 1000 }, { input: 100, output: 0, cached: 0 })).toEqual({ tokens: 1500 });
    expect([formatTokens(512), formatTokens(34_500), formatTokens(1_234_567), formatTokens(250_000_000)]).toEqual(['512', '34.5k', '1.2M', '250M']);
    expect(formatUsage({ input: 1_000_000, output: 200_000, cached: 800_000, costUsd: 3.4 })).toBe('1.2M tokens (1M in, 200k out, 800k cached) · $3.40');
    expect(describeBudgetStop({ input: 1_000_000, output: 200_000, cached: 0, costUsd: 3.4 }, { usd: 3 })).toBe('budget reached: 1.2M tokens, $3.40 of $3.00; continue with +50%?');
  });
});

describe('a budget stop in the state machine', () => {
  const running = transitionJobThrough(makeJob({ budget: { tokens: 100 } }, ['a', 'b']), [{ type: 'start' }, { type: 'startPhase' }], T).job;
  const usage = { input: 100, output: 20, cached: 0 };

  it('awaits approval with what it reached; continue raises the budget and runs on in the same phase', () => {
    const stopped = transitionJob(running, { type: 'stopForBudget', usage }, T);
    expect(stopped.job).toMatchObject({ status: 'awaiting_approval', budgetStop: { reason: 'budget reached: 120 tokens of 100; continue with +50%?', at: T }, currentPhase: 0 });
    expect(stopped.job.phases[0]!.status).toBe('running');
    expect(stopped.events).toEqual([{ ts: T, type: 'approval_requested', phase: 'a', reason: 'budget reached: 120 tokens of 100; continue with +50%?' }]);
    const approved = transitionJob({ ...stopped.job, progress: { ...stopped.job.progress, usage } }, { type: 'approve' }, T);
    expect(approved.job).toMatchObject({ status: 'running', budgetStop: null, budget: { tokens: 170 }, currentPhase: 0 });
    expect(() => transitionJob(stopped.job, { type: 'retry', feedback: null }, T)).toThrow(TransitionError);
    expect(transitionJob(stopped.job, { type: 'cancel' }, T).job).toMatchObject({ status: 'cancelled', budgetStop: null });
    expect(transitionJob(stopped.job, { type: 'interrupt', reason: 'gone' }, T).job).toMatchObject({ status: 'interrupted', budgetStop: null });
  });

  it('is refused within the budget, without one, and twice', () => {
    expect(() => transitionJob(running, { type: 'stopForBudget', usage: { input: 10, output: 0, cached: 0 } }, T)).toThrow(/within its budget/);
    expect(() => transitionJob({ ...running, budget: null }, { type: 'stopForBudget', usage }, T)).toThrow(TransitionError);
  });
});
