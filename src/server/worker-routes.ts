// The workers half of the API: workers from outside join a job, claim its tasks (with the files
// they will touch), report each task's end, keep their lease with heartbeats, and leave.
import { presentTask } from '../render/worker-task.js';
import type { ApiDeps } from './api-deps.js';
import { claimSchema, completeSchema, failSchema, heartbeatSchema, joinSchema } from './api-schemas.js';
import { HttpError } from './http-errors.js';
import type { RouteTable } from './route-table.js';


// `job-ab12cd34:t3` → its job and task ids.
function parseTaskId(id: string): { jobId: string; taskId: string } {
  const match = /^(job-[0-9a-z]{1,32}):(t\d{1,9})$/.exec(id);
  if (!match) throw new HttpError('BAD_REQUEST', `"${id.slice(0, 80)}" is not a task id: a task id is <job id>:<task>, e.g. job-ab12cd34:t3.`);
  return { jobId: match[1]!, taskId: match[2]! };
}

/** Adds the workers routes to `routes`. */
export function addWorkerRoutes(routes: RouteTable, deps: ApiDeps): void {
  const { service } = deps;
  routes.add({ method: 'get', path: '/api/workers', summary: "The queue's workers on other machines (name, labels, concurrency, what each runs, last seen; a silent one is gone) and its counts (waiting, active, delayed, failed); queue: false when runs do not go through a queue.", responses: { 200: '{ queue, workers, queues, counts }', 503: 'the queue does not answer' } }, async ({ context }) => {
    if (!deps.readFleet) return context.json({ queue: false, workers: [], queues: [], counts: { waiting: 0, active: 0, delayed: 0, failed: 0 } });
    try {
      return context.json({ queue: true, ...(await deps.readFleet()) });
    } catch (error) {
      throw new HttpError('QUEUE_UNREACHABLE', `The queue does not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  routes.add({ method: 'post', path: '/api/jobs/{id}/workers', summary: 'Join a job as a worker of an agent; returns the worker id (dev[ab12-0]) and its lease.', body: joinSchema, responses: { 201: '{ worker, jobId, index, leaseMs, leaseExpiresAt }' } }, async ({ context, params, body }) => {
    const jobId = await service.resolve(params.id!);
    const { worker, leaseExpiresAtMs } = await service.dispatch({ type: 'join', jobId, agent: body.agent });
    return context.json({ worker: worker.name, jobId, index: worker.index, agent: worker.agent, leaseMs: deps.workerLeaseMs, leaseExpiresAt: new Date(leaseExpiresAtMs).toISOString() }, 201);
  });

  routes.add({ method: 'delete', path: '/api/jobs/{id}/workers/{worker}', summary: 'Leave a job: the tasks the worker holds wait for another.', responses: { 200: '{ job }' } }, async ({ context, params }) => {
    const job = await service.dispatch({ type: 'leave', jobId: params.id!, worker: params.worker! });
    return context.json({ job });
  });

  routes.add({ method: 'post', path: '/api/jobs/{id}/workers/{worker}/heartbeat', summary: "Renew a worker's lease (every call of the worker renews it too); a worker holding claims gives the token of one.", body: heartbeatSchema, responses: { 200: '{ leaseExpiresAt }', 409: 'TASK_NOT_CLAIMED: no token, or not of its claims' } }, async ({ context, params, body }) => {
    const { leaseExpiresAtMs } = await service.dispatch({ type: 'heartbeat', jobId: params.id!, worker: params.worker!, ...(body.token ? { token: body.token } : {}) });
    return context.json({ leaseExpiresAt: new Date(leaseExpiresAtMs).toISOString() });
  });

  routes.add({ method: 'post', path: '/api/jobs/{id}/tasks/claim', summary: 'Claim the next runnable task for a worker, declaring the files it will modify; the task comes with its claim token.', body: claimSchema, responses: { 200: '{ task } (task.token: the claim token its end must give)', 204: 'no task is runnable now', 409: 'CLAIM_CONFLICT: { files, holder }' } }, async ({ context, params, body }) => {
    const claimed = await service.dispatch({ type: 'claim', jobId: params.id!, worker: body.worker, files: body.files ?? [] });
    if (!claimed) return context.body(null, 204);
    return context.json({ task: presentTask(claimed.jobId, claimed.task, claimed.run, claimed.token) });
  });

  routes.add({ method: 'post', path: '/api/tasks/{id}/complete', summary: 'A claimed task is done (id: <job id>:<task>; token: its claim token).', body: completeSchema, responses: { 200: '{ task }', 409: 'TASK_NOT_CLAIMED: not claimed, or not with that token' } }, async ({ context, params, body }) => {
    const { jobId, taskId } = parseTaskId(params.id!);
    const task = await service.dispatch({ type: 'completeTask', jobId, taskId, worker: body.worker, token: body.token, summary: body.summary ?? null, filesModified: body.filesModified ?? [] });
    return context.json({ task: presentTask(jobId, task) });
  });

  routes.add({ method: 'post', path: '/api/tasks/{id}/fail', summary: 'A claimed task failed: it waits again while its retries last (token: its claim token).', body: failSchema, responses: { 200: '{ task }', 409: 'TASK_NOT_CLAIMED: not claimed, or not with that token' } }, async ({ context, params, body }) => {
    const { jobId, taskId } = parseTaskId(params.id!);
    const task = await service.dispatch({ type: 'failTask', jobId, taskId, worker: body.worker, token: body.token, reason: body.reason });
    return context.json({ task: presentTask(jobId, task) });
  });
}
