// The merge queue's steps and their records as other processes and a crash see them, on a job
// stored in memory and a worktree port that answers as git would: which records are made
// durable, which hold the job's claim, a landing another process finished while this one waited,
// the pause points crash tests use, what a recovery leaves alone, and what a discard refuses.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job, JobMerge } from '../../../src/jobs/model/job.js';
import { getCurrentOwner } from '../../../src/jobs/process/owner.js';
import { MergeQueue, PAUSE_ENV, whyNotLandable } from '../../../src/jobs/service/merge-queue.js';
import { InMemoryRepository } from '../../helpers/fakes.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';
import { commitId, ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';
import { waitFor } from '../../helpers/wait.js';

const ID = 'job-abcd1234';
const WORKTREE = { path: '/worktrees/night', branch: 'jobline/night', base: commitId(1), baseBranch: 'main', repository: '/work', snapshot: null, target: 'main', isolation: 'worktree' as const };
const merge = (status: JobMerge['status'], overrides: Partial<JobMerge> = {}): JobMerge => ({ status, target: 'main', commit: commitId(100), conflicts: [], checkedCommit: null, landedAt: null, ...overrides });

function landable(overrides: Partial<Job> = {}): Job {
  const job = makeJob({ id: ID, name: 'night', status: 'completed', endedAt: FIXED_NOW, worktree: WORKTREE, eventSeq: 3, ...overrides });
  return { ...job, phases: job.phases.map((phase, index) => (index === 0 ? { ...phase, status: 'completed', commit: commitId(50) } : phase)) };
}

// A queue over one stored job; `writes` lists each write's merge step and how it was made durable.
function makeQueue(job: Job = landable(), options: { isSettledSaid?: boolean } = {}) {
  const store = new InMemoryRepository();
  store.writeSync(job);
  const writes: string[] = [];
  const write = store.writeSync.bind(store);
  store.writeSync = (written, events, records, writeOptions) => {
    const opts = writeOptions as { isRenameDurable?: boolean; isBoardWhole?: boolean } | undefined;
    writes.push(`${written.merge?.status}/${written.merge?.step ?? '-'} ${opts?.isRenameDurable === false ? 'fsynced' : 'durable'}${opts?.isBoardWhole ? ' board' : ''}`);
    write(written, events, records, writeOptions);
  };
  const port = new ScriptedWorktrees();
  const queue = new MergeQueue({
    port,
    repository: store,
    now: () => FIXED_NOW,
    committed: () => {},
    activity: () => {},
    ...(options.isSettledSaid === false ? {} : { settled: () => {} }),
  });
  return { store, port, queue, writes, stored: () => store.loadStored(ID) };
}

afterEach(() => {
  delete process.env[PAUSE_ENV];
  vi.useRealTimers();
});

describe('a landing\'s records', () => {
  it('make only the last one durable, never rewriting the job\'s tasks', async () => {
    const plain = makeQueue();
    await plain.queue.land(ID);
    expect(plain.writes).toEqual(['checking/built fsynced', 'landed/landed durable']);
    const checked = makeQueue();
    checked.port.settings.merge.check = 'npm test';
    checked.port.waitPositions = [1];
    await checked.queue.land(ID);
    expect(checked.writes).toEqual(['checking/queued fsynced', 'checking/built fsynced', 'checking/checked fsynced', 'landed/landed durable']);
    const moved = makeQueue();
    moved.port.moves = [{ kind: 'moved' } as never];
    await moved.queue.land(ID);
    expect(moved.writes).toEqual(['checking/built fsynced', 'checking/moved fsynced', 'checking/built fsynced', 'landed/landed durable']);
  });

  it('say a landing blocked by uncommitted changes, naming ten files at most', async () => {
    const { queue, port } = makeQueue();
    const files = Array.from({ length: 12 }, (_, index) => `src/f${index}.ts`);
    port.moves = [{ kind: 'blocked', files, checkout: '/work' } as never];
    const job = await queue.land(ID);
    expect(job.merge).toMatchObject({ status: 'blocked', conflicts: files, step: 'moving' });
    expect(job.merge!.error).toBe(`nothing landed: your uncommitted changes in /work to ${files.slice(0, 10).join(', ')} would be overwritten. Commit or stash them, then jobline merge ${ID}.`);
  });
});

describe('a landing\'s prepared move', () => {
  it('is cancelled once the landing ends, moved or not', async () => {
    const cancelled: string[] = [];
    for (const move of [undefined, { kind: 'blocked', files: ['a.ts'], checkout: '/work' }] as const) {
      const { queue, port } = makeQueue();
      if (move) port.moves = [move as never];
      const prepare = port.prepareMove.bind(port);
      port.prepareMove = (...args) => {
        const prepared = prepare(...args);
        return { ...prepared, cancel: () => cancelled.push(move ? 'blocked' : 'landed') };
      };
      await queue.land(ID);
    }
    expect(cancelled).toEqual(['landed', 'blocked']);
  });
});

describe('a landing and the job\'s claim', () => {
  it('without a check holds the claim from its turn to its end', async () => {
    const { queue, port, store } = makeQueue();
    let build!: () => void;
    const built = port.buildCandidate.bind(port);
    port.buildCandidate = async (...args) => {
      await new Promise<void>((resolve) => (build = resolve));
      return built(...args);
    };
    const landing = queue.land(ID);
    await waitFor(() => build !== undefined, 'the candidate being built');
    let isOtherDone = false;
    const other = store.withJobClaim(ID, async () => (isOtherDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(isOtherDone).toBe(false);
    build();
    await landing;
    await other;
  });

  it('with a check (minutes) leaves the claim free while the check runs, and reads a job that waited its turn afresh', async () => {
    const { queue, port, store, stored } = makeQueue();
    port.settings.merge.check = 'npm test';
    port.waitPositions = [1];
    let finish!: () => void;
    port.runCheck = async () => {
      await new Promise<void>((resolve) => (finish = resolve));
      return { isPassed: true, tail: '' };
    };
    const landing = queue.land(ID);
    await waitFor(() => finish !== undefined, 'the check running');
    expect(queue.isBusy).toBe(true);
    await store.withJobClaim(ID, async () => {});
    expect(stored().merge).toMatchObject({ step: 'built' });
    let isIdle = false;
    const idle = queue.whenIdle().then(() => (isIdle = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(isIdle).toBe(false);
    finish();
    expect((await landing).merge).toMatchObject({ status: 'landed', checkedCommit: commitId(100) });
    await idle;
    await queue.whenIdle();
  });

  it('ends well without anyone to tell that it settled', async () => {
    const { queue } = makeQueue(landable(), { isSettledSaid: false });
    expect((await queue.land(ID)).merge?.status).toBe('landed');
  });
});

describe('a landing that waited its turn', () => {
  for (const status of ['landed', 'discarded'] as const) {
    it(`builds nothing when another process ${status} the job meanwhile`, async () => {
      const { queue, port, store } = makeQueue();
      const turn = port.withLandingTurn.bind(port);
      port.withLandingTurn = (worktree, jobId, onPosition, work) => {
        store.writeSync({ ...store.loadStored(ID), merge: merge(status, { landedAt: status === 'landed' ? FIXED_NOW : null }), eventSeq: 4 });
        return turn(worktree, jobId, onPosition, work);
      };
      expect((await queue.land(ID)).merge?.status).toBe(status);
      expect(port.calls.filter((call) => call.startsWith('build'))).toEqual([]);
    });
  }
});

describe('the pause points of the crash tests', () => {
  it('stop a landing at the step asked for, saying so in a file of the job\'s folder', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'jobline-pause-'));
    try {
      for (const [step, check] of [['built', null], ['checked', 'npm test'], ['moved', null]] as const) {
        const { queue, port, store } = makeQueue();
        port.settings.merge.check = check;
        store.outputPathOf = () => join(folder, step, 'output.log');
        mkdirSync(join(folder, step));
        vi.useFakeTimers({ toFake: ['setInterval'] });
        process.env[PAUSE_ENV] = step;
        void queue.land(ID);
        const marker = join(folder, step, `landing-paused-at-${step}`);
        await waitFor(() => {
          try {
            return readFileSync(marker, 'utf8');
          } catch {
            return null;
          }
        }, `the pause at ${step}`);
        expect(readFileSync(marker, 'utf8')).toBe(`${process.pid}\n`);
        expect(port.calls.some((call) => call.startsWith('move'))).toBe(step === 'moved');
        delete process.env[PAUSE_ENV];
        vi.useRealTimers();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('recoverLanding', () => {
  it('leaves alone a job not landing, without a worktree, landing here, or landing in another process', async () => {
    const notLanding = makeQueue(landable({ merge: merge('conflict') }));
    const job = { ...notLanding.stored() };
    expect(await notLanding.queue.recoverLanding(job)).toBe(job);
    const inPlace = makeQueue(landable({ merge: merge('checking'), worktree: null }));
    const inPlaceJob = { ...inPlace.stored() };
    expect(await inPlace.queue.recoverLanding(inPlaceJob)).toBe(inPlaceJob);
    const held = makeQueue(landable({ merge: merge('checking') }));
    held.port.landingHeld = true;
    expect((await held.queue.recoverLanding(held.stored())).merge?.status).toBe('checking');
    const here = makeQueue(landable({ merge: merge('conflict') }));
    let release!: () => void;
    const turn = here.port.withLandingTurn.bind(here.port);
    here.port.withLandingTurn = async (...args) => {
      await new Promise<void>((resolve) => (release = resolve));
      return turn(...args);
    };
    const landing = here.queue.land(ID);
    await waitFor(() => release !== undefined, 'the landing waiting');
    const checking = { ...here.stored(), merge: merge('checking') };
    expect(await here.queue.recoverLanding(checking)).toBe(checking);
    release();
    await landing;
    for (const queue of [notLanding, inPlace, held]) expect(queue.port.calls).toEqual([]);
    expect(here.port.calls.filter((call) => call.startsWith('removeScratch'))).toEqual([]);
  });

  it('takes the job as stored when its landing was settled meanwhile', async () => {
    const { queue, port, stored } = makeQueue(landable({ merge: merge('ready', { commit: null }) }));
    const seen = { ...stored(), merge: merge('checking') };
    expect((await queue.recoverLanding(seen)).merge?.status).toBe('ready');
    const bare = makeQueue(landable());
    expect((await bare.queue.recoverLanding({ ...bare.stored(), merge: merge('checking') })).merge ?? null).toBeNull();
    expect([...port.calls, ...bare.port.calls]).toEqual([]);
  });
});

describe('discard', () => {
  it('refuses an active job, and a job being landed, saying why', async () => {
    const active = makeQueue(landable({ status: 'awaiting_approval', endedAt: null }));
    await expect(active.queue.discard(ID)).rejects.toMatchObject({ code: 'NOT_LANDABLE', message: `${ID} is awaiting approval: cancel it first, then discard its work.` });
    const landing = makeQueue(landable({ merge: merge('checking') }));
    landing.port.landingHeld = true;
    await expect(landing.queue.discard(ID)).rejects.toMatchObject({ code: 'NOT_LANDABLE', message: `${ID} is being landed; discard it once that ended.` });
    expect([...active.port.calls, ...landing.port.calls]).toEqual([]);
  });

  it('discards a conflicted job while another landing holds the repository, dropping its conflicts', async () => {
    const { queue, port, writes } = makeQueue(landable({ merge: merge('conflict', { conflicts: ['a.ts'] }) }));
    port.landingHeld = true;
    const job = await queue.discard(ID);
    expect(job.merge).toMatchObject({ status: 'discarded', conflicts: [], target: 'main' });
    expect(port.calls).toEqual([`removeScratch ${ID}`, 'remove /worktrees/night']);
    expect(writes.at(-1)).toBe('discarded/- durable');
  });

  it('settles a job whose jobline died first: its work can then be discarded', async () => {
    const orphaned = landable({ status: 'running', endedAt: null, owner: { ...getCurrentOwner(), pid: 2 ** 30 } });
    const { queue } = makeQueue(orphaned);
    expect((await queue.discard(ID)).merge?.status).toBe('discarded');
  });
});

describe('whyNotLandable', () => {
  it('says a job is being landed only while its landing is under way', () => {
    const held = { isLandingHeld: () => true };
    expect(whyNotLandable(landable({ merge: merge('conflict') }), held)).toBeNull();
    expect(whyNotLandable(landable({ merge: merge('ready') }), held)).toBeNull();
    expect(whyNotLandable(landable({ merge: merge('checking') }), held)).toBe(`${ID} is being landed already.`);
  });
});
