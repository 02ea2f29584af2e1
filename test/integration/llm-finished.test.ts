// A model's answer counts only when it really ended (issue 27 §1 and §2), on both wires, against
// scripted servers on 127.0.0.1: a stream cut before its end or inside a tool call is retried
// like a 5xx; a length / max-tokens stop is continued (within a cap) or fails the phase; errors
// sent inside a 200 stream are classified like their HTTP twins; connections dropped before the
// first byte or reset mid-answer are retried, with an honest message once retries run out; every
// HTTP attempt is a model call; in a phase the tests decide, a failing last test run fails it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { CONTINUE_PROMPT } from '../../src/agents/llm/llm-runner.js';
import { FakeModelServer, type ScriptedTurn } from '../helpers/fake-model-servers.js';
import { makeManager } from '../helpers/jobs.js';
import { llmAgent, makeWorkspace, type LlmAgentOptions } from '../helpers/llm.js';
import { waitFor } from '../helpers/wait.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type Wire = 'openai' | 'anthropic';
const WIRES: Wire[] = ['openai', 'anthropic'];
const onePhase = (tools: string[] = ['list_files', 'read_file'], name = 'work'): LlmAgentOptions['phases'] => [{ name, maxRounds: 8, instructions: 'Work.', tools }];

async function run(wire: Wire, turns: ScriptedTurn[], options: LlmAgentOptions = {}, files: Record<string, string> = { 'a.txt': 'alpha\n' }): Promise<{ job: Job; server: FakeModelServer; workspace: string }> {
  const server = await FakeModelServer.start(wire, turns);
  servers.push(server);
  const workspace = makeWorkspace(files);
  const manager = makeManager();
  const agent = llmAgent(server.baseURL, workspace, { phases: onePhase(), retryDelayMs: 5, ...options, type: wire === 'openai' ? 'openai-compatible' : 'anthropic' });
  const { job } = await manager.submit({ agent, prompt: 'do it', mode: 'background', cwd: workspace });
  await manager.whenIdle();
  const done = manager.get(job.id);
  await manager.shutdown();
  return { job: done, server, workspace };
}

// The text of what a model call sent (its messages).
const sentIn = (server: FakeModelServer, call: number): string => JSON.stringify(server.calls[call]!.body.messages);

describe.each(WIRES)('a cut-off answer is never "done" (%s)', (wire) => {
  it('a stream that ends without its end is retried, and the phase takes the whole answer', async () => {
    const { job, server } = await run(wire, [{ text: 'I changed half of', cut: 'end' }, { text: 'All done: both files changed.' }]);
    expect(server.calls).toHaveLength(2);
    expect(job.status).toBe('completed');
    expect(job.phases[0]!.output).toBe('All done: both files changed.');
    expect(job.progress.llmCalls).toBe(2);
  });

  it('a stream cut inside a tool call is retried, and the tool call is made', async () => {
    const edit = { name: 'write_file', args: { path: 'b.txt', content: 'bravo\n' } };
    const { job, server, workspace } = await run(wire, [{ text: 'Writing.', toolCalls: [edit], cut: 'toolCall' }, { toolCalls: [edit] }, { text: 'Wrote b.txt.' }], { phases: onePhase(['write_file']) });
    expect(server.calls).toHaveLength(3);
    expect(job.status).toBe('completed');
    expect(readFileSync(join(workspace, 'b.txt'), 'utf8')).toBe('bravo\n');
  });

  it('a length stop is continued, and the answer is the whole of it', async () => {
    const { job, server } = await run(wire, [{ text: 'Step 1. Step 2. Ste', finish: 'length' }, { text: 'p 3. Done.' }]);
    expect(server.calls).toHaveLength(2);
    expect(sentIn(server, 1)).toContain(CONTINUE_PROMPT);
    expect(job.status).toBe('completed');
    expect(job.phases[0]!.output).toBe('Step 1. Step 2. Step 3. Done.');
  });

  it('an answer cut at its limit again and again fails the phase, saying so', async () => {
    const cut: ScriptedTurn = { text: 'more ', finish: 'length' };
    const { job, server } = await run(wire, [cut, cut, cut, cut, cut]);
    expect(server.calls).toHaveLength(4);
    expect(job.status).toBe('failed');
    expect(job.error).toBe('Phase work failed: the model\'s answer was cut off at its output limit 4 times in a row (finish reason "length"); ask for less, or raise the model\'s output limit');
  });

  it('an error inside a 200 stream that says "overloaded" is retried like a 529', async () => {
    const overloaded: ScriptedTurn = wire === 'anthropic'
      ? { streamError: { type: 'overloaded_error', message: 'Overloaded' }, afterText: 'Look' }
      : { streamError: { type: 'server_error', message: 'The server is overloaded', code: 'rate_limit_exceeded' }, afterText: 'Look' };
    const { job, server } = await run(wire, [overloaded, { text: 'Recovered.' }]);
    expect(server.calls).toHaveLength(2);
    expect(job.status).toBe('completed');
    expect(job.phases[0]!.output).toBe('Recovered.');
    expect(job.progress.llmCalls).toBe(2);
  });

  it('any other error inside a stream fails at once with the provider\'s words', async () => {
    const { job, server } = await run(wire, [{ streamError: { type: 'invalid_request_error', message: 'messages: too many images' }, afterText: 'x' }]);
    expect(server.calls).toHaveLength(1);
    expect(job.error).toBe(`Phase work failed: ${server.baseURL} sent an error inside its answer: invalid_request_error: messages: too many images`);
    expect(job.error).not.toContain('[object Object]');
  });

  it('a connection dropped before the first byte is retried, and never called "Cannot connect"', async () => {
    const { job, server } = await run(wire, [{ reset: 'beforeFirstByte' }, { text: 'Fine now.' }]);
    expect(server.calls).toHaveLength(2);
    expect(job.status).toBe('completed');
    const dropped = await run(wire, [{ reset: 'beforeFirstByte' }, { reset: 'beforeFirstByte' }, { reset: 'beforeFirstByte' }, { reset: 'beforeFirstByte' }]);
    expect(dropped.server.calls).toHaveLength(4);
    expect(dropped.job.error).toMatch(new RegExp(`^Phase work failed: ${dropped.server.baseURL.replace(/[.]/g, '\\.')} closed the connection before answering after 4 attempts \\(`));
    expect(dropped.job.error).not.toMatch(/Cannot connect/);
  });

  it('a reset mid-answer is retried, and said honestly once retries run out', async () => {
    const reset: ScriptedTurn = { reset: 'midStream', afterText: 'Half an ans' };
    const { job, server } = await run(wire, [reset, { text: 'Whole answer.' }]);
    expect(server.calls).toHaveLength(2);
    expect(job.phases[0]!.output).toBe('Whole answer.');
    const failed = await run(wire, [reset, reset, reset, reset]);
    expect(failed.server.calls).toHaveLength(4);
    expect(failed.job.progress.llmCalls).toBe(4);
    expect(failed.job.error).toMatch(/^Phase work failed: the connection to http:\S+ was reset in the middle of the model's answer after 4 attempts \(.+\); the partial answers were discarded$/);
  });

  it('malformed tool-call arguments are answered as such, and go back to the model as an object', async () => {
    const { job, server } = await run(wire, [{ toolCalls: [{ name: 'read_file', args: '{"path": "a.txt' }] }, { text: 'I will fix my JSON.' }]);
    expect(job.status).toBe('completed');
    const second = sentIn(server, 1);
    expect(second).toMatch(/read_file: arguments are not valid JSON: /);
    expect(second).not.toMatch(/needs \\"path\\"/);
    if (wire === 'anthropic') {
      const assistant = server.calls[1]!.body.messages.find((message: { role: string }) => message.role === 'assistant');
      const toolUse = assistant.content.find((part: { type: string }) => part.type === 'tool_use');
      expect(typeof toolUse.input).toBe('object');
    }
  });
});

describe('each HTTP attempt is a model call', () => {
  it('rate limits and server errors count as the calls they are', async () => {
    const { job, server } = await run('openai', [{ status: 429, headers: { 'retry-after': '0' } }, { status: 503, headers: { 'retry-after-ms': '1' } }, { text: 'finally' }]);
    expect(server.calls).toHaveLength(3);
    expect(job.progress.llmCalls).toBe(3);
  });
});

describe('in a phase that validates, the tests decide', () => {
  const testRun = { name: 'run_command', args: { command: 'npm test' } };
  const project = (exitCode: number): Record<string, string> => ({ 'package.json': JSON.stringify({ name: 'p', scripts: { test: `node -e "process.exit(${exitCode})"` } }) });

  it('a last test run that failed fails the phase, whatever the model says', async () => {
    const { job, server } = await run('openai', [{ toolCalls: [testRun] }, { text: 'All tests pass. Ship it.' }], { phases: onePhase(['run_command'], 'validate') }, project(1));
    expect(server.calls).toHaveLength(2);
    expect(job.status).toBe('failed');
    expect(job.error).toBe('Phase validate failed: the tests fail: the last run of `npm test` exited with code 1, and the phase ended without a passing run');
    expect(job.phases[0]!.output).toBe('All tests pass. Ship it.');
  });

  it('an interactive job asks, and going on anyway never ends it completed', async () => {
    const server = await FakeModelServer.start('openai', [{ toolCalls: [testRun] }, { text: 'Looks fine to me.' }, { text: 'Delivered.' }]);
    servers.push(server);
    const workspace = makeWorkspace(project(1));
    const manager = makeManager();
    const agent = llmAgent(server.baseURL, workspace, { phases: [...onePhase(['run_command'], 'validate')!, { name: 'deliver', maxRounds: 2, instructions: 'Deliver.', tools: [] }] });
    const { job } = await manager.submit({ agent, prompt: 'validate', mode: 'interactive', cwd: workspace });
    await waitFor(() => manager.get(job.id).status === 'awaiting_approval', 'the question about the failing tests');
    expect(manager.get(job.id).phases[0]).toMatchObject({ status: 'completed', failedTasks: 1 });
    await manager.approve(job.id);
    await manager.whenIdle();
    expect(manager.get(job.id)).toMatchObject({ status: 'failed', error: '1 task failed' });
    await manager.shutdown();
  });

  it('a passing last run passes, and a phase that does not validate is not judged', async () => {
    const passing = await run('openai', [{ toolCalls: [testRun] }, { text: 'Green.' }], { phases: onePhase(['run_command'], 'validate') }, project(0));
    expect(passing.job.status).toBe('completed');
    const other = await run('openai', [{ toolCalls: [testRun] }, { text: 'Seen it fail.' }], { phases: onePhase(['run_command'], 'investigate') }, project(1));
    expect(other.job.status).toBe('completed');
  });
});
