// What the scheduler hands the executor for each phase run, and how a run's outcome lands on the
// job: its output, its error, what it changed. In-memory fakes, milliseconds per test.
import { describe, expect, it } from 'vitest';
import { commandAgent } from '../../helpers/jobs.js';
import { makeFakeService } from '../../helpers/fakes.js';

const TWO = commandAgent('two', { a: 'true', b: 'true' });
const CHANGES = { before: 'a'.repeat(40), after: 'b'.repeat(40), files: [{ path: 'index.js', added: 2, removed: 1 }], moreFiles: 0 };

describe('phase runs', () => {
  it('asks the executor for each phase with everything the agent needs', async () => {
    const { service, executor } = makeFakeService({ secretEnvNames: ['OPENAI_API_KEY'], maxOutputBytes: 4096 });
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'fix it', mode: 'background', cwd: '/work/project' });
    const first = await executor.whenRuns(1);
    expect(first.request).toEqual({
      jobId: job.id, runId: 'r1', jobName: job.name, taskId: 't1', prompt: 'fix it', agent: TWO, phaseIndex: 0, attempt: 1, feedback: null, previousOutputs: [], cwd: '/work/project',
      progress: { round: 0, toolCalls: 0, llmCalls: 0, lastEvent: 'Phase a started' },
      outputLogPath: `/nonexistent/${job.id}/output.log`, secretEnvNames: ['OPENAI_API_KEY'], maxOutputBytes: 4096,
    });
    first.finish({ kind: 'completed', output: 'answer a', changes: CHANGES });
    const second = await executor.whenRuns(2);
    expect(second.request).toMatchObject({ phaseIndex: 1, attempt: 1, previousOutputs: [{ name: 'a', output: 'answer a' }] });
    second.finish({ kind: 'failed', error: 'exit code 2', output: 'last lines', changes: CHANGES });
    await service.lifecycle.whenIdle();
    const view = await service.view(job.id);
    expect(view.job.phases[0]).toMatchObject({ status: 'completed', output: 'answer a', changes: CHANGES });
    expect(view.job.phases[1]).toMatchObject({ status: 'failed', error: 'exit code 2', output: 'last lines', changes: CHANGES });
    expect(view.board.tasks[0]!.filesModified).toEqual(['index.js']);
  });

  it('runs without a cap on output, and no secrets, when none are configured', async () => {
    const { service, executor } = makeFakeService();
    await service.dispatch({ type: 'submit', agent: TWO, prompt: 'p', mode: 'background', cwd: '/w' });
    const run = await executor.whenRuns(1);
    expect(run.request.secretEnvNames).toEqual([]);
    expect(run.request.maxOutputBytes).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps a phase\'s earlier output when it fails without one, and records no changes it did not report', async () => {
    const { service, executor } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'p', mode: 'interactive', cwd: '/w' });
    (await executor.whenRuns(1)).finish({ kind: 'completed', output: 'first' });
    await new Promise<void>((resolve) => service.subscribe((u) => u.type === 'event' && u.event.type === 'approval_requested' && resolve()));
    await service.dispatch({ type: 'retry', jobId: job.id, feedback: null });
    (await executor.whenRuns(2)).finish({ kind: 'failed', error: 'boom' });
    await service.lifecycle.whenIdle();
    expect(service.sessionJob(job.id)!.phases[0]).toMatchObject({ status: 'failed', output: 'first', changes: null, error: 'boom' });
  });

  it('treats an agent that reports a cancel as a cancel of the job', async () => {
    const { service, executor } = makeFakeService();
    const { job } = await service.dispatch({ type: 'submit', agent: TWO, prompt: 'p', mode: 'background', cwd: '/w' });
    (await executor.whenRuns(1)).stop();
    await service.lifecycle.whenIdle();
    expect(service.sessionJob(job.id)!.status).toBe('cancelled');
    expect(executor.runs).toHaveLength(1);
  });
});
