// The job service's commands as front ends dispatch them, on fakes (an in-memory repository, a
// scripted executor, a worktree port that answers as git would): a retry of a conflicted landing
// resolves it (an approval never does), approvals and cancels of a job another live jobline runs
// go to its owner as asked, landing commands of a session without worktrees, dismissing a job no
// session holds, a resume's model, updates as subscribers hear them, the folder's other jobs
// followed, and which leftover worktrees count as orphans.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import type { JobReader, OwnerRequest } from '../../../src/jobs/ports/job-reader.js';
import type { OrphanWorktree } from '../../../src/jobs/ports/worktrees.js';
import type { JobUpdate } from '../../../src/jobs/service/job-commands.js';
import { JobService } from '../../../src/jobs/service/job-service.js';
import type { SessionPort } from '../../../src/jobs/service/session-port.js';
import { InMemoryRepository, makeFakeManager, makeInMemoryReader } from '../../helpers/fakes.js';
import { commandAgent, makeJob } from '../../helpers/jobs.js';
import { commitId, ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';
import { waitFor } from '../../helpers/wait.js';

const FIXER = commandAgent('fixer', { run: 'true', resolve: 'true' });
const TWO = commandAgent('two', { plan: 'true', apply: 'true' });
const BATCH = commandAgent('batch', { run: 'eval "$JOB_PROMPT"' });
const WORKTREE = { path: '/worktrees/night', branch: 'jobline/night', base: commitId(1), baseBranch: 'main', repository: '/work', snapshot: null, target: 'main', isolation: 'worktree' as const };

function makeService(options: { worktrees?: ScriptedWorktrees; reader?: (store: InMemoryRepository) => JobReader; manager?: (manager: SessionPort) => SessionPort } = {}) {
  const fake = makeFakeManager({ ...(options.worktrees ? { worktrees: options.worktrees } : {}), maxWorkers: 10 });
  const reader = options.reader ? options.reader(fake.store) : makeInMemoryReader(fake.store);
  const manager = options.manager ? options.manager(fake.manager) : fake.manager;
  const service = new JobService({ repository: fake.store, reader, manager, cwd: '/work', adopt: (_stored, cwd) => ({ agent: FIXER, cwd }), ...(options.worktrees ? { worktrees: options.worktrees } : {}) });
  const updates: JobUpdate[] = [];
  service.subscribe((update) => updates.push(update));
  return { ...fake, service, updates };
}

describe('a retry of a job whose landing conflicted', () => {
  async function conflicted() {
    const port = new ScriptedWorktrees();
    port.candidates = [{ kind: 'conflict', files: ['a.ts'], oldTarget: commitId(1) }];
    port.mergeInConflicts = ['a.ts'];
    const fake = makeService({ worktrees: port });
    const { job } = await fake.service.dispatch({ type: 'submit', agent: FIXER, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'clash' });
    (await fake.executor.whenRuns(1)).complete();
    await fake.service.lifecycle.whenIdle();
    expect((await fake.service.dispatch({ type: 'merge', jobId: job.id })).merge?.status).toBe('conflict');
    return { ...fake, port, id: job.id };
  }

  it('merges the target in and runs the job\'s resolve phase with the files as feedback', async () => {
    const { service, executor, port, id } = await conflicted();
    const job = await service.dispatch({ type: 'retry', jobId: id, feedback: 'keep both' });
    expect(job.merge).toMatchObject({ status: 'conflict', step: 'merged-in' });
    expect(port.calls).toContain('mergeIn main into jobline/clash');
    const run = await executor.whenRuns(2);
    expect(run.request.feedback).toContain('a.ts');
    expect(run.request.feedback).toContain('keep both');
  });

  it('retries the resolving phase itself once it waits for an approval', async () => {
    const port = new ScriptedWorktrees();
    port.candidates = [{ kind: 'conflict', files: ['a.ts'], oldTarget: commitId(1) }];
    port.mergeInConflicts = ['a.ts'];
    const { service, executor } = makeService({ worktrees: port });
    const { job } = await service.dispatch({ type: 'submit', agent: FIXER, prompt: 'p', mode: 'interactive', cwd: '/work', isolation: 'worktree', name: 'careful' });
    (await executor.whenRuns(1)).complete();
    await service.lifecycle.whenNothingRuns();
    await service.dispatch({ type: 'approve', jobId: job.id });
    await service.lifecycle.whenIdle();
    expect((await service.dispatch({ type: 'merge', jobId: job.id })).merge?.status).toBe('conflict');
    await service.dispatch({ type: 'retry', jobId: job.id });
    (await executor.whenRuns(2)).complete('resolved');
    await service.lifecycle.whenNothingRuns();
    const waiting = await service.get(job.id);
    expect(waiting).toMatchObject({ status: 'awaiting_approval', merge: { status: 'conflict' } });
    const retried = await service.dispatch({ type: 'retry', jobId: job.id, feedback: 'once more' });
    expect(retried.status).not.toBe('awaiting_approval');
    expect((await executor.whenRuns(3)).request.feedback).toBe('once more');
    expect(port.calls.filter((call) => call.startsWith('mergeIn'))).toHaveLength(1);
  });

  it('is not what an approval of it does: there is nothing to approve', async () => {
    const { service, port, id } = await conflicted();
    await expect(service.dispatch({ type: 'approve', jobId: id })).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL' });
    expect(port.calls.filter((call) => call.startsWith('mergeIn'))).toEqual([]);
  });

  it('is refused as a phase retry for a completed job without a conflict', async () => {
    const { service, executor } = makeService({ worktrees: new ScriptedWorktrees() });
    const { job } = await service.dispatch({ type: 'submit', agent: FIXER, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'none' });
    (await executor.whenRuns(1)).complete();
    await service.lifecycle.whenIdle();
    await expect(service.dispatch({ type: 'retry', jobId: job.id })).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL' });
    const landed = await service.dispatch({ type: 'submit', agent: FIXER, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'fine' });
    (await executor.whenRuns(2)).complete();
    await service.lifecycle.whenIdle();
    expect((await service.dispatch({ type: 'merge', jobId: landed.job.id })).merge?.status).toBe('landed');
    await expect(service.dispatch({ type: 'retry', jobId: landed.job.id })).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL' });
  });
});

describe('a job another live jobline runs', () => {
  // A job awaiting approval, owned by a jobline on another host; its owner carries out each request at once.
  function elsewhere(status: Job['status'] = 'awaiting_approval') {
    const sent: OwnerRequest[] = [];
    let storeOf!: InMemoryRepository;
    const fake = makeService({
      reader: (store) => {
        storeOf = store;
        return {
          ...makeInMemoryReader(store),
          sendToOwner: (job: Job, request: OwnerRequest) => {
            sent.push(request);
            const next = request.type === 'cancel' ? { status: 'cancelled' as const, endedAt: job.createdAt } : { status: 'running' as const, hasPendingApproval: false };
            store.writeSync({ ...job, ...next, eventSeq: job.eventSeq + 1 });
          },
        };
      },
    });
    const job = makeJob({ id: 'job-else0001', name: 'remote', status, hasPendingApproval: status === 'awaiting_approval', owner: { pid: 1, hostname: 'another-host.invalid', processStartedAt: '2026-01-01T00:00:00.000Z' } });
    storeOf.writeSync(job);
    return { ...fake, sent, id: job.id };
  }

  it('has its approval, retry and cancel carried out by its owner, as asked', async () => {
    const approving = elsewhere();
    expect((await approving.service.dispatch({ type: 'approve', jobId: approving.id })).status).toBe('running');
    expect(approving.sent).toEqual([{ type: 'approve' }]);
    const retrying = elsewhere();
    await retrying.service.dispatch({ type: 'retry', jobId: retrying.id, feedback: 'again', keep: true });
    expect(retrying.sent).toEqual([{ type: 'retry', feedback: 'again', keep: true }]);
    const plain = elsewhere();
    await plain.service.dispatch({ type: 'retry', jobId: plain.id });
    expect(plain.sent).toEqual([{ type: 'retry', feedback: null }]);
    const cancelling = elsewhere('running');
    expect((await cancelling.service.dispatch({ type: 'cancel', jobId: cancelling.id })).status).toBe('cancelled');
    expect(cancelling.sent).toEqual([{ type: 'cancel' }]);
  });
});

describe('commands without a session\'s help', () => {
  it('refuses to land or discard where the session has no landings', async () => {
    const { service, executor } = makeService({
      manager: (manager) => Object.assign(Object.create(manager) as SessionPort, { merge: undefined, discard: undefined }),
    });
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'p', mode: 'background', cwd: '/work' });
    await executor.whenRuns(1);
    for (const type of ['merge', 'discard'] as const) {
      await expect(service.dispatch({ type, jobId: job.id })).rejects.toMatchObject({ code: 'NO_WORKTREES', message: 'This jobline runs jobs in place only: there are no worktrees to land or discard.' });
    }
  });

  it('dismisses an ended job no session holds on the folder; anything more needs the session', async () => {
    const { service, store } = makeService();
    const ended = makeJob({ id: 'job-old00001', name: 'old', status: 'failed', endedAt: '2026-01-01T00:00:00.000Z' });
    store.writeSync(ended);
    const dismissed = await service.dispatch({ type: 'update', jobId: ended.id, dismissed: true });
    expect(dismissed.dismissedAt).toEqual(expect.any(String));
    expect(store.loadStored(ended.id).dismissedAt).toBe(dismissed.dismissedAt);
    await expect(service.dispatch({ type: 'update', jobId: ended.id, dismissed: false, name: 'older' })).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    await expect(service.dispatch({ type: 'update', jobId: ended.id, dismissed: false, mode: 'background' })).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    await expect(service.dispatch({ type: 'update', jobId: ended.id, name: 'older' })).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect(store.loadStored(ended.id).dismissedAt).toBe(dismissed.dismissedAt);
  });

  it('dismisses a job of the session through the session, which shows it at once; an empty update of a folder\'s job needs the session', async () => {
    const { service, executor, manager, store } = makeService();
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'p', mode: 'background', cwd: '/work' });
    (await executor.whenRuns(1)).fail();
    await service.lifecycle.whenIdle();
    await service.dispatch({ type: 'update', jobId: job.id, dismissed: true });
    expect(manager.get(job.id).dismissedAt).toEqual(expect.any(String));
    const ended = makeJob({ id: 'job-old00002', name: 'older', status: 'failed', endedAt: '2026-01-01T00:00:00.000Z' });
    store.writeSync(ended);
    await expect(service.dispatch({ type: 'update', jobId: ended.id })).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect(store.loadStored(ended.id).dismissedAt ?? null).toBeNull();
  });

  it('follows every job of the folder for a service that only reads', () => {
    let isOwn!: (id: string) => boolean;
    const store = new InMemoryRepository();
    const reader = { ...makeInMemoryReader(store), tailEvents: (own: (id: string) => boolean) => ((isOwn = own), () => {}) };
    const service = new JobService({ repository: store, reader, manager: null, cwd: '/work', adopt: (_stored, cwd) => ({ agent: FIXER, cwd }) });
    service.followOtherProcesses(() => {})();
    expect(isOwn('job-any00001')).toBe(false);
  });

  it('resumes a job with the model asked for', async () => {
    const { service, executor } = makeService();
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'p', mode: 'background', cwd: '/work' });
    (await executor.whenRuns(1)).fail();
    await service.lifecycle.whenIdle();
    expect((await service.dispatch({ type: 'resume', jobId: job.id, mode: 'background', model: 'gpt-test' })).model).toBe('gpt-test');
  });
});

describe('updates', () => {
  it('mark a run\'s activity with its task when its phase runs several, and not otherwise', async () => {
    const { service, executor, updates } = makeService();
    await service.dispatch({ type: 'submit', agent: BATCH, prompt: 'b', mode: 'background', cwd: '/work', workers: 2, taskInputs: ['a', 'b'] });
    (await executor.whenRuns(1)).listener.activity('🔧', 'shared');
    await service.dispatch({ type: 'submit', agent: TWO, prompt: 'p', mode: 'background', cwd: '/work' });
    (await executor.whenRuns(3)).listener.activity('🔧', 'alone');
    const activities = updates.filter((update) => update.type === 'activity');
    expect(activities.find((update) => update.text === 'shared')).toHaveProperty('taskId', 't1');
    expect(activities.find((update) => update.text === 'alone')).not.toHaveProperty('taskId');
  });

  it('of the folder\'s other jobs are followed, this session\'s own left to it', async () => {
    let follow!: { isOwn: (id: string) => boolean; onEvents: (tailed: { id: string; events: JobEvent[]; isRemoved: boolean }) => void };
    let stopped = false;
    const { service, store } = makeService({
      reader: (memory) => ({
        ...makeInMemoryReader(memory),
        tailEvents: (isOwn, onEvents) => {
          follow = { isOwn, onEvents };
          return () => (stopped = true);
        },
      }),
    });
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'p', mode: 'background', cwd: '/work' });
    const other = makeJob({ id: 'job-other001', status: 'running' });
    store.writeSync(other);
    const heard: JobUpdate[] = [];
    const stop = service.followOtherProcesses((update) => heard.push(update));
    expect(follow.isOwn(job.id)).toBe(true);
    expect(follow.isOwn(other.id)).toBe(false);
    follow.onEvents({ id: other.id, events: [{ seq: 2, ts: other.createdAt, type: 'started' }], isRemoved: false });
    follow.onEvents({ id: 'job-gone0001', events: [], isRemoved: true });
    await waitFor(() => heard.length === 2, 'both updates');
    expect(heard).toEqual([{ type: 'event', job: other, event: { seq: 2, ts: other.createdAt, type: 'started' } }, { type: 'removed', jobId: 'job-gone0001' }]);
    stop();
    expect(stopped).toBe(true);
  });
});

describe('orphan worktrees', () => {
  const orphan = (branch: string): OrphanWorktree => ({ repository: '/work', branch, path: null, commits: 1, uncommitted: 0 });

  it('are the branches no job of the folder accounts for, by name, by branch, or that a lookup cannot rule out', async () => {
    const port = new ScriptedWorktrees();
    const { service, store } = makeService({ worktrees: port });
    store.writeSync(makeJob({ id: 'job-abcd1234', name: 'night', status: 'completed', worktree: WORKTREE }));
    store.names.set('night', 'job-abcd1234');
    store.writeSync(makeJob({ id: 'job-bbbb1111', name: null, status: 'completed', worktree: { ...WORKTREE, branch: 'jobline/job-bbbb1111' } }));
    store.writeSync(makeJob({ id: 'job-bbbb2222', name: null, status: 'completed', worktree: { ...WORKTREE, branch: 'jobline/elsewhere' } }));
    // Renamed after its worktree was made: its name accounts for a branch of that name.
    store.writeSync(makeJob({ id: 'job-dddd1111', name: 'renamed', status: 'completed', worktree: { ...WORKTREE, branch: 'jobline/first-name' } }));
    store.names.set('renamed', 'job-dddd1111');
    store.writeSync(makeJob({ id: 'job-cccc1111', name: null, status: 'completed', worktree: null }));
    port.orphans = ['jobline/night', 'jobline/job-bbbb1111', 'jobline/job-bbbb2222', 'jobline/job-abcd', 'jobline/job-bbbb', 'jobline/renamed', 'jobline/job-cccc', 'jobline/ghost'].map(orphan);
    expect((await service.findOrphanWorktrees()).map((found) => found.branch)).toEqual(['jobline/job-bbbb2222', 'jobline/job-abcd', 'jobline/job-cccc', 'jobline/ghost']);
  });

  it('are none, and removing one does nothing, where there are no worktrees', async () => {
    const { service } = makeService();
    expect(await service.findOrphanWorktrees()).toEqual([]);
    await expect(service.removeOrphan(orphan('jobline/ghost'))).resolves.toBeUndefined();
    const port = new ScriptedWorktrees();
    const withPort = makeService({ worktrees: port });
    await withPort.service.removeOrphan(orphan('jobline/ghost'));
    expect(port.calls).toEqual(['removeOrphan jobline/ghost']);
  });
});
