// LLM agents end to end: real worker threads, real HTTP on 127.0.0.1 in the OpenAI and Anthropic
// wire formats, a real workspace. Asserts on what the server received and on the files changed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TOOL_DEFINITIONS } from '../../src/agents/llm/tool-definitions.js';
import type { Job } from '../../src/jobs/model/job.js';
import { FakeModelServer, type ScriptedTurn } from '../helpers/fake-model-servers.js';
import { makeManager } from '../helpers/jobs.js';
import { PLANTED_KEY, llmAgent, makeWorkspace } from '../helpers/llm.js';
import { waitFor } from '../helpers/wait.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function serve(format: 'openai' | 'anthropic', turns: ScriptedTurn[]): Promise<FakeModelServer> {
  const server = await FakeModelServer.start(format, turns);
  servers.push(server);
  return server;
}

const AUTH_TS = 'export function handleAuth(token) {\n  return token === "secret";\n}\n';
const conversation = (style: 'openai' | 'ollama' = 'openai'): ScriptedTurn[] => [
  { text: 'Looking around.', toolCalls: [{ name: 'list_files', args: {} }, { name: 'read_file', args: { path: 'src/auth.ts' } }], style },
  { text: 'handleAuth compares the token with a constant.' },
  { toolCalls: [{ name: 'edit_file', args: { path: 'src/auth.ts', old_string: 'token === "secret"', new_string: 'verify(token)' } }], style },
  { text: 'Replaced the constant check with verify().' },
];

async function runToEnd(agentServer: FakeModelServer, type: 'openai-compatible' | 'anthropic', workspace: string): Promise<Job> {
  const manager = makeManager();
  const { job } = await manager.submit({ agent: llmAgent(agentServer.baseURL, workspace, { type }), prompt: 'use verify() in handleAuth', mode: 'background', cwd: workspace });
  await manager.whenIdle();
  const done = manager.get(job.id);
  const files = ['job.json', 'events.jsonl', 'output.log'].map((name) => readFileSync(join(manager.store.dir, job.id, name), 'utf8'));
  expect(files.join('\n')).not.toContain(PLANTED_KEY);
  await manager.shutdown();
  return done;
}

describe('LLM agent over the OpenAI chat completions API', () => {
  it.each(['openai', 'ollama'] as const)('runs phases with tools, with %s-style tool-call deltas', async (style) => {
    const workspace = makeWorkspace({ 'src/auth.ts': AUTH_TS, 'README.md': '# app\n' });
    const server = await serve('openai', conversation(style));
    const job = await runToEnd(server, 'openai-compatible', workspace);

    expect(job.status).toBe('completed');
    expect(job.phases.map((p) => [p.name, p.status, p.output])).toEqual([
      ['inspect', 'completed', 'handleAuth compares the token with a constant.'],
      ['change', 'completed', 'Replaced the constant check with verify().'],
    ]);
    expect(job.progress).toMatchObject({ round: 2, toolCalls: 3, llmCalls: 4 });
    expect(readFileSync(join(workspace, 'src/auth.ts'), 'utf8')).toContain('return verify(token);');

    const [first, second, third] = server.requests;
    expect(first!.path).toBe('/v1/chat/completions');
    expect(first!.headers.authorization).toBe(`Bearer ${PLANTED_KEY}`);
    expect(first!.body.stream).toBe(true);
    expect(first!.body.tools).toEqual(['list_files', 'read_file', 'search_code'].map((name) => ({
      type: 'function', function: { name, description: TOOL_DEFINITIONS[name as 'read_file'].description, parameters: TOOL_DEFINITIONS[name as 'read_file'].parameters },
    })));
    expect(first!.body.messages[0]).toEqual({ role: 'system', content: 'Look around.' });
    expect(first!.body.messages[1].content).toContain('Request: use verify() in handleAuth');
    // The tool results went back, tied to their calls.
    const toolMessages = second!.body.messages.filter((m: { role: string }) => m.role === 'tool');
    expect(toolMessages).toHaveLength(2);
    expect(toolMessages[0].content).toBe('README.md\nsrc/auth.ts');
    expect(toolMessages[1].content).toContain('2    return token === "secret";');
    const assistant = second!.body.messages.find((m: { role: string }) => m.role === 'assistant');
    expect(assistant.tool_calls.map((c: { id: string }) => c.id)).toEqual(toolMessages.map((m: { tool_call_id: string }) => m.tool_call_id));
    // The next phase gets the earlier phase's output and its own tools.
    expect(third!.body.messages[1].content).toContain('## inspect\nhandleAuth compares the token with a constant.');
    expect(third!.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['read_file', 'edit_file', 'write_file', 'run_command']);
  });
});

describe('LLM agent over the Anthropic Messages API', () => {
  it('runs phases with tool_use blocks and sends tool_result blocks back', async () => {
    const workspace = makeWorkspace({ 'src/auth.ts': AUTH_TS, 'README.md': '# app\n' });
    const server = await serve('anthropic', conversation());
    const job = await runToEnd(server, 'anthropic', workspace);

    expect(job.status).toBe('completed');
    expect(readFileSync(join(workspace, 'src/auth.ts'), 'utf8')).toContain('return verify(token);');
    const [first, second] = server.requests;
    expect(first!.path).toBe('/v1/messages');
    expect(first!.headers['x-api-key']).toBe(PLANTED_KEY);
    expect(first!.body.stream).toBe(true);
    expect(first!.body.system).toEqual([{ type: 'text', text: 'Look around.' }]);
    expect(first!.body.tools.map((t: { name: string; input_schema: unknown }) => [t.name, t.input_schema])).toEqual(
      ['list_files', 'read_file', 'search_code'].map((name) => [name, TOOL_DEFINITIONS[name as 'read_file'].parameters]),
    );
    const results = second!.body.messages.at(-1).content;
    expect(results.map((block: { type: string; tool_use_id: string }) => [block.type, block.tool_use_id])).toEqual([['tool_result', 'toolu_1'], ['tool_result', 'toolu_2']]);
    expect(JSON.stringify(results[0].content)).toContain('src/auth.ts');
  });
});

describe('retry, resume and progress', () => {
  it('hands retry feedback to the model, and resume passes the earlier outputs', async () => {
    const workspace = makeWorkspace({ 'a.txt': 'alpha\n' });
    const server = await serve('openai', [
      { text: 'first look' },
      { text: 'second look' },
      { hangAfterText: 'working on it' },
      { text: 'changed after resume' },
    ]);
    const manager = makeManager();
    const activity: string[] = [];
    manager.on('jobActivity', (_job, icon, text) => activity.push(`${icon} ${text}`));
    const waiting = new Promise<void>((resolve) => manager.on('jobEvent', (_job, event) => event.type === 'approval_requested' && resolve()));
    const { job } = await manager.submit({ agent: llmAgent(server.baseURL, workspace), prompt: 'tidy a.txt', mode: 'interactive', cwd: workspace });
    await waiting;
    const again = new Promise<void>((resolve) => manager.on('jobEvent', (_job, event) => event.type === 'approval_requested' && resolve()));
    await manager.retry(job.id, 'look at the tests too');
    await again;
    expect(server.requests[1]!.body.messages[1].content).toContain('asks: look at the tests too');
    expect(manager.get(job.id).phases[0]).toMatchObject({ attempts: 2, output: 'second look' });

    await manager.approve(job.id);
    await waitFor(() => server.requests.length === 3, 'the third model request');
    await manager.cancel(job.id);
    await manager.whenIdle();
    await manager.resume(job.id, 'background');
    await manager.whenIdle();
    const done = manager.get(job.id);
    expect(done.status).toBe('completed');
    expect(server.requests[3]!.body.messages[1].content).toContain('## inspect\nsecond look');
    expect(done.phases[1]).toMatchObject({ attempts: 2, output: 'changed after resume' });
    expect(activity).toContain('💭 LLM response received · 120 tokens (100 in, 20 out)');
    await manager.shutdown();
  });
});
