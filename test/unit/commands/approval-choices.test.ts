// The approval box's choices: which keys it offers for which phase (continue, merge, retry and
// retry keeping the changes, cancel, later, diff, answer), and when a retry would undo files.
import { describe, expect, it } from 'vitest';
import { canKeepOnRetry, getApprovalChoices } from '../../../src/commands/ask-approval.js';
import { createJob, type Job, type WorkspaceChanges } from '../../../src/jobs/model/job.js';

const owner = { pid: 1, hostname: 'h', startedAt: '2026-12-06T00:00:00.000Z', processStartedAt: '2026-12-06T00:00:00.000Z' };
const TREE = 'a'.repeat(40);

function jobWith(changes: WorkspaceChanges | null, isInWorktree = false): Job {
  const job = createJob({ id: 'job-abcd1234', agent: 'coder', description: 'x', mode: 'interactive', phaseNames: ['change', 'deliver'], owner, now: owner.startedAt });
  job.phases[0] = { ...job.phases[0]!, status: 'completed', changes };
  return isInWorktree ? { ...job, worktree: { path: '/w/x', branch: 'jobline/x', base: TREE, baseBranch: 'main', repository: '/r', snapshot: null, target: 'main', isolation: 'worktree' } } : job;
}

const changed: WorkspaceChanges = { before: TREE, after: 'b'.repeat(40), files: [{ path: 'a.ts', added: 1, removed: 0 }], moreFiles: 0 };
const onlyMore: WorkspaceChanges = { ...changed, files: [], moreFiles: 3 };
const none: WorkspaceChanges = { ...changed, files: [], moreFiles: 0 };
const keys = (choices: ReturnType<typeof getApprovalChoices>): string[] => choices.map((choice) => choice.key!);

describe('canKeepOnRetry', () => {
  it('is true only when the phase changed files and its retry would undo them (an LLM agent, or any agent in a worktree)', () => {
    expect(canKeepOnRetry(jobWith(changed), true)).toBe(true);
    expect(canKeepOnRetry(jobWith(onlyMore), true)).toBe(true);
    expect(canKeepOnRetry(jobWith(changed, true), false)).toBe(true);
    // A command agent in place runs its commands again on the files as they are: nothing to keep.
    expect(canKeepOnRetry(jobWith(changed), false)).toBe(false);
    expect(canKeepOnRetry(jobWith(none), true)).toBe(false);
    expect(canKeepOnRetry(jobWith(null, true), true)).toBe(false);
  });
});

describe('getApprovalChoices', () => {
  it('offers k with the retry when there is something to keep, and says what r starts from', () => {
    const choices = getApprovalChoices({ allowLater: true, canKeep: true });
    expect(keys(choices)).toEqual(['c', 'r', 'k', 'x', 'l']);
    expect(choices.find((choice) => choice.key === 'r')!.message).toBe('Retry this phase from the files before it (with optional feedback)');
    expect(choices.find((choice) => choice.key === 'k')).toMatchObject({ name: 'retry-keep', message: 'Retry keeping its changes (with optional feedback)' });
  });

  it('offers no k for a retry of failed tasks only (the done tasks\' work stays anyway), nor without changes', () => {
    expect(keys(getApprovalChoices({ allowLater: false, canKeep: true, failedTasks: 2 }))).toEqual(['c', 'r', 'x']);
    const plain = getApprovalChoices({ allowLater: false });
    expect(keys(plain)).toEqual(['c', 'r', 'x']);
    expect(plain.find((choice) => choice.key === 'r')!.message).toBe('Retry this phase (with optional feedback)');
  });

  it('a budget stop offers continue with more budget, cancel and later: nothing to retry or keep', () => {
    expect(keys(getApprovalChoices({ allowLater: true, isBudgetStop: true, canKeep: true, canMerge: true }))).toEqual(['c', 'x', 'l']);
  });

  it('the last phase of a job in a worktree offers m, and the diff and the answer their keys', () => {
    const show = async (): Promise<void> => {};
    expect(keys(getApprovalChoices({ allowLater: true, canMerge: true, showDiff: show, showAnswer: show }))).toEqual(['c', 'm', 'r', 'x', 'l', 'd', 'o']);
  });
});
