// How LLM jobs fail: each failure ends in a clear message, bounded in time, with no key in sight;
// a cancel aborts the HTTP stream at once.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { FakeModelServer, type ScriptedTurn } from '../helpers/fake-model-servers.js';
import { makeManager } from '../helpers/jobs.js';
import { PLANTED_KEY, llmAgent, makeWorkspace, type LlmAgentOptions } from '../helpers/llm.js';
import { waitFor } from '../helpers/wait.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const onePhase = (maxRounds = 5): LlmAgentOptions['phases'] => [{ name: 'work', maxRounds, instructions: 'Work.', tools: ['list_files', 'read_file'] }];

async function runScripted(turns: ScriptedTurn[], options: LlmAgentOptions = {}, format: 'openai' | 'anthropic' = 'openai'): Promise<{ job: Job; server: FakeModelServer; files: string }> {
  const server = await FakeModelServer.start(format, turns);
  servers.push(server);
  return { ...(await runAgainst(server.baseURL, options)), server };
}

async function runAgainst(baseURL: string, options: LlmAgentOptions = {}): Promise<{ job: Job; files: string }> {
  const workspace = makeWorkspace({ 'a.txt': 'alpha\n' });
  const manager = makeManager();
  const { job } = await manager.submit({ agent: llmAgent(baseURL, workspace, { phases: onePhase(), ...options }), prompt: 'do it', mode: 'background', cwd: workspace });
  await manager.whenIdle();
  const dir = join(manager.store.dir, job.id);
  const files = readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
  const done = manager.get(job.id);
  await manager.shutdown();
  return { job: done, files };
}

describe('LLM failures', () => {
  it('an unreachable provider names the URL, the cause and the config key', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { job } = await runAgainst(`http://127.0.0.1:${port}/v1`);
    expect(job.error).toBe(`Phase work failed: cannot reach http://127.0.0.1:${port}/v1 (ECONNREFUSED); check providers.local in the config`);
  });

  it.each([401, 403])('HTTP %i names the environment variable, never the key', async (status) => {
    const { job, files } = await runScripted([{ status, body: JSON.stringify({ error: { message: `bad key ${PLANTED_KEY}` } }) }]);
    expect(job.error).toBe(`Phase work failed: ${servers[0]!.baseURL} refused the API key (HTTP ${status}); check the JOBLINE_TEST_KEY environment variable`);
    expect(files).not.toContain(PLANTED_KEY);
  });

  it('a missing key variable is reported when the job is submitted, before a job or a request exists', async () => {
    const server = await FakeModelServer.start('openai', []);
    servers.push(server);
    expect(() => llmAgent(server.baseURL, makeWorkspace({}), { apiKeyEnv: 'JOBLINE_TEST_KEY_UNSET' })).toThrow('The mine agent\'s provider "local" reads its API key from $JOBLINE_TEST_KEY_UNSET, which is not set here (apiKeyEnv in the config). Export it and try again.');
    expect(server.requests).toHaveLength(0);
  });

  it('429 and 5xx are retried, honouring Retry-After', async () => {
    const { job, server } = await runScripted([
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 503, headers: { 'retry-after-ms': '10' } },
      { text: 'finally' },
    ]);
    expect(job.status).toBe('completed');
    expect(job.phases[0]!.output).toBe('finally');
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after a bounded number of attempts', async () => {
    const busy = { status: 500, headers: { 'retry-after': '0' } };
    const { job, server } = await runScripted([busy, busy, busy, busy, busy, busy]);
    expect(server.requests).toHaveLength(4);
    expect(job.error).toMatch(/^Phase work failed: http:\/\/127\.0\.0\.1:\d+\/v1 answered HTTP 500 after 4 attempts: /);
  });

  it('a malformed stream fails the phase with a clear message', async () => {
    const { job } = await runScripted([{ raw: 'data: {"choices": [{"delta": {"content": "hi"\n\n' }]);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^Phase work failed: the model's response stream from http:\/\/127\.0\.0\.1:\d+\/v1 was malformed: /);
  });

  it('a stream cut short, every time, fails the phase saying so once retries run out', async () => {
    const cut = { raw: `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }] })}\n\n` };
    const { job, server } = await runScripted([cut, cut, cut, cut], { retryDelayMs: 1 });
    expect(server.requests).toHaveLength(4);
    expect(job.error).toMatch(/^Phase work failed: the model's response stream from http:\/\/127\.0\.0\.1:\d+\/v1 ended before the answer did after 4 attempts \(no end of message\); the partial answers were discarded$/);
  });

  it('fails the phase at its round cap', async () => {
    const call = { toolCalls: [{ name: 'list_files', args: {} }] };
    const { job, server } = await runScripted([call, call, call, call], { phases: onePhase(2) });
    expect(job.error).toBe('Phase work failed: exceeded 2 rounds');
    expect(server.requests).toHaveLength(2);
    expect(job.progress).toMatchObject({ round: 2, llmCalls: 2, toolCalls: 2 });
  });

  it('answers a call to an unknown or unoffered tool with an error, and goes on', async () => {
    const { job, server } = await runScripted([
      { toolCalls: [{ name: 'delete_everything', args: {} }, { name: 'write_file', args: { path: 'x', content: 'y' } }] },
      { text: 'ok, I will not' },
    ]);
    expect(job.status).toBe('completed');
    const results = server.requests[1]!.body.messages.filter((m: { role: string }) => m.role === 'tool').map((m: { content: string }) => m.content);
    expect(results).toEqual([
      'tool delete_everything does not exist; available tools: list_files, read_file',
      'tool write_file is not available in this phase; available tools: list_files, read_file',
    ]);
  });

  it('the idle timeout ends a silent model, never a slow one that keeps sending', async () => {
    // 12 pieces 100 ms apart: 1.2 s in all, well past the 400 ms idle timeout, never silent that long.
    const slow = await runScripted([{ slowText: Array.from({ length: 12 }, (_, i) => `part${i} `), intervalMs: 100 }], { idleTimeoutMs: 400 });
    expect(slow.job.status).toBe('completed');
    expect(slow.job.phases[0]!.output).toContain('part11');
    const silent = await runScripted([{ hangAfterText: 'thinking' }], { idleTimeoutMs: 400 });
    expect(silent.job).toMatchObject({ status: 'failed', error: 'Phase work failed: the model sent nothing for 0.4 s' });
  });

  it('a cancel aborts the HTTP stream and the job is cancelled within 1 s', async () => {
    const server = await FakeModelServer.start('openai', [{ hangAfterText: 'thinking' }]);
    servers.push(server);
    const workspace = makeWorkspace({ 'a.txt': 'alpha\n' });
    const manager = makeManager();
    const { job } = await manager.submit({ agent: llmAgent(server.baseURL, workspace, { phases: onePhase() }), prompt: 'do it', mode: 'background', cwd: workspace });
    // The server has the request and has streamed its first chunk; the response never ends.
    await waitFor(() => server.requests.length === 1, 'the model request to arrive');
    const started = Date.now();
    await manager.cancel(job.id);
    await manager.whenIdle();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(manager.get(job.id).status).toBe('cancelled');
    await server.hangingRequestClosed; // the client really closed the connection
    await manager.shutdown();
  });
});
