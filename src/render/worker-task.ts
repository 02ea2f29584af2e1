// A task as workers from outside see it (the API's answers, `jobline task … --json`): its global id
// `<jobId>:<task>`, its own id as `taskId`, and its run while claimed.
import type { Run, Task } from '../jobs/model/task.js';

/** A task as workers see it; `token` only in a claim's answer (the claim token its end must give). */
export type WorkerTaskView = Omit<Task, 'id'> & { id: string; jobId: string; taskId: string; run?: { id: string; worker: string; attempt: number; startedAt: string }; token?: string };

/** Task `task` of job `jobId` (with its open run `run`, and the claim's `token` for its claimer) as workers see it. */
export function presentTask(jobId: string, task: Task, run?: Run, token?: string): WorkerTaskView {
  return { ...task, id: formatTaskId(jobId, task.id), jobId, taskId: task.id, ...(run ? { run: { id: run.id, worker: run.worker, attempt: run.attempt, startedAt: run.startedAt } } : {}), ...(token !== undefined ? { token } : {}) };
}

/** The global id of task `taskId` of job `jobId`: `job-ab12cd34:t3`. */
export function formatTaskId(jobId: string, taskId: string): string {
  return `${jobId}:${taskId}`;
}
