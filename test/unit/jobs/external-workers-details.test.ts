// The exact words and edges of the workers' rules: what a name may be, when a lease has run out,
// what a refused claim or end says, and what a new external job is made of. A script reads these
// messages and statuses, so they are pinned here.
import { describe, expect, it } from 'vitest';
import { findLapsedWorkers, JOB_NAME_PATTERN, WORKER_AGENT_PATTERN, WORKER_NAME_PATTERN } from '../../../src/jobs/model/job.js';
import { decideClaim } from '../../../src/jobs/model/worker-claims.js';
import { applyActions } from '../../../src/jobs/model/job-state.js';
import { createJobTasks } from '../../../src/jobs/model/task.js';
import { OPEN_EXTERNAL_JOB } from '../../../src/jobs/model/transitions.js';
import { ClaimConflictError } from '../../../src/jobs/service/external-workers.js';
import { FolderWorkers } from '../../../src/jobs/service/folder-workers.js';
import { buildNewJob, resumeActions } from '../../../src/jobs/service/new-job.js';
import { createExternalAgent } from '../../../src/agents/builtin-agents.js';
import { InMemoryRepository, makeInMemoryReader, TWO_PHASES } from '../../helpers/fakes.js';
import { makeJob } from '../../helpers/jobs.js';

const plan = (title: string, claims: string[] = [], dependsOn: string[] = []) => ({ title, input: `do ${title}`, dependsOn, claims });
const holder = { jobId: 'job-hold0001', taskId: 't7', worker: 'ci[hold-0]', workspace: '/w', claims: ['src'] };

describe('names', () => {
  it.each([
    ['dev', true], ['claude-code', true], ['a.b_c', true], ['x'.repeat(32), true], ['x'.repeat(33), false], ['-dev', false], ['dev ops', false], ['dév', false], ['', false],
  ])('an agent of a worker %j is %s', (name, isValid) => {
    expect(WORKER_AGENT_PATTERN.test(name)).toBe(isValid);
  });

  it.each([
    ['dev[ab12-0]', true], ['dev[ab12-123456]', true], ['d[a-1]', true], ['dev[AB12-0]', false], ['dev[ab123-0]', false], ['dev[ab12-x]', false], ['dev[ab12-1234567]', false],
    ['-dev[ab12-0]', false], ['de v[ab12-0]', false], [`${'d'.repeat(64)}[ab12-0]`, true], [`${'d'.repeat(65)}[ab12-0]`, false], ['dev[ab12-0] ', false], [' dev[ab12-0]', false],
  ])('a worker name %j is %s', (name, isValid) => {
    expect(WORKER_NAME_PATTERN.test(name)).toBe(isValid);
  });

  it.each([['nightly-build', true], ['castle-river-mountain-forest', true], ['9lives', true], ['x'.repeat(80), true], ['x'.repeat(81), false], ['_x', false], ['two words', false], ['a/b', false]])('a job name %j is %s', (name, isValid) => {
    expect(JOB_NAME_PATTERN.test(name)).toBe(isValid);
  });
});

describe('leases', () => {
  it('a lease has run out at its very end, not before; a worker without a recorded lease never lapses', () => {
    const job = { joinedWorkers: [
      { name: 'a[x-0]', agent: 'a', index: 0, joinedAt: '2026-12-02T10:00:00.000Z', leaseExpiresAt: '2026-12-02T10:00:30.000Z' },
      { name: 'b[x-1]', agent: 'b', index: 1, joinedAt: '2026-12-02T10:00:00.000Z', leaseExpiresAt: '2026-12-02T10:00:31.000Z' },
      { name: 'c[x-2]', agent: 'c', index: 2, joinedAt: '2026-12-02T10:00:00.000Z' },
    ] };
    expect(findLapsedWorkers(job, '2026-12-02T10:00:29.999Z')).toEqual([]);
    expect(findLapsedWorkers(job, '2026-12-02T10:00:30.000Z')).toEqual(['a[x-0]']);
    expect(findLapsedWorkers(job, '2026-12-02T11:00:00.000Z')).toEqual(['a[x-0]', 'b[x-1]']);
    expect(findLapsedWorkers({}, '2026-12-02T11:00:00.000Z')).toEqual([]);
  });

  it.each([[30_000, '30 s'], [10_000, '10 s'], [9_500, '9.5 s'], [1_500, '1.5 s'], [300, '0.3 s']])('says a lease of %i ms as %s', async (leaseMs, said) => {
    const store = new InMemoryRepository();
    let now = Date.parse('2026-12-02T10:00:00.000Z');
    const folder = new FolderWorkers(store, makeInMemoryReader(store), () => new Date(now), leaseMs);
    const { id } = folder.create({ name: null, tasks: [plan('a')], cwd: '/p' });
    const { worker } = await folder.workers.join(id, 'dev');
    now += leaseMs;
    const { worker: next } = await folder.workers.join(id, 'dev');
    expect(store.jobs.get(id)!.events.find((event) => event.type === 'worker_left')).toMatchObject({ worker: worker.name, reason: `its lease of ${said} ran out without a heartbeat` });
    expect(store.jobs.get(id)!.job.joinedWorkers!.map((joined) => joined.name)).toEqual([next.name]);
  });
});

describe('what refusals say', () => {
  it('names the files claimed and their holder, in the message and in its details', () => {
    const one = new ClaimConflictError(['src/a.ts'], holder);
    expect(one.message).toBe('src/a.ts is claimed by ci[hold-0] (job-hold0001 t7).');
    expect(new ClaimConflictError(['src/a.ts', 'src/b.ts'], holder).message).toBe('src/a.ts, src/b.ts are claimed by ci[hold-0] (job-hold0001 t7).');
    expect(one.details).toEqual({ files: ['src/a.ts'], holder: { jobId: 'job-hold0001', taskId: 't7', worker: 'ci[hold-0]', claims: ['src'] } });
    expect(one.code).toBe('CLAIM_CONFLICT');
  });

  it('says why a task cannot be ended, and what an end records by default', async () => {
    const store = new InMemoryRepository();
    const folder = new FolderWorkers(store, makeInMemoryReader(store), () => new Date('2026-12-02T10:00:00.000Z'));
    const { id } = folder.create({ name: 'x', tasks: [plan('a'), plan('b')], cwd: '/p' });
    const { worker } = await folder.workers.join(id, 'dev');
    await expect(folder.workers.endTask(id, 't1', {})).rejects.toThrow(`${id} t1 is not claimed; its claim may have ended with its worker's lease.`);
    await expect(folder.workers.endTask(id, 't9', {})).rejects.toThrow(`${id} has no task t9.`);
    const { token } = (await folder.workers.claim(id, worker.name))!;
    await expect(folder.workers.endTask(id, 't1', { worker: 'dev[zzzz-9]', token })).rejects.toThrow(`${id} t1 is not claimed by dev[zzzz-9] (${worker.name} holds it); its claim may have ended with its worker's lease.`);
    await expect(folder.workers.claim(id, 'dev[zzzz-9]')).rejects.toThrow(`dev[zzzz-9] is not a worker of ${id}: join it first (its lease may have run out).`);
    // The claim's token is what ends it: none, or another, is refused.
    await expect(folder.workers.endTask(id, 't1', {})).rejects.toThrow(`${id} t1 is claimed by ${worker.name}: give its claim token (--token, or $JOBLINE_CLAIM_TOKEN as jobline task claim writes it to $JOBLINE_ENV_FILE; "token" in the API).`);
    await expect(folder.workers.endTask(id, 't1', { worker: worker.name, token: token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })).rejects.toThrow(`${id} t1 is not claimed with that token (${worker.name} holds it); its claim may have ended with its worker's lease.`);
    const done = await folder.workers.endTask(id, 't1', { token });
    expect(done).toMatchObject({ status: 'done', result: null, filesModified: [] });
    await folder.workers.close(id, 'completed');
    await expect(folder.workers.claim(id, worker.name)).rejects.toThrow(`${id} is completed; workers take part only in active jobs.`);
    const agentJob = makeJob({ id: 'job-agent001', status: 'awaiting_approval', agent: 'build' });
    store.writeSync(agentJob);
    await expect(folder.workers.join(agentJob.id, 'dev')).rejects.toThrow(`job-agent001 is run by another jobline (pid ${agentJob.owner.pid}); without jobline serve, workers take part only in external jobs (jobline job create).`);
  });
});

describe('deciding a claim, at its edges', () => {
  const open = (plans: ReturnType<typeof plan>[]) => {
    const job = makeJob({ agent: 'external', mode: 'background' }, ['work']);
    return applyActions({ job, board: { tasks: plans.length > 0 ? createJobTasks(['work'], '', [plans]) : [], runs: [] } }, OPEN_EXTERNAL_JOB, '2026-12-02T10:00:00.000Z').state;
  };

  it('gives a claim whose named files overlap nothing held, and says why none is given', () => {
    const state = open([plan('a', [], ['b']), plan('b', [], ['c']), plan('c')]);
    expect(decideClaim(state.job, state.board, '/w', ['docs/x.md'], [holder])).toMatchObject({ kind: 'claim', task: { id: 't3' } });
    const blocked = open([plan('a', ['src/x'])]);
    expect(decideClaim(blocked.job, blocked.board, '/w', [], [holder])).toEqual({ kind: 'none', reason: `every waiting task of ${blocked.job.id} waits for a dependency or a claim` });
    // A dependency missing from the board (a hand-edited tasks file) is never done.
    const orphan = open([plan('a')]);
    const orphanBoard = { ...orphan.board, tasks: orphan.board.tasks.map((task) => ({ ...task, dependsOn: ['t9'] })) };
    expect(decideClaim(orphan.job, orphanBoard, '/w', [], [])).toEqual({ kind: 'none', reason: `every waiting task of ${orphan.job.id} waits for a dependency or a claim` });
    const empty = open([]);
    expect(decideClaim(empty.job, empty.board, '/w', [], [])).toEqual({ kind: 'none', reason: `no task of ${empty.job.id} waits` });
    const between = { ...state.job, phases: state.job.phases.map((phase) => ({ ...phase, status: 'completed' as const })) };
    expect(decideClaim(between, state.board, '/w', [], [])).toEqual({ kind: 'none', reason: `${state.job.id} is between phases` });
    expect(decideClaim({ ...state.job, currentPhase: 5 }, state.board, '/w', [], [])).toEqual({ kind: 'none', reason: `${state.job.id} is between phases` });
  });
});

describe('a new external job', () => {
  it('is made of the tasks listed, or of none; its description is what it was given', async () => {
    const store = new InMemoryRepository();
    const folder = new FolderWorkers(store, makeInMemoryReader(store), () => new Date('2026-12-02T10:00:00.000Z'));
    const bare = folder.create({ name: null, tasks: [], cwd: '/p' });
    expect(bare.description).toBe('');
    expect(bare.name).toBe(`name-${bare.id.slice(5)}`);
    expect(store.jobs.get(bare.id)!.records).toEqual([]);
    expect(store.jobs.get(bare.id)!.events[0]).toEqual({ ts: '2026-12-02T10:00:00.000Z', type: 'created', agent: 'external', mode: 'background', cwd: '/p', seq: 1 });
    expect(await folder.resolve(bare.id.toUpperCase())).toBe(bare.id);
    expect(await folder.resolve(`  ${bare.id} `)).toBe(bare.id);
  });

  it('from a submission: listed tasks for an external agent, the agent\'s plan otherwise; a resume opens it again', () => {
    const owner = makeJob().owner;
    const external = buildNewJob({ agent: createExternalAgent(), prompt: 'p', mode: 'interactive', cwd: '/p', tasks: [plan('a')] }, 'job-new00001', owner, '2026-12-02T10:00:00.000Z');
    expect(external.job).toMatchObject({ mode: 'background', keepGoing: true, description: 'p' });
    expect(external.board.tasks.map((task) => task.title)).toEqual(['a']);
    expect(buildNewJob({ agent: createExternalAgent(), prompt: 'p', mode: 'background', cwd: '/p', tasks: [] }, 'job-new00002', owner, '2026-12-02T10:00:00.000Z').board.tasks).toEqual([]);
    const agentJob = buildNewJob({ agent: TWO_PHASES, prompt: 'p', mode: 'interactive', cwd: '/p', tasks: [] }, 'job-new00003', owner, '2026-12-02T10:00:00.000Z');
    expect(agentJob.job).toMatchObject({ mode: 'interactive', keepGoing: false });
    expect(agentJob.board.tasks.map((task) => task.title)).toEqual(['a', 'b']);
    expect(buildNewJob({ agent: TWO_PHASES, prompt: 'p', mode: 'background', cwd: '/p', tasks: [plan('only')] }, 'job-new00004', owner, '2026-12-02T10:00:00.000Z').board.tasks.map((task) => [task.phase, task.title])).toEqual([[0, 'only'], [1, 'b']]);
    expect(resumeActions(external.job, 'interactive')).toEqual([{ type: 'resume', mode: 'background' }, { type: 'start' }, { type: 'startPhase', taskId: null }]);
    expect(resumeActions(agentJob.job, 'interactive')).toEqual([{ type: 'resume', mode: 'interactive' }]);
  });
});

describe('the model of workers, at its edges', () => {
  const NOW = '2026-12-02T10:00:00.000Z';
  const opened = (plans: ReturnType<typeof plan>[], phaseNames = ['work']) => {
    const job = makeJob({ agent: 'external', mode: 'background' }, phaseNames);
    return applyActions({ job, board: { tasks: createJobTasks(phaseNames, '', [plans]), runs: [] } }, OPEN_EXTERNAL_JOB, NOW).state;
  };

  it("renews one worker's lease only, and refuses a stranger's", () => {
    let state = applyActions(opened([plan('a')]), [{ type: 'joinWorker', agent: 'a', leaseExpiresAt: '2026-12-02T10:00:30.000Z' }, { type: 'joinWorker', agent: 'b', leaseExpiresAt: '2026-12-02T10:00:30.000Z' }], NOW).state;
    const renewed = applyActions(state, [{ type: 'renewLease', worker: 'b[abcd-1]', leaseExpiresAt: '2026-12-02T10:01:00.000Z' }], NOW);
    expect(renewed.state.job.joinedWorkers!.map((worker) => worker.leaseExpiresAt)).toEqual(['2026-12-02T10:00:30.000Z', '2026-12-02T10:01:00.000Z']);
    expect(renewed.events).toEqual([]);
    state = opened([plan('a')]);
    expect(() => applyActions(state, [{ type: 'renewLease', worker: 'x[abcd-0]', leaseExpiresAt: NOW }], NOW)).toThrow('Cannot renewLease a worker that is not in the job (x[abcd-0]) (job-abcd1234).');
    expect(() => applyActions(state, [{ type: 'leaveWorker', worker: 'x[abcd-0]', reason: 'left' }], NOW)).toThrow('Cannot leaveWorker a worker that is not in the job (x[abcd-0]) (job-abcd1234).');
  });

  it('closes as failed with a default reason, leaves no workers behind, and answers a pending approval', () => {
    const state = opened([plan('a')]);
    const failed = applyActions(state, [{ type: 'close', status: 'failed' }], NOW);
    expect(failed.state.job).toMatchObject({ status: 'failed', error: 'closed as failed', endedAt: NOW });
    expect(failed.state.job.phases[0]).toMatchObject({ status: 'failed', endedAt: NOW });
    expect(failed.state.job).not.toHaveProperty('joinedWorkers');
    const waiting = { ...state, job: { ...state.job, status: 'awaiting_approval' as const, hasPendingApproval: true } };
    expect(applyActions(waiting, [{ type: 'close', status: 'completed' }], NOW).state.job).toMatchObject({ status: 'completed', hasPendingApproval: false, error: null });
    const withWorker = applyActions(state, [{ type: 'joinWorker', agent: 'a' }, { type: 'close', status: 'completed' }], NOW).state.job;
    expect(withWorker.joinedWorkers).toEqual([]);
  });

  it('sets the mode without an event, and adds tasks at the end of the current phase, numbered after the highest', () => {
    const state = opened([plan('a')], ['work', 'later']);
    const moded = applyActions(state, [{ type: 'setMode', mode: 'interactive' }], NOW);
    expect(moded.state.job.mode).toBe('interactive');
    expect(moded.events).toEqual([]);
    const added = applyActions(state, [{ type: 'addTasks', tasks: [plan('b'), plan('c')] }], NOW).state.board.tasks;
    expect(added.map((task) => [task.id, task.phase, task.title])).toEqual([['t1', 0, 'a'], ['t3', 0, 'b'], ['t4', 0, 'c'], ['t2', 1, 'later']]);
  });

  it("joins a worker's files to the task's claims once each", () => {
    const state = applyActions(opened([plan('a', ['src/a.ts'])]), [{ type: 'joinWorker', agent: 'dev' }], NOW).state;
    const claimed = applyActions(state, [{ type: 'startTask', taskId: 't1', worker: 'dev[abcd-0]', files: ['src/a.ts', 'src/b.ts'] }], NOW).state;
    expect(claimed.board.tasks[0]!.claims).toEqual(['src/a.ts', 'src/b.ts']);
  });
});

describe('claims and lapses, more edges', () => {
  it('gives a task whose dependencies are all done', () => {
    const job = makeJob({ agent: 'external', mode: 'background' }, ['work']);
    let state = applyActions({ job, board: { tasks: createJobTasks(['work'], '', [[plan('a'), plan('b', [], ['a'])]]), runs: [] } }, [...OPEN_EXTERNAL_JOB, { type: 'joinWorker', agent: 'dev' }], '2026-12-02T10:00:00.000Z').state;
    state = applyActions(state, [{ type: 'startTask', taskId: 't1', worker: 'dev[abcd-0]' }, { type: 'completeTask', taskId: 't1', output: null }], '2026-12-02T10:00:00.000Z').state;
    expect(decideClaim(state.job, state.board, '/w', [], [])).toMatchObject({ kind: 'claim', task: { id: 't2' } });
  });

  it("lets a lapsed worker leave before another worker's task end is recorded", async () => {
    const store = new InMemoryRepository();
    let now = Date.parse('2026-12-02T10:00:00.000Z');
    const folder = new FolderWorkers(store, makeInMemoryReader(store), () => new Date(now), 1000);
    const { id } = folder.create({ name: null, tasks: [plan('a'), plan('b')], cwd: '/p' });
    const { worker: silent } = await folder.workers.join(id, 'dev');
    const { worker: busy } = await folder.workers.join(id, 'dev');
    await folder.workers.claim(id, silent.name);
    const { token } = (await folder.workers.claim(id, busy.name))!;
    now += 600;
    await folder.workers.heartbeat(id, busy.name, token);
    const events = () => store.jobs.get(id)!.events.map((event) => `${event.type}${event.worker ? ` ${event.worker}` : ''}`);
    const left = events().length;
    now += 500;
    // The silent worker's lease ran out at 10:00:01; the busy one's runs until 10:00:01.600.
    await folder.workers.endTask(id, 't2', { worker: busy.name, token });
    expect(events().slice(left, left + 1)).toEqual([`worker_left ${silent.name}`]);
    expect(events().slice(left + 1)).toEqual(['task_completed']);
  });

  it('gives a name to one job only, and finds a job by its name or a prefix of it', async () => {
    const store = new InMemoryRepository();
    const folder = new FolderWorkers(store, makeInMemoryReader(store), () => new Date('2026-12-02T10:00:00.000Z'));
    const first = folder.create({ name: 'twin', tasks: [], cwd: '/p' });
    expect(() => folder.create({ name: 'TWIN', tasks: [], cwd: '/p' })).toThrow(`The name TWIN is taken by ${first.id}`);
    const second = folder.create({ name: 'twine', tasks: [], cwd: '/p' });
    await expect(folder.resolve(' twin ')).resolves.toBe(first.id);
    await expect(folder.resolve('twine')).resolves.toBe(second.id);
    await expect(folder.resolve('tw')).rejects.toThrow(`'tw' matches 2 jobs: ${first.id} (twin), ${second.id} (twine). Type more of the id or name.`);
    await expect(folder.resolve(first.id.slice(0, 6))).rejects.toMatchObject({ code: 'JOB_ID_AMBIGUOUS' });
    expect(() => folder.create({ name: 'bad name', tasks: [], cwd: '/p' })).toThrow('"bad name" is not a job name: letters, digits, _ . - (up to 80), starting with a letter or digit.');
  });
});

describe('one write per command, and what each write holds', () => {
  const setup = (leaseMs = 30_000) => {
    const store = new InMemoryRepository();
    let now = Date.parse('2026-12-02T10:00:00.000Z');
    const folder = new FolderWorkers(store, makeInMemoryReader(store), () => new Date(now), leaseMs);
    return { store, folder, advance: (ms: number) => (now += ms) };
  };

  it('writes each command once when no lease has lapsed, and renews the lease even when nothing is claimed', async () => {
    const { store, folder, advance } = setup();
    const { id } = folder.create({ name: null, tasks: [plan('a')], cwd: '/p' });
    const { worker } = await folder.workers.join(id, 'dev');
    const { worker: other } = await folder.workers.join(id, 'dev');
    let commits = store.commits.length;
    const { token } = (await folder.workers.claim(id, worker.name))!;
    expect(store.commits.length).toBe(commits + 1);
    advance(1000);
    commits = store.commits.length;
    expect(await folder.workers.claim(id, other.name)).toBeNull();
    expect(store.commits.length).toBe(commits + 1);
    expect(store.jobs.get(id)!.job.joinedWorkers!.find((joined) => joined.name === other.name)!.leaseExpiresAt).toBe('2026-12-02T10:00:31.000Z');
    commits = store.commits.length;
    await folder.workers.endTask(id, 't1', { worker: worker.name, token });
    expect(store.commits.length).toBe(commits + 1);
    await folder.workers.leave(id, other.name);
    expect(store.jobs.get(id)!.events.at(-1)).toMatchObject({ type: 'worker_left', worker: other.name, reason: 'left' });
  });

  it('says a lease of 12.34 s in whole seconds, and an unknown task with its code', async () => {
    const { store, folder, advance } = setup(12_340);
    const { id } = folder.create({ name: null, tasks: [plan('a')], cwd: '/p' });
    const { worker } = await folder.workers.join(id, 'dev');
    advance(12_340);
    await folder.workers.join(id, 'dev');
    expect(store.jobs.get(id)!.events.find((event) => event.type === 'worker_left')).toMatchObject({ worker: worker.name, reason: 'its lease of 12 s ran out without a heartbeat' });
    await expect(folder.workers.endTask(id, 't9', {})).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect(() => folder.create({ name: '-x', tasks: [], cwd: '/p' })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('keeps an ended job\'s name, and frees it when the job is deleted', async () => {
    const { folder, store } = setup();
    const ended = folder.create({ name: 'again', tasks: [], cwd: '/p' });
    await folder.workers.close(ended.id, 'completed');
    expect(() => folder.create({ name: 'again', tasks: [], cwd: '/p' })).toThrow(`The name again is taken by ${ended.id}`);
    expect(await folder.resolve('again')).toBe(ended.id);
    await store.remove(ended.id);
    const next = folder.create({ name: 'again', tasks: [], cwd: '/p' });
    expect(await folder.resolve('again')).toBe(next.id);
  });
});
