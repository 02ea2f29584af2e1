// The dashboard's side of the server in-process (see api-harness.ts): its page (public, with a
// policy that loads nothing of another origin), the board's cards, a page of a job's tasks, and a
// phase's whole answer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { findDashboardFolder, serveDashboardAssets, toJobCard } from '../../../src/server/dashboard-routes.js';
import { makeTempDir } from '../../helpers/temp.js';
import { makeJob } from '../../helpers/jobs.js';
import { makeApiApp } from './api-harness.js';

type Api = ReturnType<typeof makeApiApp>;

// An external job with `titles` as its tasks, and a worker that claimed the first `claimed` of them.
async function externalJob(api: Api, titles: string[], claimed = 0): Promise<{ id: string; worker: string }> {
  const { id } = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: titles.map((title) => ({ title, input: `do ${title}` })) })).body.job;
  const worker = (await api.call('POST', `/api/jobs/${id}/workers`, { agent: 'dev' })).body.worker as string;
  for (let i = 0; i < claimed; i++) await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker });
  return { id, worker };
}

describe('the dashboard page', () => {
  it('is served without a credential, with a policy that loads only its own scripts; a part not built says so', async () => {
    const api = makeApiApp();
    const page = await api.call('GET', '/', undefined, { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.text).toContain('<html');
    // The sources hold the page and the stylesheet; the script is only built.
    const css = await api.call('GET', '/assets/app.css', undefined, { token: null });
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
    const script = await api.call('GET', '/assets/app.js', undefined, { token: null });
    expect(script.status).toBe(503);
    expect(script.text).toBe('The dashboard is not built: run npm run build.');
    expect(script.headers.get('content-security-policy')).toBeNull();
  });
});

describe("the dashboard's built files", () => {
  it('are found next to the module\'s folder (tsc\'s dist/server, a bundle\'s dist/chunks), else beside it (a bundle in dist/)', () => {
    const root = makeTempDir('jobline-assets-');
    const moduleIn = (folder: string) => pathToFileURL(join(root, folder, 'module.js'));
    const url = (folder: string) => pathToFileURL(join(root, folder)).href + '/';
    // dist/server/module.js with dist/dashboard/index.html.
    mkdirSync(join(root, 'a/server'), { recursive: true });
    mkdirSync(join(root, 'a/dashboard'));
    writeFileSync(join(root, 'a/dashboard/index.html'), '<html>');
    expect(findDashboardFolder(moduleIn('a/server')).href).toBe(url('a/dashboard'));
    // dist/module.js with dist/dashboard/index.html; a dashboard folder one level up without a page does not count.
    mkdirSync(join(root, 'b/dist/dashboard'), { recursive: true });
    mkdirSync(join(root, 'b/dashboard'));
    writeFileSync(join(root, 'b/dist/dashboard/index.html'), '<html>');
    expect(findDashboardFolder(moduleIn('b/dist')).href).toBe(url('b/dist/dashboard'));
    // Neither: the first place (the page then says it is not built).
    mkdirSync(join(root, 'c/server'), { recursive: true });
    expect(findDashboardFolder(moduleIn('c/server')).href).toBe(url('c/dashboard'));
  });

  it('are served each with its type: the page, the script and the stylesheet', async () => {
    const folder = makeTempDir('jobline-assets-');
    writeFileSync(join(folder, 'index.html'), '<html>page</html>');
    writeFileSync(join(folder, 'app.js'), 'console.log(1);');
    writeFileSync(join(folder, 'app.css'), 'body {}');
    const app = new Hono();
    serveDashboardAssets(app, pathToFileURL(`${folder}/`));
    const served = await Promise.all(['/', '/assets/app.js', '/assets/app.css'].map(async (path) => {
      const answer = await app.request(path);
      return [answer.status, answer.headers.get('content-type'), await answer.text()];
    }));
    expect(served).toEqual([
      [200, 'text/html; charset=utf-8', '<html>page</html>'],
      [200, 'text/javascript; charset=utf-8', 'console.log(1);'],
      [200, 'text/css; charset=utf-8', 'body {}'],
    ]);
  });
});

describe('the board', () => {
  it('has a card per job: an active one with its task counts and running workers, an ended one without; and the slots', async () => {
    const api = makeApiApp();
    const active = await externalJob(api, ['a', 'b', 'c'], 1);
    const ended = (await externalJob(api, ['x'])).id;
    await api.call('POST', `/api/jobs/${ended}/close`, { status: 'failed' });
    const running = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
    const { status, body } = await api.call('GET', '/api/board');
    expect(status).toBe(200);
    expect(body.cards.map((card: { job: { id: string } }) => card.job.id)).toEqual([active.id, ended, running]);
    expect(body.cards[0].tasks).toEqual({ total: 3, done: 0, running: 1, failed: 0, notRun: 0 });
    expect(body.cards[0].workers).toEqual([{ worker: active.worker, taskId: 't1', title: 'a', startedAt: expect.stringMatching(/^\d{4}-/) }]);
    expect(body.cards[1]).toMatchObject({ tasks: null, workers: [] });
    expect(body.cards[2].workers).toHaveLength(1);
    expect(body.slots).toEqual({ used: 2, max: 3, workers: 3 });
    expect(body).toMatchObject({ total: 3, warnings: [] });
  });

  it('of one job (job=ID) is its card alone', async () => {
    const api = makeApiApp({ config: { maxConcurrentJobs: 5, maxWorkers: 7 } });
    const active = await externalJob(api, ['a'], 1);
    const one = await api.call('GET', `/api/board?job=${active.id.slice(0, 8)}`);
    expect(one.body).toEqual({ cards: [expect.objectContaining({ job: expect.objectContaining({ id: active.id }), tasks: expect.objectContaining({ running: 1 }) })] });
    await api.call('POST', `/api/jobs/${active.id}/close`);
    expect((await api.call('GET', `/api/board?job=${active.id}`)).body.cards[0]).toMatchObject({ tasks: null, workers: [] });
    expect((await api.call('GET', '/api/board')).body.slots).toEqual({ used: 0, max: 5, workers: 7 });
    expect((await api.call('GET', '/api/board?job=job-zzzzzzzz')).status).toBe(404);
  });

  it('counts the slots of a queue: its global concurrency, or 0 (each worker caps its own) without one', async () => {
    const capped = makeApiApp({ config: { queue: { url: 'redis://127.0.0.1:6379/0', globalConcurrency: 12 } } });
    expect((await capped.call('GET', '/api/board')).body.slots).toEqual({ used: 0, max: 3, workers: 12 });
    const uncapped = makeApiApp({ config: { queue: { url: 'redis://127.0.0.1:6379/0' } } });
    expect((await uncapped.call('GET', '/api/board')).body.slots).toEqual({ used: 0, max: 3, workers: 0 });
  });

  it('still answers when an active job cannot be read: its card has no tasks', async () => {
    const api = makeApiApp();
    const active = await externalJob(api, ['a'], 1);
    api.service.view = async () => {
      throw new Error('gone meanwhile');
    };
    const { status, body } = await api.call('GET', '/api/board');
    expect(status).toBe(200);
    expect(body.cards).toEqual([expect.objectContaining({ job: expect.objectContaining({ id: active.id }), tasks: null, workers: [] })]);
  });

  it('toJobCard names the task of each running run (none when the task is unknown), and no card reads an ended job\'s tasks', () => {
    const job = makeJob();
    const task = { id: 't1', title: 'first' };
    const run = (id: string, taskId: string, status: string) => ({ id, taskId, worker: 'w', startedAt: 'then', state: { status } });
    const board = { tasks: [task], runs: [run('r1', 't1', 'running'), run('r2', 't1', 'succeeded'), run('r3', 't9', 'running')] } as never;
    expect(toJobCard(job, board).workers).toEqual([{ worker: 'w', taskId: 't1', title: 'first', startedAt: 'then' }, { worker: 'w', taskId: 't9', title: '', startedAt: 'then' }]);
    expect(toJobCard(job, null)).toEqual({ job, tasks: null, workers: [] });
  });
});

describe('a page of a job\'s tasks', () => {
  it('lists running, failed, waiting, then done, paged, with their runs, every phase\'s counts and the totals', async () => {
    const api = makeApiApp();
    const { id, worker } = await externalJob(api, ['a', 'b', 'c', 'd'], 2);
    const t2 = (await api.call('GET', `/api/jobs/${id}`)).body.runs.find((run: { taskId: string }) => run.taskId === 't2');
    expect(t2).toBeDefined();
    const claimed = await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker });
    await api.call('POST', `/api/tasks/${id}:t3/fail`, { token: claimed.body.task.token, reason: 'no' });
    const page = await api.call('GET', `/api/jobs/${id}/task-page`);
    expect(page.status).toBe(200);
    expect(page.body.tasks.map((task: { id: string }) => task.id)).toEqual(['t1', 't2', 't3', 't4']);
    expect(page.body.total).toBe(4);
    expect(page.body.phases).toEqual([{ total: 4, done: 0, running: 2, failed: 1, notRun: 0 }]);
    expect(page.body.counts).toEqual({ tasks: 4, runs: 3 });
    expect(page.body.runs.map((run: { taskId: string }) => run.taskId).sort()).toEqual(['t1', 't2', 't3']);
    const second = await api.call('GET', `/api/jobs/${id}/task-page?offset=1&limit=2`);
    expect(second.body.tasks.map((task: { id: string }) => task.id)).toEqual(['t2', 't3']);
    expect(second.body.runs.map((run: { taskId: string }) => run.taskId).sort()).toEqual(['t2', 't3']);
    expect(second.body.total).toBe(4);
  });

  it('counts the tasks of each phase apart', async () => {
    const api = makeApiApp();
    const id = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
    await api.executor.whenRuns(1);
    const page = await api.call('GET', `/api/jobs/${id}/task-page`);
    expect(page.body.phases).toEqual([{ total: 1, done: 0, running: 1, failed: 0, notRun: 0 }, { total: 1, done: 0, running: 0, failed: 0, notRun: 0 }]);
    expect((await api.call('GET', `/api/jobs/${id}/task-page?phase=1`)).body.tasks.map((task: { id: string }) => task.id)).toEqual(['t2']);
  });

  it('filters by status, by words of an id, title or input in any case, and by phase', async () => {
    const api = makeApiApp();
    const { id } = await externalJob(api, ['Alpha', 'beta', 'gamma'], 1);
    const ids = async (query: string): Promise<string[]> => (await api.call('GET', `/api/jobs/${id}/task-page?${query}`)).body.tasks.map((task: { id: string }) => task.id);
    expect(await ids('status=running')).toEqual(['t1']);
    expect(await ids('status=waiting,running')).toEqual(['t1', 't2', 't3']);
    expect(await ids('q=ALPHA')).toEqual(['t1']);
    expect(await ids('q=%20do%20gam%20')).toEqual(['t3']);
    expect(await ids('q=t2')).toEqual(['t2']);
    expect(await ids('q=')).toEqual(['t1', 't2', 't3']);
    expect(await ids('phase=0')).toEqual(['t1', 't2', 't3']);
    expect(await ids('phase=1')).toEqual([]);
    expect((await api.call('GET', `/api/jobs/${id}/task-page?q=beta`)).body.total).toBe(1);
    const bad = await api.call('GET', `/api/jobs/${id}/task-page?status=${'x'.repeat(50)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: 'BAD_REQUEST', message: `status: '${'x'.repeat(40)}' is not a task status (failed, running, waiting, done, not-run).` });
    expect((await api.call('GET', `/api/jobs/${id}/task-page?limit=1001`)).status).toBe(400);
  });
});

describe('a phase\'s whole answer', () => {
  it('is its output as text; a phase that is not one is 404 saying so', async () => {
    const api = makeApiApp();
    const id = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
    (await api.executor.whenRuns(1)).complete('the plan, in full');
    await api.executor.whenRuns(2);
    const answer = await api.call('GET', `/api/jobs/${id}/phases/0/answer`);
    expect([answer.status, answer.text]).toEqual([200, 'the plan, in full']);
    expect((await api.call('GET', `/api/jobs/${id}/phases/1/answer`)).text).toBe('');
    for (const phase of ['2', 'x', '0.5', '-1']) {
      const missing = await api.call('GET', `/api/jobs/${id}/phases/${phase}/answer`);
      expect(missing.status, phase).toBe(404);
      expect(missing.body.error).toEqual({ code: 'NOT_FOUND', message: `${id} has no phase ${phase}.` });
    }
  });

  it('diff of a phase that changed nothing is empty; a phase that is not one is 404', async () => {
    const api = makeApiApp();
    const id = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
    const empty = await api.call('GET', `/api/jobs/${id}/phases/0/diff`);
    expect([empty.status, empty.text]).toEqual([200, '']);
    for (const phase of ['2', 'x']) {
      const missing = await api.call('GET', `/api/jobs/${id}/phases/${phase}/diff`);
      expect(missing.status, phase).toBe(404);
      expect(missing.body.error).toEqual({ code: 'NOT_FOUND', message: `${id} has no phase ${phase}.` });
    }
  });
});
