// The jobs half of the API in-process (see api-harness.ts): a submission becomes a job with what it
// asked for (a template's settings, tasks, inputs), the decisions on a job reach it, and every
// refusal is a 4xx with its code and a message saying why.
import { describe, expect, it, vi } from 'vitest';
import type { JobCommand } from '../../../src/jobs/service/job-commands.js';
import { toTaskPlans } from '../../../src/server/job-routes.js';
import { makeApiApp } from './api-harness.js';
import { ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';

const TEMPLATES = {
  test: { agent: 'two', prompt: 'npm test -- {file}', mode: 'background', workers: 2, retries: 1, keepGoing: true },
  fan: { agent: 'external', prompt: 'fan out {topic}', tasks: [{ name: 'one', input: 'do {topic} 1' }, { name: 'two', input: 'do {topic} 2', dependsOn: ['one'], claims: ['src/**'] }] },
  plain: { prompt: 'no placeholders', description: 'says nothing' },
};

// The app, with every command the routes hand the job service recorded.
function makeApp(options: Parameters<typeof makeApiApp>[0] = {}) {
  const api = makeApiApp(options);
  const commands: JobCommand[] = [];
  const dispatch = api.service.dispatch.bind(api.service);
  api.service.dispatch = ((command: JobCommand) => {
    commands.push(command);
    return dispatch(command);
  }) as typeof api.service.dispatch;
  const last = (type: JobCommand['type']) => commands.filter((command) => command.type === type).at(-1) as Record<string, unknown>;
  return { ...api, commands, last };
}

describe('submitting a job', () => {
  it('makes it with the agent, prompt, mode and settings asked for, and says where it waits', async () => {
    const api = makeApp();
    const answer = await api.call('POST', '/api/jobs', { agent: 'two', prompt: 'build it', mode: 'interactive', workers: 3, retries: 2, keepGoing: true, name: 'night-build', model: 'm-1', budget: { tokens: 1000 } });
    expect(answer.status).toBe(201);
    expect(answer.body.job).toMatchObject({ agent: 'two', description: 'build it', mode: 'interactive', workers: 3, retries: 2, keepGoing: true, name: 'night-build', budget: { tokens: 1000 }, status: 'running' });
    expect(answer.body.queuePosition).toBe(0);
    // The model is an LLM agent's: a command agent's job has none, but it was asked for.
    expect(api.last('submit')).toMatchObject({ cwd: '/work', isBulk: true, template: null, model: 'm-1' });
    // Unsaid: background, the agent's settings, the server's folder, no name, no budget.
    const plain = await api.call('POST', '/api/jobs', { agent: 'two', cwd: '/elsewhere' });
    expect(plain.body.job).toMatchObject({ description: '', mode: 'background', workers: 1, retries: 0, keepGoing: false });
    expect(plain.body.job.budget ?? null).toBeNull();
    expect(api.last('submit')).toMatchObject({ cwd: '/elsewhere', name: null, budget: null, model: null, workers: undefined, retries: undefined, keepGoing: undefined });
    expect(api.last('submit')).not.toHaveProperty('tasks');
    expect(api.last('submit')).not.toHaveProperty('taskInputs');
    expect(api.last('submit')).not.toHaveProperty('isolation');
    expect(api.last('submit')).not.toHaveProperty('base');
  });

  it('hands on tasks (input defaults to the title; files are claims), a batch\'s inputs, and where it runs', async () => {
    const api = makeApp();
    const answer = await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a', files: ['src/a.ts'] }, { title: 'b', input: 'do b', dependsOn: ['a'] }] });
    expect(answer.status).toBe(201);
    const shown = await api.call('GET', `/api/jobs/${answer.body.job.id}/tasks`);
    expect(shown.body.tasks).toEqual([
      expect.objectContaining({ id: 't1', title: 'a', input: 'a', dependsOn: [], claims: ['src/a.ts'] }),
      expect.objectContaining({ id: 't2', title: 'b', input: 'do b', dependsOn: ['t1'], claims: [] }),
    ]);
    await api.call('POST', '/api/jobs', { agent: 'two', inputs: ['x', 'y'], isolation: 'worktree', base: 'head' });
    expect(api.last('submit')).toMatchObject({ taskInputs: ['x', 'y'], isolation: 'worktree', base: 'head' });
  });

  it('from a template fills its placeholders and takes its settings; fields given beside it win', async () => {
    const api = makeApp({ config: { templates: TEMPLATES } });
    const made = await api.call('POST', '/api/jobs', { template: 'test', values: { file: 'a.test.ts' } });
    expect(made.status).toBe(201);
    expect(made.body.job).toMatchObject({ agent: 'two', description: 'npm test -- a.test.ts', mode: 'background', workers: 2, retries: 1, keepGoing: true, template: { name: 'test', values: { file: 'a.test.ts' } } });
    const overridden = await api.call('POST', '/api/jobs', { template: 'test', values: { file: 'b' }, prompt: 'my own', mode: 'interactive', workers: 1, retries: 0, keepGoing: false });
    expect(overridden.body.job).toMatchObject({ description: 'my own', mode: 'interactive', workers: 1, retries: 0, keepGoing: false });
    const fan = await api.call('POST', '/api/jobs', { template: 'fan', values: { topic: 'docs' } });
    expect(fan.body.job.agent).toBe('external');
    expect((await api.call('GET', `/api/jobs/${fan.body.job.id}/tasks`)).body.tasks.map((task: { input: string }) => task.input)).toEqual(['do docs 1', 'do docs 2']);
    // The template a client expanded itself is only recorded.
    const ref = await api.call('POST', '/api/jobs', { agent: 'two', prompt: 'p', templateRef: { name: 'test', values: { file: 'c' } } });
    expect(ref.body.job.template).toEqual({ name: 'test', values: { file: 'c' } });
  });

  it('is refused with a 4xx saying why: values without a template, an unknown template or agent, a bad field', async () => {
    const api = makeApp({ config: { templates: TEMPLATES } });
    const values = await api.call('POST', '/api/jobs', { agent: 'two', values: { file: 'x' } });
    expect(values.status).toBe(400);
    expect(values.body.error).toEqual({ code: 'BAD_REQUEST', message: 'values are for a template: give template too.' });
    const template = await api.call('POST', '/api/jobs', { template: 'tset' });
    expect(template.status).toBe(400);
    expect(template.body.error.code).toBe('TEMPLATE_UNKNOWN');
    const agent = await api.call('POST', '/api/jobs', { agent: 'nope' });
    expect(agent.status).toBe(400);
    expect(agent.body.error.code).toBe('AGENT_UNKNOWN');
    const both = await api.call('POST', '/api/jobs', { agent: 'two', tasks: [{ title: 'a' }], inputs: ['x'] });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toBe("The request's body is not valid: inputs: give tasks or inputs, not both.");
    expect(api.commands).toEqual([]);
  });
});

describe('a submission with the agents of the client\'s own config', () => {
  it('is refused naming the agent whose provider is not among them, or whose module is not an absolute path', async () => {
    const api = makeApp();
    const llm = await api.call('POST', '/api/jobs', { agent: 'two', definitions: { agents: { writer: { type: 'llm', provider: 'p' } }, providers: {} } });
    expect(llm.status).toBe(400);
    expect(llm.body.error.message).toBe('The request\'s body is not valid: definitions.agents.writer.provider: no provider named "p" under "providers".');
    const module = await api.call('POST', '/api/jobs', { agent: 'two', definitions: { agents: { mod: { type: 'module', module: 'agents/mod.js', phases: [{ name: 'go' }] } }, providers: {} } });
    expect(module.status).toBe(400);
    expect(module.body.error.message).toBe("The request's body is not valid: definitions.agents.mod.module: a module must be an absolute path.");
    const relative = await api.call('POST', '/api/jobs', { agent: 'two', definitions: { agents: {}, providers: {}, workspace: 'work' } });
    expect(relative.body.error.message).toBe("The request's body is not valid: definitions.workspace: workspace must be an absolute path.");
    expect(api.commands).toEqual([]);
    const fine = await api.call('POST', '/api/jobs', { agent: 'two', definitions: { agents: { mod: { type: 'module', module: '/agents/mod.js', phases: [{ name: 'go' }] }, writer: { type: 'llm', provider: 'p' } }, providers: { p: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'm' } }, workspace: '/w' } });
    expect(fine.status).toBe(201);
  });

  it('without an agent or a template takes the default agent', async () => {
    const api = makeApp();
    const answer = await api.call('POST', '/api/jobs', { prompt: 'go' });
    expect(answer.status).toBe(201);
    expect(answer.body.job.agent).toBe('sh');
  });
});

describe('the job templates', () => {
  it('are listed with their placeholders and what they leave unsaid as null', async () => {
    const api = makeApp({ config: { templates: TEMPLATES } });
    const { body } = await api.call('GET', '/api/templates');
    expect(body.templates).toEqual([
      { name: 'test', description: null, agent: 'two', prompt: 'npm test -- {file}', mode: 'background', placeholders: ['file'] },
      { name: 'fan', description: null, agent: 'external', prompt: 'fan out {topic}', mode: null, placeholders: ['topic'] },
      { name: 'plain', description: 'says nothing', agent: null, prompt: 'no placeholders', mode: null, placeholders: [] },
    ]);
  });
});

describe('reading jobs', () => {
  it('lists them, by status when asked, with what the listing counted', async () => {
    const api = makeApp();
    const first = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a' }] })).body.job.id;
    const second = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a' }] })).body.job.id;
    await api.call('POST', `/api/jobs/${second}/close`, { status: 'failed', reason: 'no' });
    const all = await api.call('GET', '/api/jobs');
    expect(all.body).toMatchObject({ total: 2, matching: 2, warnings: [] });
    expect(all.body.jobs.map((job: { id: string }) => job.id)).toEqual([first, second]);
    const failed = await api.call('GET', '/api/jobs?status=failed,completed');
    expect(failed.body).toMatchObject({ total: 2, matching: 1 });
    expect(failed.body.jobs.map((job: { id: string }) => job.id)).toEqual([second]);
    const bad = await api.call('GET', '/api/jobs?status=running,done');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('unknown status done (statuses: ');
    // Spaces around the commas are fine; every unknown status is named, and every known one listed.
    expect((await api.call('GET', '/api/jobs?status=failed%20,%20completed')).body.matching).toBe(1);
    const two = await api.call('GET', '/api/jobs?status=done,running,over');
    expect(two.body.error.message).toBe("The request's query is not valid: status: unknown status done, over (statuses: queued, running, awaiting_approval, completed, failed, cancelled, interrupted).");
  });

  it('shows one by a unique prefix of its id or its name, with its tasks and runs; an unknown one is 404 JOB_NOT_FOUND', async () => {
    const api = makeApp();
    const { id } = (await api.call('POST', '/api/jobs', { agent: 'external', name: 'ext', tasks: [{ title: 'a' }] })).body.job;
    const shown = await api.call('GET', `/api/jobs/${id.slice(0, 7)}`);
    expect(shown.body.job.id).toBe(id);
    expect(shown.body.tasks).toEqual([expect.objectContaining({ id: 't1', title: 'a' })]);
    expect(shown.body.runs).toEqual([]);
    expect((await api.call('GET', '/api/jobs/ext')).body.job.id).toBe(id);
    for (const path of ['/api/jobs/job-zzzzzzzz', '/api/jobs/..%2F..%2Fetc%2Fpasswd', '/api/jobs/job-zzzzzzzz/tasks']) {
      const answer = await api.call('GET', path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.code, path).toBe('JOB_NOT_FOUND');
    }
  });

  it("gives an ended job's manifest, and says why an active one has none", async () => {
    const api = makeApp();
    const { id } = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a' }] })).body.job;
    const early = await api.call('GET', `/api/jobs/${id}/manifest`);
    expect(early.status).toBe(404);
    expect(early.body.error).toEqual({ code: 'NOT_FOUND', message: `${id} has no manifest: it is running, and a manifest is written when a job ends.` });
    await api.call('POST', `/api/jobs/${id}/close`, { status: 'completed' });
    const manifest = await api.call('GET', `/api/jobs/${id}/manifest`);
    expect(manifest.status).toBe(200);
    expect(manifest.body).toMatchObject({ id, status: 'completed' });
  });
});

describe('changing a job', () => {
  it('renames it and changes its mode; a bad name is 400 naming the field', async () => {
    const api = makeApp();
    const { id } = (await api.call('POST', '/api/jobs', { agent: 'two', mode: 'interactive' })).body.job;
    const changed = await api.call('PUT', `/api/jobs/${id}`, { name: 'night-build', mode: 'background' });
    expect(changed.status).toBe(200);
    expect(changed.body.job).toMatchObject({ id, name: 'night-build', mode: 'background' });
    const bad = await api.call('PUT', `/api/jobs/${id}`, { name: 'two words' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('name: a name is letters, digits');
  });

  it('adds tasks to an external job\'s phase, as plans', async () => {
    const api = makeApp();
    const { id } = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a' }] })).body.job;
    const added = await api.call('POST', `/api/jobs/${id}/tasks`, { tasks: [{ title: 'd', dependsOn: ['t1'], files: ['docs/'] }] });
    expect(added.status).toBe(201);
    expect(added.body.tasks).toEqual([expect.objectContaining({ id: 't2', title: 'd', input: 'd', dependsOn: ['t1'], claims: ['docs/'] })]);
    expect((await api.call('POST', `/api/jobs/${id}/tasks`, { tasks: [] })).status).toBe(400);
  });
});

describe('the decisions on a job', () => {
  it('approve, retry with feedback, cancel and resume reach it; each answers the job', async () => {
    const api = makeApp();
    const { id } = (await api.call('POST', '/api/jobs', { agent: 'two', mode: 'interactive' })).body.job;
    (await api.executor.whenRuns(1)).complete();
    await api.service.lifecycle.whenNothingRuns();
    const retried = await api.call('POST', `/api/jobs/${id}/retry`, { feedback: 'smaller', requestId: `${id}/1/1`, keep: true });
    expect(retried.status).toBe(200);
    expect(api.last('retry')).toEqual({ type: 'retry', jobId: id, feedback: 'smaller', requestId: `${id}/1/1`, keep: true });
    (await api.executor.whenRuns(2)).complete();
    await api.service.lifecycle.whenNothingRuns();
    const stale = await api.call('POST', `/api/jobs/${id}/approve`, { requestId: `${id}/1/1` });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('APPROVAL_STALE');
    const approved = await api.call('POST', `/api/jobs/${id}/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.body.job.id).toBe(id);
    const cancelled = await api.call('POST', `/api/jobs/${id}/cancel`, {});
    expect(cancelled.body.job.status).toBe('cancelled');
    expect((await api.call('POST', `/api/jobs/${id}/cancel`)).body.error.code).toBe('JOB_NOT_ACTIVE');
    const resumed = await api.call('POST', `/api/jobs/${id}/resume`, { retryFailed: true, model: 'm-2' });
    expect(resumed.status).toBe(200);
    expect(api.last('resume')).toEqual({ type: 'resume', jobId: id, mode: 'background', retryFailed: true, model: 'm-2' });
    await api.call('POST', `/api/jobs/${id}/resume`, { mode: 'interactive', isolation: 'none' }).catch(() => null);
    expect(api.last('resume')).toEqual({ type: 'resume', jobId: id, mode: 'interactive', isolation: 'none' });
  });

  it('retry without feedback asks with none, and without requestId or keep names neither', async () => {
    const api = makeApp();
    const { id } = (await api.call('POST', '/api/jobs', { agent: 'two', mode: 'interactive' })).body.job;
    (await api.executor.whenRuns(1)).complete();
    await api.service.lifecycle.whenNothingRuns();
    expect((await api.call('POST', `/api/jobs/${id}/retry`)).status).toBe(200);
    expect(api.last('retry')).toEqual({ type: 'retry', jobId: id, feedback: null });
  });

  it('close only an external job, with its status and reason; merge and discard need a worktree', async () => {
    const api = makeApp();
    const { id } = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a' }] })).body.job;
    const closed = await api.call('POST', `/api/jobs/${id}/close`, { status: 'failed', reason: 'gave up' });
    expect(closed.body.job).toMatchObject({ status: 'failed', error: 'gave up' });
    expect(api.last('close')).toEqual({ type: 'close', jobId: id, status: 'failed', reason: 'gave up' });
    const other = (await api.call('POST', '/api/jobs', { agent: 'external' })).body.job.id;
    await api.call('POST', `/api/jobs/${other}/close`);
    expect(api.last('close')).toEqual({ type: 'close', jobId: other, status: 'completed', reason: null });
    const agentJob = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
    const refused = await api.call('POST', `/api/jobs/${agentJob}/close`, { status: 'completed' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('JOB_NOT_EXTERNAL');
    for (const verb of ['merge', 'discard'] as const) {
      const answer = await api.call('POST', `/api/jobs/${id}/${verb}`, {});
      expect(answer.status, verb).toBeGreaterThanOrEqual(400);
      expect(answer.status, verb).toBeLessThan(500);
      expect(api.last(verb)).toEqual({ type: verb, jobId: id });
    }
  });
});

describe('deleting a job', () => {
  it('removes an ended one; an active one only with force=true, which cancels it first', async () => {
    const api = makeApp();
    const { id } = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job;
    const refused = await api.call('DELETE', `/api/jobs/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({ code: 'JOB_ACTIVE', message: `${id} is running: cancel it first, or delete with ?force=true (which cancels it).` });
    expect((await api.call('DELETE', `/api/jobs/${id}?force=false`)).status).toBe(409);
    const forced = api.call('DELETE', `/api/jobs/${id}?force=true`);
    // The cancelled run stops as the agent reports it; the job is removable then.
    const run = await api.executor.whenRuns(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    run.stop();
    expect((await forced).body).toEqual({ removed: [id] });
    expect(api.last('cancel')).toEqual({ type: 'cancel', jobId: id });
    expect((await api.call('GET', `/api/jobs/${id}`)).status).toBe(404);
    const ended = (await api.call('POST', '/api/jobs', { agent: 'external' })).body.job.id;
    await api.call('POST', `/api/jobs/${ended}/close`);
    expect((await api.call('DELETE', `/api/jobs/${ended}`)).body).toEqual({ removed: [ended] });
    expect(api.commands.filter((command) => command.type === 'cancel')).toHaveLength(1);
  });
});

describe('a job in a worktree of its own', () => {
  it("shows its whole change as text, or its diffstat; a job run in place has none to show", async () => {
    const worktrees = new ScriptedWorktrees();
    const api = makeApp({ manager: { worktrees } });
    const { id, name } = (await api.call('POST', '/api/jobs', { agent: 'two', isolation: 'worktree', name: 'night' })).body.job;
    expect(name).toBe('night');
    // Plain text: no colour codes, whatever a terminal's diff would have.
    const diff = await api.call('GET', `/api/jobs/${id}/diff`);
    expect([diff.status, diff.headers.get('content-type'), diff.text]).toEqual([200, 'text/plain;charset=UTF-8', 'diff of jobline/night\n']);
    expect((await api.call('GET', `/api/jobs/${id}/diff?stat=true`)).text).toBe('diff of jobline/night (stat)\n');
    expect((await api.call('GET', `/api/jobs/${id}/diff?stat=false`)).text).toBe('diff of jobline/night\n');
    const inPlace = (await api.call('POST', '/api/jobs', { agent: 'two', isolation: 'none' })).body.job.id;
    const none = await api.call('GET', `/api/jobs/${inPlace}/diff`);
    expect([none.status, none.body.error.code]).toEqual([409, 'NO_WORKTREE']);
  });
});

describe('deleting a job whose runs do not stop', () => {
  it('gives up once the cancel\'s grace and 3 s more have passed, with 409 saying to try again', async () => {
    const api = makeApp();
    const { id } = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job;
    await api.executor.whenRuns(1); // its run never stops
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    try {
      let answer: Awaited<ReturnType<typeof api.call>> | null = null;
      const deleting = api.call('DELETE', `/api/jobs/${id}?force=true`).then((settled) => (answer = settled));
      await vi.advanceTimersByTimeAsync(3050); // 50 ms of grace and 3000 ms, exactly: still trying
      expect(answer).toBeNull();
      await vi.advanceTimersByTimeAsync(50);
      await deleting;
      expect(answer!.status).toBe(409);
      expect(answer!.body.error).toEqual({ code: 'JOB_ACTIVE', message: `${id} changed while it was being deleted; try again.` });
    } finally {
      vi.useRealTimers();
    }
    expect((await api.call('GET', `/api/jobs/${id}`)).status).toBe(200);
  });
});

describe('toTaskPlans', () => {
  it('gives each task its title as input when it has none, no dependencies and no claims by default', () => {
    expect(toTaskPlans([{ title: 'a' }, { title: 'b', input: 'in', dependsOn: ['a'], files: ['x'] }])).toEqual([
      { title: 'a', input: 'a', dependsOn: [], claims: [] },
      { title: 'b', input: 'in', dependsOn: ['a'], claims: ['x'] },
    ]);
  });
});
