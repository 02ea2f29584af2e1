// Tokens, cost and budgets as pure arithmetic, and the budget's part of the state machine: a stop
// awaits approval with what it reached, continue raises the budget by half and the job runs on,
// retry is refused, cancel and interrupt end the stop.
import { describe, expect, it } from 'vitest';
import { TransitionError } from '../../../src/errors.js';
import { transitionJob, transitionJobThrough } from '../../../src/jobs/model/transitions.js';
import { addUsage, describeBudgetStop, findReachedLimits, formatTokens, formatUsage, formatUsd, isNoUsage, priceUsage, raiseBudget, subtractUsage, totalTokens } from '../../../src/jobs/model/usage.js';
import { ANSWER_FILE_PATTERN, cutAnswer, formatAnswerFile, JOB_ANSWERS_PREFIX, MAX_STORED_ANSWER_CHARS } from '../../../src/jobs/model/answers.js';
import { hasUnlandedWork, taskWorktreeOf } from '../../../src/jobs/model/job.js';
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
    // From 100 up, whole thousands or millions.
    expect([formatTokens(123_456), formatTokens(99_940), formatTokens(100_000), formatTokens(999), formatTokens(1000)]).toEqual(['123k', '99.9k', '100k', '999', '1k']);
    expect(addUsage({ input: 1, output: 0, cached: 0, costUsd: 0.25 }, undefined)).toEqual({ input: 1, output: 0, cached: 0, costUsd: 0.25 });
    expect(formatUsage({ input: 1_000_000, output: 200_000, cached: 800_000, costUsd: 3.4 })).toBe('1.2M tokens (1M in, 200k out, 800k cached) · $3.40');
    expect(describeBudgetStop({ input: 1_000_000, output: 200_000, cached: 0, costUsd: 3.4 }, { usd: 3 })).toBe('budget reached: 1.2M tokens, $3.40 of $3.00; continue with +50%?');
  });
});

describe('token usage, the small print', () => {
  it('is none when nothing was counted, a cost included', () => {
    expect(isNoUsage(undefined)).toBe(true);
    expect(isNoUsage({ input: 0, output: 0, cached: 0 })).toBe(true);
    expect(isNoUsage({ input: 0, output: 0, cached: 0, costUsd: 0 })).toBe(true);
    for (const usage of [{ input: 1, output: 0, cached: 0 }, { input: 0, output: 1, cached: 0 }, { input: 0, output: 0, cached: 1 }, { input: 0, output: 0, cached: 0, costUsd: 0.01 }]) expect(isNoUsage(usage), JSON.stringify(usage)).toBe(false);
    expect([totalTokens(undefined), totalTokens({ input: 3, output: 4, cached: 100 })]).toEqual([0, 7]);
  });

  it('subtracts costs to the millionth of a cent, never below zero; a side without a cost counts none', () => {
    expect(subtractUsage({ input: 1, output: 1, cached: 1, costUsd: 0.3 }, { input: 0, output: 0, cached: 0, costUsd: 0.1 }).costUsd).toBe(0.2);
    expect(subtractUsage({ input: 1, output: 1, cached: 1, costUsd: 0.1 }, { input: 0, output: 0, cached: 0, costUsd: 0.3 }).costUsd).toBe(0);
    expect(subtractUsage({ input: 1, output: 1, cached: 1, costUsd: 0.5 }, undefined)).toEqual({ input: 1, output: 1, cached: 1, costUsd: 0.5 });
    expect(subtractUsage(undefined, { input: 1, output: 1, cached: 1 })).toEqual({ input: 0, output: 0, cached: 0 });
    expect(priceUsage({ input: 3, output: 0, cached: 0 }, { inputPerMTok: 1, outputPerMTok: 1 }).costUsd).toBe(0.000003);
    // Cached tokens beyond the input are priced as input at most.
    expect(priceUsage({ input: 1_000_000, output: 0, cached: 2_000_000 }, { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 1 }).costUsd).toBe(1);
  });

  it('reaches a limit at it, not before; raises each limit by half, above what was used, in cents', () => {
    expect(findReachedLimits({ input: 100, output: 50, cached: 0, costUsd: 3 }, { tokens: 150, usd: 3 })).toEqual(['tokens', 'usd']);
    expect(findReachedLimits({ input: 100, output: 49, cached: 0, costUsd: 2.99 }, { tokens: 150, usd: 3 })).toEqual([]);
    expect(findReachedLimits(undefined, { usd: 0.01 })).toEqual([]);
    expect(raiseBudget({ usd: 1 }, undefined)).toEqual({ usd: 1.5 });
    expect(raiseBudget({ usd: 1 }, { input: 0, output: 0, cached: 0, costUsd: 4.333 })).toEqual({ usd: 4.83 });
    expect(raiseBudget({ tokens: 101 }, undefined)).toEqual({ tokens: 152 });
  });

  it('formats counts and dollars for people', () => {
    expect([formatTokens(999), formatTokens(1000), formatTokens(99_950), formatTokens(100_000), formatTokens(999_999), formatTokens(1_000_000), formatTokens(150_000_000)]).toEqual(['999', '1k', '100k', '100k', '1000k', '1M', '150M']);
    expect([formatUsd(0), formatUsd(0.01), formatUsd(3.456), formatUsd(0.00123), formatUsd(0.00001234)]).toEqual(['$0.00', '$0.01', '$3.46', '$0.0012', '$0.000012']);
    expect(formatUsage({ input: 500, output: 20, cached: 0 })).toBe('520 tokens (500 in, 20 out)');
    expect(describeBudgetStop({ input: 100, output: 30, cached: 0 }, { tokens: 100 })).toBe('budget reached: 130 tokens of 100; continue with +50%?');
    expect(describeBudgetStop(undefined, { tokens: 100, usd: 2 })).toBe('budget reached: 0 tokens of 100, $0.00 of $2.00; continue with +50%?');
    expect(describeBudgetStop({ input: 1, output: 0, cached: 0, costUsd: 0.5 }, { tokens: 1 })).toBe('budget reached: 1 tokens of 1, $0.50; continue with +50%?');
  });
});

describe('long answers', () => {
  it('are kept whole up to the limit, and past it as their first three quarters and last quarter with a line saying where the whole is', () => {
    expect(MAX_STORED_ANSWER_CHARS).toBe(16_000);
    expect(cutAnswer('short', 'x')).toBe('short');
    expect(cutAnswer('a'.repeat(16_000), 'x')).toBe('a'.repeat(16_000));
    const long = `${'h'.repeat(10)}${'m'.repeat(100)}${'t'.repeat(10)}`;
    expect(cutAnswer(long, 'answers/p1-a1.md', 20)).toBe(`${'h'.repeat(10)}${'m'.repeat(5)}\n… [jobline] 100 characters of this answer are cut here; the whole answer is in answers/p1-a1.md\n${'t'.repeat(5)}`);
    expect(cutAnswer('x'.repeat(16_001), 'f')).toBe(`${'x'.repeat(12_000)}\n… [jobline] 1 characters of this answer are cut here; the whole answer is in f\n${'x'.repeat(4_000)}`);
  });

  it('are filed per phase attempt (and task), under names only jobline writes', () => {
    expect([formatAnswerFile(0, 1), formatAnswerFile(2, 3, 't7')]).toEqual(['answers/p1-a1.md', 'answers/p3-a3-t7.md']);
    expect(JOB_ANSWERS_PREFIX).toBe('job:');
    for (const name of ['answers/p1-a1.md', 'answers/p9999-a999999-t123456789.md']) expect(ANSWER_FILE_PATTERN.test(name), name).toBe(true);
    for (const name of ['answers/p1-a1.txt', 'xanswers/p1-a1.md', 'answers/p1-a1.mdx', 'answers/../p1-a1.md', 'answers/p12345-a1.md', 'answers/p1-a1-t.md', 'answers/pa-a1.md']) expect(ANSWER_FILE_PATTERN.test(name), name).toBe(false);
  });
});

describe('a job\'s worktree', () => {
  it('names each task\'s worktree and branch after the job\'s; has unlanded work until it landed or was discarded', () => {
    expect(taskWorktreeOf({ path: '/w/night', branch: 'jobline/night' }, 't3')).toEqual({ path: '/w/night-t3', branch: 'jobline/night-t3' });
    const worktree = { path: '/w', branch: 'b', base: 'a'.repeat(40), baseBranch: null, repository: '/r', snapshot: null, target: null, isolation: 'worktree' as const };
    const merge = (status: 'landed' | 'discarded' | 'conflict') => ({ status, target: 'main', commit: null, conflicts: [], checkedCommit: null, landedAt: null });
    expect(hasUnlandedWork({ worktree: null })).toBe(false);
    expect(hasUnlandedWork({ worktree })).toBe(true);
    expect(hasUnlandedWork({ worktree, merge: merge('conflict') })).toBe(true);
    expect(hasUnlandedWork({ worktree, merge: merge('landed') })).toBe(false);
    expect(hasUnlandedWork({ worktree, merge: merge('discarded') })).toBe(false);
  });
});

describe('a budget stop in the state machine', () => {
  // Made by each test that uses it (not while tests are collected): mutation testing sees which test runs it.
  const runningJob = () => transitionJobThrough(makeJob({ budget: { tokens: 100 } }, ['a', 'b']), [{ type: 'start' }, { type: 'startPhase' }], T).job;
  const usage = { input: 100, output: 20, cached: 0 };

  it('awaits approval with what it reached; continue raises the budget and runs on in the same phase', () => {
    const stopped = transitionJob(runningJob(), { type: 'stopForBudget', usage }, T);
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
    expect(() => transitionJob(runningJob(), { type: 'stopForBudget', usage: { input: 10, output: 0, cached: 0 } }, T)).toThrow(/within its budget/);
    expect(() => transitionJob({ ...runningJob(), budget: null }, { type: 'stopForBudget', usage }, T)).toThrow(TransitionError);
    const stopped = transitionJob(runningJob(), { type: 'stopForBudget', usage }, T).job;
    expect(() => transitionJob({ ...stopped, status: 'running' }, { type: 'stopForBudget', usage }, T)).toThrow(`Cannot stopForBudget a job already stopped at its budget (${runningJob().id}).`);
    expect(() => transitionJob(runningJob(), { type: 'stopForBudget', usage: { input: 10, output: 0, cached: 0 } }, T)).toThrow(`Cannot stopForBudget a job within its budget (${runningJob().id}).`);
  });

  it('says what stopped the job and that approving went on, in /jobs and in the events', () => {
    const stopped = transitionJob(runningJob(), { type: 'stopForBudget', usage }, T);
    expect(stopped.job.progress.lastEvent).toBe('budget reached: 120 tokens of 100; continue with +50%?');
    const approved = transitionJob({ ...stopped.job, progress: { ...stopped.job.progress, usage } }, { type: 'approve' }, T);
    expect(approved.job.progress.lastEvent).toBe('Budget raised; going on');
    expect(approved.events).toEqual([{ ts: T, type: 'approved', phase: 'a', reason: 'budget raised' }]);
    // A job that never counted tokens is raised from nothing used.
    const unused = transitionJob({ ...stopped.job, progress: { ...stopped.job.progress, usage: undefined } }, { type: 'approve' }, T);
    expect(unused.job.status).toBe('running');
    expect(unused.job.budget!.tokens).toBeGreaterThanOrEqual(100);
    // A job never stopped at its budget gets no budgetStop field when it ends (job.json stays as it was written).
    expect('budgetStop' in runningJob()).toBe(false);
    expect('budgetStop' in transitionJob(runningJob(), { type: 'cancel' }, T).job).toBe(false);
    expect('budgetStop' in transitionJob(runningJob(), { type: 'interrupt', reason: 'gone' }, T).job).toBe(false);
  });
});
