// The REST API of `jobline serve`, against a real server on 127.0.0.1: every endpoint, its
// answers and its refusals (each with its code and status), and no way in without the token.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer;
const twoPhases = { type: 'command', phases: [{ name: 'plan', run: 'echo "planned $JOB_FEEDBACK"' }, { name: 'apply', run: 'echo applied' }] };

beforeAll(async () => {
  server = await startServer({ agents: { two: twoPhases } });
});
afterAll(async () => {
  await server?.stop();
});

const jobOf = async (id: string) => (await server.api('GET', `/api/jobs/${id}`)).body.job;
const untilStatus = (id: string, status: string) => waitFor(async () => ((await jobOf(id)).status === status ? true : null), `${id} to be ${status}`);

describe('the token', () => {
  it('is required on every request: none or a wrong one gets 401 with a code; the folder\'s browser key is accepted as a bearer, and a cookie is not', async () => {
    for (const token of [null, 'f'.repeat(64), `${server.token}x`]) {
      const answer = await server.api('GET', '/api/jobs', undefined, { token });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('UNAUTHORIZED');
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await server.api('GET', '/api/openapi.json', undefined, { token: null })).status).toBe(401);
    const browserKey = readFileSync(join(server.jobsDir, 'browser-key'), 'utf8').trim();
    expect((await server.api('GET', '/api/jobs', undefined, { token: browserKey })).status).toBe(200);
    // The cookie an earlier version set is ignored: a cookie reaches every port of 127.0.0.1.
    const cookieName = `jobline_${createHash('sha256').update(server.jobsDir).digest('hex').slice(0, 12)}`;
    expect((await server.api('GET', '/api/jobs', undefined, { token: null, headers: { cookie: `${cookieName}=${browserKey}` } })).status).toBe(401);
    // The page and its assets hold no data: they are served without a login (what they ask for is not).
    expect((await server.api('GET', '/', undefined, { token: null })).status).toBe(200);
    expect((await server.api('GET', '/assets/app.js', undefined, { token: null })).status).toBe(200);
  });

  it('sends no CORS headers, even to a request from another origin', async () => {
    const answer = await server.api('GET', '/api/jobs', undefined, { headers: { origin: 'http://evil.example' } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('jobs', () => {
  it('submits a job, shows it with its tasks and runs, lists it by status, and prints its output', async () => {
    const submitted = await server.api('POST', '/api/jobs', { prompt: 'echo hello from the api', agent: 'sh' });
    expect(submitted.status).toBe(201);
    const { id } = submitted.body.job;
    await untilStatus(id, 'completed');
    const shown = await server.api('GET', `/api/jobs/${id.slice(0, 8)}`);
    expect(shown.body.job).toMatchObject({ id, agent: 'sh', status: 'completed' });
    expect(shown.body.tasks).toEqual([expect.objectContaining({ id: 't1', status: 'done' })]);
    expect(shown.body.runs).toEqual([expect.objectContaining({ id: 'r1', taskId: 't1', state: expect.objectContaining({ status: 'succeeded' }) })]);
    const listed = await server.api('GET', '/api/jobs?status=completed,failed');
    expect(listed.body.jobs.map((job: { id: string }) => job.id)).toContain(id);
    expect((await server.api('GET', '/api/jobs?status=running')).body.jobs.map((job: { id: string }) => job.id)).not.toContain(id);
    const logs = await server.api('GET', `/api/jobs/${id}/logs`);
    expect(logs.body).toContain('hello from the api');
    expect((await server.api('GET', `/api/jobs/${id}/logs?task=t1`)).body).toContain('hello from the api');
    expect((await server.api('GET', `/api/jobs/${id}/tasks`)).body.tasks).toHaveLength(1);
    // Its manifest, written by the server, names the version that wrote it.
    const manifest = await server.api('GET', `/api/jobs/${shown.body.job.name}/manifest`);
    expect(manifest.body).toMatchObject({ id, status: 'completed', finalOutput: 'hello from the api', provenance: { agent: 'sh', joblineVersion: PACKAGE_VERSION } });
  });

  it('walks an interactive job through approval: approve, a stale approval refused, retry with feedback, resume after cancel', async () => {
    const { id } = (await server.api('POST', '/api/jobs', { prompt: 'p', agent: 'two', mode: 'interactive' })).body.job;
    await untilStatus(id, 'awaiting_approval');
    const retried = await server.api('POST', `/api/jobs/${id}/retry`, { feedback: 'smaller' });
    expect(retried.status).toBe(200);
    await waitFor(async () => ((await jobOf(id)).phases[0].attempts === 2 && (await jobOf(id)).status === 'awaiting_approval' ? true : null), 'the retried phase to ask again');
    expect((await server.api('GET', `/api/jobs/${id}/logs`)).body).toContain('planned smaller');
    const stale = await server.api('POST', `/api/jobs/${id}/approve`, { requestId: `${id}/1/1` });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('APPROVAL_STALE');
    expect((await server.api('POST', `/api/jobs/${id}/approve`, { requestId: `${id}/1/2` })).status).toBe(200);
    await untilStatus(id, 'completed');
    const again = await server.api('POST', `/api/jobs/${id}/approve`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('JOB_NOT_AWAITING_APPROVAL');

    const second = (await server.api('POST', '/api/jobs', { prompt: 'p', agent: 'two', mode: 'interactive' })).body.job.id;
    await untilStatus(second, 'awaiting_approval');
    expect((await server.api('POST', `/api/jobs/${second}/cancel`)).body.job.status).toBe('cancelled');
    expect((await server.api('POST', `/api/jobs/${second}/cancel`)).body.error.code).toBe('JOB_NOT_ACTIVE');
    expect((await server.api('POST', `/api/jobs/${second}/resume`, { mode: 'background' })).status).toBe(200);
    await untilStatus(second, 'completed');
    expect((await server.api('POST', `/api/jobs/${second}/resume`)).body.error.code).toBe('JOB_NOT_RESUMABLE');
  });

  it("follows a job's output as it is written, until the job ends", async () => {
    const { id } = (await server.api('POST', '/api/jobs', { prompt: 'echo first; sleep 0.4; echo later', agent: 'sh' })).body.job;
    await untilStatus(id, 'running');
    const followed = await fetch(`http://127.0.0.1:${server.port}/api/jobs/${id}/logs?follow=true`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(followed.headers.get('content-type')).toContain('text/plain');
    const text = await followed.text();
    expect(text).toContain('first');
    expect(text).toContain('later');
    expect((await jobOf(id)).status).toBe('completed');
  });

  it("changes a job's name and mode, and refuses a name that is not one", async () => {
    const { id } = (await server.api('POST', '/api/jobs', { prompt: 'p', agent: 'two', mode: 'interactive' })).body.job;
    await untilStatus(id, 'awaiting_approval');
    const changed = await server.api('PUT', `/api/jobs/${id}`, { name: 'night-build', mode: 'background' });
    // The phase that asked still waits for its answer; the mode applies from the next one.
    expect(changed.body.job).toMatchObject({ name: 'night-build', mode: 'background', status: 'awaiting_approval' });
    await server.api('POST', `/api/jobs/${id}/approve`);
    expect((await server.api('GET', '/api/jobs/night-build')).body.job.id).toBe(id);
    expect((await server.api('GET', '/api/jobs/night-b')).body.job.id).toBe(id);
    const other = (await server.api('POST', '/api/jobs', { prompt: 'p', agent: 'two', mode: 'interactive', name: 'NIGHT-BUILD' })).body;
    expect(other.error).toMatchObject({ code: 'JOB_NAME_TAKEN', message: `The name NIGHT-BUILD is taken by ${id}; choose another name or delete that job.` });
    const bad = await server.api('PUT', `/api/jobs/${id}`, { name: 'two words\u001b[31m' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('name') });
    await untilStatus(id, 'completed');
  });

  it('deletes a job with its files; an active one only with force, which cancels it first', async () => {
    const { id } = (await server.api('POST', '/api/jobs', { prompt: 'sleep 30', agent: 'sh' })).body.job;
    await untilStatus(id, 'running');
    const refused = await server.api('DELETE', `/api/jobs/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('JOB_ACTIVE');
    const forced = await server.api('DELETE', `/api/jobs/${id}?force=true`);
    expect(forced.body).toEqual({ removed: [id] });
    const gone = await server.api('GET', `/api/jobs/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('JOB_NOT_FOUND');
  });
});

describe('refusals', () => {
  it('says what is wrong with a body: a bad field, an unknown field, not JSON, too large, an unknown agent', async () => {
    const badField = await server.api('POST', '/api/jobs', { prompt: 'x', workers: 0 });
    expect(badField.status).toBe(400);
    expect(badField.body.error.message).toContain('workers');
    expect((await server.api('POST', '/api/jobs', { prompt: 'x', colour: 'red' })).body.error.message).toContain('colour');
    expect((await server.api('POST', '/api/jobs', undefined, { rawBody: '{"prompt":' })).body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('not valid JSON') });
    expect((await server.api('POST', '/api/jobs', undefined, { rawBody: 'prompt=x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    const huge = await server.api('POST', '/api/jobs', undefined, { rawBody: JSON.stringify({ prompt: 'x'.repeat(9 * 1024 * 1024) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const agent = await server.api('POST', '/api/jobs', { prompt: 'x', agent: 'nope' });
    expect(agent.status).toBe(400);
    expect(agent.body.error.code).toBe('AGENT_UNKNOWN');
  });

  it('finds no job, task or route outside what exists: ids and paths are checked, never followed', async () => {
    const { id } = (await server.api('POST', '/api/jobs', { prompt: 'true', agent: 'sh' })).body.job;
    await untilStatus(id, 'completed');
    for (const path of ['/api/jobs/..%2F..%2Fetc%2Fpasswd', '/api/jobs/job-zzzzzzzz', `/api/jobs/..%2F${id}/logs`]) {
      const answer = await server.api('GET', path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.code, path).toBe('JOB_NOT_FOUND');
    }
    const task = await server.api('GET', `/api/jobs/${id}/logs?task=../../../etc/passwd`);
    expect(task.status).toBe(404);
    expect(task.body.error.code).toBe('TASK_NOT_FOUND');
    const route = await server.api('GET', '/api/nothing');
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe('NOT_FOUND');
    expect((await server.api('POST', '/api/tasks/..%2Fx/complete', {})).body.error.code).toBe('BAD_REQUEST');
  });
});

describe('workers from outside', () => {
  it('join, claim (with a conflict, and none left), complete, fail, heartbeat and leave an external job', async () => {
    const created = await server.api('POST', '/api/jobs', { agent: 'external', name: 'ext-api', tasks: [{ title: 'a', files: ['src/a.ts'] }, { title: 'b', files: ['src'] }, { title: 'c' }] });
    const { id } = created.body.job;
    expect(created.body.job).toMatchObject({ status: 'running', agent: 'external', name: 'ext-api' });
    const joined = await server.api('POST', `/api/jobs/${id}/workers`, { agent: 'dev' });
    expect(joined.status).toBe(201);
    const worker = joined.body.worker as string;
    expect(worker).toBe(`dev[${id.slice(4, 8)}-0]`);
    const first = await server.api('POST', `/api/jobs/${id}/tasks/claim`, { worker });
    expect(first.body.task).toMatchObject({ id: `${id}:t1`, status: 'claimed', run: { worker }, token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const conflict = await server.api('POST', `/api/jobs/${id}/tasks/claim`, { worker, files: ['src/a.ts'] });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({ code: 'CLAIM_CONFLICT', files: ['src/a.ts'], holder: { jobId: id, taskId: 't1', worker } });
    const third = await server.api('POST', `/api/jobs/${id}/tasks/claim`, { worker });
    expect(third.body.task.taskId).toBe('t3');
    expect((await server.api('POST', `/api/jobs/${id}/tasks/claim`, { worker })).status).toBe(204);
    // A worker holding claims renews its lease with the token of one: none is refused.
    const heartbeat = `/api/jobs/${id}/workers/${encodeURIComponent(worker)}/heartbeat`;
    expect((await server.api('POST', heartbeat, {})).body.error.code).toBe('TASK_NOT_CLAIMED');
    expect((await server.api('POST', heartbeat, { token: third.body.task.token })).body.leaseExpiresAt).toMatch(/^\d{4}-/);
    // A task's end needs its claim's token: without it, or with another task's, 409; the worker id is for display.
    for (const body of [{ worker, summary: 'x' }, { worker, token: third.body.task.token, summary: 'x' }]) {
      const refused = await server.api('POST', `/api/tasks/${id}:t1/complete`, body);
      expect([refused.status, refused.body.error.code]).toEqual([409, 'TASK_NOT_CLAIMED']);
    }
    const done = await server.api('POST', `/api/tasks/${id}:t1/complete`, { token: first.body.task.token, summary: 'did a', filesModified: ['src/a.ts'] });
    expect(done.body.task).toMatchObject({ status: 'done', result: 'did a', filesModified: ['src/a.ts'] });
    expect(done.body.task).not.toHaveProperty('token');
    expect((await server.api('POST', `/api/tasks/${id}:t1/complete`, { token: first.body.task.token })).body.error.code).toBe('TASK_NOT_CLAIMED');
    expect((await server.api('POST', `/api/tasks/${id}:t3/fail`, { worker, token: third.body.task.token, reason: 'flaky' })).body.task.status).toBe('failed');
    // Nothing a reader gets holds a live token: runs keep its hash only.
    const stored = await server.api('GET', `/api/jobs/${id}`);
    expect(JSON.stringify(stored.body)).not.toContain(first.body.task.token);
    expect(stored.body.runs[0].tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await server.api('POST', `/api/tasks/${id}:t9/complete`, {})).body.error.code).toBe('TASK_NOT_FOUND');
    const stranger = await server.api('POST', `/api/jobs/${id}/tasks/claim`, { worker: 'dev[zzzz-9]' });
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.code).toBe('WORKER_NOT_IN_JOB');
    const added = await server.api('POST', `/api/jobs/${id}/tasks`, { tasks: [{ title: 'd', dependsOn: ['t1'] }] });
    expect(added.body.tasks).toEqual([expect.objectContaining({ id: 't4', dependsOn: ['t1'] })]);
    expect((await server.api('DELETE', `/api/jobs/${id}/workers/${encodeURIComponent(worker)}`)).body.job.joinedWorkers).toEqual([]);
    const closed = await server.api('POST', `/api/jobs/${id}/close`, { status: 'completed' });
    expect(closed.body.job.status).toBe('completed');
    expect((await server.api('POST', `/api/jobs/${id}/workers`, { agent: 'dev' })).body.error.code).toBe('JOB_NOT_ACTIVE');
  });

  it('closes only external jobs: an agent job ends with its phases', async () => {
    const { id } = (await server.api('POST', '/api/jobs', { prompt: 'p', agent: 'two', mode: 'interactive' })).body.job;
    const answer = await server.api('POST', `/api/jobs/${id}/close`, { status: 'completed' });
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('JOB_NOT_EXTERNAL');
    await server.api('POST', `/api/jobs/${id}/cancel`);
  });
});

describe('the OpenAPI document', () => {
  it('lists every route with its body schema', async () => {
    const { body } = await server.api('GET', '/api/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/jobs', '/api/jobs/{id}', '/api/jobs/{id}/approve', '/api/jobs/{id}/retry', '/api/jobs/{id}/cancel', '/api/jobs/{id}/resume', '/api/jobs/{id}/tasks', '/api/jobs/{id}/logs', '/api/events', '/api/jobs/{id}/workers', '/api/jobs/{id}/tasks/claim', '/api/tasks/{id}/complete', '/api/tasks/{id}/fail']));
    expect(Object.keys(body.paths['/api/jobs'])).toEqual(['get', 'post']);
    expect(body.paths['/api/jobs'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('prompt');
  });
});

describe('a busy server', () => {
  it('answers 503 JOBS_BUSY when every slot is taken and it is told to refuse', async () => {
    const busy = await startServer({ whenBusy: 'reject', maxConcurrentJobs: 1 });
    try {
      const first = (await busy.api('POST', '/api/jobs', { prompt: 'sleep 30', agent: 'sh' })).body.job.id;
      const refused = await busy.api('POST', '/api/jobs', { prompt: 'true', agent: 'sh' });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: 'JOBS_BUSY', message: 'Already running 1 jobs (max: 1)' });
      await busy.api('POST', `/api/jobs/${first}/cancel`);
    } finally {
      await busy.stop();
    }
  });
});
