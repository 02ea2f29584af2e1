// The manager's commands as a caller sees them, on fakes (an in-memory repository, a scripted
// executor, a worktree port that answers as git would): what a submission returns (the notice of
// files left out of a worktree, the run limit), what it refuses and what it leaves when refused;
// approve, retry, cancel, update, resume, adoption, landings and conflicts with and without
// worktrees; and the manager's own lifecycle (ready, closed, shut down once, busy while landing).
import { describe, expect, it } from 'vitest';
import { createExternalAgent } from '../../../src/agents/builtin-agents.js';
import { WorktreeError } from '../../../src/errors.js';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import { makeFakeManager, ScriptedExecutor } from '../../helpers/fakes.js';
import { commandAgent, makeJob } from '../../helpers/jobs.js';
import { commitId, ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';
import { waitFor } from '../../helpers/wait.js';

const ONE = commandAgent('one', { run: 'true' });
const TWO = commandAgent('two', { plan: 'true', apply: 'true' });
const FIXER = commandAgent('fixer', { run: 'true', resolve: 'true' });
const CLOCK = '2026-12-06T09:30:00.000Z';
const clock = () => new Date(CLOCK);

function withWorktrees(configure: (port: ScriptedWorktrees) => void = () => {}, options: Parameters<typeof makeFakeManager>[0] = {}) {
  const port = new ScriptedWorktrees();
  configure(port);
  return { port, ...makeFakeManager({ worktrees: port, ...options }) };
}

// Resolves with the next event of `type` the manager reports (set up before what causes it).
function nextEvent(manager: ReturnType<typeof makeFakeManager>['manager'], type: JobEvent['type']): Promise<[Job, JobEvent]> {
  return new Promise((resolve) => {
    const listener = (job: Job, event: JobEvent) => {
      if (event.type !== type) return;
      manager.off('jobEvent', listener);
      resolve([job, event]);
    };
    manager.on('jobEvent', listener);
  });
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('a submission', () => {
  it('tells of uncommitted files left out of the worktree, one or several, whether the job starts or waits', async () => {
    const { manager, port } = withWorktrees((p) => (p.leftOut = 1), { maxConcurrentJobs: 1 });
    const started = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'solo' });
    expect(started.queuePosition).toBe(0);
    expect(started.notice).toBe(`Your 1 uncommitted file is not in ${started.job.id}'s worktree: it starts from your last commit (${commitId(1).slice(0, 12)}). To include them, start it with --base worktree (/base worktree).`);
    port.leftOut = 3;
    const queued = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'many' });
    expect(queued.queuePosition).toBe(1);
    expect(queued.notice).toBe(`Your 3 uncommitted files are not in ${queued.job.id}'s worktree: it starts from your last commit (000000000000). To include them, start it with --base worktree (/base worktree).`);
    port.leftOut = 0;
    const clean = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'clean' });
    expect(clean).not.toHaveProperty('notice');
    expect(clean).not.toHaveProperty('runLimit');
  });

  it('says nothing of left-out files for a job in place', async () => {
    const { manager } = withWorktrees((p) => (p.leftOut = 2));
    const result = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'none' });
    expect(Object.keys(result).sort()).toEqual(['job', 'queuePosition']);
    expect(result.job.worktree ?? null).toBeNull();
  });

  it('refuses a worktree where there are none, and runs a job asking for none in place', async () => {
    const { manager, store } = makeFakeManager();
    for (const isolation of ['worktree', 'task-worktree'] as const) {
      const refused = manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w', isolation });
      await expect(refused).rejects.toMatchObject({ code: 'NO_WORKTREES', message: 'This jobline runs jobs in place only: it has no worktrees.' });
    }
    expect(store.jobs.size).toBe(0);
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w', isolation: 'none' });
    expect(job.worktree ?? null).toBeNull();
  });

  it('gives a job the configured isolation when it asks for none in particular', async () => {
    const { manager } = withWorktrees(() => {}, { defaultIsolation: 'worktree' });
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', name: 'by-default' });
    expect(job.worktree).toMatchObject({ path: '/worktrees/by-default', branch: 'jobline/by-default', isolation: 'worktree' });
  });

  it('takes nothing when its worktree cannot be placed: its name is free again and nothing is stored', async () => {
    const { manager, store, port } = withWorktrees();
    const taken = new WorktreeError('WORKTREE_TAKEN', 'A worktree is at /worktrees/busy already.');
    const locate = port.locate.bind(port);
    port.locate = () => {
      throw taken;
    };
    await expect(manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'busy' })).rejects.toBe(taken);
    expect(store.names.has('busy')).toBe(false);
    expect(store.jobs.size).toBe(0);
    expect(manager.list()).toEqual([]);
    port.locate = locate;
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'busy' });
    expect(job.name).toBe('busy');
  });

  it('says how many runs go at once when a job asks for more workers than that, never for an external job', async () => {
    const { manager } = makeFakeManager({ maxWorkers: 2, maxConcurrentJobs: 5 });
    const more = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w', workers: 3, taskInputs: ['a', 'b', 'c'] });
    expect(more.runLimit).toBe(2);
    const fits = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w', workers: 2, taskInputs: ['a', 'b'] });
    expect(fits).not.toHaveProperty('runLimit');
    const external = await manager.submit({ agent: createExternalAgent(), prompt: 'p', mode: 'background', cwd: '/w', workers: 5 });
    expect(external).not.toHaveProperty('runLimit');
    expect(external.queuePosition).toBe(0);
  });

  it('says nothing of a run limit when runs go to a queue\'s workers', async () => {
    const executor = Object.assign(new ScriptedExecutor(), { runLimit: 4 });
    const { manager } = makeFakeManager({ executor, maxWorkers: 2 });
    const result = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w', workers: 8, taskInputs: ['a', 'b', 'c'] });
    expect(result).not.toHaveProperty('runLimit');
    await executor.whenRuns(3);
    executor.killAll();
    await manager.shutdown();
  });

  it('hands a worktree\'s setup the configured secrets and output cap', async () => {
    const { manager, executor } = withWorktrees((port) => (port.settings.setup = 'npm ci'), { secretEnvNames: ['API_KEY'], maxOutputBytes: 2048 });
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'set-up' });
    const setup = await executor.whenRuns(1);
    expect(setup.request).toMatchObject({ secretEnvNames: ['API_KEY'], maxOutputBytes: 2048 });
    const plain = withWorktrees((port) => (port.settings.setup = 'npm ci'));
    await plain.manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'plain' });
    expect((await plain.executor.whenRuns(1)).request).toMatchObject({ secretEnvNames: [], maxOutputBytes: Number.POSITIVE_INFINITY });
  });

  it('writes a running job\'s progress within the configured interval', async () => {
    const { manager, executor, store } = makeFakeManager({ progressFlushMs: 5 });
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).listener.output(['halfway there'], 1);
    // Well under the default interval (1 s): the configured one applies.
    await waitFor(() => store.loadStored(job.id).progress.lastEvent === 'halfway there', 'the progress written', 600);
  });

  it('is durable before it returns, unless submitted in bulk, which waits for its write thread', async () => {
    const { manager, store } = makeFakeManager({ maxConcurrentJobs: 1 });
    store.holdWrites();
    const single = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    expect(store.jobs.has(single.job.id)).toBe(true);
    let isBulkDone = false;
    const bulk = manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w', isBulk: true }).then((result) => {
      isBulkDone = true;
      return result;
    });
    await tick();
    await tick();
    expect(isBulkDone).toBe(false);
    store.releaseWrites();
    const { job } = await bulk;
    expect(store.jobs.has(job.id)).toBe(true);
  });

  it('is refused after an exit that could not wait', async () => {
    const { manager } = makeFakeManager();
    expect(manager.interruptActiveSync()).toEqual([]);
    await expect(manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' })).rejects.toMatchObject({ code: 'MANAGER_CLOSED' });
  });
});

describe('approve and retry', () => {
  async function awaiting(manager: ReturnType<typeof makeFakeManager>['manager'], executor: ReturnType<typeof makeFakeManager>['executor'], request: Parameters<typeof manager.submit>[0]) {
    const asked = nextEvent(manager, 'approval_requested');
    const next = executor.runs.length + 1;
    const { job } = await manager.submit(request);
    (await executor.whenRuns(next)).complete('planned');
    await asked;
    return job.id;
  }

  it('commits an approved phase of a job in a worktree and records it; a job in place commits nothing', async () => {
    const { manager, executor, store, port } = withWorktrees();
    const id = await awaiting(manager, executor, { agent: TWO, prompt: 'p', mode: 'interactive', cwd: '/work', isolation: 'worktree', name: 'approved' });
    const committed = nextEvent(manager, 'phase_committed');
    const approved = await manager.approve(id);
    expect(approved.phases[0]!.commit).toBe(commitId(100));
    expect((await committed)[1]).toMatchObject({ type: 'phase_committed', phase: 'plan', commit: commitId(100) });
    expect(store.jobs.get(id)!.events.filter((event) => event.type === 'phase_committed')).toHaveLength(1);
    const before = port.calls.length;
    const inPlace = await awaiting(manager, executor, { agent: TWO, prompt: 'p', mode: 'interactive', cwd: '/work', isolation: 'none', name: 'in-place' });
    const seen = store.jobs.get(inPlace)!.events.length;
    const job = await manager.approve(inPlace);
    expect(job.phases[0]!.commit ?? null).toBeNull();
    expect(port.calls.slice(before).filter((call) => call.startsWith('commitPhase'))).toEqual([]);
    expect(store.jobs.get(inPlace)!.events.slice(seen).every((event) => typeof event === 'object' && typeof event.type === 'string')).toBe(true);
  });

  it('writes an approval of a job in place as its events only', async () => {
    const { manager, executor, store } = makeFakeManager({ maxConcurrentJobs: 1 });
    const id = await awaiting(manager, executor, { agent: TWO, prompt: 'p', mode: 'interactive', cwd: '/w' });
    const seen = store.jobs.get(id)!.events.length;
    await manager.approve(id);
    await executor.whenRuns(2);
    await waitFor(() => store.jobs.get(id)!.events.some((event, index) => index >= seen && event.type === 'phase_started'), 'the next phase started');
    expect(store.jobs.get(id)!.events.slice(seen).map((event) => event.type)).toEqual(['approved', 'queued', 'started', 'phase_started']);
  });

  it('starts a retried phase of a worktree job from the commit before it, unless its changes are kept', async () => {
    const { manager, executor, store, port } = withWorktrees();
    const id = await awaiting(manager, executor, { agent: TWO, prompt: 'p', mode: 'interactive', cwd: '/work', isolation: 'worktree', name: 'again' });
    const retried = await manager.retry(id, 'once more');
    expect(port.calls.filter((call) => call.startsWith('rollBack'))).toEqual([`rollBack ${commitId(1).slice(-3)} plan 1`]);
    expect(store.jobs.get(id)!.events.filter((event) => event.type === 'attempt_kept')).toEqual([expect.objectContaining({ phase: 'plan', attempt: 1, ref: 'refs/jobline/attempts/x' })]);
    expect(retried.phases[0]!.undone).toEqual([{ attempt: 1, ref: 'refs/jobline/attempts/x', files: 2, at: expect.any(String) }]);
    const asked = nextEvent(manager, 'approval_requested');
    (await executor.whenRuns(2)).complete('planned again');
    await asked;
    const kept = await manager.retry(id, null, true);
    expect(kept.pendingRetry).toEqual({ keep: true });
    expect(port.calls.filter((call) => call.startsWith('rollBack'))).toHaveLength(1);
  });

  it('retries a phase in place without keeping its changes unless told, writing only the retry', async () => {
    const { manager, executor, store } = makeFakeManager({ maxConcurrentJobs: 1 });
    const id = await awaiting(manager, executor, { agent: TWO, prompt: 'p', mode: 'interactive', cwd: '/w' });
    const seen = store.jobs.get(id)!.events.length;
    // The slot stays held while the job waits for its answer: the retried phase runs at once.
    const job = await manager.retry(id);
    expect(job.pendingRetry ?? { keep: false }).toEqual({ keep: false });
    expect(store.jobs.get(id)!.events.slice(seen).map((event) => event.type)[0]).toBe('retried');
    expect(store.jobs.get(id)!.events.slice(seen).every((event) => typeof event.type === 'string')).toBe(true);
  });

  it('refuses to retry a job stopped at its budget, saying how to go on', async () => {
    const { manager, executor, store } = makeFakeManager({ maxWorkers: 10 });
    const { job } = await manager.submit({ agent: ONE, prompt: 'go', mode: 'background', cwd: '/w', budget: { tokens: 100 } });
    const run = await executor.whenRuns(1);
    run.listener.progress({ usage: { input: 90, output: 30, cached: 0 } });
    run.listener.budgetReached({ input: 90, output: 30, cached: 0 });
    await waitFor(() => store.loadStored(job.id).status === 'awaiting_approval', 'the budget stop');
    await expect(manager.retry(job.id, 'more')).rejects.toMatchObject({
      code: 'JOB_AT_BUDGET',
      message: `${job.id} stopped at its budget, not after a phase: continue it (/approve) to go on with +50%, or cancel it.`,
    });
    expect(store.loadStored(job.id).status).toBe('awaiting_approval');
  });
});

describe('cancel', () => {
  it('hands a cancelled queued job to the storage policy at once', async () => {
    const { manager, store, executor } = makeFakeManager({ maxConcurrentJobs: 1, maxUnfinishedJobs: 0 });
    await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    await executor.whenRuns(1);
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    expect((await manager.cancel(job.id)).status).toBe('cancelled');
    await waitFor(() => !store.jobs.has(job.id), 'the cancelled job removed');
    // Still shown as ended in this session: its end asked for the pass.
    expect(manager.get(job.id).status).toBe('cancelled');
    expect(executor.runs).toHaveLength(1);
  });
});

describe('update', () => {
  it('dismisses an ended job once, and writes nothing for a change that changes nothing', async () => {
    const { manager, executor, store } = makeFakeManager({ now: clock });
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).fail();
    await manager.whenIdle();
    const dismissed = await manager.update(job.id, { dismissed: true });
    expect(dismissed.dismissedAt).toBe(CLOCK);
    expect(store.loadStored(job.id).dismissedAt).toBe(CLOCK);
    const writes = store.commits.length;
    await manager.update(job.id, { dismissed: true });
    await manager.update(job.id, { mode: 'background', name: dismissed.name });
    expect(store.commits.length).toBe(writes);
    const back = await manager.update(job.id, { dismissed: false });
    expect(back.dismissedAt ?? null).toBeNull();
    expect(store.commits.length).toBe(writes + 1);
  });

  it('changes an active job\'s mode only when it differs, and refuses an ended job\'s', async () => {
    const { manager, executor, store } = makeFakeManager();
    const { job } = await manager.submit({ agent: TWO, prompt: 'p', mode: 'background', cwd: '/w' });
    await executor.whenRuns(1);
    const writes = store.commits.length;
    await manager.update(job.id, { mode: 'background' });
    expect(store.commits.length).toBe(writes);
    expect((await manager.update(job.id, { mode: 'interactive' })).mode).toBe('interactive');
    await manager.cancel(job.id);
    await expect(manager.update(job.id, { mode: 'background' })).rejects.toMatchObject({ code: 'JOB_NOT_ACTIVE', message: `${job.id} is cancelled: only an active job's mode can change.` });
  });
});

describe('resume', () => {
  it('refuses a worktree where there are none, and resumes in place', async () => {
    const { manager, executor } = makeFakeManager();
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).fail();
    await manager.whenIdle();
    await expect(manager.resume(job.id, 'background', undefined, false, { isolation: 'worktree' })).rejects.toMatchObject({ code: 'NO_WORKTREES', message: 'This jobline runs jobs in place only: it has no worktrees.' });
    expect(manager.get(job.id).status).toBe('failed');
    expect((await manager.resume(job.id, 'background', undefined, false, { isolation: 'none' })).status).not.toBe('failed');
    expect((await executor.whenRuns(2)).request.attempt).toBe(2);
  });

  it('takes over a job from the folder with this session\'s clock, and forgets it when the resume fails', async () => {
    const { manager, store, executor } = makeFakeManager();
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).fail();
    await manager.whenIdle();
    const other = makeFakeManager({ now: clock });
    other.store.jobs.set(job.id, { ...store.jobs.get(job.id)! });
    await expect(other.manager.resume(job.id, 'background', () => ({ agent: ONE, cwd: '/w' }), false, { isolation: 'worktree' })).rejects.toMatchObject({ code: 'NO_WORKTREES' });
    expect(other.manager.has(job.id)).toBe(false);
    const seen = other.store.jobs.get(job.id)!.events.length;
    const resumed = await other.manager.resume(job.id, 'background', () => ({ agent: ONE, cwd: '/w' }));
    expect(resumed.owner.pid).toBe(process.pid);
    const written = other.store.jobs.get(job.id)!.events.slice(seen);
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((event) => event.ts === CLOCK)).toBe(true);
    await other.executor.whenRuns(1);
  });
});

describe('an external job taken from the folder', () => {
  async function storedExternal() {
    const first = makeFakeManager();
    const { job } = await first.manager.submit({ agent: createExternalAgent(), prompt: 'p', mode: 'background', cwd: '/w' });
    return { id: job.id, stored: { ...first.store.jobs.get(job.id)! } };
  }

  it('is adopted once, however many ask at once, with this session\'s clock', async () => {
    const { id, stored } = await storedExternal();
    const { manager, store } = makeFakeManager({ now: clock });
    store.jobs.set(id, stored);
    let adoptions = 0;
    const adopt = async () => {
      adoptions++;
      await tick();
      return { agent: ONE, cwd: '/elsewhere' };
    };
    await Promise.all([manager.adoptExternal(id, adopt), manager.adoptExternal(id, adopt)]);
    expect(adoptions).toBe(1);
    await manager.adoptExternal(id, adopt);
    expect(adoptions).toBe(1);
    const seen = store.jobs.get(id)!.events.length;
    await manager.cancel(id);
    const written = store.jobs.get(id)!.events.slice(seen);
    expect(written.map((event) => event.type)).toContain('cancelled');
    expect(written.every((event) => event.ts === CLOCK)).toBe(true);
  });

  it('is refused when another jobline runs it, and when it ended, saying so', async () => {
    const { manager, store } = makeFakeManager();
    const owned = makeJob({ id: 'job-owned001', status: 'running', owner: { pid: 4242, hostname: 'elsewhere', processStartedAt: CLOCK } });
    store.writeSync(owned);
    await expect(manager.adoptExternal(owned.id, () => ({ agent: ONE, cwd: '/w' }))).rejects.toMatchObject({ code: 'JOB_OWNED_ELSEWHERE', message: `${owned.id} is run by another jobline (pid ${owned.owner.pid}); workers join it there.` });
    const { id, stored } = await storedExternal();
    store.jobs.set(id, { ...stored, job: { ...stored.job, status: 'cancelled', endedAt: CLOCK } });
    await expect(manager.adoptExternal(id, () => ({ agent: ONE, cwd: '/w' }))).rejects.toMatchObject({ code: 'JOB_NOT_ACTIVE', message: `${id} is cancelled; workers take part only in active jobs.` });
    expect(manager.has(id)).toBe(false);
  });
});

describe('landings', () => {
  async function completedInWorktree(options: Parameters<typeof withWorktrees>[1] = {}, configure: (port: ScriptedWorktrees) => void = () => {}) {
    const fake = withWorktrees(configure, options);
    const { job } = await fake.manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'landing' });
    (await fake.executor.whenRuns(1)).complete();
    await fake.manager.whenIdle();
    return { ...fake, id: job.id };
  }

  it('are refused where there are no worktrees, saying so', async () => {
    const { manager } = makeFakeManager();
    const message = 'This jobline runs jobs in place only: there are no worktrees to land or discard.';
    await expect(manager.merge('job-t0000001')).rejects.toMatchObject({ code: 'NO_WORKTREES', message });
    await expect(manager.discard('job-t0000001')).rejects.toMatchObject({ code: 'NO_WORKTREES', message });
    await expect(manager.resolveConflict('job-t0000001', null)).rejects.toMatchObject({ code: 'NO_WORKTREES' });
    const job = makeJob();
    expect(await manager.recoverLanding(job)).toBe(job);
  });

  it('land a job of this session, said as it goes with this session\'s clock, the session busy until it ends', async () => {
    const { manager, id, port, store } = await completedInWorktree({ now: clock });
    port.waitPositions = [1];
    const activities: Array<[string, string, string | undefined]> = [];
    manager.on('jobActivity', (_job, icon, text, taskId) => activities.push([icon, text, taskId]));
    let release!: () => void;
    const turn = port.withLandingTurn.bind(port);
    port.withLandingTurn = async (worktree, jobId, onPosition, work) => {
      await new Promise<void>((resolve) => (release = resolve));
      return turn(worktree, jobId, onPosition, work);
    };
    const landing = manager.merge(id);
    await waitFor(() => release !== undefined, 'the landing waits for its turn');
    let isIdle = false;
    const idle = manager.whenIdle().then(() => (isIdle = true));
    await tick();
    expect(isIdle).toBe(false);
    release();
    const landed = await landing;
    await idle;
    expect(landed.merge).toMatchObject({ status: 'landed', landedAt: CLOCK });
    expect(manager.get(id).merge).toMatchObject({ status: 'landed' });
    expect(activities).toContainEqual(['⏳', 'waiting to land on main: position 1', undefined]);
    expect(store.jobs.get(id)!.events.filter((event) => event.type === 'merge').every((event) => event.ts === CLOCK)).toBe(true);
  });

  it('land and discard a job of the folder this session does not hold', async () => {
    const { manager, id, store } = await completedInWorktree();
    const other = withWorktrees();
    other.store.jobs.set(id, { ...store.jobs.get(id)! });
    expect((await other.manager.merge(id)).merge).toMatchObject({ status: 'landed' });
    const third = withWorktrees();
    third.store.jobs.set(id, { ...store.jobs.get(id)! });
    expect((await third.manager.discard(id)).merge).toMatchObject({ status: 'discarded' });
    expect(other.manager.has(id)).toBe(false);
  });

  it('land on their own when merge.auto says so, once, and a landing that fails is a warning', async () => {
    const auto = await completedInWorktree({}, (port) => (port.settings.merge.auto = true));
    await waitFor(() => auto.manager.get(auto.id).merge?.status === 'landed', 'the job landed on its own');
    expect(auto.port.calls.filter((call) => call.startsWith('turn'))).toHaveLength(1);
    // Only its work becoming ready lands it: none of its other events tried to.
    const quiet = withWorktrees((port) => (port.settings.merge.auto = true));
    const heard: string[] = [];
    quiet.manager.on('warning', (message) => heard.push(message));
    const { job: other } = await quiet.manager.submit({ agent: TWO, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'quiet' });
    (await quiet.executor.whenRuns(1)).complete();
    (await quiet.executor.whenRuns(2)).complete();
    await waitFor(() => quiet.manager.get(other.id).merge?.status === 'landed', 'the other job landed');
    expect(heard).toEqual([]);
    const failing = withWorktrees((port) => {
      port.settings.merge.auto = true;
      port.candidates = [new WorktreeError('GIT_FAILED', 'git merge failed: boom')];
    });
    const warnings: string[] = [];
    failing.manager.on('warning', (message) => warnings.push(message));
    const { job } = await failing.manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'doomed' });
    (await failing.executor.whenRuns(1)).complete();
    await waitFor(() => warnings.length > 0, 'the failed landing said');
    expect(warnings[0]).toBe(`${job.id}: git merge failed: boom`);
  });

  it('wait for the user where merge.auto is off', async () => {
    const { manager, id, port } = await completedInWorktree();
    await tick();
    expect(manager.get(id).merge?.status ?? 'ready').toBe('ready');
    expect(port.calls.filter((call) => call.startsWith('turn'))).toEqual([]);
  });

  it('of a conflict in a job of the folder need its agent: without one it is refused, with one it resolves', async () => {
    const { manager, id, store } = await completedInWorktree();
    const conflicted = { ...store.jobs.get(id)! };
    conflicted.job = { ...conflicted.job, merge: { status: 'conflict', target: 'main', commit: null, conflicts: ['a.ts'], checkedCommit: null, landedAt: null } };
    const other = withWorktrees((port) => (port.mergeInConflicts = ['a.ts']), { now: clock });
    other.store.jobs.set(id, conflicted);
    await expect(other.manager.resolveConflict(id, null)).rejects.toMatchObject({ code: 'JOB_NOT_RESOLVABLE', message: `${id} is not in this session.` });
    expect(other.manager.has(id)).toBe(false);
    const seen = other.store.jobs.get(id)!.events.length;
    const job = await other.manager.resolveConflict(id, 'mind the tests', () => ({ agent: FIXER, cwd: '/work' }));
    expect(other.manager.has(id)).toBe(true);
    expect(job.owner.pid).toBe(process.pid);
    expect(job.status).not.toBe('completed');
    const run = await other.executor.whenRuns(1);
    expect(run.request.feedback).toContain('mind the tests');
    expect(other.store.jobs.get(id)!.events.slice(seen).every((event) => event.ts === CLOCK)).toBe(true);
  });
});

describe('the manager itself', () => {
  it('is ready when its executor is', async () => {
    const { manager, executor } = makeFakeManager();
    let ready!: () => void;
    executor.whenReady = () => new Promise<void>((resolve) => (ready = resolve));
    let isReady = false;
    const whenReady = manager.whenReady().then(() => (isReady = true));
    await tick();
    expect(isReady).toBe(false);
    ready();
    await whenReady;
    expect(isReady).toBe(true);
  });

  it('shuts down once: a second shutdown marks nothing and closes nothing again', async () => {
    const { manager, store, executor } = makeFakeManager();
    let closes = 0;
    store.close = async () => {
      closes++;
    };
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    const run = await executor.whenRuns(1);
    const first = manager.shutdown('bye');
    const second = manager.shutdown('bye');
    await tick();
    run.stop();
    expect(await second).toEqual([]);
    expect(await first).toEqual([job.id]);
    expect(await manager.shutdown('bye')).toEqual([]);
    expect(closes).toBe(1);
  });

  it('reports the removal of a job it does not hold', async () => {
    const { manager, store, executor } = makeFakeManager({ maxCompletedJobs: 0 });
    const foreign = makeJob({ id: 'job-foreign1', status: 'completed', endedAt: '2020-01-01T00:00:00.000Z' });
    store.writeSync(foreign);
    const removed: string[] = [];
    manager.on('jobRemoved', (id) => removed.push(id));
    const { job } = await manager.submit({ agent: ONE, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).complete();
    await manager.whenIdle();
    await waitFor(() => !store.jobs.has(foreign.id), 'the pass ran');
    // The job whose end asked for the pass is still shown as ended here; the other one is said gone.
    expect(removed).toEqual([foreign.id]);
    expect(manager.get(job.id).status).toBe('completed');
  });
});
