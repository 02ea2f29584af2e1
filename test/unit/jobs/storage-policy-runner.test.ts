// The storage policy's runner on its own, on fake clocks: a pass starts the configured delay after
// a job's end was reported (100 ms by default), with the limits the config sets; completed jobs
// wait until removals are allowed, unfinished ones do not; a kind without a limit has no pass; the
// session is told of removed jobs except those whose end asked for the pass, and of a failed pass.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EndedLimits } from '../../../src/jobs/model/storage-limits.js';
import type { JobHandle } from '../../../src/jobs/service/job-handle.js';
import { POLICY_PASS_DELAY_MS, StoragePolicyRunner, type StoragePolicyOptions } from '../../../src/jobs/service/storage-policy-runner.js';
import type { JobRepository } from '../../../src/jobs/ports/repository.js';
import { makeJob } from '../../helpers/jobs.js';
import type { JobStatus } from '../../../src/jobs/model/job.js';

function setUp(options: Partial<StoragePolicyOptions> = {}, removes: string[] = []) {
  const passes: Array<{ limits: EndedLimits; now: string }> = [];
  const told: string[] = [];
  let allowRemovals: () => void = () => {};
  let isAllowed = true;
  const store = {
    applyEndedLimits: async (limits: EndedLimits, now: string) => {
      passes.push({ limits, now });
      return removes;
    },
  } as unknown as JobRepository;
  const host = {
    jobRemoved: (id: string) => told.push(`removed ${id}`),
    warn: (message: string) => told.push(`warn ${message}`),
    stateChanged: () => told.push('changed'),
    now: () => '2026-12-06T08:00:00.000Z',
    whenRemovalsAllowed: () => (isAllowed ? Promise.resolve() : new Promise<void>((resolve) => (allowRemovals = resolve))),
  };
  const runner = new StoragePolicyRunner(host, { store, maxUnfinishedJobs: 5, keepTempFiles: false, ...options });
  const hold = () => {
    isAllowed = false;
    return () => allowRemovals();
  };
  return { runner, passes, told, hold, store };
}

const ended = (id: string, status: JobStatus) => ({ job: makeJob({ id, status }), whenReported: () => Promise.resolve() }) as unknown as JobHandle;

describe('StoragePolicyRunner', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs one pass 100 ms after an end, with the limits of the config (20 completed jobs by default), and is pending until then', async () => {
    const { runner, passes, told } = setUp();
    expect(runner.hasPendingCleanups).toBe(false);
    const done = runner.afterJobEnded(ended('job-aaaa0001', 'completed'));
    expect(runner.hasPendingCleanups).toBe(true);
    await vi.advanceTimersByTimeAsync(POLICY_PASS_DELAY_MS - 1);
    expect(passes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(POLICY_PASS_DELAY_MS).toBe(100);
    expect(passes).toEqual([{ limits: { unfinished: 5, completed: 20 }, now: '2026-12-06T08:00:00.000Z' }]);
    expect(runner.hasPendingCleanups).toBe(false);
    expect(told).toEqual(['changed']);
  });

  it('waits the configured delay, and one pass serves the jobs that ended meanwhile', async () => {
    const { runner, passes } = setUp({ policyPassDelayMs: 1000, maxCompletedJobs: 3 });
    const first = runner.afterJobEnded(ended('job-aaaa0001', 'completed'));
    await vi.advanceTimersByTimeAsync(500);
    const second = runner.afterJobEnded(ended('job-aaaa0002', 'failed'));
    await vi.advanceTimersByTimeAsync(499);
    expect(passes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await first;
    expect(passes).toEqual([{ limits: { unfinished: 5, completed: 3 }, now: '2026-12-06T08:00:00.000Z' }]);
    expect(runner.hasPendingCleanups).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    await second;
    expect(runner.hasPendingCleanups).toBe(false);
  });

  it('tells the session of the jobs a pass removed, except those whose end asked for it', async () => {
    const { runner, told } = setUp({}, ['job-aaaa0001', 'job-old00001']);
    const done = runner.afterJobEnded(ended('job-aaaa0001', 'failed'));
    await vi.advanceTimersByTimeAsync(POLICY_PASS_DELAY_MS);
    await done;
    expect(told).toEqual(['removed job-old00001', 'changed']);
  });

  it('holds a completed job back while removals are held, but not a failed one', async () => {
    const { runner, passes, hold } = setUp();
    const release = hold();
    const completed = runner.afterJobEnded(ended('job-aaaa0001', 'completed'));
    await vi.advanceTimersByTimeAsync(POLICY_PASS_DELAY_MS * 5);
    expect(passes).toHaveLength(0);
    const failed = runner.afterJobEnded(ended('job-aaaa0002', 'failed'));
    await vi.advanceTimersByTimeAsync(POLICY_PASS_DELAY_MS);
    await failed;
    expect(passes).toHaveLength(1);
    release();
    await vi.advanceTimersByTimeAsync(POLICY_PASS_DELAY_MS);
    await completed;
    expect(passes).toHaveLength(2);
  });

  it('runs no pass for a kind without a limit: completed jobs with keepTempFiles, yet unfinished ones still go', async () => {
    const { runner, passes, told } = setUp({ keepTempFiles: true, maxUnfinishedJobs: 0, maxCompletedJobs: 0 });
    await runner.afterJobEnded(ended('job-aaaa0001', 'completed'));
    expect(passes).toEqual([]);
    expect(told).toEqual(['changed']);
    const failed = runner.afterJobEnded(ended('job-aaaa0002', 'failed'));
    await vi.advanceTimersByTimeAsync(POLICY_PASS_DELAY_MS);
    await failed;
    expect(passes).toEqual([{ limits: { unfinished: 0, completed: Infinity }, now: '2026-12-06T08:00:00.000Z' }]);
    const { runner: unlimited, passes: none } = setUp({ maxUnfinishedJobs: Infinity });
    await unlimited.afterJobEnded(ended('job-aaaa0003', 'interrupted'));
    expect(none).toEqual([]);
  });

  it('warns of a failed pass and is no longer pending', async () => {
    const { runner, told, store } = setUp();
    store.applyEndedLimits = async () => {
      throw new Error('disk full');
    };
    const done = runner.afterJobEnded(ended('job-aaaa0001', 'cancelled'));
    await vi.advanceTimersByTimeAsync(POLICY_PASS_DELAY_MS);
    await done;
    expect(told).toEqual(['warn Storage cleanup failed: disk full', 'changed']);
    expect(runner.hasPendingCleanups).toBe(false);
  });

  it('goes right after the next submission when a job was submitted within the delay, or a delay later at most', async () => {
    const { runner, passes } = setUp();
    const done = runner.afterJobEnded(ended('job-aaaa0001', 'failed'));
    await vi.advanceTimersByTimeAsync(60);
    runner.noteSubmission();
    runner.noteSubmitted();
    await vi.advanceTimersByTimeAsync(POLICY_PASS_DELAY_MS - 60);
    // Due, but prompts are being typed: it waits for the next submission's end.
    expect(passes).toEqual([]);
    runner.noteSubmission();
    await vi.advanceTimersByTimeAsync(30);
    expect(passes).toEqual([]);
    runner.noteSubmitted();
    // At its next turn, long before the delay is up.
    await vi.advanceTimersByTimeAsync(1);
    expect(passes).toHaveLength(1);
    await done;
    // No submission ends: it goes a delay later all the same.
    const next = runner.afterJobEnded(ended('job-aaaa0002', 'failed'));
    await vi.advanceTimersByTimeAsync(POLICY_PASS_DELAY_MS - 10);
    runner.noteSubmission();
    await vi.advanceTimersByTimeAsync(10 + POLICY_PASS_DELAY_MS - 1);
    expect(passes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(passes).toHaveLength(2);
    await next;
  });

  it('is not put off by a submission before the end', async () => {
    const { runner, passes } = setUp();
    runner.noteSubmission();
    await vi.advanceTimersByTimeAsync(10);
    const done = runner.afterJobEnded(ended('job-aaaa0001', 'failed'));
    await vi.advanceTimersByTimeAsync(POLICY_PASS_DELAY_MS);
    await done;
    expect(passes).toHaveLength(1);
  });
});
