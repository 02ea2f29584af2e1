// Tokens, cost and budgets of LLM jobs (issue 27 §5), against scripted servers on 127.0.0.1 that
// report usage on every response: counted per call, summed per run, task, phase and job, priced
// from the provider's `price`, shown by `show`, `list --json` and the manifest; a budget stops the
// job before its next model call, awaiting approval in any mode, and "continue" raises it by half.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { runCli } from '../helpers/cli.js';
import { FakeModelServer, type ScriptedTurn } from '../helpers/fake-model-servers.js';
import { makeManager } from '../helpers/jobs.js';
import { PLANTED_KEY, llmAgent, makeWorkspace } from '../helpers/llm.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const PRICE = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 };
const TWO_PHASES = [
  { name: 'look', maxRounds: 5, instructions: 'Look.', tools: ['read_file'] },
  { name: 'say', maxRounds: 5, instructions: 'Say.', tools: [] },
];

describe.each(['openai', 'anthropic'] as const)('tokens and cost (%s)', (wire) => {
  it('are counted per call and summed per run, task, phase and job, with the cost from the price', async () => {
    const usage = { input: 1000, output: 200, cached: 400 };
    const server = await FakeModelServer.start(wire, [
      { toolCalls: [{ name: 'read_file', args: { path: 'a.txt' } }], usage },
      { text: 'Looked.', usage },
      { text: 'Said.', usage: { input: 2000, output: 100, cached: 0 } },
    ]);
    servers.push(server);
    const workspace = makeWorkspace({ 'a.txt': 'alpha\n' });
    const jobsDir = join(makeTempDir(), 'jobs');
    writeFileSync(join(workspace, '.jobrc.json'), JSON.stringify({
      providers: { local: { type: wire === 'openai' ? 'openai-compatible' : 'anthropic', baseURL: server.baseURL, model: 'fake-model', apiKeyEnv: 'JOBLINE_TEST_KEY', price: PRICE } },
      agents: { mine: { type: 'llm', provider: 'local', phases: TWO_PHASES } },
    }));
    const env = { JOBLINE_JOBS_DIR: jobsDir, JOBLINE_TEST_KEY: PLANTED_KEY };
    const ran = await runCli(['run', '-y', '--agent', 'mine', 'look around'], { cwd: workspace, env });
    expect(ran.code).toBe(0);

    // Per call: 1000 in (400 cached), 200 out: 600 × $3 + 400 × $0.30 + 200 × $15 per million = $0.00492.
    const [listed] = JSON.parse((await runCli(['list', '--json'], { cwd: workspace, env })).stdout) as Job[];
    expect(listed!.progress.usage).toEqual({ input: 4000, output: 500, cached: 800, costUsd: 0.01734 });
    const shown = JSON.parse((await runCli(['show', listed!.id, '--json'], { cwd: workspace, env })).stdout) as Job & { tasks: Array<{ runs: Array<{ usage?: unknown }> }> };
    expect(shown.phases.map((phase) => phase.usage)).toEqual([{ input: 2000, output: 400, cached: 800, costUsd: 0.00984 }, { input: 2000, output: 100, cached: 0, costUsd: 0.0075 }]);
    expect(shown.tasks.map((task) => task.runs[0]!.usage)).toEqual([{ input: 2000, output: 400, cached: 800, costUsd: 0.00984 }, { input: 2000, output: 100, cached: 0, costUsd: 0.0075 }]);
    const text = (await runCli(['show', listed!.id], { cwd: workspace, env })).stdout;
    expect(text).toContain('Tokens:      4.5k tokens (4k in, 500 out, 800 cached) · $0.02');
    expect(text).toMatch(/1\. look .* · 2\.4k tokens · \$0\.0098\n/);
    const manifest = JSON.parse((await runCli(['show', listed!.id, '--manifest'], { cwd: workspace, env })).stdout);
    expect(manifest.usage).toEqual({ input: 4000, output: 500, cached: 800, costUsd: 0.01734 });
    expect(manifest.phases[1].usage).toEqual({ input: 2000, output: 100, cached: 0, costUsd: 0.0075 });
  });
});

describe('a budget', () => {
  const call: ScriptedTurn = { toolCalls: [{ name: 'read_file', args: { path: 'a.txt' } }] };

  it('stops the job before its next model call, in background mode, and continue raises it by half', async () => {
    // Each call: 120 tokens. The budget of 150 is reached by the second call; the third waits.
    const server = await FakeModelServer.start('openai', [call, call, call, { text: 'Done at last.' }]);
    servers.push(server);
    const workspace = makeWorkspace({ 'a.txt': 'alpha\n' });
    const manager = makeManager();
    const agent = llmAgent(server.baseURL, workspace, { phases: [{ name: 'work', maxRounds: 9, instructions: 'Work.', tools: ['read_file'] }] });
    const { job } = await manager.submit({ agent, prompt: 'read', mode: 'background', cwd: workspace, budget: { tokens: 150 } });
    const stopped = await waitFor(() => (manager.get(job.id).status === 'awaiting_approval' ? manager.get(job.id) : null), 'the budget stop');
    expect(stopped.budgetStop?.reason).toBe('budget reached: 240 tokens of 150; continue with +50%?');
    expect(server.calls).toHaveLength(2);
    // The tool call of the second answer ran to its end: the stop comes before a model call only.
    expect(stopped.progress.toolCalls).toBe(2);
    await expect(manager.retry(job.id, 'again')).rejects.toThrow(/stopped at its budget/);

    await manager.approve(job.id);
    expect(manager.get(job.id).budget).toEqual({ tokens: 315 });
    // 360 tokens by the third call's end: past 315, so it stops again before the fourth.
    const again = await waitFor(() => (manager.get(job.id).status === 'awaiting_approval' ? manager.get(job.id) : null), 'the second stop');
    expect(again.budgetStop?.reason).toBe('budget reached: 360 tokens of 315; continue with +50%?');
    expect(server.calls).toHaveLength(3);
    await manager.approve(job.id);
    await manager.whenIdle();
    const done = manager.get(job.id);
    expect(done.status).toBe('completed');
    expect(done.phases[0]!.output).toBe('Done at last.');
    expect(done.progress.usage).toMatchObject({ input: 400, output: 80 });
    await manager.shutdown();
  });

  it('comes from the agent\'s config, and a cancel ends the stop', async () => {
    const server = await FakeModelServer.start('anthropic', [call, call]);
    servers.push(server);
    const workspace = makeWorkspace({ 'a.txt': 'alpha\n' });
    const manager = makeManager();
    const agent = llmAgent(server.baseURL, workspace, { type: 'anthropic', phases: [{ name: 'work', maxRounds: 9, instructions: 'Work.', tools: ['read_file'] }], agent: { budget: { tokens: 100 } } });
    const { job } = await manager.submit({ agent, prompt: 'read', mode: 'interactive', cwd: workspace });
    await waitFor(() => manager.get(job.id).status === 'awaiting_approval', 'the budget stop');
    expect(manager.get(job.id).budgetStop?.reason).toBe('budget reached: 120 tokens of 100; continue with +50%?');
    expect(server.calls).toHaveLength(1);
    await manager.cancel(job.id);
    await manager.whenIdle();
    expect(manager.get(job.id)).toMatchObject({ status: 'cancelled', budgetStop: null });
    expect(server.calls).toHaveLength(1);
    await manager.shutdown();
  });
});
