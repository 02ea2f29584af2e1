// What the API accepts and refuses, field by field (api-schemas.ts), as a client sees it: a
// malformed body or query is 400 BAD_REQUEST naming the field and the problem (through the app,
// see api-harness.ts), and each valid edge value is taken. Defaults a route relies on are read from
// the schemas' parsed values.
import { describe, expect, it } from 'vitest';
import { boardQuerySchema, deleteQuerySchema, eventsQuerySchema, listenSchema, loginSchema, logsQuerySchema, tasksPageQuerySchema } from '../../../src/server/api-schemas.js';
import { makeApiApp } from './api-harness.js';
import { ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';

const JOB = 'job-ab12cd34';
const TOO_SHORT = 'Too small: expected string to have >=1 characters';

// The message of a refusal, after checking it is a 400 BAD_REQUEST.
async function refusal(api: ReturnType<typeof makeApiApp>, method: string, path: string, body?: unknown): Promise<string> {
  const answer = await api.call(method, path, body);
  expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
  expect(answer.body.error.code).toBe('BAD_REQUEST');
  return answer.body.error.message as string;
}

const bodyProblem = (problems: string): string => `The request's body is not valid: ${problems}.`;
const queryProblem = (problems: string): string => `The request's query is not valid: ${problems}.`;

describe('a submission (POST /api/jobs)', () => {
  it("refuses a task's file that leaves the job's folder, is absolute, empty or holds a NUL, naming each", async () => {
    const api = makeApiApp();
    expect(await refusal(api, 'POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a', files: ['../x', '/abs'] }] })).toBe(bodyProblem(
      'tasks.0.files.0: "../x" leaves the job\'s folder (..): a file is a path relative to the job\'s folder, inside it; '
      + 'tasks.0.files.1: "/abs" is absolute: a file is a path relative to the job\'s folder, inside it',
    ));
    expect(await refusal(api, 'POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a', files: ['a\0b'] }] })).toBe(bodyProblem(
      'tasks.0.files.0: a path may not hold a NUL byte; tasks.0.files.0: "a\\u0000b" holds a NUL or a line break: a file is a path relative to the job\'s folder',
    ));
    expect(await refusal(api, 'POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a', files: [''] }] })).toBe(bodyProblem(
      `tasks.0.files.0: ${TOO_SHORT}; tasks.0.files.0: a file is a path relative to the job's folder, not empty`,
    ));
  });

  it('refuses a model with a space, a relative cwd, and a template or placeholder name not of their form', async () => {
    const api = makeApiApp({ config: { templates: { t: { prompt: 'p {x}' } } } });
    // A space anywhere, not only at an end.
    for (const model of ['gpt 4', ' m', 'm ']) expect(await refusal(api, 'POST', '/api/jobs', { agent: 'two', model })).toBe(bodyProblem('model: expected a model name'));
    expect(await refusal(api, 'POST', '/api/jobs', { agent: 'two', cwd: 'work/' })).toBe(bodyProblem('cwd: cwd must be an absolute path'));
    for (const template of ['Ab', 'ab!', '9a']) expect(await refusal(api, 'POST', '/api/jobs', { template })).toBe(bodyProblem('template: expected a template name'));
    for (const key of ['bad key', '9x', 'x!']) {
      expect(await refusal(api, 'POST', '/api/jobs', { template: 't', values: { [key]: 'v' } })).toBe(bodyProblem(`values.${key}: expected a placeholder name`));
    }
    // A template a client expanded itself: the same forms.
    const name = 'Invalid string: must match pattern /^[a-z][a-z0-9-]{0,30}$/';
    for (const bad of ['Ab', 'ab!']) expect(await refusal(api, 'POST', '/api/jobs', { agent: 'two', templateRef: { name: bad, values: {} } })).toBe(bodyProblem(`templateRef.name: ${name}`));
    const key = 'Invalid string: must match pattern /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/';
    for (const bad of ['9x', 'x!']) expect(await refusal(api, 'POST', '/api/jobs', { agent: 'two', templateRef: { name: 't', values: { [bad]: 'v' } } })).toBe(bodyProblem(`templateRef.values.${bad}: ${key}`));
  });

  it('refuses a mode, isolation or base not among its choices, naming the choices', async () => {
    const api = makeApiApp();
    expect(await refusal(api, 'POST', '/api/jobs', { agent: 'two', mode: 'x', isolation: 'x', base: 'x' })).toBe(bodyProblem(
      'mode: Invalid option: expected one of "interactive"|"background"; isolation: Invalid option: expected one of "none"|"worktree"|"task-worktree"; base: Invalid option: expected one of "head"|"worktree"',
    ));
  });

  it('takes every choice of isolation and base, a model name with dots and slashes, and valid template names', async () => {
    const api = makeApiApp({ config: { templates: { 'a-9': { prompt: 'p {_x-1}' } } }, manager: { worktrees: new ScriptedWorktrees() } });
    for (const isolation of ['none', 'worktree', 'task-worktree']) {
      for (const base of ['head', 'worktree']) expect((await api.call('POST', '/api/jobs', { agent: 'two', isolation, base })).status, `${isolation} ${base}`).toBe(201);
    }
    const made = await api.call('POST', '/api/jobs', { template: 'a-9', values: { '_x-1': 'v' }, model: 'org/m-1.5' });
    expect(made.status).toBe(201);
    expect(made.body.job.template).toEqual({ name: 'a-9', values: { '_x-1': 'v' } });
    const ref = await api.call('POST', '/api/jobs', { agent: 'two', templateRef: { name: 'z', values: { Z_9: 'v' } } });
    expect(ref.body.job.template).toEqual({ name: 'z', values: { Z_9: 'v' } });
  });

  it("refuses an empty batch input, and takes inputs of any length up to the limit", async () => {
    const api = makeApiApp();
    expect(await refusal(api, 'POST', '/api/jobs', { agent: 'two', inputs: ['a', ''] })).toBe(bodyProblem(`inputs.1: ${TOO_SHORT}`));
    expect(await refusal(api, 'POST', '/api/jobs', { agent: 'two', inputs: [] })).toContain('inputs: ');
    const made = await api.call('POST', '/api/jobs', { agent: 'two', inputs: ['one input', 'x'] });
    expect(made.status).toBe(201);
    expect((await api.call('GET', `/api/jobs/${made.body.job.id}/tasks`)).body.tasks.filter((task: { phase: number }) => task.phase === 0).map((task: { input: string }) => task.input)).toEqual(['one input', 'x']);
  });

  it("checks the client's agent definitions: names and paths within their limits, the workspace absolute", async () => {
    const api = makeApiApp();
    const definitions = (extra: Record<string, unknown>) => ({ agent: 'two', definitions: { agents: {}, providers: {}, ...extra } });
    expect(await refusal(api, 'POST', '/api/jobs', definitions({ defaultAgent: '', configFile: '', workspace: '' }))).toBe(bodyProblem(
      `definitions.defaultAgent: ${TOO_SHORT}; definitions.workspace: ${TOO_SHORT}; definitions.workspace: workspace must be an absolute path; definitions.configFile: ${TOO_SHORT}`,
    ));
    expect(await refusal(api, 'POST', '/api/jobs', definitions({ defaultAgent: 'a'.repeat(65) }))).toBe(bodyProblem('definitions.defaultAgent: Too big: expected string to have <=64 characters'));
    expect(await refusal(api, 'POST', '/api/jobs', definitions({ workspace: `/${'a'.repeat(4096)}` }))).toBe(bodyProblem('definitions.workspace: Too big: expected string to have <=4096 characters'));
    expect(await refusal(api, 'POST', '/api/jobs', definitions({ configFile: 'a'.repeat(4097) }))).toBe(bodyProblem('definitions.configFile: Too big: expected string to have <=4096 characters'));
    // A workspace that only ends with a slash is not absolute.
    expect(await refusal(api, 'POST', '/api/jobs', definitions({ workspace: 'work/' }))).toBe(bodyProblem('definitions.workspace: workspace must be an absolute path'));
    expect(await refusal(api, 'POST', '/api/jobs', definitions({ extra: 1 }))).toBe(bodyProblem('definitions: unknown field "extra"'));
    // The longest and the shortest of each are taken, and null says none.
    for (const extra of [{ defaultAgent: 'a'.repeat(64), workspace: `/${'a'.repeat(4095)}`, configFile: 'c'.repeat(4096) }, { defaultAgent: 'a', workspace: '/', configFile: 'c' }, { defaultAgent: null, workspace: null, configFile: null }]) {
      expect((await api.call('POST', '/api/jobs', definitions(extra))).status, JSON.stringify(extra).slice(0, 80)).toBe(201);
    }
    // A module agent whose path is absolute but ends without a slash, beside an llm agent whose provider is given: fine.
    const fine = await api.call('POST', '/api/jobs', definitions({ agents: { mod: { type: 'module', module: '/agents/mod.js', phases: [{ name: 'go' }] }, cmd: { type: 'command', phases: [{ name: 'go', run: 'true' }] } } }));
    expect(fine.status).toBe(201);
  });
});

describe('the decisions and changes of a job', () => {
  it('refuses a resume with an isolation not among its choices or a model with a space, and a close with an unknown status', async () => {
    const api = makeApiApp();
    expect(await refusal(api, 'POST', `/api/jobs/${JOB}/resume`, { isolation: 'x' })).toBe(bodyProblem('isolation: Invalid option: expected one of "none"|"worktree"|"task-worktree"'));
    for (const model of ['a b', ' a', 'a ']) expect(await refusal(api, 'POST', `/api/jobs/${JOB}/resume`, { model })).toBe(bodyProblem('model: expected a model name'));
    expect(await refusal(api, 'POST', `/api/jobs/${JOB}/close`, { status: 'done' })).toBe(bodyProblem('status: Invalid option: expected one of "completed"|"failed"|"cancelled"'));
    expect(await refusal(api, 'POST', `/api/jobs/${JOB}/cancel`, { now: true })).toBe(bodyProblem('body: unknown field "now"'));
  });

  it('takes every isolation a resume names (the job is looked up then: 404 for an unknown one)', async () => {
    const api = makeApiApp();
    for (const isolation of ['none', 'worktree', 'task-worktree']) {
      const answer = await api.call('POST', `/api/jobs/${JOB}/resume`, { isolation, model: 'org/m-1.5' });
      expect([answer.status, answer.body.error.code], isolation).toEqual([404, 'JOB_NOT_FOUND']);
    }
  });

  it('refuses a diff asked with stat other than true or false', async () => {
    const api = makeApiApp();
    expect(await refusal(api, 'GET', `/api/jobs/${JOB}/diff?stat=yes`)).toBe(queryProblem('stat: Invalid option: expected one of "true"|"false"'));
    expect(await refusal(api, 'GET', `/api/jobs/${JOB}/diff?colour=true`)).toBe(queryProblem('query: unknown field "colour"'));
    for (const stat of ['true', 'false']) expect((await api.call('GET', `/api/jobs/${JOB}/diff?stat=${stat}`)).status, stat).toBe(404);
  });

  it('refuses a delete with force other than true or false', async () => {
    const api = makeApiApp();
    expect(await refusal(api, 'DELETE', `/api/jobs/${JOB}?force=1`)).toBe(queryProblem('force: Invalid option: expected one of "true"|"false"'));
    expect(deleteQuerySchema.parse({})).toEqual({ force: 'false' });
  });

  it('refuses listing by a status list with an unknown status, and takes statuses with spaces around them', async () => {
    const api = makeApiApp();
    expect(await refusal(api, 'GET', '/api/jobs?status=runing')).toBe(queryProblem('status: unknown status runing (statuses: queued, running, awaiting_approval, completed, failed, cancelled, interrupted)'));
    const listed = await api.call('GET', '/api/jobs?status=%20running%20,failed');
    expect([listed.status, listed.body.matching]).toEqual([200, 0]);
  });
});

describe('a worker from outside', () => {
  it('is refused a worker name or a claim token not of their form, naming the field', async () => {
    const api = makeApiApp();
    const task = `/api/tasks/${JOB}:t1`;
    expect(await refusal(api, 'POST', `${task}/complete`, { worker: 'dev' })).toBe(bodyProblem('worker: expected a worker name such as dev[ab12-0]'));
    for (const token of ['a b', '!ab', 'ab!', 'a'.repeat(201)]) {
      expect(await refusal(api, 'POST', `${task}/fail`, { token, reason: 'no' })).toBe(bodyProblem('token: expected the claim token a claim returned'));
    }
    expect(await refusal(api, 'POST', `/api/jobs/${JOB}/workers/dev%5Bab12-0%5D/heartbeat`, { token: 'a.b' })).toBe(bodyProblem('token: expected the claim token a claim returned'));
    expect(await refusal(api, 'POST', `${task}/fail`, { reason: '' })).toBe(bodyProblem(`reason: ${TOO_SHORT}`));
  });

  it('with a token and a name of their form reaches the job (404 for an unknown one)', async () => {
    const api = makeApiApp();
    const answer = await api.call('POST', `/api/tasks/${JOB}:t1/complete`, { token: `${'A'.repeat(198)}_-`, worker: 'dev[ab12-0]' });
    expect([answer.status, answer.body.error.code]).toEqual([404, 'JOB_NOT_FOUND']);
  });
});

describe('the queries of the streams and the dashboard', () => {
  it('logs: a run id is r and 1 to 9 digits; follow and failed are true or false, false unless said', () => {
    expect(logsQuerySchema.parse({})).toEqual({ lines: 200, follow: 'false', failed: 'false' });
    expect(logsQuerySchema.parse({ run: 'r123456789', follow: 'true', failed: 'true', lines: '5' })).toEqual({ run: 'r123456789', lines: 5, follow: 'true', failed: 'true' });
    for (const run of ['r', 'x1', 'r1x', 'xr1', 'r1234567890']) expect(logsQuerySchema.safeParse({ run }).success, run).toBe(false);
    const refused = logsQuerySchema.safeParse({ run: 'r1x', follow: 'yes', failed: 'no' });
    expect(refused.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'run: expected a run id such as r3',
      'follow: Invalid option: expected one of "true"|"false"',
      'failed: Invalid option: expected one of "true"|"false"',
    ]);
  });

  it('events: live is true or false, false unless said', () => {
    expect(eventsQuerySchema.parse({})).toEqual({ live: 'false' });
    expect(eventsQuerySchema.parse({ live: 'true', job: 'j' })).toEqual({ live: 'true', job: 'j' });
    expect(eventsQuerySchema.safeParse({ live: 'yes' }).success).toBe(false);
  });

  it('the board, a task page, a login and a listen: their limits', () => {
    expect(boardQuerySchema.safeParse({ job: '' }).success).toBe(false);
    expect(tasksPageQuerySchema.parse({})).toEqual({ offset: 0, limit: 100 });
    expect(tasksPageQuerySchema.safeParse({ limit: '1001' }).success).toBe(false);
    expect(loginSchema.safeParse({ code: '' }).success).toBe(false);
    expect(listenSchema.safeParse({ port: 65_536 }).success).toBe(false);
    expect(listenSchema.parse({ port: 65_535 })).toEqual({ port: 65_535 });
  });
});
