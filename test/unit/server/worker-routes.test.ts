// The workers half of the API in-process (see api-harness.ts): a worker from outside joins an
// external job, claims its tasks with the files they touch, keeps its lease, ends each task with
// its claim token, and leaves; every refusal is a 4xx with its code.
import { describe, expect, it } from 'vitest';
import { makeApiApp } from './api-harness.js';

async function externalJob(api: ReturnType<typeof makeApiApp>, tasks: Array<{ title: string; files?: string[] }>): Promise<string> {
  const created = await api.call('POST', '/api/jobs', { agent: 'external', tasks });
  expect(created.status).toBe(201);
  return created.body.job.id as string;
}

describe('a worker from outside', () => {
  it('joins with its agent, and is told its name, index and lease', async () => {
    const api = makeApiApp();
    const id = await externalJob(api, [{ title: 'a' }]);
    const before = Date.now();
    const joined = await api.call('POST', `/api/jobs/${id.slice(0, 8)}/workers`, { agent: 'dev' });
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ worker: `dev[${id.slice(4, 8)}-0]`, jobId: id, index: 0, agent: 'dev', leaseMs: 30_000 });
    const lease = Date.parse(joined.body.leaseExpiresAt) - before;
    expect(lease).toBeGreaterThanOrEqual(29_000);
    expect(lease).toBeLessThanOrEqual(31_000);
    expect((await api.call('POST', `/api/jobs/${id}/workers`, { agent: 'dev' })).body).toMatchObject({ worker: `dev[${id.slice(4, 8)}-1]`, index: 1 });
    const bad = await api.call('POST', `/api/jobs/${id}/workers`, { agent: 'two words' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('agent: an agent name is letters, digits');
    expect((await api.call('POST', '/api/jobs/job-zzzzzzzz/workers', { agent: 'dev' })).status).toBe(404);
  });

  it('claims tasks in order (a conflict on files is 409 naming them and the holder), and gets 204 when none is runnable', async () => {
    const api = makeApiApp();
    const id = await externalJob(api, [{ title: 'a', files: ['src/a.ts'] }, { title: 'b', files: ['src'] }, { title: 'c' }]);
    const worker = (await api.call('POST', `/api/jobs/${id}/workers`, { agent: 'dev' })).body.worker as string;
    const first = await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker });
    expect(first.status).toBe(200);
    expect(first.body.task).toMatchObject({ id: `${id}:t1`, jobId: id, taskId: 't1', title: 'a', status: 'claimed', run: { id: 'r1', worker, attempt: 1 }, token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const conflict = await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker, files: ['src/a.ts'] });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({ code: 'CLAIM_CONFLICT', files: ['src/a.ts'], holder: { jobId: id, taskId: 't1', worker } });
    const third = await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker });
    expect(third.body.task.taskId).toBe('t3');
    const none = await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker });
    expect(none.status).toBe(204);
    expect(none.text).toBe('');
    const stranger = await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker: 'dev[zzzz-9]' });
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.code).toBe('WORKER_NOT_IN_JOB');
    const badFiles = await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker, files: ['../etc/passwd'] });
    expect(badFiles.status).toBe(400);
    expect(badFiles.body.error.message).toMatch(/^The request's body is not valid: files\.0: /);
  });

  it('keeps its lease with the token of a claim it holds, ends a task only with that task\'s token, and leaves', async () => {
    const api = makeApiApp();
    const id = await externalJob(api, [{ title: 'a' }, { title: 'b' }]);
    const worker = (await api.call('POST', `/api/jobs/${id}/workers`, { agent: 'dev' })).body.worker as string;
    const heartbeat = `/api/jobs/${id}/workers/${encodeURIComponent(worker)}/heartbeat`;
    const idle = await api.call('POST', heartbeat, {});
    expect(idle.status).toBe(200);
    expect(Date.parse(idle.body.leaseExpiresAt)).toBeGreaterThan(Date.now());
    const first = (await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker })).body.task;
    const second = (await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker })).body.task;
    const refusedBeat = await api.call('POST', heartbeat, {});
    expect([refusedBeat.status, refusedBeat.body.error.code]).toEqual([409, 'TASK_NOT_CLAIMED']);
    expect((await api.call('POST', heartbeat, { token: first.token })).body.leaseExpiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const body of [{ worker, summary: 'x' }, { worker, token: second.token, summary: 'x' }]) {
      const refused = await api.call('POST', `/api/tasks/${id}:t1/complete`, body);
      expect([refused.status, refused.body.error.code]).toEqual([409, 'TASK_NOT_CLAIMED']);
    }
    const done = await api.call('POST', `/api/tasks/${id}:t1/complete`, { token: first.token, summary: 'did a', filesModified: ['src/a.ts'] });
    expect(done.status).toBe(200);
    expect(done.body.task).toMatchObject({ id: `${id}:t1`, taskId: 't1', status: 'done', result: 'did a', filesModified: ['src/a.ts'] });
    expect(done.body.task).not.toHaveProperty('token');
    expect(done.body.task).not.toHaveProperty('run');
    const failed = await api.call('POST', `/api/tasks/${id}:t2/fail`, { worker, token: second.token, reason: 'flaky' });
    expect(failed.body.task).toMatchObject({ id: `${id}:t2`, status: 'failed' });
    expect((await api.call('POST', `/api/tasks/${id}:t2/fail`, { token: second.token })).status).toBe(400);
    const left = await api.call('DELETE', `/api/jobs/${id}/workers/${encodeURIComponent(worker)}`);
    expect(left.status).toBe(200);
    expect(left.body.job.joinedWorkers).toEqual([]);
  });

  it('ends a task left without summary or files as done with none', async () => {
    const api = makeApiApp();
    const id = await externalJob(api, [{ title: 'a' }]);
    const worker = (await api.call('POST', `/api/jobs/${id}/workers`, { agent: 'dev' })).body.worker as string;
    const { token } = (await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker })).body.task;
    const done = await api.call('POST', `/api/tasks/${id}:t1/complete`, { token });
    expect(done.body.task).toMatchObject({ status: 'done', result: null, filesModified: [] });
  });

  it('names a task by <job id>:<task>: anything else is 400 saying so; an unknown task 404', async () => {
    const api = makeApiApp();
    const id = await externalJob(api, [{ title: 'a' }]);
    for (const taskId of ['t1', `${id}:x1`, `${id}:t`, `${id}:t1x`, `x${id}:t1`, 'job-:t1', `${id}:t1234567890`, '..%2Fx']) {
      for (const verb of ['complete', 'fail']) {
        const answer = await api.call('POST', `/api/tasks/${taskId}/${verb}`, { reason: 'r' });
        expect(answer.status, `${taskId} ${verb}`).toBe(400);
        expect(answer.body.error.code).toBe('BAD_REQUEST');
      }
    }
    const long = await api.call('POST', `/api/tasks/${'y'.repeat(200)}/complete`, {});
    expect(long.body.error.message).toBe(`"${'y'.repeat(80)}" is not a task id: a task id is <job id>:<task>, e.g. job-ab12cd34:t3.`);
    const unknown = await api.call('POST', `/api/tasks/${id}:t9/complete`, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('TASK_NOT_FOUND');
  });

  it('takes task ids of many digits', async () => {
    const api = makeApiApp();
    const id = await externalJob(api, [{ title: 'a' }]);
    const answer = await api.call('POST', `/api/tasks/${id}:t123456789/complete`, {});
    expect([answer.status, answer.body.error.code]).toEqual([404, 'TASK_NOT_FOUND']);
  });
});

describe('GET /api/workers', () => {
  it('says queue: false, no workers and zero counts when runs do not go through a queue', async () => {
    const api = makeApiApp();
    const answer = await api.call('GET', '/api/workers');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ queue: false, workers: [], queues: [], counts: { waiting: 0, active: 0, delayed: 0, failed: 0 } });
  });

  it("lists the queue's workers and counts, and says 503 QUEUE_UNREACHABLE with the cause when the queue does not answer", async () => {
    const counts = { waiting: 2, active: 1, delayed: 0, failed: 3 };
    const fleet = { workers: [{ name: 'gpu-1' }], queues: [{ name: 'runs', labels: [], counts }], counts };
    const api = makeApiApp({ deps: { readFleet: async () => fleet as never } });
    expect((await api.call('GET', '/api/workers')).body).toEqual({ queue: true, ...fleet });
    const down = makeApiApp({ deps: { readFleet: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:6379'); } } });
    const answer = await down.call('GET', '/api/workers');
    expect(answer.status).toBe(503);
    expect(answer.body.error).toEqual({ code: 'QUEUE_UNREACHABLE', message: 'The queue does not answer: connect ECONNREFUSED 127.0.0.1:6379' });
    const odd = makeApiApp({ deps: { readFleet: () => Promise.reject('down') } });
    expect((await odd.call('GET', '/api/workers')).body.error.message).toBe('The queue does not answer: down');
  });
});
