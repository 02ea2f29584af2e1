// Jobs in worktrees of their own, through the job service on an in-memory repository, a scripted
// executor and a worktree port that answers as git would (test/helpers/scripted-worktrees.ts; git
// itself: test/integration/task-worktrees): where a job runs, the worktree made and set up before
// its first run, a commit per phase, a retried phase started again from the commit before it (its
// attempt kept), tasks in worktrees of their own merged back (a conflict sent back once), and what
// a resume does to the worktree.
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../../src/agents/agent.js';
import { chooseIsolation } from '../../../src/jobs/service/worktree-jobs.js';
import { createResolvePhase, describeConflict, isOrderedPhase, RESOLVE_PHASE, whyCannotResolve } from '../../../src/jobs/service/resolve-phase.js';
import { JobService } from '../../../src/jobs/service/job-service.js';
import { makeFakeManager, makeInMemoryReader } from '../../helpers/fakes.js';
import { commandAgent } from '../../helpers/jobs.js';
import { commitId, ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';
import { waitFor } from '../../helpers/wait.js';
import { followOtherProcesses } from '../../../src/jobs/service/other-processes.js';
import type { JobUpdate } from '../../../src/jobs/service/job-commands.js';
import type { JobReader } from '../../../src/jobs/ports/job-reader.js';
import { makeJob } from '../../helpers/jobs.js';

const TWO = commandAgent('two', { plan: 'true', apply: 'true' });
const BATCH = commandAgent('batch', { run: 'eval "$JOB_PROMPT"' });

// The next lifecycle event `type` of the service (set up before what causes it).
function nextEvent(service: JobService, type: string): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = service.subscribe((update) => {
      if (update.type !== 'event' || update.event.type !== type) return;
      unsubscribe();
      resolve();
    });
  });
}

function makeWorktreeService(configure: (port: ScriptedWorktrees) => void = () => {}) {
  const port = new ScriptedWorktrees();
  configure(port);
  const fake = makeFakeManager({ worktrees: port, maxWorkers: 10 });
  const service = new JobService({ repository: fake.store, reader: makeInMemoryReader(fake.store), manager: fake.manager, cwd: '/work', adopt: (_stored, cwd) => ({ agent: TWO, cwd }), worktrees: port });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { ...fake, port, service, settle };
}

describe('chooseIsolation', () => {
  it('takes what was asked, then the agent\'s, then the config\'s, then a worktree for the built-in writers only where git is', () => {
    const writer = { type: 'llm', name: 'build', isWriter: true } as unknown as AgentSpec;
    const reader = { type: 'llm', name: 'review', isWriter: false } as unknown as AgentSpec;
    expect(chooseIsolation({ type: 'external' } as AgentSpec, 'worktree', 'worktree')).toEqual({ isolation: 'none', isExplicit: true });
    expect(chooseIsolation(TWO, 'task-worktree', 'none')).toEqual({ isolation: 'task-worktree', isExplicit: true });
    expect(chooseIsolation({ ...TWO, isolation: 'worktree' } as AgentSpec, undefined, 'none')).toEqual({ isolation: 'worktree', isExplicit: true });
    expect(chooseIsolation(TWO, null, 'worktree')).toEqual({ isolation: 'worktree', isExplicit: true });
    expect(chooseIsolation(writer, undefined, null)).toEqual({ isolation: 'worktree', isExplicit: false });
    expect(chooseIsolation(reader, undefined, null)).toEqual({ isolation: 'none', isExplicit: true });
    expect(chooseIsolation(TWO, undefined, null)).toEqual({ isolation: 'none', isExplicit: true });
  });
});

describe('a job in a worktree of its own', () => {
  it('is planned at submit and made before its first run, which works in it; a background phase is committed before the next starts', async () => {
    const { service, executor, port, store } = makeWorktreeService();
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'night' });
    expect(job.worktree).toEqual({ path: '/worktrees/night', branch: 'jobline/night', base: commitId(1), baseBranch: 'main', repository: '/work', snapshot: null, target: 'main', isolation: 'worktree' });
    const first = await executor.whenRuns(1);
    expect(first.request.cwd).toBe('/worktrees/night');
    expect(port.calls.slice(0, 2)).toEqual(['plan /work head worktree', 'create /worktrees/night']);
    first.complete('planned');
    const second = await executor.whenRuns(2);
    expect(port.calls).toContain('commitPhase plan');
    const stored = store.loadStored(job.id);
    expect(stored.phases[0]!.commit).toBe(commitId(100));
    expect(store.jobs.get(job.id)!.events.filter((event) => event.type === 'phase_committed')).toEqual([expect.objectContaining({ phase: 'plan', commit: commitId(100) })]);
    second.complete('applied');
    await service.lifecycle.whenIdle();
    expect(store.loadStored(job.id)).toMatchObject({ status: 'completed', phases: [{ commit: commitId(100) }, { commit: commitId(101) }] });
  });

  it('runs the setup command once, as a run of its own, before the first phase; a failed setup fails the job quoting its last lines', async () => {
    const { service, executor, port, store, settle } = makeWorktreeService((p) => (p.settings.setup = 'npm ci'));
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'setup-ok' });
    const setup = await executor.whenRuns(1);
    expect(setup.request.agent).toMatchObject({ name: 'setup', phases: [{ name: 'worktree-setup', run: 'npm ci' }] });
    expect(setup.request.cwd).toBe('/worktrees/setup-ok');
    setup.listener.output(['installing'], 1);
    setup.complete('installed');
    const phase = await executor.whenRuns(2);
    expect(phase.request.agent.name).toBe('two');
    expect(port.calls).toContain('markSetUp /worktrees/setup-ok');
    phase.complete();
    (await executor.whenRuns(3)).complete();
    await service.lifecycle.whenIdle();
    expect(store.loadStored(job.id).status).toBe('completed');

    const failing = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'setup-bad' });
    const bad = await executor.whenRuns(4);
    bad.finish({ kind: 'failed', error: 'exit code 1', output: `${Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n')}\n\n` });
    await service.lifecycle.whenIdle();
    await settle();
    const failed = store.loadStored(failing.job.id);
    expect(failed.status).toBe('failed');
    const why = `the worktree's setup failed (exit code 1); its last lines:\n${Array.from({ length: 10 }, (_, i) => `line ${i + 3}`).join('\n')}`;
    expect(JSON.stringify(failed)).toContain(JSON.stringify(why).slice(1, -1));
    expect(executor.runs).toHaveLength(4); // no agent ran
  });

  it('says why when its worktree cannot be made; a setup cancelled with the job starts nothing', async () => {
    const { service, executor, store, settle } = makeWorktreeService((p) => (p.createError = new Error('disk full')));
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'nowhere' });
    await service.lifecycle.whenIdle();
    await settle();
    expect(JSON.stringify(store.loadStored(job.id))).toContain('its worktree could not be made: disk full');
    expect(executor.runs).toHaveLength(0);

    const cancelled = makeWorktreeService((p) => (p.settings.setup = 'npm ci'));
    const other = await cancelled.service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'stopped' });
    const setup = await cancelled.executor.whenRuns(1);
    await cancelled.service.dispatch({ type: 'cancel', jobId: other.job.id });
    setup.stop();
    await cancelled.service.lifecycle.whenIdle();
    expect(cancelled.store.loadStored(other.job.id).status).toBe('cancelled');
    expect(cancelled.executor.runs).toHaveLength(1);
  });

  it('commits the phase it approves; a retry starts the phase again from the commit before it, keeping the attempt under a ref', async () => {
    const { service, executor, port, store } = makeWorktreeService();
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'interactive', cwd: '/work', isolation: 'worktree', name: 'careful' });
    const answer = async (n: number, output: string) => {
      const asked = nextEvent(service, 'approval_requested');
      (await executor.whenRuns(n)).complete(output);
      await asked;
    };
    await answer(1, 'plan 1');
    await service.dispatch({ type: 'retry', jobId: job.id, feedback: 'again' });
    expect(port.calls).toContain(`rollBack ${commitId(1).slice(-3)} plan 1`);
    const retried = store.loadStored(job.id);
    expect(retried.phases[0]!.undone).toEqual([{ attempt: 1, ref: 'refs/jobline/attempts/x', files: 2, at: expect.any(String) }]);
    expect(store.jobs.get(job.id)!.events.filter((event) => event.type === 'attempt_kept')).toEqual([expect.objectContaining({ phase: 'plan', attempt: 1, ref: 'refs/jobline/attempts/x' })]);
    await answer(2, 'plan 2');
    // Kept: nothing rolled back, nothing recorded.
    await service.dispatch({ type: 'retry', jobId: job.id, feedback: null, keep: true });
    expect(port.calls.filter((call) => call.startsWith('rollBack'))).toHaveLength(1);
    await answer(3, 'plan 3');
    await service.dispatch({ type: 'approve', jobId: job.id });
    expect(store.loadStored(job.id).phases[0]!.commit).toBe(commitId(100));
    // A phase that changed nothing has no commit.
    port.phaseCommits = false;
    await answer(4, 'apply');
    const completed = nextEvent(service, 'completed');
    await service.dispatch({ type: 'approve', jobId: job.id });
    await completed;
    expect(store.loadStored(job.id)).toMatchObject({ status: 'completed', phases: [{ commit: commitId(100) }, { commit: null }] });
  });
});

describe('tasks in worktrees of their own', () => {
  it('each work in one made off the job\'s branch, and are merged back as they end; the phase is committed after its last', async () => {
    const { service, executor, port, store } = makeWorktreeService();
    const { job } = await service.dispatch({ type: 'submit', agent: BATCH, prompt: 'batch', mode: 'background', cwd: '/work', isolation: 'task-worktree', name: 'fan', workers: 2, taskInputs: ['a', 'b'] });
    const [first, second] = [await executor.whenRuns(1), await executor.whenRuns(2)];
    expect(port.calls).toEqual(expect.arrayContaining(['taskWorktree t1', 'taskWorktree t2']));
    first.complete('a done');
    second.complete('b done');
    await service.lifecycle.whenIdle();
    expect(port.calls.filter((call) => call.startsWith('landTask'))).toEqual(['landTask t1', 'landTask t2']);
    expect(port.calls.filter((call) => call.startsWith('commitPhase'))).toEqual(['commitPhase run']);
    expect(store.loadStored(job.id)).toMatchObject({ status: 'completed', phases: [{ commit: commitId(100) }] });
  });

  it('whose work conflicts is sent back once with the conflict as feedback, and fails the second time', async () => {
    const { service, executor, port, store } = makeWorktreeService();
    port.taskConflicts = ['src/a.ts'];
    const { job } = await service.dispatch({ type: 'submit', agent: BATCH, prompt: 'batch', mode: 'background', cwd: '/work', isolation: 'task-worktree', name: 'clash', workers: 2, taskInputs: ['a', 'b'], keepGoing: true });
    (await executor.whenRuns(1)).complete('a done');
    const again = await executor.whenRuns(3);
    expect(again.request.taskId).toBe('t1');
    expect(again.request.feedback).toBe('Your last attempt conflicted with the work merged meanwhile into jobline/clash, in: src/a.ts. This attempt starts from that work: build on it.');
    expect(port.calls).toContain('removeTaskWorktree t1');
    again.complete('a again');
    (await executor.whenRuns(2)).fail('b broke');
    await service.lifecycle.whenIdle();
    const { board } = await service.view(job.id);
    expect(board.runs.filter((run) => run.taskId === 't1').map((run) => run.state)).toEqual([
      expect.objectContaining({ status: 'failed', error: 'merge conflict with jobline/clash in src/a.ts' }),
      expect.objectContaining({ status: 'failed', error: 'merge conflict with jobline/clash in src/a.ts' }),
    ]);
    expect(store.loadStored(job.id).status).toBe('failed');
  });

  it('that cannot be merged fails saying why; a run elsewhere brings its work as a branch, merged into the job\'s', async () => {
    const { service, executor, port, store } = makeWorktreeService();
    port.landTask = async () => {
      throw new Error('index.lock exists');
    };
    const { job } = await service.dispatch({ type: 'submit', agent: BATCH, prompt: 'batch', mode: 'background', cwd: '/work', isolation: 'task-worktree', name: 'stuck', workers: 2, taskInputs: ['a', 'b'], keepGoing: true });
    (await executor.whenRuns(1)).complete('a done');
    (await executor.whenRuns(2)).finish({ kind: 'completed', output: 'b done', branch: 'refs/jobline/fetched/stuck/t2' });
    await service.lifecycle.whenIdle();
    const { board } = await service.view(job.id);
    expect(board.runs.find((run) => run.taskId === 't1')!.state).toMatchObject({ status: 'failed', error: 'its work could not be merged into jobline/stuck: index.lock exists' });
    expect(port.calls).toContain('mergeBranch refs/jobline/fetched/stuck/t2 for t2');
    expect(board.tasks.find((task) => task.id === 't2')!.status).toBe('done');
    expect(store.loadStored(job.id).status).toBe('failed');
  });

  it('that cannot get its own worktree fails saying why', async () => {
    const { service, executor, port } = makeWorktreeService();
    port.createTaskWorktree = async () => {
      throw new Error('branch exists');
    };
    const { job } = await service.dispatch({ type: 'submit', agent: BATCH, prompt: 'batch', mode: 'background', cwd: '/work', isolation: 'task-worktree', name: 'tight', workers: 2, taskInputs: ['a', 'b'], keepGoing: true });
    await service.lifecycle.whenIdle();
    const { board } = await service.view(job.id);
    expect(board.runs.map((run) => run.state)).toEqual([
      expect.objectContaining({ status: 'failed', error: 'its task worktree could not be made: branch exists' }),
      expect.objectContaining({ status: 'failed', error: 'its task worktree could not be made: branch exists' }),
    ]);
    expect(executor.runs).toHaveLength(0);
  });
});

describe('a resume and worktrees', () => {
  it('runs a job in a worktree again from the commit before its first unfinished phase; refuses to take it out of its worktree', async () => {
    const { service, executor, port, store } = makeWorktreeService();
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'again' });
    (await executor.whenRuns(1)).complete('planned');
    (await executor.whenRuns(2)).fail('apply broke');
    await service.lifecycle.whenIdle();
    await expect(service.dispatch({ type: 'resume', jobId: job.id, mode: 'background', isolation: 'none' })).rejects.toMatchObject({
      code: 'JOB_NOT_RESUMABLE',
      message: `${job.id} runs in its worktree /worktrees/again, where its work is: resume it without --isolation none, or discard its work first (jobline discard ${job.id}).`,
    });
    await service.dispatch({ type: 'resume', jobId: job.id, mode: 'background' });
    expect(port.calls).toContain(`rollBack ${commitId(100).slice(-3)} apply 1`);
    const third = await executor.whenRuns(3);
    expect(third.request.phaseIndex).toBe(1);
    expect(store.loadStored(job.id).phases[1]!.undone).toEqual([expect.objectContaining({ attempt: 1, ref: 'refs/jobline/attempts/x' })]);
  });

  it('gives a job that ran in place a worktree of its own when asked', async () => {
    const { service, executor, store } = makeWorktreeService();
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'none', name: 'moved' });
    expect(job.worktree ?? null).toBeNull();
    (await executor.whenRuns(1)).fail('plan broke');
    await service.lifecycle.whenIdle();
    await service.dispatch({ type: 'resume', jobId: job.id, mode: 'background', isolation: 'worktree' });
    expect(store.loadStored(job.id).worktree).toMatchObject({ path: '/worktrees/moved', branch: 'jobline/moved', isolation: 'worktree' });
    expect((await executor.whenRuns(2)).request.cwd).toBe('/worktrees/moved');
  });
});

describe('resolving a merge conflict', () => {
  it('is a phase of the agent\'s own (a command agent\'s resolve, never run in order) or one made for an LLM agent; others cannot', () => {
    expect(RESOLVE_PHASE).toBe('resolve');
    expect(whyCannotResolve({ type: 'llm', name: 'build' } as unknown as AgentSpec)).toBeNull();
    expect(whyCannotResolve(commandAgent('fix', { run: 'true', resolve: 'git mergetool' }))).toBeNull();
    expect(whyCannotResolve(TWO)).toBe('its agent two has no "resolve" phase to resolve a merge conflict with: resolve it by hand in the job\'s worktree (commit there), then jobline merge it, or discard it');
    expect(whyCannotResolve({ type: 'external', name: 'ext', summary: '', phases: [{ name: 'resolve' }] } as AgentSpec)).toMatch(/^its agent ext has no/);
    expect([isOrderedPhase('resolve'), isOrderedPhase('plan')]).toEqual([false, true]);
    const phase = createResolvePhase();
    expect(phase).toMatchObject({ name: 'resolve', maxRounds: 20, tools: ['list_files', 'read_file', 'search_code', 'write_file', 'edit_file', 'run_command'] });
    expect(phase.instructions).toContain('Edit every conflicted file so that it keeps the intent of both sides and holds no markers');
  });

  it('is told the conflicted files (50 named, the rest counted) and the user\'s words', () => {
    expect(describeConflict('main', ['a.ts'], null)).toBe('Merging main into this work conflicted in 1 file (conflict markers left in them):\na.ts');
    expect(describeConflict('dev', ['a.ts', 'b.ts'], 'keep ours')).toBe('Merging dev into this work conflicted in 2 files (conflict markers left in them):\na.ts\nb.ts\n\nkeep ours');
    const files = Array.from({ length: 53 }, (_, i) => `f${i}`);
    expect(describeConflict('main', files, null)).toBe(`Merging main into this work conflicted in 53 files (conflict markers left in them):\n${files.slice(0, 50).join('\n')}\n… and 3 more`);
  });

  it('runs the resolve phase with the conflict when the target merged in conflicts, and lands once it completes; lands at once when it merged in cleanly', async () => {
    const FIXER = commandAgent('fixer', { run: 'true', resolve: 'git mergetool' });
    const { service, executor, port, store } = makeWorktreeService();
    port.candidates = [{ kind: 'conflict', files: ['src/a.ts'], oldTarget: commitId(1) }];
    const { job } = await service.dispatch({ type: 'submit', agent: FIXER, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'clashing' });
    (await executor.whenRuns(1)).complete('done');
    await service.lifecycle.whenIdle();
    expect((await service.dispatch({ type: 'merge', jobId: job.id })).merge).toMatchObject({ status: 'conflict', conflicts: ['src/a.ts'] });
    port.mergeInConflicts = ['src/a.ts', 'src/b.ts'];
    const resolving = await service.dispatch({ type: 'retry', jobId: job.id, feedback: 'keep both' });
    expect(port.calls).toContain('mergeIn main into jobline/clashing');
    expect(resolving.merge).toMatchObject({ status: 'conflict', conflicts: ['src/a.ts', 'src/b.ts'], step: 'merged-in', error: 'main merged into jobline/clashing: 2 files to resolve' });
    const resolve = await executor.whenRuns(2);
    expect(resolve.request.feedback).toBe('Merging main into this work conflicted in 2 files (conflict markers left in them):\nsrc/a.ts\nsrc/b.ts\n\nkeep both');
    expect(resolve.request.agent.phases[resolve.request.phaseIndex]).toMatchObject({ name: 'resolve' });
    resolve.complete('resolved');
    await service.lifecycle.whenIdle();
    await waitFor(() => store.loadStored(job.id).merge?.status === 'landed', 'the landing after the resolution');
    expect(store.loadStored(job.id).merge).toMatchObject({ status: 'landed' });

    const clean = makeWorktreeService();
    clean.port.candidates = [{ kind: 'conflict', files: ['x.ts'], oldTarget: commitId(1) }];
    const other = await clean.service.dispatch({ type: 'submit', agent: FIXER, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'clean' });
    (await clean.executor.whenRuns(1)).complete('done');
    await clean.service.lifecycle.whenIdle();
    await clean.service.dispatch({ type: 'merge', jobId: other.job.id });
    await clean.service.dispatch({ type: 'retry', jobId: other.job.id, feedback: null });
    expect(clean.executor.runs).toHaveLength(1);
    await waitFor(() => clean.store.loadStored(other.job.id).merge?.status === 'landed', 'the clean landing');
  });

  it('is refused for an agent that cannot resolve, naming why, and for a job not in conflict', async () => {
    const { service, executor, port } = makeWorktreeService();
    port.candidates = [{ kind: 'conflict', files: ['src/a.ts'], oldTarget: commitId(1) }];
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'stuck' });
    (await executor.whenRuns(1)).complete();
    (await executor.whenRuns(2)).complete();
    await service.lifecycle.whenIdle();
    await service.dispatch({ type: 'merge', jobId: job.id });
    await expect(service.dispatch({ type: 'retry', jobId: job.id, feedback: null })).rejects.toMatchObject({ code: 'JOB_NOT_RESOLVABLE', message: `Cannot retry ${job.id}: its agent two has no "resolve" phase to resolve a merge conflict with: resolve it by hand in the job's worktree (commit there), then jobline merge it, or discard it.` });
  });
});

describe('the job service\'s reads of worktrees', () => {
  it('tells what a job\'s worktree holds; a job run in place, or a service without worktrees, has none', async () => {
    const { service, port } = makeWorktreeService();
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'held' });
    port.contents = { commits: 3, uncommitted: ['a.ts'] };
    expect((await service.inspectWorktree(job.id)).contents).toEqual({ exists: true, commits: 3, uncommitted: ['a.ts'] });
    const inPlace = (await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'none' })).job;
    await expect(service.inspectWorktree(inPlace.id)).rejects.toMatchObject({ code: 'NO_WORKTREE', message: `${inPlace.id} ran in place (not in a worktree of its own): it has no diff of its own. git diff shows your checkout's.` });
    const bare = new JobService({ repository: service['options'].repository, reader: service['options'].reader, manager: null, cwd: '/work', adopt: (_stored, cwd) => ({ agent: TWO, cwd }) });
    await expect(bare.inspectWorktree(job.id)).rejects.toMatchObject({ code: 'NO_WORKTREE', message: 'This jobline has no worktrees.' });
    expect(await bare.findOrphanWorktrees()).toEqual([]);
    expect(await bare.whyKept(job)).toBeNull();
  });

  it('finds branches no job accounts for (by its name or its branch), removes or lands them as asked, and says why a job is kept', async () => {
    const { service, port, executor } = makeWorktreeService();
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'go', mode: 'background', cwd: '/work', isolation: 'worktree', name: 'alive' });
    const orphan = (branch: string) => ({ repository: '/work', branch, path: `/worktrees/${branch.slice(8)}`, commits: 1, uncommitted: 0 });
    port.orphans = [orphan('jobline/alive'), orphan('jobline/lost'), orphan(`jobline/${job.id}`)];
    expect((await service.findOrphanWorktrees()).map((found) => found.branch)).toEqual(['jobline/lost', `jobline/${job.id}`]);
    await service.removeOrphan(orphan('jobline/lost'));
    expect(port.calls).toContain('removeOrphan jobline/lost');
    expect(await service.landOrphan(orphan('jobline/lost'))).toBe(`Landed jobline/lost on main at ${commitId(100).slice(0, 12)}.`);
    port.contents = { commits: 2, uncommitted: ['x'] };
    expect(await service.whyKept(service.sessionJob(job.id)!)).toBe(`its work is not landed (2 commits not landed, 1 uncommitted file on jobline/alive): jobline merge ${job.id} lands it, jobline discard ${job.id} drops it`);
    (await executor.whenRuns(1)).complete();
  });
});

describe('jobs another process runs in the folder', () => {
  it('are followed: their events with the job as stored, their removals, and a folder that cannot be followed', async () => {
    const heard: JobUpdate[] = [];
    let tail!: (tailed: { id: string; events: never[]; isRemoved: boolean }) => void;
    let fail!: (message: string) => void;
    let isHeldAsked: ((id: string) => boolean) | null = null;
    const job = makeJob({ id: 'job-other001' });
    const reader = {
      tailEvents: (isHeld: (id: string) => boolean, onEvents: typeof tail, onFailure: typeof fail) => {
        isHeldAsked = isHeld;
        tail = onEvents;
        fail = onFailure;
        return () => {};
      },
      load: async (id: string) => {
        if (id === 'job-gone0001') throw new Error('gone');
        return job;
      },
    } as unknown as JobReader;
    followOtherProcesses(reader, (id) => id === 'job-mine0001', (update) => heard.push(update));
    expect(isHeldAsked!('job-mine0001')).toBe(true);
    const events = [{ ts: 'a', type: 'created' }, { ts: 'b', type: 'queued' }] as never[];
    tail({ id: 'job-other001', events, isRemoved: false });
    tail({ id: 'job-gone0001', events, isRemoved: false });
    tail({ id: 'job-other001', events: [], isRemoved: true });
    fail('not followed');
    await waitFor(() => heard.length === 4, 'the updates');
    expect(heard).toEqual([
      { type: 'warning', message: 'not followed' },
      { type: 'event', job, event: events[0] },
      { type: 'event', job, event: events[1] },
      { type: 'removed', jobId: 'job-other001' },
    ]);
  });
});

