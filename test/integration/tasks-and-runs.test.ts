// Tasks and runs on real worker threads and a real store: a retry keeps the earlier run and its
// output, each change appends only the records it changed, and a stale approval answer is refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { JobService } from '../../src/jobs/service/job-service.js';
import type { JobManager } from '../../src/jobs/service/manager.js';
import type { JobStore } from '../../src/store/job-store.js';
import { readTaskRecords } from '../../src/store/task-log.js';
import { JobFolderReader } from '../../src/store/job-folder-reader.js';
import { commandAgent, makeManager } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';

const agent = commandAgent('staged', { analyze: 'echo "analyze attempt=$JOB_ATTEMPT"', deliver: 'echo deliver' });

function serviceOf(manager: JobManager<JobStore>): JobService {
  return new JobService({ repository: manager.store, reader: new JobFolderReader(manager.store), manager, cwd: makeTempDir(), adopt: () => { throw new Error('not used'); } });
}

function nextEvent(service: JobService, type: string): Promise<Job> {
  return new Promise((resolve) => {
    const unsubscribe = service.subscribe((update) => {
      if (update.type !== 'event' || update.event.type !== type) return;
      unsubscribe();
      resolve(update.job);
    });
  });
}

describe('tasks and runs', () => {
  it('keeps every attempt of a retried phase as a run, with its own output section', async () => {
    const manager = makeManager();
    const service = serviceOf(manager);
    let waiting = nextEvent(service, 'approval_requested');
    const { job } = await service.dispatch({ type: 'submit', agent, prompt: 'p', mode: 'interactive', cwd: makeTempDir() });
    const first = await waiting;
    waiting = nextEvent(service, 'approval_requested');
    await service.dispatch({ type: 'retry', jobId: job.id, feedback: 'again' });
    await waiting;
    const completed = nextEvent(service, 'completed');
    await service.dispatch({ type: 'approve', jobId: job.id });
    await completed;
    const view = await service.view(job.id.slice(4, 8));
    expect(view.board.tasks.map((task) => [task.id, task.status, task.attempts])).toEqual([['t1', 'done', 2], ['t2', 'done', 1]]);
    expect(view.board.runs.map((run) => [run.id, run.taskId, run.attempt, run.state.status, run.output.section])).toEqual([
      ['r1', 't1', 1, 'succeeded', 'phase 1/2 analyze · attempt 1'],
      ['r2', 't1', 2, 'succeeded', 'phase 1/2 analyze · attempt 2'],
      ['r3', 't2', 1, 'succeeded', 'phase 2/2 deliver · attempt 1'],
    ]);
    // Each run's section is in output.log, under its header.
    const log = readFileSync(view.paths.output, 'utf8');
    expect(log).toMatch(/── phase 1\/2 analyze · attempt 1 · .* ──\nanalyze attempt=1\n/);
    expect(log).toMatch(/── phase 1\/2 analyze · attempt 2 · .* ──\nanalyze attempt=2\n/);
    // On disk: the board folds to the same, and the session's first approval id is stale now.
    await manager.whenIdle();
    expect((await manager.store.readBoard(await manager.store.loadRaw(job.id))).board).toEqual(view.board);
    expect(first.status).toBe('awaiting_approval');
    await manager.shutdown();
  });

  it('appends only the tasks and runs a change touched, however many there are', async () => {
    const manager = makeManager();
    const service = serviceOf(manager);
    const many = commandAgent('many', Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, 'true'])));
    const completed = nextEvent(service, 'completed');
    const { job } = await service.dispatch({ type: 'submit', agent: many, prompt: 'p', mode: 'background', cwd: makeTempDir() });
    await completed;
    await manager.whenIdle();
    const { records } = readTaskRecords(manager.store.pathsOf(job.id).tasks!)!;
    // The creation (one write with the first phase's start) writes the 40 tasks and the first run
    // once; then the first phase's end adds its task and run, and each later phase its task twice
    // (claimed, done) and its run twice (opened, closed): never the whole board again.
    expect(records).toHaveLength(40 + 1 + 2 + 39 * 4);
    await manager.shutdown();
  });

  it('refuses an answer to an approval that was settled meanwhile, instead of applying it to the next', async () => {
    const manager = makeManager();
    const service = serviceOf(manager);
    const three = commandAgent('three', { a: 'true', b: 'true', c: 'true' });
    let waiting = nextEvent(service, 'approval_requested');
    const { job } = await service.dispatch({ type: 'submit', agent: three, prompt: 'p', mode: 'interactive', cwd: makeTempDir() });
    const asked = await waiting;
    const requestId = `${job.id}/1/1`;
    waiting = nextEvent(service, 'approval_requested');
    await service.dispatch({ type: 'approve', jobId: job.id, requestId }); // answered (say, from another terminal)
    await waiting; // phase b asks now
    await expect(service.dispatch({ type: 'approve', jobId: job.id, requestId })).rejects.toMatchObject({ code: 'APPROVAL_STALE' });
    expect(service.sessionJob(job.id)).toMatchObject({ status: 'awaiting_approval', currentPhase: 1 });
    expect(asked.currentPhase).toBe(0);
    await service.dispatch({ type: 'cancel', jobId: job.id });
    await manager.shutdown();
  });
});
