// An LLM plan that fans out, through the real CLI against a scripted OpenAI-compatible server on
// 127.0.0.1: the plan phase's create_tasks call becomes the implement phase's tasks, run one model
// worker per task; two tasks claiming the same file never run at once while a third runs beside
// them; a write outside a task's claim goes back to the model as a tool error naming the file,
// the claim and the task holding it; each run records the files it wrote; the last phase sees
// every task's result.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { runCli } from '../helpers/cli.js';
import { FakeModelServer, type RecordedRequest, type ScriptedTurn } from '../helpers/fake-model-servers.js';
import { PLANTED_KEY, makeWorkspace } from '../helpers/llm.js';
import { makeTempDir } from '../helpers/temp.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const PLAN = [
  { title: 'shared-first', description: 'Add the header to src/shared.ts.', files: ['src/shared.ts'] },
  { title: 'other', description: 'Rewrite src/other.ts.', files: ['src/other.ts'] },
  { title: 'shared-second', description: 'Add the footer to src/shared.ts.', files: ['src/shared.ts'] },
];

type Shown = Job & { tasks: Array<{ id: string; phase: number; title: string; status: string; claims: string[]; filesModified: string[]; runs: Array<{ worker: string; filesModified?: string[] }> }> };

// The text of everything the model was sent in `request` (its messages and tool results).
const sent = (request: RecordedRequest): string => JSON.stringify(request.body.messages);

describe('an LLM plan that fans out into tasks', () => {
  it('runs a worker per task, never two claiming one file at once, and refuses a write outside a claim', async () => {
    const workspace = makeWorkspace({ 'src/shared.ts': 'body\n', 'src/other.ts': 'old\n' });
    // What the server saw, in order: `<title>:start` at a task's first request, `<title>:end`
    // when it answers the task's last.
    const timeline: string[] = [];
    let releaseFirst!: () => void;
    const otherHasStarted = new Promise<void>((resolve) => (releaseFirst = resolve));
    const requestsOf = new Map<string, number>();
    const route = async (request: RecordedRequest): Promise<ScriptedTurn | undefined> => {
      const title = /Your task is t\d+: ([\w-]+)/.exec(sent(request))?.[1];
      if (!title) return undefined; // the plan and deliver phases: scripted turns
      const count = (requestsOf.get(title) ?? 0) + 1;
      requestsOf.set(title, count);
      if (count === 1) timeline.push(`${title}:start`);
      if (title === 'other') {
        releaseFirst();
        if (count === 1) return { toolCalls: [{ name: 'write_file', args: { path: 'src/other.ts', content: 'new\n' } }] };
      }
      if (title === 'shared-first' && count === 1) {
        // Holds its first answer until `other` has started: the two run side by side.
        await otherHasStarted;
        return { toolCalls: [{ name: 'write_file', args: { path: 'src/other.ts', content: 'stomped\n' } }] };
      }
      if (title === 'shared-first' && count === 2) return { toolCalls: [{ name: 'edit_file', args: { path: 'src/shared.ts', old_string: 'body', new_string: 'header\nbody' } }] };
      if (title === 'shared-second' && count === 1) return { toolCalls: [{ name: 'edit_file', args: { path: 'src/shared.ts', old_string: 'body', new_string: 'body\nfooter' } }] };
      timeline.push(`${title}:end`);
      return { text: `${title} done` };
    };
    const server = await FakeModelServer.start('openai', [
      { text: 'Planning.', toolCalls: [{ name: 'create_tasks', args: { tasks: PLAN } }] },
      { text: '1. header 2. other 3. footer' },
      { text: 'Delivered.' }, // deliver
    ], route);
    servers.push(server);
    writeFileSync(join(workspace, '.jobrc.json'), JSON.stringify({
      providers: { local: { type: 'openai-compatible', baseURL: server.baseURL, model: 'fake-model', apiKeyEnv: 'JOBLINE_TEST_KEY' } },
      agents: {
        fan: {
          type: 'llm',
          provider: 'local',
          workers: 3,
          phases: [
            { name: 'plan', maxRounds: 3, instructions: 'Plan.', tools: ['read_file', 'create_tasks'] },
            { name: 'implement', maxRounds: 5, instructions: 'Implement.', tools: ['read_file', 'write_file', 'edit_file'] },
            { name: 'deliver', maxRounds: 2, instructions: 'Deliver.', tools: [] },
          ],
        },
      },
    }));
    const env = { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs'), JOBLINE_TEST_KEY: PLANTED_KEY };

    const { code, stderr } = await runCli(['run', '-y', '--agent', 'fan', 'add a header and a footer'], { cwd: workspace, env });
    expect(stderr).toMatch(/completed/);
    expect(code).toBe(0);

    // shared-first and other ran side by side; shared-second, which claims shared-first's file,
    // started only once shared-first had ended.
    expect(timeline.indexOf('other:start')).toBeLessThan(timeline.indexOf('shared-first:end'));
    expect(timeline.indexOf('shared-second:start')).toBeGreaterThan(timeline.indexOf('shared-first:end'));
    expect(readFileSync(join(workspace, 'src/shared.ts'), 'utf8')).toBe('header\nbody\nfooter\n');
    expect(readFileSync(join(workspace, 'src/other.ts'), 'utf8')).toBe('new\n');

    // The write outside the claim came back to shared-first's model as a tool error that names
    // the file, the task's claim, and the task holding the file.
    const refused = server.requests.find((request) => /Your task is t\d+: shared-first/.test(sent(request)) && sent(request).includes('refused'));
    expect(sent(refused!)).toMatch(/write_file refused: src\/other.ts is outside the files of task t\d+ \(shared-first\): its claim is src\/shared.ts; src\/other.ts is claimed by task t\d+ \(other\)/);

    const [listed] = JSON.parse((await runCli(['list', '--json'], { cwd: workspace, env })).stdout) as Job[];
    const job = JSON.parse((await runCli(['show', listed!.id, '--json'], { cwd: workspace, env })).stdout) as Shown;
    expect(job.tasks.map((task) => [task.phase, task.title, task.status, task.claims])).toEqual([
      [0, 'plan', 'done', []],
      [1, 'shared-first', 'done', ['src/shared.ts']],
      [1, 'other', 'done', ['src/other.ts']],
      [1, 'shared-second', 'done', ['src/shared.ts']],
      [2, 'deliver', 'done', []],
    ]);
    // Each run records the files it wrote (not the refused one).
    expect(job.tasks.slice(1, 4).map((task) => task.runs[0]!.filesModified)).toEqual([['src/shared.ts'], ['src/other.ts'], ['src/shared.ts']]);
    const prefix = listed!.id.slice(4, 8);
    expect(new Set(job.tasks.slice(1, 3).map((task) => task.runs[0]!.worker))).toEqual(new Set([`fan[${prefix}-0]`, `fan[${prefix}-1]`]));
    // deliver saw every task's result.
    const deliver = server.requests.at(-1)!;
    expect(sent(deliver)).toMatch(/shared-first: done — shared-first done \(files: src\/shared.ts\)/);
    expect(sent(deliver)).toMatch(/shared-second: done/);
    expect(existsSync(join(workspace, 'src/stomped.ts'))).toBe(false);
  });
});
