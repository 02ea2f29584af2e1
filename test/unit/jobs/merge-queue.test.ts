// The merge queue's decisions, on a job stored in memory and a worktree port that answers as git
// would (test/helpers/scripted-worktrees.ts; git itself: test/integration/merge-queue): what may
// land, each step recorded before the next, every way a landing ends said in the job, a landing a
// crash stopped settled from where the target is, and a discard.
import { describe, expect, it } from 'vitest';
import type { Job, JobMerge } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import { MAX_LANDING_TRIES, MergeQueue, whyNotLandable } from '../../../src/jobs/service/merge-queue.js';
import { landOrphan } from '../../../src/jobs/service/orphan-landing.js';
import { createWorktreeGuard } from '../../../src/jobs/service/worktree-guard.js';
import { InMemoryRepository } from '../../helpers/fakes.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';
import { commitId, ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';

const ID = 'job-abcd1234';
const WORKTREE = { path: '/worktrees/night', branch: 'jobline/night', base: commitId(1), baseBranch: 'main', repository: '/work', snapshot: null, target: 'main', isolation: 'worktree' as const };

// A completed job of its own worktree whose first phase committed work.
function landable(overrides: Partial<Job> = {}): Job {
  const job = makeJob({ id: ID, name: 'night', status: 'completed', endedAt: FIXED_NOW, worktree: WORKTREE, eventSeq: 3, ...overrides });
  return { ...job, phases: job.phases.map((phase, index) => (index === 0 ? { ...phase, status: 'completed', commit: commitId(50) } : phase)) };
}

function makeQueue(job: Job = landable()) {
  const store = new InMemoryRepository();
  store.writeSync(job);
  const port = new ScriptedWorktrees();
  const committed: Array<{ merge: JobMerge | null | undefined; events: string[] }> = [];
  const activities: string[] = [];
  let settled = 0;
  const queue = new MergeQueue({
    port,
    repository: store,
    now: () => FIXED_NOW,
    committed: (changed: Job, events: JobEvent[]) => committed.push({ merge: changed.merge, events: events.map((event) => event.type) }),
    activity: (_job, icon, text) => activities.push(`${icon} ${text}`),
    settled: () => settled++,
  });
  return { store, port, queue, committed, activities, settledCount: () => settled, stored: () => store.loadStored(ID) };
}

describe('whyNotLandable', () => {
  const port = { isLandingHeld: () => false };
  it('says why a job cannot land now: in place, not completed, nothing changed, landed, discarded, landing', () => {
    expect(whyNotLandable(landable({ worktree: null }), port)).toBe(`${ID} ran in place, not in a worktree of its own: there is nothing to land.`);
    expect(whyNotLandable(landable({ status: 'awaiting_approval' }), port)).toBe(`${ID} is awaiting approval: only a completed job's work lands (approve its last phase, or press m in its box).`);
    expect(whyNotLandable(landable({ status: 'failed' }), port)).toBe(`${ID} is failed: only a completed job's work lands.`);
    expect(whyNotLandable(makeJob({ id: ID, status: 'completed', worktree: WORKTREE }), port)).toBe(`${ID} changed nothing: there is nothing to land.`);
    const merge = (status: JobMerge['status']): JobMerge => ({ status, target: 'main', commit: commitId(77), conflicts: [], checkedCommit: null, landedAt: null });
    expect(whyNotLandable(landable({ merge: merge('landed') }), port)).toBe(`${ID} has landed already (${commitId(77).slice(0, 12)} on main).`);
    expect(whyNotLandable(landable({ merge: { ...merge('landed'), commit: null } }), port)).toBe(`${ID} has landed already ( on main).`);
    expect(whyNotLandable(landable({ merge: merge('discarded') }), port)).toBe(`${ID}'s work was discarded.`);
    expect(whyNotLandable(landable({ merge: merge('checking') }), { isLandingHeld: () => true })).toBe(`${ID} is being landed already.`);
    expect(whyNotLandable(landable({ merge: merge('checking') }), port)).toBeNull();
    expect(whyNotLandable(landable({ merge: merge('conflict') }), port)).toBeNull();
    expect(whyNotLandable(landable(), port)).toBeNull();
    // A job whose merge record exists lands even when no phase says it committed (a retried landing).
    expect(whyNotLandable(makeJob({ id: ID, status: 'completed', worktree: WORKTREE, merge: merge('ready') }), port)).toBeNull();
  });
});

describe('a landing', () => {
  it('builds the candidate with a backup of the target, moves the target, and records each step before the next', async () => {
    const { queue, port, committed, stored, settledCount } = makeQueue();
    const job = await queue.land(ID);
    expect(job.merge).toEqual({ status: 'landed', target: 'main', commit: commitId(100), conflicts: [], checkedCommit: null, landedAt: FIXED_NOW, strategy: 'merge', oldTarget: commitId(1), step: 'landed', error: null });
    expect(stored().merge).toEqual(job.merge);
    expect(port.calls).toEqual([`turn ${ID}`, `build night on main by merge backup refs/jobline/before/${ID}`, `move main 001→064 "jobline: land night (${ID})" checkout /work`]);
    expect(committed.map((change) => change.merge?.step)).toEqual(['built', 'landed']);
    expect(committed.map((change) => change.merge?.status)).toEqual(['checking', 'landed']);
    expect(committed[0]!.merge!.commit).toBe(commitId(100));
    expect(committed.map((change) => change.events)).toEqual([['merge'], ['merge']]);
    expect(settledCount()).toBe(1);
    expect(queue.isBusy).toBe(false);
  });

  it('moves a target checked out nowhere by compare-and-swap, its backup written in the same transaction', async () => {
    const { queue, port } = makeQueue();
    port.checkout = null;
    expect((await queue.land(ID)).merge).toMatchObject({ status: 'landed', step: 'landed' });
    expect(port.calls).toEqual([`turn ${ID}`, `build night on main by merge backup refs/jobline/before/${ID}`, `move main 001→064 "jobline: land night (${ID})" checkout null with backup refs/jobline/before/${ID}`]);
  });

  it('runs merge.check on exactly the candidate, records it passed, and lands; a failed check lands nothing and says why', async () => {
    const passing = makeQueue();
    passing.port.settings.merge.check = 'npm test';
    const landed = await passing.queue.land(ID);
    expect(landed.merge).toMatchObject({ status: 'landed', checkedCommit: commitId(100) });
    expect(passing.port.calls[2]).toBe('check npm test on 064 log /nonexistent/job-abcd1234/merge-check.log');
    expect(passing.committed.map((change) => change.merge?.step)).toEqual(['built', 'checked', 'landed']);
    const failing = makeQueue();
    failing.port.settings.merge.check = 'npm test';
    failing.port.check = { isPassed: false, tail: '1 failing' };
    const failed = await failing.queue.land(ID);
    expect(failed.merge).toMatchObject({ status: 'check failed', step: 'checked', commit: commitId(100), checkedCommit: null, error: `merge.check \`npm test\` failed on ${commitId(100).slice(0, 12)} (full log: /nonexistent/job-abcd1234/merge-check.log); its last lines:\n1 failing` });
    expect(failing.port.calls.filter((call) => call.startsWith('move'))).toEqual([]);
  });

  it('with nothing to land records it landed where the target is, saying so', async () => {
    const { queue, port } = makeQueue();
    port.candidates = [{ kind: 'nothing' }];
    port.branches.set('main', commitId(9));
    expect((await queue.land(ID)).merge).toMatchObject({ status: 'landed', commit: commitId(9), landedAt: FIXED_NOW, step: 'landed', error: 'nothing to land: the target has all of its work already' });
  });

  it('in conflict records the files (ten named), and lands nothing', async () => {
    const one = makeQueue();
    one.port.candidates = [{ kind: 'conflict', files: ['a.ts'], oldTarget: commitId(1) }];
    expect((await one.queue.land(ID)).merge).toMatchObject({ status: 'conflict', conflicts: ['a.ts'], oldTarget: commitId(1), step: 'built', error: 'merging into main conflicts in 1 file: a.ts' });
    const many = makeQueue();
    const files = Array.from({ length: 12 }, (_, index) => `f${index}.ts`);
    many.port.candidates = [{ kind: 'conflict', files, oldTarget: commitId(1) }];
    const merge = (await many.queue.land(ID)).merge!;
    expect(merge.conflicts).toEqual(files);
    expect(merge.error).toBe(`merging into main conflicts in 12 files: ${files.slice(0, 10).join(', ')}`);
  });

  it('blocked by the user\'s uncommitted changes lands nothing, naming them and what to do', async () => {
    const { queue, port } = makeQueue();
    port.moves = [{ kind: 'blocked', files: ['src/a.ts'], checkout: '/work' }];
    expect((await queue.land(ID)).merge).toMatchObject({ status: 'blocked', conflicts: ['src/a.ts'], step: 'moving', error: `nothing landed: your uncommitted changes in /work to src/a.ts would be overwritten. Commit or stash them, then jobline merge ${ID}.` });
  });

  it('whose target moved meanwhile is built again; after three tries it gives up, ready again', async () => {
    const once = makeQueue();
    once.port.moves = [{ kind: 'moved', now: commitId(5) }];
    const job = await once.queue.land(ID);
    expect(job.merge).toMatchObject({ status: 'landed', commit: commitId(101), error: null });
    expect(once.committed.map((change) => change.merge?.step)).toEqual(['built', 'moved', 'built', 'landed']);
    expect(once.committed[1]!.merge!.error).toBe('main moved while the landing was built; building it again');
    const always = makeQueue();
    always.port.moves = Array.from({ length: MAX_LANDING_TRIES }, () => ({ kind: 'moved' as const, now: null }));
    expect((await always.queue.land(ID)).merge).toMatchObject({ status: 'ready', step: null, error: `main moved 3 times while the landing was being built and checked; nothing landed. Try again: jobline merge ${ID}.` });
    expect(always.port.calls.filter((call) => call.startsWith('build'))).toHaveLength(3);
    expect(MAX_LANDING_TRIES).toBe(3);
  });

  it('that waits its turn is recorded queued and says its position, then reads the job again', async () => {
    const { queue, port, committed, activities } = makeQueue();
    port.waitPositions = [2, 1];
    const job = await queue.land(ID);
    expect(job.merge?.status).toBe('landed');
    expect(activities).toEqual(['⏳ waiting to land on main: position 2', '⏳ waiting to land on main: position 1']);
    expect(committed[0]!.merge).toMatchObject({ status: 'checking', step: 'queued', target: 'main' });
    expect(committed.filter((change) => change.merge?.step === 'queued')).toHaveLength(1);
  });

  it('asked for twice at once is one landing', async () => {
    const { queue, port } = makeQueue();
    const first = queue.land(ID);
    expect(queue.isBusy).toBe(true);
    const second = queue.land(ID);
    expect(second).toBe(first);
    await queue.whenIdle();
    await first;
    expect(port.calls.filter((call) => call.startsWith('build'))).toHaveLength(1);
  });

  it('is refused for a job that may not land, and for one without a target branch', async () => {
    const inPlace = makeQueue(landable({ worktree: null }));
    await expect(inPlace.queue.land(ID)).rejects.toMatchObject({ code: 'NOT_LANDABLE', message: `${ID} ran in place, not in a worktree of its own: there is nothing to land.` });
    const detached = makeQueue(landable({ worktree: { ...WORKTREE, target: null } }));
    await expect(detached.queue.land(ID)).rejects.toMatchObject({ code: 'NO_TARGET', message: `${ID} has no branch to land on (it started on a detached HEAD): set merge.target in the config.` });
    // The merge record's target wins over the worktree's.
    const retarget = makeQueue(landable({ merge: { status: 'ready', target: 'release', commit: null, conflicts: [], checkedCommit: null, landedAt: null } }));
    retarget.port.branches.set('release', commitId(3));
    expect((await retarget.queue.land(ID)).merge).toMatchObject({ status: 'landed', target: 'release' });
  });

  it('that fails under way lands nothing, and the job says why', async () => {
    const { queue, port, stored } = makeQueue();
    port.candidates = [new Error('git exploded')];
    await expect(queue.land(ID)).rejects.toThrow('git exploded');
    // The merge record never reached `checking` here (the candidate failed first): nothing to settle.
    expect(stored().merge ?? null).toBeNull();
    const late = makeQueue();
    late.port.settings.merge.check = 'npm test';
    late.port.runCheck = async () => {
      throw new Error('the check could not start');
    };
    await expect(late.queue.land(ID)).rejects.toThrow('the check could not start');
    expect(late.stored().merge).toMatchObject({ status: 'ready', step: null, error: `the landing stopped: the check could not start; nothing landed (main is where it was). jobline merge ${ID} lands it.` });
    expect(late.port.calls).toContain(`removeScratch ${ID}`);
  });
});

describe('a landing no live process carries on', () => {
  const checking = (commit: string | null): Partial<Job> => ({ merge: { status: 'checking', target: 'main', commit, conflicts: [], checkedCommit: null, landedAt: null, step: 'built' } });

  it('is settled from the target: at the candidate it landed; anywhere else nothing landed', async () => {
    const landedOne = makeQueue(landable(checking(commitId(60))));
    landedOne.port.branches.set('main', commitId(60));
    expect((await landedOne.queue.recoverLanding(landedOne.stored())).merge).toMatchObject({ status: 'landed', landedAt: FIXED_NOW, step: 'landed', error: null });
    expect(landedOne.port.calls).toEqual([`removeScratch ${ID}`]);
    const notLanded = makeQueue(landable(checking(commitId(60))));
    expect((await notLanded.queue.recoverLanding(notLanded.stored())).merge).toMatchObject({ status: 'ready', step: null, error: `the landing was interrupted (its jobline stopped); nothing landed (main is where it was). jobline merge ${ID} lands it.` });
    const noCandidate = makeQueue(landable(checking(null)));
    noCandidate.port.branches.delete('main');
    expect((await noCandidate.queue.recoverLanding(noCandidate.stored())).merge?.status).toBe('ready');
  });

  it('is left alone while a process holds the landing turn, and a job not landing is unchanged', async () => {
    const held = makeQueue(landable(checking(commitId(60))));
    held.port.landingHeld = true;
    const job = held.stored();
    expect(await held.queue.recoverLanding(job)).toBe(job);
    const idle = makeQueue();
    expect(await idle.queue.recoverLanding(idle.stored())).toBe(idle.stored());
    const inPlace = makeQueue(landable({ ...checking(commitId(60)), worktree: null }));
    expect((await inPlace.queue.recoverLanding(inPlace.stored())).merge?.status).toBe('checking');
    expect(idle.port.calls).toEqual([]);
  });
});

describe('a discard', () => {
  it('removes the worktree and branch, and records the work discarded', async () => {
    const { queue, port } = makeQueue();
    const job = await queue.discard(ID);
    expect(job.merge).toEqual({ status: 'discarded', target: 'main', commit: null, conflicts: [], checkedCommit: null, landedAt: null, step: null, error: null });
    expect(port.calls).toEqual([`removeScratch ${ID}`, `remove ${WORKTREE.path}`]);
    const landed = makeQueue(landable({ merge: { status: 'landed', target: 'main', commit: commitId(7), conflicts: [], checkedCommit: null, landedAt: FIXED_NOW } }));
    expect((await landed.queue.discard(ID)).merge?.status).toBe('landed');
    expect(landed.port.calls).toContain(`remove ${WORKTREE.path}`);
  });

  it('is refused for a job in place, an active one, and one being landed', async () => {
    await expect(makeQueue(landable({ worktree: null })).queue.discard(ID)).rejects.toMatchObject({ code: 'NOT_LANDABLE', message: `${ID} runs in place: it has no worktree to discard.` });
    await expect(makeQueue(landable({ status: 'awaiting_approval' })).queue.discard(ID)).rejects.toMatchObject({ message: `${ID} is awaiting approval: cancel it first, then discard its work.` });
    const held = makeQueue(landable({ merge: { status: 'checking', target: 'main', commit: null, conflicts: [], checkedCommit: null, landedAt: null } }));
    held.port.landingHeld = true;
    await expect(held.queue.discard(ID)).rejects.toMatchObject({ message: `${ID} is being landed; discard it once that ended.` });
    held.port.landingHeld = false;
    expect((await held.queue.discard(ID)).merge?.status).toBe('discarded');
  });
});

describe('the worktree guard', () => {
  it('keeps a job whose work is not landed, saying what would be lost; lets the rest go with their worktree', async () => {
    const port = new ScriptedWorktrees();
    const guard = createWorktreeGuard(port);
    expect(await guard.whyKeep(makeJob())).toBeNull();
    expect(await guard.whyKeep(landable({ merge: { status: 'landed', target: 'main', commit: null, conflicts: [], checkedCommit: null, landedAt: null } }))).toBeNull();
    expect(await guard.whyKeep(landable({ merge: { status: 'discarded', target: 'main', commit: null, conflicts: [], checkedCommit: null, landedAt: null } }))).toBeNull();
    port.contents = { commits: 0, uncommitted: [] };
    expect(await guard.whyKeep(landable())).toBeNull();
    port.contents = { commits: 1, uncommitted: [] };
    expect(await guard.whyKeep(landable())).toBe(`its work is not landed (1 commit not landed on jobline/night): jobline merge ${ID} lands it, jobline discard ${ID} drops it`);
    port.contents = { commits: 2, uncommitted: ['a', 'b'] };
    expect(await guard.whyKeep(landable())).toBe(`its work is not landed (2 commits not landed, 2 uncommitted files on jobline/night): jobline merge ${ID} lands it, jobline discard ${ID} drops it`);
    port.contents = { commits: 0, uncommitted: ['a'] };
    expect(await guard.whyKeep(landable())).toBe(`its work is not landed (1 uncommitted file on jobline/night): jobline merge ${ID} lands it, jobline discard ${ID} drops it`);
    port.inspectError = new Error('git is gone');
    expect(await guard.whyKeep(landable())).toBe('its worktree could not be read (git is gone), so it is kept');
    await guard.remove(makeJob());
    expect(port.calls).toEqual([]);
    await guard.remove(landable());
    expect(port.calls).toEqual([`remove ${WORKTREE.path}`]);
  });
});

describe('a branch a crash left without its job', () => {
  const orphan = { repository: '/work', branch: 'jobline/lost', path: '/worktrees/lost', commits: 2, uncommitted: 0 };

  it('lands like a job\'s work, with a backup of the target, and says what happened', async () => {
    const port = new ScriptedWorktrees();
    expect(await landOrphan(port, orphan)).toBe(`Landed jobline/lost on main at ${commitId(100).slice(0, 12)}.`);
    expect(port.calls).toEqual(['plan /work head worktree', 'turn jobline-lost', 'build jobline/lost on main by merge', `backup jobline-lost ${commitId(1).slice(-3)}`, 'move main 001→064 "jobline: land jobline/lost"']);
  });

  it('says why it did not land: no target, nothing new, a conflict, the user\'s changes, a target that kept moving', async () => {
    const port = new ScriptedWorktrees();
    port.target = null;
    expect(await landOrphan(port, orphan)).toBe('jobline/lost not landed: there is no branch checked out to land it on (set merge.target).');
    port.target = 'main';
    port.candidates = [{ kind: 'nothing' }];
    expect(await landOrphan(port, orphan)).toBe('jobline/lost has nothing main does not have.');
    port.candidates = [{ kind: 'conflict', files: Array.from({ length: 11 }, (_, index) => `f${index}`), oldTarget: commitId(1) }];
    expect(await landOrphan(port, orphan)).toBe('jobline/lost not landed: it conflicts with main in f0, f1, f2, f3, f4, f5, f6, f7, f8, f9. It is kept.');
    port.moves = [{ kind: 'blocked', files: ['a.ts'], checkout: '/work' }];
    expect(await landOrphan(port, orphan)).toBe('jobline/lost not landed: your uncommitted changes to a.ts are in the way (commit or stash them). It is kept.');
    port.moves = [{ kind: 'moved', now: null }, { kind: 'moved', now: null }, { kind: 'moved', now: null }];
    expect(await landOrphan(port, orphan)).toBe('jobline/lost not landed: main kept moving. It is kept.');
    port.moves = [{ kind: 'moved', now: null }];
    expect(await landOrphan(port, { ...orphan, path: null })).toMatch(/^Landed jobline\/lost on main at /);
  });
});
