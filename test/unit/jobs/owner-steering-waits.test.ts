// What steering waits for (owner-steering.ts): the job leaving the approval it waited in, not any
// change of its file; a cancel until the job is no longer active, not merely changed; and a job
// that cannot be read for a moment (being rewritten) is read again.
import { describe, expect, it } from 'vitest';
import { steerOwner } from '../../../src/jobs/service/owner-steering.js';
import type { Job } from '../../../src/jobs/model/job.js';
import type { OwnerRequest } from '../../../src/jobs/ports/job-reader.js';
import { makeJob } from '../../helpers/jobs.js';

const waiting = makeJob({ id: 'job-wait0002', status: 'awaiting_approval', currentPhase: 1, eventSeq: 7, hasPendingApproval: true });

// The jobs folder reading as each of `reads` in turn (an Error: the read rejects), then as the last.
function folder(...reads: Array<Job | Error>) {
  const sent: OwnerRequest[] = [];
  let count = 0;
  return {
    sent,
    deps: {
      sendToOwner: (_job: Job, request: OwnerRequest) => void sent.push(request),
      read: async () => {
        const read = reads[Math.min(count++, reads.length - 1)]!;
        if (read instanceof Error) throw read;
        return read;
      },
    },
  };
}

describe('steering waits', () => {
  it('past a change of the job that leaves it in the same approval', async () => {
    const noted = { ...waiting, eventSeq: 8 };
    const moved = { ...waiting, status: 'running' as const, eventSeq: 10 };
    expect(await steerOwner(folder(noted, moved).deps, waiting, { type: 'approve' })).toBe(moved);
  });

  it('until the next approval, when the job reached it (a later phase waiting)', async () => {
    const next = { ...waiting, currentPhase: 2, eventSeq: 12 };
    expect(await steerOwner(folder(next).deps, waiting, { type: 'approve' })).toBe(next);
  });

  it('for a cancel, past changes that leave the job active', async () => {
    const running = { ...waiting, status: 'running' as const, eventSeq: 8 };
    const cancelled = { ...waiting, status: 'cancelled' as const, eventSeq: 9 };
    expect(await steerOwner(folder(running, cancelled).deps, waiting, { type: 'cancel' })).toBe(cancelled);
  });

  it('past reads that fail while the file is rewritten', async () => {
    const moved = { ...waiting, status: 'running' as const, eventSeq: 10 };
    expect(await steerOwner(folder(new Error('EBUSY'), new Error('gone'), moved).deps, waiting, { type: 'approve' })).toBe(moved);
  });

  it('refuses to approve an interrupted or ended job, saying its status', async () => {
    await expect(steerOwner(folder(waiting).deps, makeJob({ id: 'job-done0001', status: 'completed' }), { type: 'approve' })).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL', message: 'job-done0001 is completed, not awaiting approval: there is nothing to approve.' });
  });
});
