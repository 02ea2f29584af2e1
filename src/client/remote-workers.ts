// The commands of workers from outside, sent to `jobline serve` (see WorkersPort): what a session
// attached to the server answers when its service is asked to join, claim or end tasks.
import type { JoinedWorker } from '../jobs/model/job.js';
import type { Task, TaskPlan } from '../jobs/model/task.js';
import type { ClaimedTask, WorkersPort } from '../jobs/service/session-port.js';
import type { WorkerTaskView as PresentedTask } from '../render/worker-task.js';
import type { ServerClient } from './server-client.js';

function toTask(presented: PresentedTask): Task {
  const { id: _global, taskId, jobId: _job, run: _run, token: _token, ...task } = presented;
  return { ...task, id: taskId };
}

/** WorkersPort over the server's API. */
export class RemoteWorkers implements WorkersPort {
  constructor(private readonly client: ServerClient) {}

  async join(jobId: string, agent: string): Promise<{ worker: JoinedWorker; leaseExpiresAtMs: number }> {
    const { body } = await this.client.request<{ worker: string; index: number; agent: string; leaseExpiresAt: string }>('POST', `/api/jobs/${encodeURIComponent(jobId)}/workers`, { agent });
    return { worker: { name: body.worker, agent: body.agent, index: body.index, joinedAt: new Date().toISOString() }, leaseExpiresAtMs: Date.parse(body.leaseExpiresAt) };
  }

  async leave(jobId: string, worker: string): Promise<void> {
    await this.client.request('DELETE', `/api/jobs/${encodeURIComponent(jobId)}/workers/${encodeURIComponent(worker)}`);
  }

  async heartbeat(jobId: string, worker: string, token?: string): Promise<number> {
    const { body } = await this.client.request<{ leaseExpiresAt: string }>('POST', `/api/jobs/${encodeURIComponent(jobId)}/workers/${encodeURIComponent(worker)}/heartbeat`, token ? { token } : {});
    return Date.parse(body.leaseExpiresAt);
  }

  async claim(jobId: string, worker: string, files: readonly string[] = []): Promise<ClaimedTask | null> {
    const { status, body } = await this.client.request<{ task: PresentedTask } | null>('POST', `/api/jobs/${encodeURIComponent(jobId)}/tasks/claim`, { worker, files });
    if (status === 204 || !body) return null;
    const { run } = body.task;
    return { jobId: body.task.jobId, task: toTask(body.task), run: { ...run!, taskId: body.task.taskId, state: { status: 'running' }, output: { file: '', section: '' } }, token: body.task.token! };
  }

  async endTask(jobId: string, taskId: string, end: { worker?: string; token?: string; summary?: string | null; filesModified?: string[]; error?: string }): Promise<Task> {
    const path = `/api/tasks/${encodeURIComponent(`${jobId}:${taskId}`)}/${end.error !== undefined ? 'fail' : 'complete'}`;
    const claim = { ...(end.worker ? { worker: end.worker } : {}), ...(end.token ? { token: end.token } : {}) };
    const body = end.error !== undefined ? { reason: end.error, ...claim } : { summary: end.summary ?? null, filesModified: end.filesModified ?? [], ...claim };
    return toTask((await this.client.request<{ task: PresentedTask }>('POST', path, body)).body.task);
  }

  async addTasks(jobId: string, plans: readonly TaskPlan[]): Promise<Task[]> {
    const tasks = plans.map((plan) => ({ title: plan.title, input: plan.input, dependsOn: [...plan.dependsOn], files: [...plan.claims] }));
    return (await this.client.request<{ tasks: Task[] }>('POST', `/api/jobs/${encodeURIComponent(jobId)}/tasks`, { tasks })).body.tasks;
  }

  async close(jobId: string, status: 'completed' | 'failed' | 'cancelled', reason: string | null = null): Promise<void> {
    await this.client.request('POST', `/api/jobs/${encodeURIComponent(jobId)}/close`, { status, ...(reason ? { reason } : {}) });
  }
}
