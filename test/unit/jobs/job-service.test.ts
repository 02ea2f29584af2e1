// The job service on an in-memory repository and a scripted executor: no threads, no files, so
// each test takes milliseconds and decides exactly when a run ends and when a write lands.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobService } from '../../../src/jobs/service/job-service.js';
import { JobService as Service } from '../../../src/jobs/service/job-service.js';
import { commandAgent } from '../../helpers/jobs.js';
import { TWO_PHASES, makeFakeService, makeInMemoryReader, InMemoryRepository } from '../../helpers/fakes.js';

const ONE_PHASE = commandAgent('one', { run: 'true' });

function nextEvent(service: JobService, type: string, jobId?: string): Promise<Job> {
  return new Promise((resolve) => {
    const unsubscribe = service.subscribe((update) => {
      if (update.type !== 'event' || update.event.type !== type || (jobId && update.job.id !== jobId)) return;
      unsubscribe();
      resolve(update.job);
    });
  });
}

async function submit(service: JobService, agent = TWO_PHASES, mode: 'interactive' | 'background' = 'background') {
  return service.dispatch({ type: 'submit', agent, prompt: 'p', mode, cwd: '/work' });
}

describe('the job service', () => {
  it('writes every change before it reports it', async () => {
    const { service, store, executor, updates, heard } = makeFakeService();
    const violations: string[] = [];
    service.subscribe((update) => {
      if (update.type !== 'event') return;
      const stored = store.jobs.get(update.job.id)?.events ?? [];
      if (!stored.some((event) => event.seq === update.event.seq)) violations.push(`${update.event.type} reported before written`);
    });
    const { job } = await submit(service);
    const first = await executor.whenRuns(1);
    store.holdWrites();
    first.complete();
    // Phase b's start shares the write of phase a's end, and its run starts only once that is on disk.
    await new Promise((resolve) => setImmediate(resolve));
    expect(executor.runs).toHaveLength(1);
    expect(heard()).not.toContain('01:phase_completed');
    const completed = nextEvent(service, 'phase_completed');
    store.releaseWrites();
    await completed;
    await executor.whenRuns(2);
    executor.runs[1]!.complete();
    await nextEvent(service, 'completed');
    expect(violations).toEqual([]);
    expect(store.jobs.get(job.id)!.job.status).toBe('completed');
    expect(updates.length).toBeGreaterThan(0);
  });

  it('reports each job\'s events in order, numbered 1, 2, 3, … without gaps', async () => {
    const { service, executor, updates } = makeFakeService();
    await submit(service);
    await submit(service);
    for (let i = 1; i <= 4; i++) (await executor.whenRuns(i)).complete();
    await service.lifecycle.whenIdle();
    const seqs = new Map<string, number[]>();
    for (const update of updates) if (update.type === 'event') seqs.set(update.job.id, [...(seqs.get(update.job.id) ?? []), update.event.seq!]);
    expect(seqs.size).toBe(2);
    for (const list of seqs.values()) expect(list).toEqual(list.map((_, index) => index + 1));
  });

  it('gives slots in order of submission, at most maxConcurrentJobs at once', async () => {
    const { service, executor } = makeFakeService({ maxConcurrentJobs: 2 });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await submit(service, ONE_PHASE));
    expect(results.map((result) => result.queuePosition)).toEqual([0, 0, 1, 2]);
    expect(executor.runs.map((run) => run.request.jobId)).toEqual([results[0]!.job.id, results[1]!.job.id]);
    executor.runs[1]!.complete();
    await executor.whenRuns(3);
    expect(executor.runs[2]!.request.jobId).toBe(results[2]!.job.id); // the third, not the fourth
    expect(service.sessionJob(results[3]!.job.id)!.status).toBe('queued');
  });

  it('refuses a submission when every slot is busy and whenBusy is reject', async () => {
    const { service } = makeFakeService({ maxConcurrentJobs: 1, whenBusy: 'reject' });
    await submit(service, ONE_PHASE);
    await expect(submit(service, ONE_PHASE)).rejects.toMatchObject({ code: 'JOBS_BUSY', message: 'Already running 1 jobs (max: 1)' });
  });

  it('cancels a running job: the run is asked to stop with the grace period, and its end changes nothing', async () => {
    const { service, executor, heard } = makeFakeService();
    const { job } = await submit(service);
    const run = await executor.whenRuns(1);
    const cancelled = await service.dispatch({ type: 'cancel', jobId: job.id });
    expect(cancelled.status).toBe('cancelled');
    expect(run.cancelledWithGraceMs).toBe(500);
    run.complete('too late'); // the run ends after the cancel: its result is not applied
    await service.lifecycle.whenIdle();
    expect(heard()).not.toContain('01:phase_completed');
    const view = await service.view(job.id);
    expect(view.job.status).toBe('cancelled');
    expect(view.board.runs.map((r) => r.state.status)).toEqual(['cancelled']);
    expect(view.board.tasks.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
    expect(executor.runs).toHaveLength(1);
  });

  it('settles a cancel racing a run\'s end into one consistent end, whichever lands first', async () => {
    for (const order of ['end-first', 'cancel-first'] as const) {
      const { service, executor, heard } = makeFakeService();
      const { job } = await submit(service, TWO_PHASES, 'interactive');
      const run = await executor.whenRuns(1);
      let cancelling: Promise<unknown>;
      if (order === 'end-first') {
        run.complete();
        cancelling = service.dispatch({ type: 'cancel', jobId: job.id });
      } else {
        cancelling = service.dispatch({ type: 'cancel', jobId: job.id });
        run.complete();
      }
      await cancelling;
      await service.lifecycle.whenIdle();
      const { board } = await service.view(job.id);
      expect(service.sessionJob(job.id)!.status).toBe('cancelled');
      expect(heard().filter((event) => ['01:cancelled', '01:completed', '01:failed'].includes(event))).toEqual(['01:cancelled']);
      expect(board.runs.every((r) => r.state.status !== 'running')).toBe(true);
      expect(executor.runs).toHaveLength(1);
    }
  });

  it('refuses to cancel a job that already ended, and to approve or retry one that is not waiting', async () => {
    const { service, executor } = makeFakeService();
    const { job } = await submit(service, ONE_PHASE);
    await expect(service.dispatch({ type: 'approve', jobId: job.id })).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL' });
    await expect(service.dispatch({ type: 'retry', jobId: job.id, feedback: 'x' })).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL' });
    (await executor.whenRuns(1)).complete();
    await nextEvent(service, 'completed');
    await expect(service.dispatch({ type: 'cancel', jobId: job.id })).rejects.toMatchObject({ code: 'JOB_NOT_ACTIVE' });
  });

  it('retries a phase awaiting approval with the feedback: a new run, the first kept', async () => {
    const { service, executor } = makeFakeService();
    const { job } = await submit(service, TWO_PHASES, 'interactive');
    (await executor.whenRuns(1)).complete('first answer');
    await nextEvent(service, 'approval_requested');
    await service.dispatch({ type: 'retry', jobId: job.id, feedback: 'shorter' });
    const second = await executor.whenRuns(2);
    expect(second.request).toMatchObject({ phaseIndex: 0, attempt: 2, feedback: 'shorter' });
    second.complete('second answer');
    await nextEvent(service, 'approval_requested');
    const { board } = await service.view(job.id);
    expect(board.runs.map((r) => [r.taskId, r.attempt, r.state.status])).toEqual([['t1', 1, 'succeeded'], ['t1', 2, 'succeeded']]);
    expect(board.tasks[0]).toMatchObject({ status: 'done', attempts: 2, result: 'second answer' });
  });

  it('hands the next phase the answers of the earlier ones once approved', async () => {
    const { service, executor } = makeFakeService();
    const { job } = await submit(service, TWO_PHASES, 'interactive');
    (await executor.whenRuns(1)).complete('plan: three steps');
    const asked = await nextEvent(service, 'approval_requested');
    await service.dispatch({ type: 'approve', jobId: job.id, requestId: `${job.id}/1/1` });
    const next = await executor.whenRuns(2);
    expect(next.request.previousOutputs).toEqual([{ name: 'a', output: 'plan: three steps' }]);
    expect(asked.currentPhase).toBe(0);
    // That approval is answered: the same answer again is refused, and so is any once the job ended.
    next.complete();
    await nextEvent(service, 'completed');
    await expect(service.dispatch({ type: 'approve', jobId: job.id, requestId: `${job.id}/1/1` })).rejects.toMatchObject({ code: 'APPROVAL_STALE', message: `That approval of ${job.id} was already answered.` });
    await expect(service.dispatch({ type: 'approve', jobId: job.id })).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL' });
  });

  it('refuses a stale approval answer while the next approval waits', async () => {
    const { service, executor } = makeFakeService();
    const three = commandAgent('three', { a: 'true', b: 'true', c: 'true' });
    const { job } = await submit(service, three, 'interactive');
    (await executor.whenRuns(1)).complete();
    await nextEvent(service, 'approval_requested');
    await service.dispatch({ type: 'approve', jobId: job.id, requestId: `${job.id}/1/1` });
    (await executor.whenRuns(2)).complete();
    await nextEvent(service, 'approval_requested');
    await expect(service.dispatch({ type: 'approve', jobId: job.id, requestId: `${job.id}/1/1` })).rejects.toMatchObject({ code: 'APPROVAL_STALE' });
    expect(service.sessionJob(job.id)).toMatchObject({ status: 'awaiting_approval', currentPhase: 1 });
    await service.dispatch({ type: 'retry', jobId: job.id, requestId: `${job.id}/2/1` });
    expect((await executor.whenRuns(3)).request).toMatchObject({ phaseIndex: 1, attempt: 2 });
  });

  it('fails the job when a phase fails, records the error on its run, and frees the slot for the next job', async () => {
    const { service, executor } = makeFakeService({ maxConcurrentJobs: 1 });
    const { job } = await submit(service);
    const { job: next } = await submit(service, ONE_PHASE);
    (await executor.whenRuns(1)).fail('exit code 3');
    const started = await executor.whenRuns(2);
    expect(started.request.jobId).toBe(next.id);
    const view = await service.view(job.id);
    expect(view.job).toMatchObject({ status: 'failed', error: 'Phase a failed: exit code 3' });
    expect(view.board.runs[0]!.state).toMatchObject({ status: 'failed', error: 'exit code 3' });
    expect(view.board.tasks.map((t) => t.status)).toEqual(['failed', 'todo']);
  });

  it('resumes a cancelled job only once its last run has wound down: never two runs of one job', async () => {
    const { service, executor } = makeFakeService();
    const { job } = await submit(service);
    const first = await executor.whenRuns(1);
    await service.dispatch({ type: 'cancel', jobId: job.id });
    const resumed = await service.dispatch({ type: 'resume', jobId: job.id, mode: 'background' });
    expect(resumed.status).toBe('queued');
    await Promise.resolve();
    expect(executor.runs).toHaveLength(1); // the first run still holds the job's slot
    first.stop();
    const second = await executor.whenRuns(2);
    expect(second.request).toMatchObject({ jobId: job.id, phaseIndex: 0, attempt: 2 });
  });

  it('refuses to resume a job whose earlier processes are still alive, or one still active', async () => {
    const { service, executor } = makeFakeService();
    const { job } = await submit(service);
    await expect(service.dispatch({ type: 'resume', jobId: job.id, mode: 'background' })).rejects.toMatchObject({ code: 'JOB_NOT_RESUMABLE' });
    (await executor.whenRuns(1)).fail();
    await nextEvent(service, 'failed');
    executor.processesLeft.set(job.id, [4242]);
    await expect(service.dispatch({ type: 'resume', jobId: job.id, mode: 'background' })).rejects.toMatchObject({ code: 'JOB_PROCESSES_ALIVE' });
    executor.processesLeft.clear();
    await service.dispatch({ type: 'resume', jobId: job.id, mode: 'background' });
    expect((await executor.whenRuns(2)).request.attempt).toBe(2);
  });

  it('takes over an interrupted job of another (dead) process from the repository', async () => {
    const { service, store, executor } = makeFakeService();
    const other = makeFakeService();
    const { job } = await submit(other.service);
    await other.executor.whenRuns(1);
    other.manager.interruptActiveSync('Interrupted: jobline exited');
    for (const [id, stored] of other.store.jobs) store.jobs.set(id, stored);
    const resumed = await service.dispatch({ type: 'resume', jobId: job.id, mode: 'background' });
    expect(resumed.owner.pid).toBe(process.pid);
    expect((await executor.whenRuns(1)).request).toMatchObject({ jobId: job.id, attempt: 2 });
    const { board } = await service.view(job.id);
    expect(board.runs.map((r) => r.state.status)).toEqual(['interrupted', 'running']);
  });

  it('interrupts every active job at shutdown: open runs end as interrupted, queued jobs too', async () => {
    const { service, executor, store } = makeFakeService({ maxConcurrentJobs: 1 });
    const { job: running } = await submit(service);
    const { job: queued } = await submit(service);
    const run = await executor.whenRuns(1);
    const shutdown = service.lifecycle.shutdown();
    run.stop();
    expect((await shutdown).sort()).toEqual([running.id, queued.id].sort());
    expect(store.jobs.get(running.id)!.job).toMatchObject({ status: 'interrupted', error: 'Interrupted: jobline exited' });
    expect(store.jobs.get(queued.id)!.job.status).toBe('interrupted');
    expect((await store.readBoard(store.jobs.get(running.id)!.job)).board.runs[0]!.state.status).toBe('interrupted');
    await expect(submit(service)).rejects.toMatchObject({ code: 'MANAGER_CLOSED' });
  });

  it('removes only listed jobs that are unchanged and not active, and reports each removal', async () => {
    const { service, executor } = makeFakeService();
    const { job: done } = await submit(service, ONE_PHASE);
    const { job: active } = await submit(service, ONE_PHASE);
    (await executor.whenRuns(1)).complete();
    await nextEvent(service, 'completed', done.id);
    const listed = service.sessionJobs();
    const reported: string[] = [];
    service.subscribe((update) => update.type === 'removed' && reported.push(update.jobId));
    expect(await service.dispatch({ type: 'remove', jobs: listed })).toEqual([done.id]);
    expect(reported).toEqual([done.id]);
    expect(service.isInSession(done.id)).toBe(false);
    expect(service.isInSession(active.id)).toBe(true);
  });

  it('resolves prefixes, and says what is wrong with an unknown or ambiguous one', async () => {
    const { service } = makeFakeService();
    const { job } = await submit(service, ONE_PHASE);
    await submit(service, ONE_PHASE);
    expect((await service.get(job.id.slice(4))).id).toBe(job.id);
    await expect(service.get('zz')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    await expect(service.get('t')).rejects.toMatchObject({ code: 'JOB_ID_AMBIGUOUS' });
  });

  it('refuses commands without a session, and commands it does not know', async () => {
    const store = new InMemoryRepository();
    const readOnly = new Service({ repository: store, reader: makeInMemoryReader(store), manager: null, cwd: '/work', adopt: () => ({ agent: ONE_PHASE, cwd: '/work' }) });
    await expect(readOnly.dispatch({ type: 'cancel', jobId: 'job-t0000001' })).rejects.toMatchObject({ code: 'READ_ONLY' });
    expect(readOnly.sessionJobs()).toEqual([]);
    const { service } = makeFakeService();
    await expect(service.dispatch({ type: 'launch' } as never)).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND' });
  });
});
