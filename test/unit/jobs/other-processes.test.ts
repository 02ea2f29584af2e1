// Jobs another jobline process runs in the same folder: a decision goes to their live owner, and
// to nobody when this session holds the job, the job is not in the folder, it is an external job,
// it has ended, this very process owns it, or its owner is gone. Their events are reported in the
// order read, each with the job as stored; removals said; an unreadable job's events skipped; a
// folder that cannot be followed warned of.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import type { JobReader, OwnerRequest } from '../../../src/jobs/ports/job-reader.js';
import { getCurrentOwner } from '../../../src/jobs/process/owner.js';
import type { JobUpdate } from '../../../src/jobs/service/job-commands.js';
import { followOtherProcesses, steerIfRunElsewhere } from '../../../src/jobs/service/other-processes.js';
import { makeJob } from '../../helpers/jobs.js';

const ELSEWHERE = { pid: 4242, hostname: `${hostname()}-other`, processStartedAt: '2026-12-06T07:00:00.000Z' };
const GONE = { pid: 4_000_000, hostname: hostname(), processStartedAt: '2026-12-06T07:00:00.000Z' };

function readerOf(stored: Job) {
  const sent: Array<{ id: string; request: OwnerRequest }> = [];
  let current = stored;
  const reader = {
    exists: (id: string) => id === stored.id,
    load: async (id: string) => {
      if (id !== stored.id) throw new Error('no such job');
      return current;
    },
    sendToOwner: (job: Job, request: OwnerRequest) => {
      sent.push({ id: job.id, request });
      current = { ...current, status: 'cancelled', eventSeq: current.eventSeq + 1 };
    },
  } as unknown as JobReader;
  return { reader, sent };
}

describe('steerIfRunElsewhere', () => {
  it('sends the request to the live owner of an active job of another process, and returns the job it changed', async () => {
    const { reader, sent } = readerOf(makeJob({ id: 'job-else0001', status: 'running', owner: ELSEWHERE }));
    const steered = await steerIfRunElsewhere(reader, false, 'job-else0001', { type: 'cancel' });
    expect(sent).toEqual([{ id: 'job-else0001', request: { type: 'cancel' } }]);
    expect(steered?.status).toBe('cancelled');
  });

  it('leaves to the session a job it holds, one not in the folder, an external or ended one, its own, and one whose owner is gone', async () => {
    const cases: Array<[Job, boolean, string]> = [
      [makeJob({ id: 'job-else0001', status: 'running', owner: ELSEWHERE }), true, 'job-else0001'],
      [makeJob({ id: 'job-else0001', status: 'running', owner: ELSEWHERE }), false, 'job-else0002'],
      [makeJob({ id: 'job-else0001', status: 'running', owner: ELSEWHERE, agent: 'external' }), false, 'job-else0001'],
      [makeJob({ id: 'job-else0001', status: 'completed', owner: ELSEWHERE }), false, 'job-else0001'],
      [makeJob({ id: 'job-else0001', status: 'running', owner: getCurrentOwner() }), false, 'job-else0001'],
      [makeJob({ id: 'job-else0001', status: 'awaiting_approval', owner: GONE }), false, 'job-else0001'],
    ];
    for (const [job, isHeld, id] of cases) {
      const { reader, sent } = readerOf(job);
      expect(await steerIfRunElsewhere(reader, isHeld, id, { type: 'cancel' })).toBeNull();
      expect(sent).toEqual([]);
    }
  });

  it('refuses, as the owner would, a decision the job cannot take', async () => {
    const { reader, sent } = readerOf(makeJob({ id: 'job-else0001', status: 'running', owner: ELSEWHERE }));
    await expect(steerIfRunElsewhere(reader, false, 'job-else0001', { type: 'approve' } as OwnerRequest)).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL' });
    expect(sent).toEqual([]);
  });
});

describe('followOtherProcesses', () => {
  it('reports each batch in the order read, with the job as stored, removals, and warnings; skips a job it cannot read', async () => {
    const job = makeJob({ id: 'job-else0001', status: 'running' });
    const updates: JobUpdate[] = [];
    let push: (batch: { id: string; events: JobEvent[]; isRemoved?: boolean }) => void = () => {};
    let warn: (message: string) => void = () => {};
    let askedHeld: ((id: string) => boolean) | null = null;
    const slow: Array<() => void> = [];
    const reader = {
      tailEvents: (isHeld: (id: string) => boolean, onBatch: typeof push, onWarning: typeof warn) => {
        askedHeld = isHeld;
        push = onBatch;
        warn = onWarning;
        return () => updates.push({ type: 'warning', message: 'stopped' });
      },
      load: async (id: string) => {
        if (id === 'job-slow0001') await new Promise<void>((resolve) => slow.push(resolve));
        if (id === 'job-gone0001') throw new Error('removed');
        return { ...job, id };
      },
    } as unknown as JobReader;
    const isHeld = (id: string) => id === 'job-mine0001';
    const stop = followOtherProcesses(reader, isHeld, (update) => updates.push(update));
    expect(askedHeld).toBe(isHeld);
    const first = { ts: 'a', type: 'phase_started' } as unknown as JobEvent;
    const second = { ts: 'b', type: 'phase_completed' } as unknown as JobEvent;
    push({ id: 'job-slow0001', events: [first, second] });
    push({ id: 'job-gone0001', events: [first] });
    push({ id: 'job-else0001', events: [], isRemoved: true });
    warn('cannot follow the jobs folder');
    await new Promise((resolve) => setTimeout(resolve, 0));
    // The slow job's events come first though its read is still going on.
    expect(updates).toEqual([{ type: 'warning', message: 'cannot follow the jobs folder' }]);
    slow[0]!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(updates.slice(1)).toEqual([
      { type: 'event', job: { ...job, id: 'job-slow0001' }, event: first },
      { type: 'event', job: { ...job, id: 'job-slow0001' }, event: second },
      { type: 'removed', jobId: 'job-else0001' },
    ]);
    stop();
    expect(updates.at(-1)).toEqual({ type: 'warning', message: 'stopped' });
  });
});
