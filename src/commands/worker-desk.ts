// Where `jobline job …` and `jobline task …` send their commands: the running `jobline serve`
// (its API), or, when none runs, the jobs folder itself (FolderWorkers, each command under the
// job's claim). Both answer alike, so a script works the same with or without a server.
import type { Job } from '../jobs/model/job.js';
import type { Task, TaskPlan } from '../jobs/model/task.js';
import { presentTask, type WorkerTaskView } from '../render/worker-task.js';
import type { ServerClient } from '../client/server-client.js';
import { RemoteWorkers } from '../client/remote-workers.js';
import type { WorkersPort } from '../jobs/service/session-port.js';
import { connectToServer, createFolderWorkers, type AppContext } from './context.js';

/** A task end, as `task complete` / `task fail` report it, with the claim's token. */
export type TaskEnd = { worker?: string; token?: string; summary?: string | null; filesModified?: string[] } | { worker?: string; token?: string; reason: string };

/** The workers' commands, wherever the jobs are. Errors are JoblineErrors with the API's codes (CLAIM_CONFLICT carries `details`). */
export interface WorkerDesk {
  /** Where commands go, for messages: `jobline serve (pid N)` or the jobs folder. */
  readonly where: string;
  /** Creates external job `name` (its name is its description too, as listings show it). */
  create(name: string, tasks: readonly TaskPlan[], cwd: string): Promise<Job>;
  join(job: string, agent: string): Promise<{ worker: string; jobId: string; index: number }>;
  leave(job: string, worker: string): Promise<string>;
  /** Resolves with when the lease runs out (ISO-8601 UTC). `token`: of a claim the worker holds. */
  heartbeat(job: string, worker: string, token?: string): Promise<string>;
  status(job: string): Promise<{ job: Job; tasks: Task[] }>;
  close(job: string, status: 'completed' | 'failed' | 'cancelled', reason?: string): Promise<Job>;
  addTasks(job: string, tasks: readonly TaskPlan[]): Promise<{ jobId: string; tasks: Task[] }>;
  /** The claimed task with its claim token (`token`), or null when none is runnable. */
  claim(job: string, worker: string, files: readonly string[]): Promise<WorkerTaskView | null>;
  end(jobId: string, taskId: string, end: TaskEnd): Promise<WorkerTaskView>;
}

/** The desk for `context`: the server when one runs on its jobs folder, else the folder. */
export function openWorkerDesk(context: AppContext): WorkerDesk {
  const server = connectToServer(context);
  return server ? serverDesk(server) : folderDesk(context);
}

const jobPath = (job: string) => `/api/jobs/${encodeURIComponent(job)}`;

// Both desks are one desk over the workers' commands (a WorkersPort): the server's, through its
// API (RemoteWorkers), or the folder's (FolderWorkers); they differ in how a job is found, read and made.
function deskOver(where: string, workers: WorkersPort, jobs: { resolve(job: string): Promise<string>; status(job: string): Promise<{ job: Job; tasks: Task[] }>; create(name: string, tasks: readonly TaskPlan[], cwd: string): Promise<Job> }): WorkerDesk {
  return {
    where,
    create: (name, tasks, cwd) => jobs.create(name, tasks, cwd),
    join: async (job, agent) => {
      const jobId = await jobs.resolve(job);
      const { worker } = await workers.join(jobId, agent);
      return { worker: worker.name, jobId, index: worker.index };
    },
    leave: async (job, worker) => {
      const jobId = await jobs.resolve(job);
      await workers.leave(jobId, worker);
      return jobId;
    },
    // Where the full id is not printed, the workers' commands resolve the job themselves (one request, not two).
    heartbeat: async (job, worker, token) => new Date(await workers.heartbeat(job, worker, token)).toISOString(),
    status: (job) => jobs.status(job),
    close: async (job, status, reason) => {
      await workers.close(job, status, reason ?? null);
      return (await jobs.status(job)).job;
    },
    addTasks: async (job, tasks) => {
      const jobId = await jobs.resolve(job);
      return { jobId, tasks: await workers.addTasks(jobId, tasks) };
    },
    claim: async (job, worker, files) => {
      const claimed = await workers.claim(job, worker, files);
      return claimed ? presentTask(claimed.jobId, claimed.task, claimed.run, claimed.token) : null;
    },
    // A task's id names its job in full (`job-ab12cd34:t3`, as a claim printed it).
    end: async (jobId, taskId, end) => presentTask(jobId, await workers.endTask(jobId, taskId, 'reason' in end ? { worker: end.worker, token: end.token, error: end.reason } : end)),
  };
}

function serverDesk(server: ServerClient): WorkerDesk {
  const status = async (jobId: string) => (await server.request<{ job: Job; tasks: Task[] }>('GET', jobPath(jobId))).body;
  return deskOver(`jobline serve (pid ${server.info.pid})`, new RemoteWorkers(server), {
    // The server resolves prefixes and names; its answer names the job in full.
    resolve: async (job) => (await status(job)).job.id,
    status,
    create: async (name, tasks, cwd) => (await server.request<{ job: Job }>('POST', '/api/jobs', { agent: 'external', name, prompt: name, tasks: tasks.map((plan) => ({ title: plan.title, input: plan.input, dependsOn: [...plan.dependsOn], files: [...plan.claims] })), cwd })).body.job,
  });
}

function folderDesk(context: AppContext): WorkerDesk {
  const folder = createFolderWorkers(context);
  return deskOver(context.jobs.jobsDir, folder.workers, {
    resolve: (job) => folder.resolve(job),
    status: async (job) => {
      const { job: found, board } = await context.jobs.view(job);
      return { job: found, tasks: board.tasks };
    },
    create: async (name, tasks, cwd) => folder.create({ name, tasks, cwd, prompt: name }),
  });
}
