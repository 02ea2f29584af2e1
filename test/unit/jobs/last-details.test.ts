// Details that complete the picture of the model and the service: defaults of rebuilt runs,
// messages of refusals, and exits that must not run twice.
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import { deriveBoardFromHistory } from '../../../src/jobs/model/task-history.js';
import { summarize } from '../../../src/jobs/model/task-transitions.js';
import { JobService } from '../../../src/jobs/service/job-service.js';
import { commandAgent, makeJob } from '../../helpers/jobs.js';
import { InMemoryRepository, makeFakeManager, makeFakeService, makeInMemoryReader } from '../../helpers/fakes.js';

const ONE = commandAgent('one', { run: 'true' });
const T = '2026-11-22T10:01:00.000Z';
const CHANGES = { before: 'a'.repeat(40), after: 'b'.repeat(40), files: [{ path: 'a.txt', added: 1, removed: 0 }], moreFiles: 0 };

describe('rebuilt boards, in detail', () => {
  it('gives runs a default error and reason when the log does not say, and keeps the files a phase changed', () => {
    const base = makeJob({ status: 'failed' }, ['a', 'b']);
    const job = { ...base, phases: [{ ...base.phases[0]!, status: 'completed' as const, attempts: 1, changes: CHANGES }, { ...base.phases[1]!, status: 'failed' as const, attempts: 2 }] };
    const events: JobEvent[] = [
      { ts: T, type: 'phase_started', phase: 'a', attempt: 1 },
      { ts: T, type: 'phase_completed', phase: 'a' },
      { ts: T, type: 'phase_started', phase: 'b' },
      { ts: T, type: 'interrupted' },
      { ts: T, type: 'phase_started', phase: 'b', attempt: 2 },
      { ts: T, type: 'phase_failed', phase: 'b' },
    ];
    const board = deriveBoardFromHistory(job, events);
    expect(board.runs.map((r) => [r.attempt, r.state])).toEqual([
      [1, { status: 'succeeded', endedAt: T }],
      [1, { status: 'interrupted', endedAt: T, reason: 'interrupted' }],
      [2, { status: 'failed', endedAt: T, error: 'failed' }],
    ]);
    expect(board.tasks[0]!.filesModified).toEqual(['a.txt']);
    expect(board.tasks[1]!.filesModified).toEqual([]);
  });

  it('cancels the unfinished tasks of a cancelled job, running ones included; ended ones stay', () => {
    const base = makeJob({ status: 'cancelled' }, ['a', 'b', 'c']);
    const job = { ...base, phases: [{ ...base.phases[0]!, status: 'completed' as const }, { ...base.phases[1]!, status: 'running' as const }, base.phases[2]!] };
    expect(deriveBoardFromHistory(job, []).tasks.map((t) => t.status)).toEqual(['done', 'cancelled', 'cancelled']);
  });

  it('gives no run to a phase that never started, even with attempts counted or a start time alone', () => {
    const base = makeJob({ status: 'failed' }, ['a', 'b']);
    const job = { ...base, phases: [{ ...base.phases[0]!, attempts: 1, startedAt: null }, { ...base.phases[1]!, attempts: 0, startedAt: T }] };
    expect(deriveBoardFromHistory(job, []).runs).toEqual([]);
  });

  it('summarizes nothing as nothing', () => {
    expect(summarize(undefined)).toBeNull();
    expect(summarize('')).toBe('');
  });
});

describe('refusals and exits, word for word', () => {
  it('names an unknown command, and the approval a stale answer missed', async () => {
    const { service, executor } = makeFakeService();
    await expect(service.dispatch({ type: 'launch' } as never)).rejects.toThrow('Unknown command "launch".');
    const three = commandAgent('three', { a: 'true', b: 'true', c: 'true' });
    const { job } = await service.dispatch({ type: 'submit', agent: three, prompt: 'p', mode: 'interactive', cwd: '/w' });
    const asked = () => new Promise<void>((resolve) => service.subscribe((u) => u.type === 'event' && u.event.type === 'approval_requested' && resolve()));
    let waiting = asked();
    (await executor.whenRuns(1)).complete();
    await waiting;
    waiting = asked();
    await service.dispatch({ type: 'approve', jobId: job.id });
    (await executor.whenRuns(2)).complete();
    await waiting;
    await expect(service.dispatch({ type: 'retry', jobId: job.id, requestId: `${job.id}/1/1` })).rejects.toThrow(`That approval of ${job.id} was already answered; it now waits on another one.`);
  });

  it('keeps the cause of a refused creation', async () => {
    const { manager, store } = makeFakeManager();
    const cause = new Error('ENOSPC');
    store.writeSync = () => {
      throw cause;
    };
    const refused = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' }).catch((error: Error) => error);
    expect((refused as Error & { cause?: unknown }).cause).toBe(cause);
  });

  it('shuts down once: a second shutdown or exit path finds nothing to mark and kills nothing more', async () => {
    const { manager, executor } = makeFakeManager();
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const run = await executor.whenRuns(1);
    const first = manager.shutdown();
    run.stop();
    expect(await first).toHaveLength(1);
    expect(await manager.shutdown()).toEqual([]);
    const killed = executor.killedAll;
    expect(manager.interruptActiveSync()).toEqual([]);
    expect(executor.killedAll).toBe(killed);
  });

  it('names tasks.jsonl in a view only once the board is on disk', async () => {
    const store = new InMemoryRepository();
    const job = { ...makeJob({ status: 'failed', endedAt: T }), id: 'job-v1000001' };
    store.writeSync(job);
    const reader = { ...makeInMemoryReader(store), pathsOf: (id: string) => ({ dir: `/j/${id}`, job: '', events: '', output: '', tasks: `/j/${id}/tasks.jsonl` }) };
    const unrecorded = new JobService({ repository: store, reader: { ...reader, readBoard: async (j) => ({ board: await store.readBoard(j).then((b) => b.board), isRecorded: false }) }, manager: null, cwd: '/w', adopt: () => ({ agent: ONE, cwd: '/w' }) });
    expect((await unrecorded.view(job.id)).paths.tasks).toBeUndefined();
    const recorded = new JobService({ repository: store, reader, manager: null, cwd: '/w', adopt: () => ({ agent: ONE, cwd: '/w' }) });
    expect((await recorded.view(job.id)).paths.tasks).toBe(`/j/${job.id}/tasks.jsonl`);
  });
});
