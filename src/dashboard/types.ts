// What the dashboard reads from the API: the job model's own types (pure, shared with the server)
// and the shapes of the dashboard's reads (see src/server/dashboard-routes.ts).
/** A job as job.json holds it, its status and its phases (see jobs/model/job.ts). */
export type { Job, JobStatus, PhaseState } from '../jobs/model/job.js';
/** A job's tasks, their runs, and counts of tasks by status (see jobs/model/task.ts). */
export type { Task, Run, TaskCounts } from '../jobs/model/task.js';
/** One lifecycle event, as the event stream carries it (see jobs/model/job-event.ts). */
export type { JobEvent } from '../jobs/model/job-event.js';
/** An ended job's job_manifest.json (see docs/MANIFEST.md). */
export type { JobManifest } from '../jobs/model/manifest.js';
import type { Job } from '../jobs/model/job.js';
import type { TaskCounts } from '../jobs/model/task.js';

/** One job on the board (GET /api/board). */
export interface JobCard {
  job: Job;
  tasks: TaskCounts | null;
  workers: Array<{ worker: string; taskId: string; title: string; startedAt: string }>;
}

/** A template of the server's config (GET /api/templates). */
export interface TemplateInfo {
  name: string;
  description: string | null;
  agent: string | null;
  prompt: string;
  mode: 'interactive' | 'background' | null;
  placeholders: string[];
}
