// What users of coding agents expect (issue 27 §7), against a scripted model server on 127.0.0.1:
// a model per job (`--model` on run and resume, a template's `model`), the project's AGENTS.md
// (else CLAUDE.md) in the system prompt, capped, shown by `show`, and off with
// `"instructions": false`; in a fan-out, activity names its task.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { MAX_INSTRUCTION_CHARS } from '../../src/agents/llm/project-instructions.js';
import { runCli } from '../helpers/cli.js';
import { FakeModelServer, type RecordedRequest } from '../helpers/fake-model-servers.js';
import { makeManager } from '../helpers/jobs.js';
import { PLANTED_KEY, llmAgent, makeWorkspace } from '../helpers/llm.js';
import { makeTempDir } from '../helpers/temp.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const systemOf = (request: RecordedRequest): string => request.body.messages.find((message: { role: string }) => message.role === 'system')?.content ?? '';

async function cliWorkspace(agent: Record<string, unknown> = {}, files: Record<string, string> = {}) {
  const server = await FakeModelServer.start('openai', []);
  servers.push(server);
  const workspace = makeWorkspace({ 'a.txt': 'alpha\n', ...files });
  writeFileSync(join(workspace, '.jobrc.json'), JSON.stringify({
    providers: { local: { type: 'openai-compatible', baseURL: server.baseURL, model: 'fake-model', apiKeyEnv: 'JOBLINE_TEST_KEY' } },
    agents: { mine: { type: 'llm', provider: 'local', phases: [{ name: 'work', maxRounds: 3, instructions: 'Work.', tools: ['read_file'] }], ...agent } },
    templates: { fast: { agent: 'mine', prompt: 'quick {what}', model: 'fast-model', mode: 'background' } },
  }));
  return { server, workspace, env: { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs'), JOBLINE_TEST_KEY: PLANTED_KEY } };
}

describe('a model per job', () => {
  it('--model on run, a template\'s model, and --model on resume choose the model the job\'s calls use', async () => {
    const { server, workspace, env } = await cliWorkspace();
    expect((await runCli(['run', '-y', '--agent', 'mine', '--model', 'big-model', 'do it'], { cwd: workspace, env })).code).toBe(0);
    expect(server.calls.at(-1)!.body.model).toBe('big-model');
    const [job] = JSON.parse((await runCli(['list', '--json'], { cwd: workspace, env })).stdout) as Job[];
    expect(job!.model).toBe('big-model');
    expect((await runCli(['show', job!.id], { cwd: workspace, env })).stdout).toContain('mine (background) · model big-model');

    expect((await runCli(['run', '--template', 'fast', 'what=thing'], { cwd: workspace, env })).code).toBe(0);
    expect(server.calls.at(-1)!.body.model).toBe('fast-model');

    const wrong = await runCli(['run', '-y', '--agent', 'sh', '--model', 'x', 'true'], { cwd: workspace, env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--model is for LLM agents: sh runs no model.');

    // A job that failed, resumed on another model.
    server.script({ status: 400, body: JSON.stringify({ error: { message: 'no such model' } }) });
    expect((await runCli(['run', '-y', '--agent', 'mine', 'again'], { cwd: workspace, env })).code).toBe(1);
    const failed = (JSON.parse((await runCli(['list', 'failed', '--json'], { cwd: workspace, env })).stdout) as Job[])[0]!;
    expect((await runCli(['resume', '-y', failed.id, '--model', 'other-model'], { cwd: workspace, env })).code).toBe(0);
    expect(server.calls.at(-1)!.body.model).toBe('other-model');
  });
});

describe('project instructions', () => {
  it('AGENTS.md goes into the system prompt, capped, and show says it was used', async () => {
    const agents = `Always run the linter.\n${'x'.repeat(MAX_INSTRUCTION_CHARS)}`;
    const { server, workspace, env } = await cliWorkspace({}, { 'AGENTS.md': agents, 'CLAUDE.md': 'Claude rules.' });
    expect((await runCli(['run', '-y', '--agent', 'mine', 'do it'], { cwd: workspace, env })).code).toBe(0);
    const system = systemOf(server.calls[0]!);
    expect(system).toMatch(/^Work\.\n\nThe project's instructions for agents \(from AGENTS\.md at the workspace root\):\nAlways run the linter\./);
    expect(system).toContain('[jobline: AGENTS.md goes on for 23 more characters, cut here; read_file it for the rest]');
    expect(system).not.toContain('Claude rules.');
    const [job] = JSON.parse((await runCli(['list', '--json'], { cwd: workspace, env })).stdout) as Job[];
    expect((await runCli(['show', job!.id], { cwd: workspace, env })).stdout).toContain(`Instructions: AGENTS.md (cut to ${MAX_INSTRUCTION_CHARS} of its ${agents.length} characters)`);
  });

  it('CLAUDE.md is read when there is no AGENTS.md, and "instructions": false reads neither', async () => {
    const claude = await cliWorkspace({}, { 'CLAUDE.md': 'Claude rules.' });
    expect((await runCli(['run', '-y', '--agent', 'mine', 'do it'], { cwd: claude.workspace, env: claude.env })).code).toBe(0);
    expect(systemOf(claude.server.calls[0]!)).toContain('(from CLAUDE.md at the workspace root):\nClaude rules.');
    const off = await cliWorkspace({ instructions: false }, { 'AGENTS.md': 'Never read.' });
    expect((await runCli(['run', '-y', '--agent', 'mine', 'do it'], { cwd: off.workspace, env: off.env })).code).toBe(0);
    expect(systemOf(off.server.calls[0]!)).toBe('Work.');
  });
});

describe('in a fan-out', () => {
  it('each activity names the task it belongs to', async () => {
    const workspace = makeWorkspace({ 'src/a.ts': 'a\n', 'src/b.ts': 'b\n' });
    const plan = [{ title: 'first', description: 'a', files: ['src/a.ts'] }, { title: 'second', description: 'b', files: ['src/b.ts'] }];
    const server = await FakeModelServer.start('openai', [{ toolCalls: [{ name: 'create_tasks', args: { tasks: plan } }] }, { text: 'Planned.' }], (request) => {
      const title = /Your task is t\d+: (\w+)/.exec(JSON.stringify(request.body.messages))?.[1];
      if (!title) return undefined;
      return JSON.stringify(request.body.messages).includes('"role":"tool"') ? { text: `${title} done` } : { toolCalls: [{ name: 'read_file', args: { path: title === 'first' ? 'src/a.ts' : 'src/b.ts' } }] };
    });
    servers.push(server);
    const manager = makeManager();
    const activity: string[] = [];
    manager.on('jobActivity', (_job, icon, text, taskId) => activity.push(`${taskId ?? '-'} ${icon} ${text}`));
    const agent = llmAgent(server.baseURL, workspace, { phases: [{ name: 'plan', maxRounds: 3, instructions: 'Plan.', tools: ['create_tasks'] }, { name: 'implement', maxRounds: 3, instructions: 'Do.', tools: ['read_file'] }] });
    await manager.submit({ agent, prompt: 'split', mode: 'background', cwd: workspace, workers: 2 });
    await manager.whenIdle();
    await manager.shutdown();
    expect(activity).toContain('- 🔧 create_tasks()');
    expect(activity.filter((line) => line.includes('read_file'))).toEqual(expect.arrayContaining([expect.stringMatching(/^t\d+ 🔧 read_file\(path="src\/a\.ts"\)$/), expect.stringMatching(/^t\d+ 🔧 read_file\(path="src\/b\.ts"\)$/)]));
  });
});
