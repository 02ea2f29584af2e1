// The merge queue's landings as the jobs folder and other processes see them: which step records
// are renamed durably (only the last), that a landing never rewrites the job's task board, who holds
// the job's claim while a landing runs (throughout without a check, only per record with one), a job
// another process landed or discarded while this one waited its turn, when the process is idle, the
// test-only pause at a named step, and what recoverLanding and discard leave alone.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import type { Job, JobMerge, JobWorktree } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import type { TaskRecord } from '../../../src/jobs/model/task.js';
import { getCurrentOwner } from '../../../src/jobs/process/owner.js';
import type { MoveOptions } from '../../../src/jobs/ports/worktrees.js';
import { MergeQueue, PAUSE_ENV, whyNotLandable } from '../../../src/jobs/service/merge-queue.js';
import { InMemoryRepository } from '../../helpers/fakes.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';
import { commitId, ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';
import { waitFor } from '../../helpers/wait.js';

const ID = 'job-abcd1234';
const WORKTREE: JobWorktree = { path: '/worktrees/night', branch: 'jobline/night', base: commitId(1), baseBranch: 'main', repository: '/work', snapshot: null, target: 'main', isolation: 'worktree' };

function landable(overrides: Partial<Job> = {}): Job {
  const job = makeJob({ id: ID, name: 'night', status: 'completed', endedAt: FIXED_NOW, worktree: WORKTREE, eventSeq: 3, ...overrides });
  return { ...job, phases: job.phases.map((phase, index) => (index === 0 ? { ...phase, status: 'completed', commit: commitId(50) } : phase)) };
}

function merge(status: JobMerge['status'], more: Partial<JobMerge> = {}): JobMerge {
  return { status, target: 'main', commit: null, conflicts: [], checkedCommit: null, landedAt: null, ...more };
}

/** A repository that says how each write was asked for, whose board cannot be read, and whose claim may be busy. */
class RecordingRepository extends InMemoryRepository {
  readonly writes: Array<{ step: string | null | undefined; status: string | undefined; isRenameDurable: boolean | undefined; isBoardWhole: boolean | undefined }> = [];
  isClaimBusy = false;
  folder = '/nonexistent';

  override writeSync(job: Job, events: readonly JobEvent[] = [], records: readonly TaskRecord[] = [], options: { isBoardWhole?: boolean; isRenameDurable?: boolean } = {}): void {
    super.writeSync(job, events, records);
    this.writes.push({ step: job.merge?.step, status: job.merge?.status, isRenameDurable: options.isRenameDurable, isBoardWhole: options.isBoardWhole });
  }

  /** False: reading the board fails (an ended job's board is never read by a landing). */
  isBoardReadable = false;

  override async readBoard(job: Job) {
    if (!this.isBoardReadable) throw new StoreError('JOB_FILE_CORRUPT', 'tasks.jsonl cannot be read');
    return super.readBoard(job);
  }

  override async withJobClaim<T>(id: string, work: () => Promise<T> | T): Promise<T> {
    if (this.isClaimBusy) throw new StoreError('CLAIM_BUSY', `${id} is claimed by another process.`);
    return super.withJobClaim(id, work);
  }

  override outputPathOf(id: string): string {
    return join(this.folder, id, 'output.log');
  }
}

function makeQueue(job: Job = landable(), withSettled = true) {
  const store = new RecordingRepository();
  store.writeSync(job);
  store.writes.length = 0;
  const port = new ScriptedWorktrees();
  const queue = new MergeQueue({ port, repository: store, now: () => FIXED_NOW, committed: () => {}, activity: () => {}, ...(withSettled ? { settled: () => {} } : {}) });
  return { store, port, queue, stored: () => store.loadStored(ID) };
}

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('a landing on disk', () => {
  it('fsyncs each step but renames durably only the last, and never rewrites the job\'s task board', async () => {
    const plain = makeQueue();
    await plain.queue.land(ID);
    expect(plain.store.writes).toEqual([
      { step: 'built', status: 'checking', isRenameDurable: false, isBoardWhole: false },
      { step: 'landed', status: 'landed', isRenameDurable: true, isBoardWhole: false },
    ]);
    const checked = makeQueue();
    checked.port.settings.merge.check = 'npm test';
    await checked.queue.land(ID);
    expect(checked.store.writes.map((write) => [write.step, write.isRenameDurable, write.isBoardWhole])).toEqual([['built', false, false], ['checked', false, false], ['landed', true, false]]);
    const failed = makeQueue();
    failed.port.settings.merge.check = 'npm test';
    failed.port.check = { isPassed: false, tail: '' };
    await failed.queue.land(ID);
    expect(failed.store.writes.map((write) => [write.status, write.isRenameDurable])).toEqual([['checking', false], ['check failed', true]]);
    const moved = makeQueue();
    moved.port.moves = [{ kind: 'moved', now: null }];
    await moved.queue.land(ID);
    expect(moved.store.writes.map((write) => [write.step, write.isRenameDurable])).toEqual([['built', false], ['moved', false], ['built', false], ['landed', true]]);
  });

  it('that waited its turn recorded it queued, renamed not durably, and then reads the job again', async () => {
    for (const check of [null, 'npm test']) {
      const { store, port, queue } = makeQueue();
      port.settings.merge.check = check;
      port.waitPositions = [1];
      expect((await queue.land(ID)).merge).toMatchObject({ status: 'landed', checkedCommit: check ? commitId(100) : null });
      expect(store.writes[0]).toEqual({ step: 'queued', status: 'checking', isRenameDurable: false, isBoardWhole: false });
      expect(store.writes.at(-1)).toMatchObject({ step: 'landed', isRenameDurable: true });
    }
  });

  it('ends where another process landed or discarded the job while this one waited its turn', async () => {
    for (const [status, check] of [['landed', null], ['discarded', 'npm test']] as const) {
      const { store, port, queue } = makeQueue();
      port.settings.merge.check = check;
      port.withLandingTurn = async (_worktree, _id, onPosition, work) => {
        onPosition(1);
        // The other process's record comes after this one's `queued` (the claim orders them).
        await store.withJobClaim(ID, () => {
          const job = store.loadStored(ID);
          store.writeSync({ ...job, eventSeq: job.eventSeq + 1, merge: merge(status, { commit: commitId(9) }) });
        });
        return work();
      };
      const job = await queue.land(ID);
      expect(job.merge).toMatchObject({ status, commit: commitId(9) });
      expect(port.calls.filter((call) => call.startsWith('build') || call.startsWith('move'))).toEqual([]);
    }
  });
});

describe('the job\'s claim during a landing', () => {
  it('is held from the candidate to the end without a check: nothing else changes the job meanwhile', async () => {
    const { store, port, queue } = makeQueue();
    const building = gate();
    const entered = gate();
    const build = port.buildCandidate.bind(port);
    port.buildCandidate = async (...args) => {
      entered.open();
      await building.promise;
      return build(...args);
    };
    const landing = queue.land(ID);
    await entered.promise;
    const seen = store.withJobClaim(ID, () => store.loadStored(ID).merge?.status);
    building.open();
    expect(await seen).toBe('landed');
    await landing;
  });

  it('is free while merge.check runs (minutes): each step takes it for its record only', async () => {
    const { store, port, queue, stored } = makeQueue();
    port.settings.merge.check = 'npm test';
    const checking = gate();
    const entered = gate();
    port.runCheck = async () => {
      entered.open();
      await checking.promise;
      return { isPassed: true, tail: '' };
    };
    const landing = queue.land(ID);
    await entered.promise;
    // A free claim is taken in microtasks, before the next turn of the event loop.
    const seen = await Promise.race([store.withJobClaim(ID, () => store.loadStored(ID).merge?.step), new Promise((resolve) => setImmediate(() => resolve('claim held')))]);
    expect(seen).toBe('built');
    // The landing is this process's: recovering it leaves it alone, and it goes on to land.
    const during = stored();
    expect(await queue.recoverLanding(during)).toBe(during);
    checking.open();
    expect((await landing).merge).toMatchObject({ status: 'landed', checkedCommit: commitId(100) });
    expect(port.calls).not.toContain(`removeScratch ${ID}`);
  });
});

describe('the queue', () => {
  it('is idle only once every landing under way has ended', async () => {
    const { port, queue, stored } = makeQueue();
    const building = gate();
    const build = port.buildCandidate.bind(port);
    port.buildCandidate = async (...args) => {
      await building.promise;
      return build(...args);
    };
    void queue.land(ID);
    const idle = queue.whenIdle().then(() => [stored().merge?.status, queue.isBusy]);
    // Opened on a later turn of the event loop: waiting for it must not spin in microtasks.
    setImmediate(building.open);
    expect(await idle).toEqual(['landed', false]);
    await queue.whenIdle();
  });

  it('lands for a service that does not ask to hear when a landing settled', async () => {
    const { queue } = makeQueue(landable(), false);
    expect((await queue.land(ID)).merge?.status).toBe('landed');
    expect(queue.isBusy).toBe(false);
  });

  it('ends the prepared move once the target moved', async () => {
    const { port, queue } = makeQueue();
    const prepare = port.prepareMove.bind(port);
    port.prepareMove = (worktree: JobWorktree, target: string, from: string, to: string, message: string, options: MoveOptions & { checkout: string | null }) => {
      const prepared = prepare(worktree, target, from, to, message, options);
      return { ...prepared, cancel: () => port.calls.push('cancel') };
    };
    await queue.land(ID);
    expect(port.calls.slice(-2)).toEqual([`move main 001→064 "jobline: land night (${ID})" checkout /work`, 'cancel']);
  });

  it('names ten of the user\'s files in the way, comma-separated', async () => {
    const { port, queue } = makeQueue();
    const files = Array.from({ length: 12 }, (_, index) => `f${index}.ts`);
    port.moves = [{ kind: 'blocked', files, checkout: '/work' }];
    const landed = (await queue.land(ID)).merge!;
    expect(landed.conflicts).toEqual(files);
    expect(landed.error).toBe(`nothing landed: your uncommitted changes in /work to ${files.slice(0, 10).join(', ')} would be overwritten. Commit or stash them, then jobline merge ${ID}.`);
  });

  it('keeps the record of an earlier conflict when a new landing fails before it started', async () => {
    const { port, queue, stored } = makeQueue(landable({ merge: merge('conflict', { conflicts: ['a.ts'] }) }));
    port.candidates = [new Error('git exploded')];
    await expect(queue.land(ID)).rejects.toThrow('git exploded');
    expect(stored().merge).toEqual(merge('conflict', { conflicts: ['a.ts'] }));
    expect(port.calls).not.toContain(`removeScratch ${ID}`);
  });
});

describe('recovering a landing', () => {
  it('takes no claim for a job that is not landing, or has no worktree (another process may hold it)', async () => {
    const idle = makeQueue();
    idle.store.isClaimBusy = true;
    const job = idle.stored();
    expect(await idle.queue.recoverLanding(job)).toBe(job);
    const inPlace = makeQueue(landable({ worktree: null, merge: merge('checking', { step: 'built' }) }));
    inPlace.store.isClaimBusy = true;
    const placed = inPlace.stored();
    expect(await inPlace.queue.recoverLanding(placed)).toBe(placed);
  });
});

describe('a discard', () => {
  it('is refused with NOT_LANDABLE for an active job and one being landed', async () => {
    const running = makeQueue(landable({ status: 'running', endedAt: null }));
    running.store.isBoardReadable = true;
    await expect(running.queue.discard(ID)).rejects.toMatchObject({ code: 'NOT_LANDABLE', message: `${ID} is running: cancel it first, then discard its work.` });
    const held = makeQueue(landable({ merge: merge('checking') }));
    held.port.landingHeld = true;
    await expect(held.queue.discard(ID)).rejects.toMatchObject({ code: 'NOT_LANDABLE', message: `${ID} is being landed; discard it once that ended.` });
  });

  it('goes ahead while another job holds the repository\'s landing turn, and forgets the conflict it had', async () => {
    const { port, queue } = makeQueue(landable({ merge: merge('conflict', { conflicts: ['a.ts'] }) }));
    port.landingHeld = true;
    expect((await queue.discard(ID)).merge).toMatchObject({ status: 'discarded', conflicts: [] });
    expect(port.calls).toEqual([`removeScratch ${ID}`, `remove ${WORKTREE.path}`]);
  });

  it('of a job whose jobline died records it interrupted first, then discards its work', async () => {
    const owner = { ...getCurrentOwner(), pid: 1, processStartedAt: '2000-01-01T00:00:00.000Z' };
    const { queue, store } = makeQueue(landable({ status: 'running', endedAt: null, owner }));
    store.isBoardReadable = true;
    const job = await queue.discard(ID);
    expect(job.status).toBe('interrupted');
    expect(job.merge?.status).toBe('discarded');
    expect(store.writes.map((write) => write.status)).toEqual([undefined, 'discarded']);
  });
});

describe('whyNotLandable', () => {
  it('lets a job land while another job holds the repository\'s landing turn', () => {
    const held = { isLandingHeld: () => true };
    expect(whyNotLandable(landable(), held)).toBeNull();
    expect(whyNotLandable(landable({ merge: merge('conflict') }), held)).toBeNull();
  });
});

describe('a landing asked to pause (tests that kill -9 it there)', () => {
  let folder = '';
  afterEach(() => {
    delete process.env[PAUSE_ENV];
    vi.useRealTimers();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('stops at the named step, after its record, saying so in a file of the job\'s folder', async () => {
    // The paused landing's timer is a fake one, dropped with the test.
    vi.useFakeTimers({ toFake: ['setInterval'] });
    folder = mkdtempSync(join(tmpdir(), 'jobline-pause-'));
    const paused = async (step: string, check: string | null) => {
      const { store, port, queue, stored } = makeQueue();
      store.folder = join(folder, step);
      mkdirSync(join(store.folder, ID), { recursive: true });
      port.settings.merge.check = check;
      process.env[PAUSE_ENV] = step;
      void queue.land(ID);
      const file = join(store.folder, ID, `landing-paused-at-${step}`);
      await waitFor(() => { try { return readFileSync(file, 'utf8'); } catch { return null; } }, `the pause file of ${step}`);
      expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
      expect(queue.isBusy).toBe(true);
      return { port, merge: stored().merge! };
    };
    const built = await paused('built', null);
    expect(built.merge).toMatchObject({ status: 'checking', step: 'built' });
    expect(built.port.branches.get('main')).toBe(commitId(1));
    const checked = await paused('checked', 'npm test');
    expect(checked.merge).toMatchObject({ status: 'checking', step: 'checked', checkedCommit: commitId(100) });
    expect(checked.port.branches.get('main')).toBe(commitId(1));
    const moved = await paused('moved', null);
    expect(moved.merge).toMatchObject({ status: 'checking', step: 'built' });
    expect(moved.port.branches.get('main')).toBe(commitId(100));
  });
});
