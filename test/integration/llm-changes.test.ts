// Every change is seen before it is approved, and retries know what they redo (issue 27 §3, §4),
// against scripted model servers on 127.0.0.1 in real git workspaces: a fanned-out phase's diff
// holds every task's change and its counters every task's work; a retry is sent the previous
// answer and diff with the feedback, and starts from the files as they were before the phase
// (the undone change kept under a ref that `show` lists), or, with --keep, from them as they are.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeModelServer, type RecordedRequest, type ScriptedTurn } from '../helpers/fake-model-servers.js';
import { makeManager } from '../helpers/jobs.js';
import { llmAgent, makeWorkspace } from '../helpers/llm.js';
import { waitFor } from '../helpers/wait.js';
import { formatJobDetails } from '../../src/render/job-details.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const FILES = { 'src/a.ts': 'a\n', 'src/b.ts': 'b\n', 'src/c.ts': 'c\n' };

function gitWorkspace(): { workspace: string; git: (...args: string[]) => string } {
  const workspace = makeWorkspace(FILES);
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: workspace, encoding: 'utf8' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'start');
  return { workspace, git };
}

const sent = (request: RecordedRequest): string => JSON.stringify(request.body.messages);
const edit = (path: string, from: string, to: string): ScriptedTurn => ({ toolCalls: [{ name: 'edit_file', args: { path, old_string: from, new_string: to } }] });

describe('a fanned-out phase', () => {
  it('records the whole phase\'s diff, every task\'s, and counts every task\'s tool and model calls', async () => {
    const { workspace } = gitWorkspace();
    const plan = ['a', 'b', 'c'].map((name) => ({ title: `task-${name}`, description: `Change src/${name}.ts.`, files: [`src/${name}.ts`] }));
    const started = new Set<string>();
    let releaseAll!: () => void;
    const allStarted = new Promise<void>((resolve) => (releaseAll = resolve));
    const server = await FakeModelServer.start('openai', [
      { toolCalls: [{ name: 'create_tasks', args: { tasks: plan } }] },
      { text: 'Planned three tasks.' },
    ], async (request) => {
      const name = /Your task is t\d+: task-(\w)/.exec(sent(request))?.[1];
      if (!name) return undefined;
      if (sent(request).includes('edited src')) return { text: `task-${name} done` };
      // The three run side by side: each answers only once all have started.
      started.add(name);
      if (started.size === 3) releaseAll();
      await allStarted;
      return edit(`src/${name}.ts`, name, `${name}${name}`);
    });
    servers.push(server);
    const manager = makeManager();
    const agent = llmAgent(server.baseURL, workspace, {
      phases: [
        { name: 'plan', maxRounds: 3, instructions: 'Plan.', tools: ['create_tasks'] },
        { name: 'implement', maxRounds: 3, instructions: 'Implement.', tools: ['edit_file'] },
      ],
    });
    const { job } = await manager.submit({ agent, prompt: 'double every file', mode: 'background', cwd: workspace, workers: 3 });
    await manager.whenIdle();
    const done = manager.get(job.id);
    expect(done.status).toBe('completed');
    expect(done.phases[1]!.changes?.files.map((file) => file.path)).toEqual(['src/a.ts', 'src/b.ts', 'src/c.ts']);
    // create_tasks, then one edit per task; two model calls for the plan, two per task.
    expect(done.progress.toolCalls).toBe(4);
    expect(done.progress.llmCalls).toBe(server.calls.length);
    expect(done.progress.llmCalls).toBe(8);
    expect(done.phases[1]!.usage).toMatchObject({ input: 600, output: 120 });
    await manager.shutdown();
  });
});

describe('a retried LLM phase', () => {
  const phases = [{ name: 'change', maxRounds: 5, instructions: 'Change.', tools: ['edit_file', 'write_file'] }, { name: 'deliver', maxRounds: 2, instructions: 'Deliver.', tools: [] }];

  async function firstAttempt(onRetry: (request: RecordedRequest) => void) {
    const { workspace, git } = gitWorkspace();
    let retried = false;
    const server = await FakeModelServer.start('openai', [
      edit('src/a.ts', 'a', 'a1'),
      edit('src/b.ts', 'b', 'b1'),
      { toolCalls: [{ name: 'write_file', args: { path: 'src/new.ts', content: 'new\n' } }] },
      { text: 'Renamed every export (attempt one).' },
    ], (request) => {
      if (!retried && sent(request).includes('This phase is being retried')) {
        retried = true;
        onRetry(request);
      }
      return undefined;
    });
    servers.push(server);
    const manager = makeManager();
    const { job } = await manager.submit({ agent: llmAgent(server.baseURL, workspace, { phases }), prompt: 'rename exports', mode: 'interactive', cwd: workspace });
    await waitFor(() => manager.get(job.id).status === 'awaiting_approval', 'the first attempt to wait for approval');
    expect(manager.get(job.id).phases[0]!.changes?.files.map((file) => file.path)).toEqual(['src/a.ts', 'src/b.ts', 'src/new.ts']);
    return { workspace, git, server, manager, id: job.id };
  }

  it('is sent the previous answer and diff with the feedback, and starts from the files as they were before the phase', async () => {
    let seenOnRetry: Record<string, string> | null = null;
    const { workspace, git, server, manager, id } = await firstAttempt(() => {
      seenOnRetry = { a: readFileSync(join(workspace, 'src/a.ts'), 'utf8'), b: readFileSync(join(workspace, 'src/b.ts'), 'utf8'), isNew: String(git('status', '--porcelain').includes('new.ts')) };
    });
    server.script(edit('src/a.ts', 'a', 'A'), { text: 'Renamed a only (attempt two).' });
    await manager.retry(id, 'only rename a');
    await waitFor(() => manager.get(id).status === 'awaiting_approval' && manager.get(id).phases[0]!.attempts === 2, 'the retry to wait for approval');
    // The model saw the files back as they were, before its first call.
    expect(seenOnRetry).toEqual({ a: 'a\n', b: 'b\n', isNew: 'false' });
    const retryRequest = server.calls.find((request) => sent(request).includes('This phase is being retried'))!;
    const prompt = retryRequest.body.messages.find((message: { role: string }) => message.role === 'user').content as string;
    expect(prompt).toContain('Your previous attempt answered:\n<previous-answer>\nRenamed every export (attempt one).\n</previous-answer>');
    expect(prompt).toMatch(/<previous-diff>\n[\s\S]*-b\n\+b1[\s\S]*<\/previous-diff>/);
    expect(prompt).toContain(`Those changes were undone: the files are as they were before this phase (the undone changes are kept in git as refs/jobline/undone/${id}/change-1)`);
    expect(prompt).toContain('asks: only rename a');
    // The phase's diff is the retry's own: one file, the other two undone.
    const job = manager.get(id);
    expect(job.phases[0]!.changes?.files.map((file) => file.path)).toEqual(['src/a.ts']);
    expect(readFileSync(join(workspace, 'src/b.ts'), 'utf8')).toBe('b\n');
    // The undone change is kept and listed.
    expect(git('show', '--name-only', '--format=', `refs/jobline/undone/${id}/change-1`).split('\n').filter(Boolean)).toEqual(['src/a.ts', 'src/b.ts', 'src/new.ts']);
    expect(job.phases[0]!.undone).toEqual([{ attempt: 1, ref: `refs/jobline/undone/${id}/change-1`, files: 3, at: expect.any(String) }]);
    const view = await manager.store.readBoard(job);
    expect(formatJobDetails(job, { files: { files: [], runLogs: null }, tasksCommand: 'jobline tasks', logsCommand: 'jobline logs' }, new Date(), view.board)).toContain(`↩ attempt 1's changes to 3 files undone by its retry; kept as refs/jobline/undone/${id}/change-1 (git show refs/jobline/undone/${id}/change-1`);
    await manager.cancel(id);
    await manager.shutdown();
  });

  it('with --keep starts from the files as they are, tells the model so, and its diff holds both attempts', async () => {
    let seenOnRetry: string | null = null;
    const { workspace, server, manager, id } = await firstAttempt(() => {
      seenOnRetry = readFileSync(join(workspace, 'src/b.ts'), 'utf8');
    });
    server.script(edit('src/c.ts', 'c', 'c1'), { text: 'Also renamed c.' });
    await manager.retry(id, 'c too', true);
    await waitFor(() => manager.get(id).status === 'awaiting_approval' && manager.get(id).phases[0]!.attempts === 2, 'the retry to wait for approval');
    expect(seenOnRetry).toBe('b1\n');
    const retryRequest = server.calls.find((request) => sent(request).includes('This phase is being retried'))!;
    expect(sent(retryRequest)).toContain('The user kept those changes: the files still hold them.');
    const job = manager.get(id);
    expect(job.phases[0]!.changes?.files.map((file) => file.path)).toEqual(['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/new.ts']);
    expect(job.phases[0]!.undone).toBeUndefined();
    await manager.cancel(id);
    await manager.shutdown();
  });
});
