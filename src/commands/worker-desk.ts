// Where `jobline job …` and `jobline task …` send their commands: the running `jobline serve`
// (its API), or, when none runs, the jobs folder itself (FolderWorkers, each command under the
// job's claim). Both answer alike, so a script works the same with or without a server.
import type { Job } from '../jobs/model/job.js';
import type { Task, TaskPlan } from '../jobs/model/task.js';
import { presentTask, type WorkerTaskView } from '../render/worker-task.js';
import type { ServerClient } from '../client/server-client.js';
import { connectToServer, createFolderWorkers, type AppContext } from './context.js';

/** A task end, as `task complete` / `task fail` report it. */
export type TaskEnd = { worker?: string; summary?: string | null; filesModified?: string[] } | { worker?: string; reason: string };

/** The workers' commands, wherever the jobs are. Errors are JoblineErrors with the API's codes (CLAIM_CONFLICT carries `details`). */
export interface WorkerDesk {
  /** Where commands go, for messages: `jobline serve (pid N)` or the jobs folder. */
  readonly where: string;
  /** Creates external job `name` (its name is its description too, as listings show it). */
  create(name: string, tasks: readonly TaskPlan[], cwd: string): Promise<Job>;
  join(job: string, agent: string): Promise<{ worker: string; jobId: string; index: number }>;
  leave(job: string, worker: string): Promise<string>;
  /** Resolves with when the lease runs out (ISO-8601 UTC). */
  heartbeat(job: string, worker: string): Promise<string>;
  status(job: string): Promise<{ job: Job; tasks: Task[] }>;
  close(job: string, status: 'completed' | 'failed' | 'cancelled', reason?: string): Promise<Job>;
  addTasks(job: string, tasks: readonly TaskPlan[]): Promise<{ jobId: string; tasks: Task[] }>;
  /** The claimed task, or null when none is runnable. */
  claim(job: string, worker: string, files: readonly string[]): Promise<WorkerTaskView | null>;
  end(jobId: string, taskId: string, end: TaskEnd): Promise<WorkerTaskView>;
}

/** The desk for `context`: the server when one runs on its jobs folder, else the folder. */
export function openWorkerDesk(context: AppContext): WorkerDesk {
  const server = connectToServer(context);
  return server ? serverDesk(server) : folderDesk(context);
}

const toInput = (plan: TaskPlan) => ({ title: plan.title, input: plan.input, dependsOn: [...plan.dependsOn], files: [...plan.claims] });
const jobPath = (job: string) => `/api/jobs/${encodeURIComponent(job)}`;

function serverDesk(server: ServerClient): WorkerDesk {
  return {
    where: `jobline serve (pid ${server.info.pid})`,
    create: async (name, tasks, cwd) => (await server.request<{ job: Job }>('POST', '/api/jobs', { agent: 'external', name, prompt: name, tasks: tasks.map(toInput), cwd })).body.job,
    join: async (job, agent) => (await server.request<{ worker: string; jobId: string; index: number }>('POST', `${jobPath(job)}/workers`, { agent })).body,
    leave: async (job, worker) => (await server.request<{ job: Job }>('DELETE', `${jobPath(job)}/workers/${encodeURIComponent(worker)}`)).body.job.id,
    heartbeat: async (job, worker) => (await server.request<{ leaseExpiresAt: string }>('POST', `${jobPath(job)}/workers/${encodeURIComponent(worker)}/heartbeat`, {})).body.leaseExpiresAt,
    status: async (job) => (await server.request<{ job: Job; tasks: Task[] }>('GET', jobPath(job))).body,
    close: async (job, status, reason) => (await server.request<{ job: Job }>('POST', `${jobPath(job)}/close`, { status, ...(reason ? { reason } : {}) })).body.job,
    addTasks: async (job, tasks) => {
      const jobId = (await server.request<{ job: Job }>('GET', jobPath(job))).body.job.id;
      return { jobId, tasks: (await server.request<{ tasks: Task[] }>('POST', `${jobPath(jobId)}/tasks`, { tasks: tasks.map(toInput) })).body.tasks };
    },
    claim: async (job, worker, files) => {
      const { status, body } = await server.request<{ task: WorkerTaskView } | null>('POST', `${jobPath(job)}/tasks/claim`, { worker, ...(files.length > 0 ? { files } : {}) });
      return status === 204 || !body ? null : body.task;
    },
    end: async (jobId, taskId, end) => {
      const verb = 'reason' in end ? 'fail' : 'complete';
      return (await server.request<{ task: WorkerTaskView }>('POST', `/api/tasks/${encodeURIComponent(`${jobId}:${taskId}`)}/${verb}`, end)).body.task;
    },
  };
}

function folderDesk(context: AppContext): WorkerDesk {
  const folder = createFolderWorkers(context);
  const { workers } = folder;
  return {
    where: context.jobs.jobsDir,
    create: async (name, tasks, cwd) => folder.create({ name, tasks, cwd, prompt: name }),
    join: async (job, agent) => {
      const jobId = await folder.resolve(job);
      const { worker } = await workers.join(jobId, agent);
      return { worker: worker.name, jobId, index: worker.index };
    },
    leave: async (job, worker) => {
      const jobId = await folder.resolve(job);
      await workers.leave(jobId, worker);
      return jobId;
    },
    heartbeat: async (job, worker) => new Date(await workers.heartbeat(await folder.resolve(job), worker)).toISOString(),
    status: async (job) => {
      const { job: found, board } = await context.jobs.view(await folder.resolve(job));
      return { job: found, tasks: board.tasks };
    },
    close: async (job, status, reason) => {
      const jobId = await folder.resolve(job);
      await workers.close(jobId, status, reason ?? null);
      return context.jobs.get(jobId);
    },
    addTasks: async (job, tasks) => {
      const jobId = await folder.resolve(job);
      return { jobId, tasks: await workers.addTasks(jobId, tasks) };
    },
    claim: async (job, worker, files) => {
      const claimed = await workers.claim(await folder.resolve(job), worker, files);
      return claimed ? presentTask(claimed.jobId, claimed.task, claimed.run) : null;
    },
    end: async (jobId, taskId, end) => {
      const id = await folder.resolve(jobId);
      const task = await workers.endTask(id, taskId, 'reason' in end ? { worker: end.worker, error: end.reason } : end);
      return presentTask(id, task);
    },
  };
}
