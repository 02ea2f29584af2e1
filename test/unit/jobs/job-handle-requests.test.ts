// The request each run of a job gets (JobHandle.buildRequest): its prompt (the job's, a batch
// line's, a listed task's command), its task context, where it may be routed (labels, workspace),
// its folder and worktree, the run it follows after an interruption, its attempt and feedback, and
// what earlier phases produced; and where a job's runs work (placeInWorktree, isTaskWorktreeRun).
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentSpec, RunRouting } from '../../../src/agents/agent.js';
import { getTaskPlans } from '../../../src/agents/agent.js';
import { taskWorktreeOf, type Job, type JobWorktree } from '../../../src/jobs/model/job.js';
import { createInputTasks, createJobTasks } from '../../../src/jobs/model/task.js';
import { createResolvePhase } from '../../../src/jobs/service/resolve-phase.js';
import { isTaskWorktreeRun, placeInWorktree } from '../../../src/jobs/service/job-handle.js';
import { commandAgent } from '../../helpers/jobs.js';
import { llmAgentIn, makeHandle, plans, settleWriters, startRuns } from './job-handle-harness.js';

afterEach(settleWriters);

const SHA = 'c'.repeat(40);
const worktreeAt = (isolation: JobWorktree['isolation'] = 'worktree'): JobWorktree => ({ path: '/wt/job', branch: 'jobline/job', base: SHA, baseBranch: 'main', repository: '/repo', snapshot: null, target: 'main', isolation });

// A command agent whose first phase lists two tasks (with their own routing) and whose second runs one command.
function listingAgent(routing?: RunRouting): AgentSpec {
  return {
    type: 'command', name: 'checks', summary: 'checks', ...(routing ? { routing } : {}),
    phases: [
      { name: 'a', tasks: [
        { name: 'lint', run: 'npm run lint', dependsOn: [], claims: [], routing: { labels: ['gpu'] } },
        { name: 'test', run: 'npm test', dependsOn: [], claims: [], routing: { workspace: 'none' } },
      ] },
      { name: 'b', run: 'true' },
    ],
  } as AgentSpec;
}

const listedTasks = (agent: AgentSpec) => createJobTasks(['a', 'b'], 'the prompt', getTaskPlans(agent));

describe('JobHandle.buildRequest', () => {
  it('gives a phase\'s only task the job\'s prompt, its run and attempt, and nothing it has no use for', async () => {
    const agent = commandAgent('two', { a: 'true', b: 'true' });
    const { handle } = makeHandle({ agent });
    await startRuns(handle, ['t1']);
    const run = handle.openRunOf('t1')!;
    expect(handle.buildRequest('t1', '/logs/output.log')).toEqual({
      jobId: 'job-handle01', runId: run.id, prompt: 'the prompt', taskId: 't1', agent, phaseIndex: 0, attempt: 1, feedback: null,
      previousOutputs: [], cwd: '/project', progress: handle.job.progress, outputLogPath: '/logs/output.log', secretEnvNames: [], maxOutputBytes: Number.POSITIVE_INFINITY,
    });
    expect(handle.buildRequest('t1', '/o', ['API_KEY'], 1000)).toMatchObject({ secretEnvNames: ['API_KEY'], maxOutputBytes: 1000 });
  });

  it('carries the job\'s budget and name, and feedback: the task\'s own before the job\'s', async () => {
    const { handle } = makeHandle({ job: { budget: { tokens: 500 }, name: 'brave-otter', pendingFeedback: 'be brief' } });
    await startRuns(handle, ['t1']);
    expect(handle.buildRequest('t1', '/o')).toMatchObject({ budget: { tokens: 500 }, jobName: 'brave-otter', feedback: 'be brief' });
    handle.taskFeedback.set('t1', 'the merge conflicted in a.ts');
    expect(handle.buildRequest('t1', '/o').feedback).toBe('the merge conflicted in a.ts');
    handle.taskFeedback.set('t2', 'not yours');
    handle.taskFeedback.delete('t1');
    expect(handle.buildRequest('t1', '/o').feedback).toBe('be brief');
  });

  it('builds a request for a task with no run yet, or none of this job, without failing', () => {
    const { handle } = makeHandle({ agent: llmAgentIn('/project') });
    const request = handle.buildRequest('t9', '/o');
    expect(request).toMatchObject({ prompt: 'the prompt', taskId: 't9', phaseIndex: 0, attempt: 0 });
    expect(request).not.toHaveProperty('runId');
    expect(request).not.toHaveProperty('task');
    const ended = makeHandle({ job: { currentPhase: 2 } });
    expect(ended.handle.buildRequest('t9', '/o')).toMatchObject({ phaseIndex: 2, attempt: 1 });
  });

  it('runs a listed task\'s own command with the job\'s prompt, routed by its agent\'s and its own labels and workspace', async () => {
    const agent = listingAgent({ labels: ['linux', 'gpu'] });
    const { handle } = makeHandle({ agent, tasks: listedTasks(agent) });
    await startRuns(handle, ['t1', 't2']);
    const lint = handle.buildRequest('t1', '/o');
    expect(lint).toMatchObject({ prompt: 'the prompt', command: 'npm run lint', labels: ['linux', 'gpu'] });
    expect(lint).not.toHaveProperty('workspace');
    expect(lint).not.toHaveProperty('task');
    expect(handle.buildRequest('t2', '/o')).toMatchObject({ command: 'npm test', labels: ['linux', 'gpu'], workspace: 'none' });
    // The last phase runs the agent's command (no listed task): only the agent's routing.
    const last = handle.buildRequest('t3', '/o');
    expect(last).toMatchObject({ prompt: 'the prompt', labels: ['linux', 'gpu'] });
    expect(last).not.toHaveProperty('command');
  });

  it('routes by a listed task\'s labels alone when its agent has none, and by its agent\'s workspace', async () => {
    const agent = listingAgent();
    const { handle } = makeHandle({ agent, tasks: listedTasks(agent) });
    await startRuns(handle, ['t1', 't2']);
    expect(handle.buildRequest('t1', '/o').labels).toEqual(['gpu']);
    const test = handle.buildRequest('t2', '/o');
    expect(test).not.toHaveProperty('labels');
    expect(test.workspace).toBe('none');
    const remote = makeHandle({ agent: { ...listingAgent({ workspace: 'none' }) }, tasks: listedTasks(agent) });
    expect(remote.handle.buildRequest('t1', '/o')).toMatchObject({ labels: ['gpu'], workspace: 'none' });
  });

  it('gives a listed phase\'s task that its agent does not list (the submission\'s own) no routing of a listed task', () => {
    const agent = listingAgent();
    const { handle } = makeHandle({ agent, tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]) });
    const request = handle.buildRequest('t2', '/o');
    expect(request).toMatchObject({ prompt: 'the prompt', command: 'do part 2' });
    expect(request).not.toHaveProperty('labels');
    expect(request).not.toHaveProperty('workspace');
    expect(handle.buildRequest('t9', '/o')).not.toHaveProperty('command');
  });

  it('asks a task of another phase than the current one as its own phase\'s', () => {
    const agent = { ...listingAgent(), phases: [{ name: 'b', run: 'true' }, listingAgent().phases[0]!] } as AgentSpec;
    const { handle } = makeHandle({ agent, tasks: createJobTasks(['b', 'a'], 'the prompt', getTaskPlans(agent)), phaseNames: ['b', 'a'] });
    expect(handle.job.currentPhase).toBe(0);
    expect(handle.buildRequest('t2', '/o')).toMatchObject({ phaseIndex: 1, command: 'npm run lint', labels: ['gpu'] });
  });

  it('gives an LLM agent\'s planned task the job\'s prompt with its task context, and a batch line its line', async () => {
    const planned = createJobTasks(['a', 'b'], 'the prompt', [plans(2, ['src/**'])]).map((task) => ({ ...task, isPlanned: task.phase === 0 }));
    const { handle } = makeHandle({ agent: llmAgentIn('/project'), tasks: planned });
    await startRuns(handle, ['t1', 't2']);
    expect(handle.buildRequest('t1', '/o')).toMatchObject({ prompt: 'the prompt', task: { id: 't1', title: 'part 1', description: 'do part 1', claims: ['src/**'], others: [{ id: 't2', title: 'part 2', claims: ['src/**'] }] } });
    const batch = makeHandle({ agent: llmAgentIn('/project'), tasks: createInputTasks(['a', 'b'], ['x.txt', 'y.txt']) });
    expect(batch.handle.buildRequest('t2', '/o')).toMatchObject({ prompt: 'y.txt', task: { id: 't2', description: 'y.txt', others: [] } });
  });

  it('passes on how the phase attempt\'s workspace was prepared', () => {
    const { handle } = makeHandle();
    expect(handle.buildRequest('t1', '/o', [], 10, { baseline: null, previous: null, isRecorded: false })).toMatchObject({ isWorkspaceRecorded: false });
    const previous = { output: 'first', changes: null, keep: false, undoneRef: null };
    const request = handle.buildRequest('t1', '/o', [], 10, { baseline: SHA, previous, isRecorded: true });
    expect(request).toMatchObject({ phaseBaseline: SHA, previousAttempt: previous });
    expect(request).not.toHaveProperty('isWorkspaceRecorded');
    const plain = handle.buildRequest('t1', '/o', [], 10, { baseline: null, previous: null });
    for (const key of ['isWorkspaceRecorded', 'phaseBaseline', 'previousAttempt']) expect(plain).not.toHaveProperty(key);
  });

  it('has a task\'s run after an interrupted one follow it; not after a failed one, nor another task\'s', async () => {
    const { handle } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]), job: { retries: 3 } });
    await startRuns(handle, ['t1', 't2']);
    const [first, second] = [handle.openRunOf('t1')!, handle.openRunOf('t2')!];
    await handle.commit([{ type: 'failTask', taskId: 't1', error: 'worker gone', isInterrupted: true }, { type: 'failTask', taskId: 't2', error: 'worker gone', isInterrupted: true }]);
    // t2 starts again before t1: runs of both tasks lie between t1's two.
    await handle.commit([{ type: 'startTask', taskId: 't2', worker: 1 }, { type: 'startTask', taskId: 't1', worker: 0 }]);
    const again = handle.buildRequest('t1', '/o');
    expect(again).toMatchObject({ attempt: 2, adoptRunId: first.id });
    expect(again.runId).not.toBe(first.id);
    expect(handle.buildRequest('t2', '/o').adoptRunId).toBe(second.id);
    await handle.commit([{ type: 'failTask', taskId: 't1', error: 'exit code 1' }]);
    // No open run: the request of the task that ran twice follows nothing.
    const between = handle.buildRequest('t1', '/o');
    expect(between).not.toHaveProperty('adoptRunId');
    expect(between).not.toHaveProperty('runId');
    await handle.commit([{ type: 'startTask', taskId: 't1', worker: 0 }]);
    const third = handle.buildRequest('t1', '/o');
    expect(third.attempt).toBe(3);
    expect(third).not.toHaveProperty('adoptRunId');
  });

  it('works in the job\'s worktree, or a task\'s own with task worktrees', async () => {
    const { handle } = makeHandle({ cwd: '/repo/pkg', job: { worktree: worktreeAt() } });
    expect(handle.buildRequest('t1', '/o')).toMatchObject({ cwd: '/wt/job/pkg', worktree: '/wt/job' });
    const isolated = makeHandle({ cwd: '/repo', tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]), job: { worktree: worktreeAt('task-worktree') } });
    const own = taskWorktreeOf(worktreeAt(), 't2').path;
    expect(isolated.handle.buildRequest('t2', '/o')).toMatchObject({ cwd: own, worktree: own });
    // Its phase of one task works in the job's worktree.
    expect(isolated.handle.buildRequest('t3', '/o')).toMatchObject({ cwd: '/wt/job', worktree: '/wt/job' });
    expect(makeHandle().handle.buildRequest('t1', '/o')).not.toHaveProperty('worktree');
  });

  it('describes what earlier phases produced, anew for each phase', async () => {
    const { handle } = makeHandle();
    await startRuns(handle, ['t1']);
    const first = handle.buildRequest('t1', '/o').previousOutputs;
    expect(first).toEqual([]);
    await handle.commit([{ type: 'completeTask', taskId: 't1', output: 'a is done' }]);
    await handle.commit([{ type: 'startPhase', taskId: 't2', worker: 0 }]);
    expect(handle.job.currentPhase).toBe(1);
    const outputs = handle.buildRequest('t2', '/o').previousOutputs;
    expect(outputs).toEqual([{ name: 'a', output: 'a is done' }]);
    // Described once per phase: every run of it gets the same description.
    expect(handle.buildRequest('t2', '/o').previousOutputs).toBe(outputs);
  });
});

describe('placeInWorktree', () => {
  const job = (overrides: Partial<Job> = {}, phases = ['a', 'b']) => makeHandle({ phaseNames: phases, job: overrides }).handle.job;

  it('leaves a job without a worktree where it was started, with its agent as it is', () => {
    const agent = llmAgentIn('/project/ws');
    const placed = placeInWorktree(job(), '/project', agent);
    expect(placed.cwd).toBe('/project');
    expect(placed.agent).toBe(agent);
  });

  it('maps the folder and an LLM agent\'s workspace to the same place in the worktree; outside the repository: its top', () => {
    const withWorktree = job({ worktree: worktreeAt() });
    const llm = placeInWorktree(withWorktree, '/repo/pkg/sub', llmAgentIn('/repo/pkg'));
    expect(llm.cwd).toBe('/wt/job/pkg/sub');
    expect(llm.agent).toMatchObject({ type: 'llm', workspace: '/wt/job/pkg' });
    expect(placeInWorktree(withWorktree, '/repo', llmAgentIn('/elsewhere'))).toMatchObject({ cwd: '/wt/job', agent: { workspace: '/wt/job' } });
    expect(placeInWorktree(withWorktree, '/repository-2/x', llmAgentIn('/repo')).cwd).toBe('/wt/job');
    expect(placeInWorktree(withWorktree, '/', llmAgentIn('/repo')).cwd).toBe('/wt/job');
    const command = commandAgent('two', { a: 'true', b: 'true' });
    expect(placeInWorktree(withWorktree, '/repo/pkg', command)).toEqual({ cwd: '/wt/job/pkg', agent: command });
    expect(placeInWorktree(withWorktree, '/repo/pkg', command, '/wt/task-t2').cwd).toBe('/wt/task-t2/pkg');
  });

  it('gives the agent the job\'s phases in the job\'s order: a resolve phase of its own, made for an LLM agent, else one that fails', () => {
    const command = commandAgent('three', { a: 'echo a', b: 'echo b', resolve: 'fix it' });
    expect(placeInWorktree(job({}, ['b', 'a']), '/p', command).agent.phases).toEqual([{ name: 'b', run: 'echo b' }, { name: 'a', run: 'echo a' }]);
    expect(placeInWorktree(job({}, ['a', 'b', 'resolve']), '/p', command).agent.phases.map((phase) => phase.name)).toEqual(['a', 'b', 'resolve']);
    expect(placeInWorktree(job({}, ['a', 'b', 'resolve']), '/p', command).agent.phases[2]).toEqual({ name: 'resolve', run: 'fix it' });
    expect(placeInWorktree(job({}, ['a', 'x']), '/p', command).agent.phases[1]).toEqual({ name: 'x', run: 'false' });
    const llm = llmAgentIn('/p');
    const aligned = placeInWorktree(job({}, ['a', 'b', 'resolve']), '/p', llm).agent;
    expect(aligned.phases).toEqual([...llm.phases, createResolvePhase()]);
    expect(placeInWorktree(job({}, ['a', 'b', 'other']), '/p', llm).agent.phases[2]).toEqual({ name: 'other', run: 'false' });
    const twoOnly = commandAgent('two', { a: 'echo a', b: 'echo b' });
    expect(placeInWorktree(job({}, ['a', 'b', 'resolve']), '/p', twoOnly).agent.phases[2]).toEqual({ name: 'resolve', run: 'false' });
    expect(placeInWorktree(job({}, ['a']), '/p', twoOnly).agent.phases).toEqual([{ name: 'a', run: 'echo a' }]);
    // As many phases, not all of the same names: aligned by name.
    expect(placeInWorktree(job({}, ['a', 'x']), '/p', twoOnly).agent.phases).toEqual([{ name: 'a', run: 'echo a' }, { name: 'x', run: 'false' }]);
    expect(placeInWorktree(job({}, ['a', 'b']), '/p', twoOnly).agent).toBe(twoOnly);
  });

  it('runs a task in a worktree of its own only with task worktrees and a phase of several tasks', () => {
    const { handle } = makeHandle({ tasks: createJobTasks(['a', 'b'], 'the prompt', [plans(2)]) });
    const board = handle.board;
    const [shared, alone] = [board.tasks[0]!, board.tasks[2]!];
    expect(isTaskWorktreeRun({ ...handle.job, worktree: worktreeAt('task-worktree') }, board, shared)).toBe(true);
    expect(isTaskWorktreeRun({ ...handle.job, worktree: worktreeAt('task-worktree') }, board, alone)).toBe(false);
    expect(isTaskWorktreeRun({ ...handle.job, worktree: worktreeAt('worktree') }, board, shared)).toBe(false);
    expect(isTaskWorktreeRun(handle.job, board, shared)).toBe(false);
  });
});
