// The job service's queries and live updates, on the in-memory fakes: what a subscriber hears
// while a run reports, how listings merge the session with the store, and the storage policy.
import { describe, expect, it } from 'vitest';
import { createJob, type Job } from '../../../src/jobs/model/job.js';
import { getCurrentOwner } from '../../../src/jobs/process/owner.js';
import type { JobReader } from '../../../src/jobs/ports/job-reader.js';
import { JobService } from '../../../src/jobs/service/job-service.js';
import { assertAdoptable } from '../../../src/jobs/service/resume-checks.js';
import { commandAgent, deadOwner } from '../../helpers/jobs.js';
import { InMemoryRepository, makeFakeService, makeInMemoryReader, TWO_PHASES } from '../../helpers/fakes.js';

const ONE_PHASE = commandAgent('one', { run: 'true' });

function storedJob(id: string, status: Job['status'], createdAt: string, owner = getCurrentOwner()): Job {
  return { ...createJob({ id, agent: 'one', description: id, mode: 'background', phaseNames: ['run'], owner, now: createdAt }), status, endedAt: status === 'running' ? null : createdAt, eventSeq: 1 };
}

describe('the job service: views and updates', () => {
  it('passes a run\'s output, activity and progress to subscribers, and keeps the last as lastEvent', async () => {
    const { service, executor, updates } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/work' });
    const run = await executor.whenRuns(1);
    run.listener.output(['compiling', 'linking'], 7);
    run.listener.activity('🔧', 'edit_file(src/a.ts)');
    run.listener.progress({ round: 3, toolCalls: 2 });
    const live = updates.filter((update) => update.type !== 'event');
    expect(live.map((update) => update.type)).toEqual(['progress', 'output', 'progress', 'activity', 'progress']);
    expect(live[1]).toMatchObject({ type: 'output', lines: ['compiling', 'linking'], lineCount: 7 });
    expect(live[3]).toMatchObject({ type: 'activity', icon: '🔧', text: 'edit_file(src/a.ts)' });
    expect(service.sessionJob(job.id)!.progress).toMatchObject({ round: 3, toolCalls: 2, lastEvent: 'edit_file(src/a.ts)' });
    run.listener.output([], 0); // nothing new: the last event stays
    expect(service.sessionJob(job.id)!.progress.lastEvent).toBe('edit_file(src/a.ts)');
    run.complete();
    await service.lifecycle.whenIdle();
    run.listener.progress({ round: 9 }); // after its end, a report changes nothing
    expect(service.sessionJob(job.id)!.progress.round).toBe(3);
    expect(service.agentOf(job.id)).toBe(ONE_PHASE);
    expect(service.agentOf('job-nosuch00')).toBeNull();
  });

  it('stops hearing updates once unsubscribed, and says when the storage policy removed a job', async () => {
    const { service, executor, updates } = makeFakeService({ maxCompletedJobs: 1 });
    const first = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/work' });
    (await executor.whenRuns(1)).complete();
    await service.lifecycle.whenIdle();
    await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/work' });
    (await executor.whenRuns(2)).complete();
    await service.lifecycle.whenIdle();
    expect(updates.filter((update) => update.type === 'removed').map((update) => update.type === 'removed' && update.jobId)).toEqual([first.job.id]);
    const heard: string[] = [];
    const unsubscribe = service.subscribe((update) => heard.push(update.type));
    unsubscribe();
    await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/work' });
    expect(heard).toEqual([]);
  });

  it('lists the store\'s jobs with the session\'s as they are in memory, oldest first, filtered by status', async () => {
    const store = new InMemoryRepository();
    store.writeSync(storedJob('job-old00001', 'failed', '2026-11-20T10:00:00.000Z'));
    store.writeSync(storedJob('job-old00002', 'completed', '2026-11-21T10:00:00.000Z'));
    const { service } = makeFakeService();
    const reader = makeInMemoryReader(store);
    const merged = new JobService({ repository: store, reader, manager: (service as unknown as { session: never }).session, cwd: '/work', adopt: () => ({ agent: TWO_PHASES, cwd: '/work' }) });
    const { job } = await merged.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'new', mode: 'background', cwd: '/work' });
    const all = await merged.list();
    expect(all.jobs.map((j) => j.id)).toEqual(['job-old00001', 'job-old00002', job.id]);
    const failed = await merged.list({ statuses: ['failed'] });
    expect(failed.jobs.map((j) => j.id)).toEqual(['job-old00001']);
    expect(await merged.ids()).toEqual(expect.arrayContaining(['job-old00001', job.id]));
    expect((await merged.get('OLD00001')).id).toBe('job-old00001'); // typed in any case
    expect((await merged.view('job-old00002')).job.status).toBe('completed');
    expect(merged.hasFiles('job-old00001')).toBe(true);
    expect(merged.storedIdsSync(false)).toEqual(['job-old00001', 'job-old00002']); // the reader's; the session's job went to its own repository
    expect(merged.jobsDir).toBe('/in-memory');
    expect(merged.pathsOf('job-old00001').dir).toBe('/in-memory/job-old00001');
    expect(await merged.creationFolderOf('job-old00001')).toBe('/work');
    expect(merged.sweepLeftovers()).toEqual({ emptyFolders: [], tempFiles: [] });
  });

  it('delegates reading output and messages to owners to the reader', async () => {
    const calls: string[] = [];
    const store = new InMemoryRepository();
    const reader: JobReader = {
      ...makeInMemoryReader(store),
      readOutputTail: async (id, lines) => (calls.push(`tail ${id} ${lines}`), { lines: ['x'], hasEarlier: false, size: 2 }),
      followOutput: async (id) => (calls.push(`follow ${id}`), true),
      outputFollower: async (id) => (calls.push(`follower ${id}`), { read: async () => [], drain: async () => [] }),
      sendToOwner: (job, request) => void calls.push(`send ${job.id} ${request.type}`),
      openOwnerInbox: () => (calls.push('inbox'), { take: () => [], close: () => {} }),
      creationFolderOf: async () => '/created/here',
    };
    const service = new JobService({ repository: store, reader, manager: null, cwd: '/work', adopt: () => ({ agent: ONE_PHASE, cwd: '/work' }) });
    expect((await service.readOutputTail('job-a0000001', 5)).lines).toEqual(['x']);
    expect(await service.followOutput('job-a0000001', { onLines: () => {}, isEnded: () => true })).toBe(true);
    await service.outputFollower('job-a0000001');
    service.forwardToOwner(storedJob('job-a0000001', 'running', '2026-11-20T10:00:00.000Z'), { type: 'cancel' });
    service.openOwnerInbox();
    expect(await service.creationFolderOf('job-a0000001')).toBe('/created/here');
    expect(calls).toEqual(['tail job-a0000001 5', 'follow job-a0000001', 'follower job-a0000001', 'send job-a0000001 cancel', 'inbox']);
    expect(service.isInSession('job-a0000001')).toBe(false);
    expect(service.sessionJob('job-a0000001')).toBeNull();
    expect(() => service.lifecycle).toThrow(expect.objectContaining({ code: 'READ_ONLY', message: 'This command only reads jobs; it cannot change them.' }));
    // Without a session, removal goes to the repository.
    store.writeSync(storedJob('job-done0001', 'completed', '2026-11-20T10:00:00.000Z'));
    expect(await service.dispatch({ type: 'remove', jobs: [storedJob('job-done0001', 'completed', '2026-11-20T10:00:00.000Z')] })).toEqual(['job-done0001']);
  });

  it('refuses to take over a job a live jobline owns, or one that is not unfinished', () => {
    const elsewhere = { ...storedJob('job-live0001', 'interrupted', '2026-11-20T10:00:00.000Z'), owner: { pid: 1, hostname: 'another-host', processStartedAt: '2026-11-20T09:00:00.000Z' } };
    expect(() => assertAdoptable(elsewhere)).toThrow(expect.objectContaining({ code: 'JOB_OWNED_ELSEWHERE', message: 'job-live0001 belongs to another running jobline (pid 1 on another-host); resume or cancel it there.' }));
    const completed = storedJob('job-done0001', 'completed', '2026-11-20T10:00:00.000Z', deadOwner());
    expect(() => assertAdoptable(completed)).toThrow(expect.objectContaining({ code: 'JOB_NOT_RESUMABLE', message: 'job-done0001 is completed; only failed, cancelled or interrupted jobs can be resumed.' }));
    expect(() => assertAdoptable(storedJob('job-mine0001', 'failed', '2026-11-20T10:00:00.000Z'))).not.toThrow();
  });

  it('orders a listing by creation, the session jobs among the stored ones, and finds them in any case', async () => {
    const store = new InMemoryRepository();
    store.writeSync(storedJob('job-later001', 'failed', '2099-01-01T10:00:00.000Z'));
    store.writeSync(storedJob('job-early001', 'failed', '2000-01-01T10:00:00.000Z'));
    store.writeSync(storedJob('job-same0002', 'failed', '2000-01-01T10:00:00.000Z'));
    const { service: fake } = makeFakeService();
    const service = new JobService({ repository: store, reader: makeInMemoryReader(store), manager: (fake as unknown as { session: never }).session, cwd: '/w', adopt: () => ({ agent: ONE_PHASE, cwd: '/w' }) });
    const { job } = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
    expect((await service.list()).jobs.map((j) => j.id)).toEqual(['job-early001', 'job-same0002', job.id, 'job-later001']);
    expect((await service.get(job.id.toUpperCase())).id).toBe(job.id);
    expect((await service.view(` ${job.id.toUpperCase()} `)).board.tasks).toHaveLength(1);
    expect(await service.ids()).toEqual([job.id, 'job-later001', 'job-early001', 'job-same0002']);
  });

  it('lists no stored ids when the store cannot be read, and still those of the session', async () => {
    const store = new InMemoryRepository();
    const reader = { ...makeInMemoryReader(store), listIds: async () => { throw new Error('EACCES'); } };
    const { service: fake } = makeFakeService();
    const service = new JobService({ repository: store, reader, manager: (fake as unknown as { session: never }).session, cwd: '/w', adopt: () => ({ agent: ONE_PHASE, cwd: '/w' }) });
    const { job } = await service.dispatch({ type: 'submit', agent: ONE_PHASE, prompt: 'p', mode: 'background', cwd: '/w' });
    expect(await service.ids()).toEqual([job.id]);
  });
});
