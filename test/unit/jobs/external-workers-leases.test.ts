// External workers on a long-lived host (a server): each worker's lease has a timer that lets a
// silent worker go on time, renewed by every call and stopped when the worker leaves, the job
// closes or the session stops; a short-lived host (`jobline task …`) sets none. Also what a
// heartbeat counts as a worker's own claims, the claims of a board's open runs, and the words of
// refusals a script reads.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getCurrentOwner } from '../../../src/jobs/process/owner.js';
import { createJob, EXTERNAL_AGENT, EXTERNAL_PHASE } from '../../../src/jobs/model/job.js';
import { createJobTasks, type TaskPlan } from '../../../src/jobs/model/task.js';
import { OPEN_EXTERNAL_JOB } from '../../../src/jobs/model/transitions.js';
import { commitSync, settleStoredJob, type StoredJob } from '../../../src/jobs/service/job-commit.js';
import { claimsOfOpenRuns, ExternalWorkers, type WorkerJob } from '../../../src/jobs/service/external-workers.js';
import { InMemoryRepository } from '../../helpers/fakes.js';

const NOW = Date.parse('2026-12-02T10:00:00.000Z');
const LEASE_MS = 1000;
const plan = (title: string, claims: string[] = []): TaskPlan => ({ title, input: `do ${title}`, dependsOn: [], claims });

// An external job in memory and workers on a host that is long-lived or not. The host's clock
// stands still (a lease recorded in job.json never lapses by it): only timers let workers go.
function setup(isLongLived: boolean, plans: TaskPlan[] = [plan('a'), plan('b')]) {
  const store = new InMemoryRepository();
  const iso = new Date(NOW).toISOString();
  const job = createJob({ id: 'job-lease001', agent: EXTERNAL_AGENT, description: '', mode: 'background', phaseNames: [EXTERNAL_PHASE], owner: getCurrentOwner(), now: iso, keepGoing: true, name: null });
  const initial: StoredJob = { state: { job, board: { tasks: createJobTasks([EXTERNAL_PHASE], '', [plans]), runs: [] } }, isBoardRecorded: false };
  commitSync(store, initial, OPEN_EXTERNAL_JOB, iso);
  const runningHere = new Set<string>();
  const host = {
    withJob: <T>(id: string, work: (job: WorkerJob) => Promise<T>) => store.withJobClaim(id, async () => {
      let stored = await settleStoredJob(store, id, iso);
      return work({
        id,
        cwd: '/p',
        get job() {
          return stored.state.job;
        },
        get board() {
          return stored.state.board;
        },
        isRunningHere: (taskId) => runningHere.has(taskId),
        commit: async (actions) => {
          stored = commitSync(store, stored, actions, iso).stored;
        },
      });
    }),
    heldClaims: (held: WorkerJob) => claimsOfOpenRuns(held.id, held.board, held.cwd),
    nowMs: () => NOW,
    taskEnded: () => {},
    isLongLived,
  };
  const workers = new ExternalWorkers(host, LEASE_MS);
  const members = () => (store.loadStored(job.id).joinedWorkers ?? []).map((joined) => joined.name);
  const left = () => store.jobs.get(job.id)!.events.filter((event) => event.type === 'worker_left').map((event) => `${event.worker}: ${event.reason}`);
  return { store, workers, id: job.id, members, left, runningHere };
}

const LAPSE = 'its lease of 1 s ran out without a heartbeat';

describe('lease timers of a long-lived host', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('let a worker silent for its whole lease go, and only it; every call renews the lease', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { workers, id, members, left } = setup(true);
    const { worker: silent } = await workers.join(id, 'dev');
    const { worker: busy } = await workers.join(id, 'dev');
    await vi.advanceTimersByTimeAsync(LEASE_MS - 100);
    expect(await workers.heartbeat(id, busy.name)).toBe(NOW + LEASE_MS);
    await vi.advanceTimersByTimeAsync(100);
    expect(members()).toEqual([busy.name]);
    expect(left()).toEqual([`${silent.name}: ${LAPSE}`]);
    // The heartbeat's timer replaced the join's: the busy worker lasts a lease from its heartbeat.
    await vi.advanceTimersByTimeAsync(LEASE_MS - 200);
    expect(members()).toEqual([busy.name]);
    await workers.claim(id, busy.name);
    await vi.advanceTimersByTimeAsync(LEASE_MS - 1);
    expect(members()).toEqual([busy.name]);
    await vi.advanceTimersByTimeAsync(1);
    expect(members()).toEqual([]);
  });

  it('end with the worker that leaves, and with every worker when the session stops', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { workers, id, members, left } = setup(true);
    const { worker: leaving } = await workers.join(id, 'dev');
    const { worker: staying } = await workers.join(id, 'dev');
    await workers.leave(id, leaving.name);
    workers.stop();
    await vi.advanceTimersByTimeAsync(LEASE_MS * 3);
    expect(members()).toEqual([staying.name]);
    expect(left()).toEqual([`${leaving.name}: left`]);
  });

  it('end when the coordinator closes the job, whose workers are then gone', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { workers, id, store } = setup(true);
    await workers.join(id, 'dev');
    await workers.close(id, 'completed');
    expect(vi.getTimerCount()).toBe(0);
    expect(store.loadStored(id).status).toBe('completed');
  });

  it('are not set by a short-lived host: a lapsed lease is found at the next change', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { workers, id, members } = setup(false);
    const { worker } = await workers.join(id, 'dev');
    await workers.heartbeat(id, worker.name);
    await vi.advanceTimersByTimeAsync(LEASE_MS * 3);
    expect(members()).toEqual([worker.name]);
  });
});

describe('a heartbeat', () => {
  it('asks a worker for the token of its own claims only, naming them all', async () => {
    const { workers, id } = setup(false, [plan('a'), plan('b'), plan('c')]);
    const { worker: holder } = await workers.join(id, 'dev');
    const { worker: idle } = await workers.join(id, 'dev');
    await workers.claim(id, holder.name);
    await workers.claim(id, holder.name);
    expect(await workers.heartbeat(id, idle.name)).toBe(NOW + LEASE_MS);
    await expect(workers.heartbeat(id, holder.name)).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED', message: expect.stringContaining(`${holder.name} holds t1, t2 of ${id}: give the claim token of one`) });
  });

  it('of a stranger to a job no worker joined is refused as one', async () => {
    const { workers, id } = setup(false);
    await expect(workers.heartbeat(id, 'dev[zzzz-0]')).rejects.toMatchObject({ code: 'WORKER_NOT_IN_JOB', message: `dev[zzzz-0] is not a worker of ${id}: join it first (its lease may have run out).` });
  });
});

describe('the claims of a board\'s open runs', () => {
  it('are each open run\'s task claims, with its worker; a run whose task is gone holds none', async () => {
    const { workers, id, store } = setup(false, [plan('a', ['src']), plan('b', ['docs'])]);
    const { worker } = await workers.join(id, 'dev');
    const { board } = await store.readBoard(store.loadStored(id));
    expect(claimsOfOpenRuns(id, board, '/p')).toEqual([]);
    await workers.claim(id, worker.name, ['src/a.ts']);
    const { board: claimed } = await store.readBoard(store.loadStored(id));
    expect(claimsOfOpenRuns(id, claimed, '/p')).toEqual([{ jobId: id, taskId: 't1', worker: worker.name, workspace: '/p', claims: ['src', 'src/a.ts'] }]);
    expect(claimsOfOpenRuns(id, { ...claimed, tasks: [] }, '/p')).toEqual([]);
  });
});

describe('refusals', () => {
  it('name the list of files that is wrong: a claim\'s, or a task end\'s', async () => {
    const { workers, id } = setup(false);
    // Refused at once, before the job is looked at.
    expect(() => workers.claim(id, 'dev[zzzz-0]', ['/etc/passwd'])).toThrow(expect.objectContaining({ code: 'FILES_INVALID', message: expect.stringMatching(/^The files of a claim: "\/etc\/passwd" is absolute/) }));
    expect(() => workers.endTask(id, 't1', { filesModified: ['../x'] })).toThrow(expect.objectContaining({ code: 'FILES_INVALID', message: expect.stringMatching(/^The files a task modified: /) }));
  });

  it('of a task end say when a run of jobline holds the task', async () => {
    const { workers, id, runningHere } = setup(false);
    const { worker } = await workers.join(id, 'dev');
    await workers.claim(id, worker.name);
    runningHere.add('t1');
    await expect(workers.endTask(id, 't1', {})).rejects.toMatchObject({ code: 'TASK_NOT_CLAIMED', message: `${id} t1 is not claimed (a worker of jobline holds it); its claim may have ended with its worker's lease.` });
  });
});
