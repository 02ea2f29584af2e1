// What a new job is made of (its state and its board, from a submission), and how a resume reads
// for its kind of job. Pure: the id, the owner and the time come in.
import { getPhaseNames, getTaskPlans } from '../../agents/agent.js';
import { createJob, isExternalJob, type Job, type JobMode, type JobOwner, type JobWorktree } from '../model/job.js';
import { createInputTasks, createJobTasks, type TaskBoard } from '../model/task.js';
import { OPEN_EXTERNAL_JOB, type JobAction } from '../model/transitions.js';
import type { SubmitRequest } from './manager-api.js';

/**
 * Job `id` as `request` asks for it, queued, created at `now` (ISO-8601 UTC), with its tasks: a
 * batch's lines, the tasks the submission lists (in its first phase), or the agent's plan. An
 * external job runs in background mode, and by default keeps going past a failed task: its
 * coordinator decides what a failure means. So does a batch (taskInputs), as xargs, GNU parallel
 * and task-spooler do: a failing line does not stop the others (`--fail-fast` asks keepGoing
 * false). An agent's own tasks fail fast unless asked otherwise.
 */
export function buildNewJob(request: SubmitRequest & { worktree?: JobWorktree | null }, id: string, owner: JobOwner, now: string): { job: Job; board: TaskBoard } {
  const phaseNames = getPhaseNames(request.agent);
  const isExternal = request.agent.type === 'external';
  // The submission's budget, else the agent's (an LLM agent's config `budget`).
  const budget = request.budget ?? (request.agent.type === 'llm' ? request.agent.budget : undefined) ?? null;
  const job = createJob({ id, agent: request.agent.name, description: request.prompt, mode: isExternal ? 'background' : request.mode, phaseNames, owner, now, workers: request.workers ?? request.agent.workers, retries: request.retries, keepGoing: request.keepGoing ?? (isExternal || request.taskInputs !== undefined), name: request.name, template: request.template ?? null, worktree: request.worktree ?? null, budget, model: request.agent.type === 'llm' ? (request.model ?? null) : null });
  return { job, board: { tasks: createTasks(request, phaseNames), runs: [] } };
}

// A new job's tasks (see buildNewJob); an external job without listed tasks has none (workers add them).
function createTasks(request: SubmitRequest, phaseNames: readonly string[]): ReturnType<typeof createJobTasks> {
  const listed = request.tasks && request.tasks.length > 0 ? request.tasks : null;
  if (request.taskInputs) return createInputTasks(phaseNames, request.taskInputs);
  if (request.agent.type === 'external') return listed ? createJobTasks(phaseNames, request.prompt, [listed]) : [];
  return createJobTasks(phaseNames, request.prompt, listed ? [listed] : getTaskPlans(request.agent));
}

/**
 * The actions of a resume in `mode` (`retryFailed`: failed tasks run again, see planResume): for
 * an external job, in background mode and with its phase opened again for its workers.
 */
export function resumeActions(job: Job, mode: JobMode, retryFailed = false, model?: string): JobAction[] {
  const retry = { ...(retryFailed ? { retryFailed } : {}), ...(model ? { model } : {}) };
  return isExternalJob(job) ? [{ type: 'resume', mode: 'background', ...retry }, ...OPEN_EXTERNAL_JOB] : [{ type: 'resume', mode, ...retry }];
}
