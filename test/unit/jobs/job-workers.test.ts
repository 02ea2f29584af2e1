// Jobs of several tasks through the job service, on an in-memory repository and a scripted
// executor (no threads; milliseconds per test): how many runs go at once (a job's workers, all
// jobs' maxWorkers), which worker and request each run gets, retries, fail fast and keep-going,
// cancel, and the slot freed when the last run ends. Also the task constructors and counts.
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../../src/agents/agent.js';
import { countTasks, createInputTasks, createJobTasks, formatRunOutputFile, RUN_OUTPUT_FILE_PATTERN } from '../../../src/jobs/model/task.js';
import { makeFakeService } from '../../helpers/fakes.js';
import { waitFor } from '../../helpers/wait.js';
import { commandAgent } from '../../helpers/jobs.js';

const SH = commandAgent('sh', { run: 'eval "$JOB_PROMPT"' });
const CI: AgentSpec = {
  type: 'command',
  name: 'ci',
  summary: 'ci',
  workers: 2,
  phases: [
    { name: 'checks', tasks: [{ name: 'lint', run: 'npm run lint', dependsOn: [], claims: [] }, { name: 'test', run: 'npm test', dependsOn: [], claims: ['coverage/**'] }, { name: 'report', run: 'cat report', dependsOn: ['lint', 'test'], claims: [] }] },
    { name: 'build', run: 'npm run build' },
  ],
};
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('task constructors', () => {
  it('gives each phase one task holding the prompt, or the tasks its agent lists with dependencies as ids', () => {
    const tasks = createJobTasks(['checks', 'build'], 'go', [[{ title: 'lint', input: 'l', dependsOn: [], claims: ['a/**'] }, { title: 'report', input: 'r', dependsOn: ['lint', 'nope'], claims: [] }], undefined]);
    expect(tasks.map((t) => [t.id, t.phase, t.title, t.input, t.dependsOn, t.claims, t.status, t.attempts, t.result, t.filesModified])).toEqual([
      ['t1', 0, 'lint', 'l', [], ['a/**'], 'todo', 0, null, []],
      ['t2', 0, 'report', 'r', ['t1'], [], 'todo', 0, null, []],
      ['t3', 1, 'build', 'go', [], [], 'todo', 0, null, []],
    ]);
    expect(createJobTasks(['a'], 'p', [[]]).map((t) => [t.id, t.input])).toEqual([['t1', 'p']]);
  });

  it('gives a batch one task per input in each phase, and counts tasks by how they stand', () => {
    const tasks = createInputTasks(['one', 'two'], ['x', 'y']);
    expect(tasks.map((t) => [t.id, t.phase, t.title, t.input, t.status, t.dependsOn, t.claims, t.attempts, t.result, t.filesModified])).toEqual([
      ['t1', 0, 'x', 'x', 'todo', [], [], 0, null, []], ['t2', 0, 'y', 'y', 'todo', [], [], 0, null, []],
      ['t3', 1, 'x', 'x', 'todo', [], [], 0, null, []], ['t4', 1, 'y', 'y', 'todo', [], [], 0, null, []],
    ]);
    const statuses = ['todo', 'claimed', 'done', 'done', 'failed', 'cancelled'] as const;
    expect(countTasks(statuses.map((status, i) => ({ ...tasks[0]!, id: `t${i}`, status })))).toEqual({ total: 6, done: 2, running: 1, failed: 1, notRun: 1 });
    expect(formatRunOutputFile('r12')).toBe('runs/r12.log');
    expect(RUN_OUTPUT_FILE_PATTERN.test('runs/r12.log')).toBe(true);
    expect(RUN_OUTPUT_FILE_PATTERN.test('runs/../x.log')).toBe(false);
    expect(RUN_OUTPUT_FILE_PATTERN.test('xruns/r1.log')).toBe(false);
  });
});

describe('a job with several workers', () => {
  it('runs at most its workers tasks at once, each on the lowest free worker, with its own file', async () => {
    const { service, executor } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: SH, prompt: 'batch', mode: 'background', cwd: '/w', workers: 2, taskInputs: ['a', 'b', 'c'] });
    const first = await executor.whenRuns(2);
    await settle();
    expect(executor.runs).toHaveLength(2);
    expect(executor.runs.map((run) => [run.request.taskId, run.request.prompt, run.request.command, run.request.attempt, run.request.outputLogPath])).toEqual([
      ['t1', 'a', undefined, 1, `/nonexistent/${job.id}/runs/r1.log`],
      ['t2', 'b', undefined, 1, `/nonexistent/${job.id}/runs/r2.log`],
    ]);
    first.complete('b done'); // worker 1 frees up: t3 takes it
    const third = await executor.whenRuns(3);
    expect(third.request.taskId).toBe('t3');
    let view = await service.view(job.id);
    expect(view.board.runs.map((run) => [run.taskId, run.worker])).toEqual([['t1', `sh[${job.id.slice(4, 8)}-0]`], ['t2', `sh[${job.id.slice(4, 8)}-1]`], ['t3', `sh[${job.id.slice(4, 8)}-1]`]]);
    expect(service.taskCountsOf(job.id)).toEqual({ total: 3, done: 1, running: 2, failed: 0, notRun: 0 });
    executor.runs[0]!.complete();
    third.complete();
    await service.lifecycle.whenIdle();
    view = await service.view(job.id);
    expect(view.job).toMatchObject({ status: 'completed', workers: 2, phases: [{ status: 'completed', output: '3 of 3 tasks done' }] });
    expect(service.taskCountsOf('job-nothere')).toBeNull();
  });

  it('starts none of a new job\'s tasks before its creation is on disk, then all its workers\' worth', async () => {
    const { service, executor, store } = makeFakeService({ maxWorkers: 10 });
    store.holdWrites();
    const submitted = service.dispatch({ type: 'submit', agent: SH, prompt: 'bulk', mode: 'background', cwd: '/w', workers: 3, isBulk: true, taskInputs: ['a', 'b', 'c'] });
    await settle();
    expect(executor.runs).toHaveLength(0); // the creation is still being written
    store.releaseWrites();
    const { job } = await submitted;
    await executor.whenRuns(3);
    expect(store.commits.find((commit) => commit.id === job.id)?.events).toContain('created');
    expect(executor.runs.map((run) => run.request.taskId)).toEqual(['t1', 't2', 't3']);
  });

  it('caps runs across jobs at maxWorkers, and frees the slot only when a job\'s last run ends', async () => {
    const { service, executor, manager } = makeFakeService({ maxConcurrentJobs: 2, maxWorkers: 3 });
    const a = await service.dispatch({ type: 'submit', agent: SH, prompt: 'a', mode: 'background', cwd: '/w', workers: 2, taskInputs: ['1', '2', '3'] });
    const b = await service.dispatch({ type: 'submit', agent: SH, prompt: 'b', mode: 'background', cwd: '/w', workers: 2, taskInputs: ['4', '5'] });
    await executor.whenRuns(3);
    await settle();
    expect(executor.runs.map((run) => `${run.request.jobId === a.job.id ? 'a' : 'b'}:${run.request.taskId}`)).toEqual(['a:t1', 'a:t2', 'b:t1']);
    expect(manager.runningCount).toBe(2);
    executor.runs[2]!.complete(); // b's run ends: its next task takes the free run
    await executor.whenRuns(4);
    expect(executor.runs[3]!.request).toMatchObject({ jobId: b.job.id, taskId: 't2' });
    executor.runs[3]!.complete();
    await settle();
    expect(manager.runningCount).toBe(1); // b has ended: its slot is free; a still runs
    for (const run of executor.runs.slice(0, 2)) run.complete();
    await executor.whenRuns(5);
    executor.runs[4]!.complete();
    await service.lifecycle.whenIdle();
    expect((await service.view(a.job.id)).job.status).toBe('completed');
    expect(manager.runningCount).toBe(0);
  });

  it('runs a failed task again as a new run while retries last, then fails fast (--fail-fast) and ends once its runs end', async () => {
    const { service, executor } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: SH, prompt: 'p', mode: 'background', cwd: '/w', workers: 2, retries: 1, keepGoing: false, taskInputs: ['a', 'b', 'c'] });
    await executor.whenRuns(2);
    executor.runs[0]!.fail('exit 1');
    const again = await executor.whenRuns(3);
    expect(again.request).toMatchObject({ taskId: 't1', attempt: 2 });
    again.fail('exit 1 again');
    await settle();
    expect(executor.runs).toHaveLength(3); // t3 is not started: t1 failed for good
    expect((await service.view(job.id)).job.status).toBe('running'); // t2 still runs
    executor.runs[1]!.complete();
    await service.lifecycle.whenIdle();
    const view = await service.view(job.id);
    expect(view.job).toMatchObject({ status: 'failed', error: 'Phase run failed: 1 of 3 tasks failed' });
    expect(view.board.tasks.map((t) => t.status)).toEqual(['failed', 'done', 'cancelled']);
  });

  it('a batch keeps going by default: runs the rest and ends failed with the count; cancel stops every run at once', async () => {
    const { service, executor, manager } = makeFakeService({ maxWorkers: 10 });
    const going = await service.dispatch({ type: 'submit', agent: SH, prompt: 'p', mode: 'background', cwd: '/w', workers: 1, taskInputs: ['a', 'b'] });
    expect(going.job.keepGoing).toBe(true);
    (await executor.whenRuns(1)).fail('no');
    (await executor.whenRuns(2)).complete();
    await service.lifecycle.whenIdle();
    expect((await service.view(going.job.id)).job).toMatchObject({ status: 'failed', error: '1 task failed' });
    const cancelled = await service.dispatch({ type: 'submit', agent: SH, prompt: 'p', mode: 'background', cwd: '/w', workers: 3, taskInputs: ['a', 'b', 'c', 'd'] });
    await executor.whenRuns(5);
    await service.dispatch({ type: 'cancel', jobId: cancelled.job.id });
    expect(executor.runs.slice(2).map((run) => run.cancelledWithGraceMs)).toEqual([500, 500, 500]);
    executor.runs[2]!.stop();
    await settle();
    expect(manager.runningCount).toBe(1); // two of its runs still wind down: the job keeps its slot
    for (const run of executor.runs.slice(3)) run.stop();
    await service.lifecycle.whenIdle();
    expect(manager.runningCount).toBe(0);
    const view = await service.view(cancelled.job.id);
    expect(view.board.runs.map((run) => run.state.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(executor.runs).toHaveLength(5);
  });

  it('gives an agent\'s planned task the job\'s prompt and its task, and a batch line its line', async () => {
    const planner: AgentSpec = { type: 'module', name: 'planner', summary: 'p', module: '/nonexistent/planner.mjs', phases: [{ name: 'plan' }, { name: 'work' }], workers: 2 };
    const { service, executor } = makeFakeService({ maxWorkers: 10 });
    await service.dispatch({ type: 'submit', agent: planner, prompt: 'build it', mode: 'background', cwd: '/w' });
    const plan = await executor.whenRuns(1);
    expect(plan.request.task).toBeUndefined(); // a phase's only task, without claims
    plan.finish({ kind: 'completed', output: 'two parts', tasks: [{ title: 'docs', description: 'write docs', files: ['docs/**'] }, { title: 'code', description: 'write code', files: ['src/**'] }] });
    await executor.whenRuns(3);
    expect(executor.runs.slice(1).map((run) => [run.request.prompt, run.request.task?.id, run.request.task?.description, run.request.task?.claims, run.request.task?.others.map((other) => other.id), run.request.isWorkspaceRecorded])).toEqual([
      // A plan's few tasks are diffed as one phase (from a baseline taken before them).
      ['build it', 't3', 'write docs', ['docs/**'], ['t4'], undefined],
      ['build it', 't4', 'write code', ['src/**'], ['t3'], undefined],
    ]);
    for (const run of executor.runs.slice(1)) run.complete();
    await service.lifecycle.whenIdle();

    await service.dispatch({ type: 'submit', agent: { ...planner, phases: [{ name: 'work' }] }, prompt: 'batch of 2 lines', mode: 'background', cwd: '/w', workers: 2, taskInputs: ['first line', 'second line'] });
    await executor.whenRuns(5);
    expect(executor.runs.slice(3).map((run) => [run.request.prompt, run.request.task?.description])).toEqual([
      ['first line', 'first line'],
      ['second line', 'second line'],
    ]);
  });

  it('says once that a task waits for a claim, and names a task\'s latest run\'s output by id or title', async () => {
    const EDIT: AgentSpec = { type: 'command', name: 'edit', summary: 'edit', workers: 3, phases: [{ name: 'edit', tasks: [
      { name: 'auth', run: 'a', dependsOn: [], claims: ['src/**'] },
      { name: 'login', run: 'b', dependsOn: [], claims: ['src/login.ts'] },
      { name: 'docs', run: 'c', dependsOn: [], claims: ['docs/**'] },
    ] }] };
    const { service, executor, updates } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: EDIT, prompt: 'edit', mode: 'background', cwd: '/w' });
    await executor.whenRuns(2);
    executor.runs[1]!.complete(); // docs ends: the scheduler plans again, and login still waits for auth
    await settle();
    const said = () => updates.flatMap((update) => (update.type === 'activity' ? [`${update.icon} ${update.text}`] : []));
    expect(said()).toEqual(['⏸ t2 waits: src/login.ts is claimed by t1']);
    const { task, run, tail } = await service.taskOutput(job.id, 'doc', 10);
    expect([task.id, run?.id, tail?.lines]).toEqual(['t3', 'r2', ['runs/r2.log phase 1/1 edit · attempt 1']]);
    expect((await service.taskOutput(job.id, 'login', 10)).run).toBeNull(); // not run yet
    executor.runs[0]!.complete(); // auth ends: login runs, and its wait is not said again
    await executor.whenRuns(3);
    expect(executor.runs[2]!.request.taskId).toBe('t2');
    executor.runs[2]!.complete();
    await expect(service.taskOutput(job.id, 'nosuch', 10)).rejects.toMatchObject({ code: 'TASK_NOT_FOUND', message: expect.stringContaining(`${job.id} has no task "nosuch" (its tasks are t1, t2, t3`) });
    await expect(service.taskOutput(job.id, '', 10)).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    await service.lifecycle.whenIdle();
    expect(said()).toEqual(['⏸ t2 waits: src/login.ts is claimed by t1']);
  });

  it('names an ambiguous task reference and its candidates', async () => {
    const { service, executor } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: SH, prompt: 'batch', mode: 'background', cwd: '/w', workers: 1, taskInputs: ['echo one', 'echo two'] });
    await executor.whenRuns(1);
    await expect(service.taskOutput(job.id, 'echo', 10)).rejects.toMatchObject({ code: 'TASK_AMBIGUOUS', message: `"echo" names 2 tasks of ${job.id}: t1 (echo one), t2 (echo two); give its id.` });
    expect((await service.taskOutput(job.id, 'ECHO TWO', 10)).task.id).toBe('t2');
    expect((await service.taskOutput(job.id, 't1', 10)).task.title).toBe('echo one');
  });

  it('names at most five candidates of an ambiguous reference, and five tasks of a job that has none so named', async () => {
    const { service, executor } = makeFakeService({ maxWorkers: 10 });
    const lines = Array.from({ length: 7 }, (_, i) => `echo ${i}`);
    const { job } = await service.dispatch({ type: 'submit', agent: SH, prompt: 'batch', mode: 'background', cwd: '/w', workers: 1, taskInputs: lines });
    await executor.whenRuns(1);
    await expect(service.taskOutput(job.id, 'echo', 10)).rejects.toMatchObject({ code: 'TASK_AMBIGUOUS', message: `"echo" names 7 tasks of ${job.id}: t1 (echo 0), t2 (echo 1), t3 (echo 2), t4 (echo 3), t5 (echo 4), …; give its id.` });
    await expect(service.taskOutput(job.id, 'deploy', 10)).rejects.toMatchObject({ code: 'TASK_NOT_FOUND', message: `${job.id} has no task "deploy" (its tasks are t1, t2, t3, t4, t5, … t7; jobline tasks ${job.id} lists them).` });
    // The task's latest run and its output; a task not run yet has neither.
    const first = await service.taskOutput(job.id, 't1', 10);
    expect([first.run?.id, first.tail?.lines]).toEqual(['r1', ['runs/r1.log phase 1/1 run · attempt 1']]);
    expect(await service.taskOutput(job.id, 't7', 10)).toMatchObject({ run: null, tail: null });
    // Exactly five of each are named in full.
    const five = await service.dispatch({ type: 'submit', agent: SH, prompt: 'five', mode: 'background', cwd: '/w', workers: 1, taskInputs: lines.slice(0, 5) });
    await expect(service.taskOutput(five.job.id, 'echo', 10)).rejects.toMatchObject({ message: `"echo" names 5 tasks of ${five.job.id}: t1 (echo 0), t2 (echo 1), t3 (echo 2), t4 (echo 3), t5 (echo 4); give its id.` });
    await expect(service.taskOutput(five.job.id, 'zzz', 10)).rejects.toMatchObject({ message: `${five.job.id} has no task "zzz" (its tasks are t1, t2, t3, t4, t5; jobline tasks ${five.job.id} lists them).` });
    const small = await service.dispatch({ type: 'submit', agent: SH, prompt: 'two', mode: 'background', cwd: '/w', workers: 1, taskInputs: ['a', 'b'] });
    await expect(service.taskOutput(small.job.id, 'zzz', 10)).rejects.toMatchObject({ message: `${small.job.id} has no task "zzz" (its tasks are t1, t2; jobline tasks ${small.job.id} lists them).` });
  });

  it('hands a listed task its command with the job\'s prompt, and takes its workers from the agent', async () => {
    const { service, executor, updates } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: CI, prompt: 'check it', mode: 'background', cwd: '/w' });
    expect(job.workers).toBe(2);
    await executor.whenRuns(2);
    // Output of tasks side by side is marked with its task (a phase's only task's is not: below).
    executor.runs[1]!.listener.output(['testing'], 1);
    expect(executor.runs.map((run) => [run.request.taskId, run.request.prompt, run.request.command, run.request.phaseIndex])).toEqual([
      ['t1', 'check it', 'npm run lint', 0],
      ['t2', 'check it', 'npm test', 0],
    ]);
    executor.runs[0]!.complete();
    await settle();
    expect(executor.runs).toHaveLength(2); // report waits for test too
    executor.runs[1]!.complete();
    const report = await executor.whenRuns(3);
    expect(report.request).toMatchObject({ taskId: 't3', command: 'cat report' });
    report.complete();
    const build = await executor.whenRuns(4);
    expect(build.request).toMatchObject({ taskId: 't4', prompt: 'check it', phaseIndex: 1, previousOutputs: [{ name: 'checks', output: '3 of 3 tasks done\n- t1 lint: done — done\n- t2 test: done — done\n- t3 report: done — done' }] });
    expect(build.request.command).toBeUndefined();
    expect(build.request.outputLogPath).toBe(`/nonexistent/${job.id}/output.log`);
    build.listener.output(['building'], 1);
    expect(updates.flatMap((update) => (update.type === 'output' ? [[update.lines[0], update.taskId]] : []))).toEqual([['testing', 't2'], ['building', undefined]]);
    build.complete('built');
    await service.lifecycle.whenIdle();
    expect((await service.view(job.id)).job.status).toBe('completed');
  });
});

describe('the requests of a planned phase', () => {
  const PLANNER: AgentSpec = { type: 'module', name: 'planner', summary: 'plans', module: '/agents/planner.js', phases: [{ name: 'plan' }, { name: 'implement' }, { name: 'validate' }] };

  it('gives each planned task its context, and later phases every task\'s result and files', async () => {
    const { service, executor } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: PLANNER, prompt: 'add a cache', mode: 'background', cwd: '/w', workers: 3, keepGoing: true });
    const plan = await executor.whenRuns(1);
    // The plan phase is the job's only task of its phase: no task context, its workspace recorded.
    expect(plan.request).toMatchObject({ prompt: 'add a cache', taskId: 't1', phaseIndex: 0, attempt: 1, previousOutputs: [] });
    expect(plan.request.task).toBeUndefined();
    expect(plan.request.isWorkspaceRecorded).toBeUndefined();
    plan.finish({ kind: 'completed', output: 'the plan', tasks: [
      { title: 'store', description: 'write the store', files: ['src/store.ts'], dependsOn: [] },
      { title: 'wire', description: 'wire it in', files: ['src/app.ts'], dependsOn: ['store'] },
      { title: 'docs', input: 'document it', claims: ['README.md'], dependsOn: [] },
    ] });
    await executor.whenRuns(3);
    await settle();
    const [store, docs] = [executor.runs[1]!, executor.runs[2]!];
    expect(executor.runs).toHaveLength(3); // wire waits for store
    expect(store.request).toMatchObject({
      prompt: 'add a cache', // a planned task gets the job's prompt; its own text is in its context
      taskId: 't4', // after the job's highest id: t1 plan, t2 implement (replaced), t3 validate
      phaseIndex: 1,
      attempt: 1,
      previousOutputs: [{ name: 'plan', output: 'the plan' }],
      task: { id: 't4', title: 'store', description: 'write the store', claims: ['src/store.ts'], others: [{ id: 't5', title: 'wire', claims: ['src/app.ts'] }, { id: 't6', title: 'docs', claims: ['README.md'] }] },
    });
    expect(docs.request.task).toMatchObject({ id: 't6', description: 'document it', claims: ['README.md'] });
    store.finish({ kind: 'completed', output: 'stored', filesModified: ['src/store.ts', 'src/store.test.ts'] });
    docs.finish({ kind: 'failed', error: 'no README', filesModified: ['README.md'] });
    const wire = await executor.whenRuns(4);
    expect(wire.request.task?.id).toBe('t5');
    wire.complete('wired');
    const validate = await executor.whenRuns(5);
    expect(validate.request.previousOutputs).toEqual([
      { name: 'plan', output: 'the plan' },
      { name: 'implement', output: expect.stringContaining(['- t4 store: done — stored (files: src/store.ts, src/store.test.ts)', '- t5 wire: done — wired', '- t6 docs: failed — no README'].join('\n')) },
    ]);
    expect(validate.request).toMatchObject({ taskId: 't3', phaseIndex: 2, prompt: 'add a cache' });
    // Each run keeps the files it wrote, a failed one too.
    const { board } = await service.view(job.id);
    expect(board.runs.map((run) => [run.taskId, run.state.status, run.filesModified ?? []])).toEqual([
      ['t1', 'succeeded', []],
      ['t4', 'succeeded', ['src/store.ts', 'src/store.test.ts']],
      ['t6', 'failed', ['README.md']],
      ['t5', 'succeeded', []],
      ['t3', 'running', []],
    ]);
    expect(validate.request.task).toBeUndefined();
  });

  it('lists at most 200 tasks of an earlier phase to a later one, and says how many more there were', async () => {
    const { service, executor } = makeFakeService({ maxWorkers: 10 });
    await service.dispatch({ type: 'submit', agent: PLANNER, prompt: 'many', mode: 'background', cwd: '/w', workers: 1, keepGoing: true });
    (await executor.whenRuns(1)).finish({ kind: 'completed', output: null, tasks: Array.from({ length: 203 }, (_, i) => ({ title: `task ${i}`, description: 'x', files: [], dependsOn: [] })) });
    for (let i = 2; i <= 204; i++) (await executor.whenRuns(i)).complete('');
    const validate = await executor.whenRuns(205);
    const implement = validate.request.previousOutputs[1]!.output!.split('\n');
    expect(implement).toHaveLength(202); // the phase's own output, 200 tasks, and the rest counted
    expect(implement[1]).toBe('- t4 task 0: done');
    expect(implement.at(-1)).toBe('- … and 3 more tasks');
  });
});

describe('a run that cannot start', () => {
  it('fails its task with the reason, warns, and the job goes on to its next task', async () => {
    const { service, executor, manager } = makeFakeService({ maxWorkers: 10 });
    const warnings: string[] = [];
    manager.on('warning', (message) => warnings.push(message));
    const start = executor.start.bind(executor);
    executor.start = () => {
      executor.start = start;
      throw new Error('no thread can be started');
    };
    const { job } = await service.dispatch({ type: 'submit', agent: SH, prompt: 'batch', mode: 'background', cwd: '/w', workers: 1, keepGoing: true, taskInputs: ['a', 'b'] });
    (await executor.whenRuns(1)).complete('b done');
    await service.lifecycle.whenIdle();
    expect(warnings).toEqual([`${job.id}: no thread can be started`]);
    const view = await service.view(job.id);
    expect(view.board.tasks.map((task) => [task.input, task.status, task.result])).toEqual([['a', 'failed', 'no thread can be started'], ['b', 'done', 'b done']]);
    expect(view.board.runs.map((run) => run.state)).toMatchObject([{ status: 'failed', error: 'no thread can be started' }, { status: 'succeeded' }]);
    expect(view.job).toMatchObject({ status: 'failed', error: '1 task failed' });
  });
});

describe('following one task\'s run', () => {
  it('ends when the run is no longer its task\'s open run, and not before', async () => {
    const { service, executor } = makeFakeService({ maxWorkers: 10 });
    const { job } = await service.dispatch({ type: 'submit', agent: SH, prompt: 'batch', mode: 'background', cwd: '/w', workers: 2, taskInputs: ['a', 'b'] });
    const [first, second] = [await executor.whenRuns(1), await executor.whenRuns(2)];
    const { run } = await service.taskOutput(job.id, 't2', 10);
    // Another task's end does not end it: followed until aborted, it says it did not see the end.
    const abort = new AbortController();
    const aborted = service.followRunOutput(job.id, run!, { onLines: () => {}, pollMs: 1, signal: abort.signal });
    first.complete('a done');
    await waitFor(async () => (await service.view(job.id)).board.tasks[0]!.status === 'done', 't1 done');
    abort.abort();
    expect(await aborted).toBe(false);
    const following = service.followRunOutput(job.id, run!, { onLines: () => {}, pollMs: 1 });
    second.complete('b done');
    expect(await following).toBe(true);
    // A run of a job that is gone reads as ended.
    await expect(service.followRunOutput('job-gone0000', run!, { onLines: () => {}, pollMs: 1 })).resolves.toBe(true);
  });
});
