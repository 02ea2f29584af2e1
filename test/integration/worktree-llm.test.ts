// An LLM agent (a scripted model on 127.0.0.1) working in a job's worktree: its file tools are
// confined to the worktree. A path up and out of it, an absolute path into the user's checkout,
// and a symbolic link out are refused (the model is told why); a path inside lands in the
// worktree; the user's checkout is untouched.
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitWorktrees } from '../../src/git/git-worktrees.js';
import type { JobManager } from '../../src/jobs/service/manager.js';
import type { JobStore } from '../../src/store/job-store.js';
import { FakeModelServer } from '../helpers/fake-model-servers.js';
import { gitEnv, makeGitProject } from '../helpers/git.js';
import { makeManager } from '../helpers/jobs.js';
import { llmAgent } from '../helpers/llm.js';
import { waitFor } from '../helpers/wait.js';

let manager: JobManager<JobStore> | null = null;
let server: FakeModelServer | null = null;
afterEach(async () => {
  await manager?.shutdown();
  await server?.close();
  manager = null;
  server = null;
});
beforeAll(() => {
  Object.assign(process.env, gitEnv(makeGitProject({}).home));
});

describe('an LLM agent in a worktree', () => {
  it('cannot write outside its worktree, and writes inside it', async () => {
    const project = makeGitProject({ 'a.txt': 'mine\n' });
    symlinkSync(project.cwd, join(project.cwd, 'out'));
    project.commitAll('a link out');
    const outside = join(project.cwd, 'a.txt');
    server = await FakeModelServer.start('openai', [
      { text: 'looked' },
      { toolCalls: [
        { name: 'write_file', args: { path: '../../project/a.txt', content: 'escaped up\n' } },
        { name: 'write_file', args: { path: outside, content: 'escaped absolute\n' } },
        { name: 'write_file', args: { path: 'out/a.txt', content: 'escaped through a link\n' } },
        { name: 'write_file', args: { path: 'a.txt', content: 'inside\n' } },
      ] },
      { text: 'done' },
    ]);
    manager = makeManager({ worktrees: new GitWorktrees({ dir: project.worktreesDir, include: [], setup: null, merge: { auto: false, target: null, strategy: 'merge', check: null } }) });
    const { job } = await manager.submit({ agent: llmAgent(server.baseURL, project.cwd), prompt: 'change a.txt', mode: 'background', cwd: project.cwd, isolation: 'worktree', name: 'boxed-in' });
    await waitFor(() => manager!.get(job.id).status === 'completed', 'the job to complete');
    expect(project.read('a.txt')).toBe('mine\n');
    expect(project.git(['status', '--porcelain'])).toBe('');
    expect(readFileSync(join(project.worktreesDir, 'boxed-in', 'a.txt'), 'utf8')).toBe('inside\n');
    const results = JSON.stringify(server.requests.at(-1)!.body.messages);
    expect(results).toContain('is outside the workspace');
    expect(results).toContain('absolute paths are not allowed');
    expect(results).toContain('leads outside the workspace through a symbolic link');
    expect(project.git(['show', 'jobline/boxed-in:a.txt'])).toBe('inside\n');
  });
});
