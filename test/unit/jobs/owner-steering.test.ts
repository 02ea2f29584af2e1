// Steering a job another jobline runs: refused when the job is in no state for it, sent to the
// owner otherwise, and done once the job shows it (it left the approval, or ended); an owner that
// does not act is named.
import { describe, expect, it } from 'vitest';
import { checkSteerable, steerOwner } from '../../../src/jobs/service/owner-steering.js';
import type { Job } from '../../../src/jobs/model/job.js';
import type { OwnerRequest } from '../../../src/jobs/ports/job-reader.js';
import { makeJob } from '../../helpers/jobs.js';

const waiting = makeJob({ id: 'job-wait0001', status: 'awaiting_approval', currentPhase: 1, eventSeq: 7, hasPendingApproval: true });

// A stand-in for the jobs folder: the job reads as `before` until the owner acts (after `delay` reads).
function folder(after: Job | null, delay = 2) {
  const sent: OwnerRequest[] = [];
  let reads = 0;
  return {
    sent,
    deps: {
      sendToOwner: (_job: Job, request: OwnerRequest) => void sent.push(request),
      read: async () => (++reads > delay && after ? after : waiting),
    },
  };
}

describe('steering a job another jobline runs', () => {
  it('refuses what cannot apply, before sending anything', async () => {
    expect(checkSteerable(waiting, { type: 'approve' })).toBeNull();
    expect(checkSteerable(makeJob({ status: 'running' }), { type: 'retry', feedback: null })).toMatch(/is running, not awaiting approval: there is nothing to retry\.$/);
    expect(checkSteerable(makeJob({ status: 'interrupted' }), { type: 'approve' })).toMatch(/Resume it first: jobline resume job-/);
    expect(checkSteerable(makeJob({ status: 'completed' }), { type: 'cancel' })).toMatch(/is already completed; only queued, running or waiting jobs can be cancelled\.$/);
    const { deps, sent } = folder(null);
    await expect(steerOwner(deps, makeJob({ status: 'completed' }), { type: 'cancel' })).rejects.toMatchObject({ code: 'JOB_NOT_ACTIVE' });
    await expect(steerOwner(deps, makeJob({ status: 'running' }), { type: 'approve' })).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL' });
    expect(sent).toEqual([]);
  });

  it('sends the request and answers with the job once it left the approval', async () => {
    const moved = { ...waiting, status: 'running' as const, eventSeq: 9, hasPendingApproval: false };
    const { deps, sent } = folder(moved);
    expect(await steerOwner(deps, waiting, { type: 'approve' })).toBe(moved);
    expect(sent).toEqual([{ type: 'approve' }]);
  });

  it('counts a new attempt of the same phase, waiting again, as done (a quick retry)', async () => {
    const again = { ...waiting, eventSeq: 12, phases: waiting.phases.map((phase, index) => (index === 1 ? { ...phase, attempts: phase.attempts + 1 } : phase)) };
    expect(await steerOwner(folder(again).deps, waiting, { type: 'retry', feedback: 'more' })).toBe(again);
  });

  it('waits for a cancel until the job is no longer active', async () => {
    const cancelled = { ...waiting, status: 'cancelled' as const, eventSeq: 8 };
    expect(await steerOwner(folder(cancelled).deps, waiting, { type: 'cancel' })).toBe(cancelled);
  });

  it('names an owner that does not act in time', async () => {
    const stale = { ...waiting, eventSeq: 7 };
    await expect(steerOwner(folder(stale).deps, waiting, { type: 'approve' }, 350)).rejects.toMatchObject({ code: 'OWNER_DID_NOT_ACT', message: expect.stringContaining(`job-wait0001's owner (pid ${waiting.owner.pid}) did not act on the approve within 0.35 s`) });
  });
});
