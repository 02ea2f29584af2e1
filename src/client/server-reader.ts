// Reading jobs through `jobline serve` when it runs: listings, a job and its board come from the
// server (its session's jobs as it holds them, a moment ahead of their files); everything else
// (output, follows, paths, ids for completion) is read from the jobs folder, which the server
// writes and which is on this machine.
import type { Job } from '../jobs/model/job.js';
import type { TaskBoard } from '../jobs/model/task.js';
import type { JobListing, JobReader, ListSelection } from '../jobs/ports/job-reader.js';
import type { ServerClient } from './server-client.js';

/**
 * A JobReader that asks `server` for listings and jobs and `folder` for the rest.
 * @throws (from its methods) ApiError with the server's code (JOB_NOT_FOUND, …); ServerError SERVER_UNREACHABLE.
 */
export function createServerReader(server: ServerClient, folder: JobReader): JobReader {
  const answered: Partial<JobReader> = {
    async list(selection?: ListSelection): Promise<JobListing> {
      // The newest ended jobs of a selection are chosen by the folder's index of ended jobs.
      if (selection?.newestEnded !== undefined) return folder.list(selection);
      const query = selection?.statuses ? `?status=${selection.statuses.join(',')}` : '';
      return (await server.request<JobListing>('GET', `/api/jobs${query}`)).body;
    },
    async load(id: string): Promise<Job> {
      return (await server.request<{ job: Job }>('GET', `/api/jobs/${encodeURIComponent(id)}`)).body.job;
    },
    async readBoard(job: Job): Promise<{ board: TaskBoard; isRecorded: boolean }> {
      const { body } = await server.request<TaskBoard>('GET', `/api/jobs/${encodeURIComponent(job.id)}/tasks`);
      return { board: { tasks: body.tasks, runs: body.runs }, isRecorded: true };
    },
  };
  // Every other member is the folder reader's, called on it.
  return new Proxy(folder, {
    get(target, name, receiver) {
      if (name in answered) return answered[name as keyof JobReader];
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
