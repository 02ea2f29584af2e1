// What a run of a job is given and what it reports, worked out from the job: its task's context
// (its claims and its neighbours'), the earlier phases' results it is handed, and the job's
// counters once it reported its own. Pure.
import type { PhaseOutputRecord, TaskContext } from '../../agents/agent.js';
import { JOB_ANSWERS_PREFIX } from '../model/answers.js';
import type { Job, JobProgress, TokenUsage } from '../model/job.js';
import type { Task, TaskBoard } from '../model/task.js';
import { isSharedPhase } from '../model/task-board.js';
import { addUsage, subtractUsage } from '../model/usage.js';

/**
 * The job's counters once a run that last reported `reported` reports `progress`: runs side by
 * side each count on from the job's counters when they started, so what a run added since its last
 * report (tool calls, model calls, tokens) is added to the job's, and tokens to its current
 * phase's. Returns the job's progress update, the phase's tokens, and what the run has reported now.
 */
export function countRunProgress(job: Job, reported: JobProgress, progress: Partial<JobProgress>): { progress: Partial<JobProgress>; phaseUsage: TokenUsage | undefined; reported: JobProgress } {
  const update: Partial<JobProgress> = { ...progress };
  if (progress.toolCalls !== undefined) update.toolCalls = job.progress.toolCalls + Math.max(0, progress.toolCalls - reported.toolCalls);
  if (progress.llmCalls !== undefined) update.llmCalls = job.progress.llmCalls + Math.max(0, progress.llmCalls - reported.llmCalls);
  let phaseUsage: TokenUsage | undefined;
  if (progress.usage) {
    const added = subtractUsage(progress.usage, reported.usage);
    update.usage = addUsage(job.progress.usage, added);
    phaseUsage = addUsage(job.phases[job.currentPhase]?.usage, added);
  }
  return { progress: update, phaseUsage, reported: { ...reported, ...progress } };
}

// Most tasks of a phase described to a run (its neighbours' claims, an earlier phase's results).
const MAX_LISTED_NEIGHBOURS = 200;

/**
 * The task's context when its phase holds several tasks or it claims files (a plan of one task
 * is confined too); null for a phase's only, unclaimed task (an agent's plain phase).
 */
export function describeTaskContext(board: TaskBoard, task: Task): TaskContext | null {
  if (!isSharedPhase(board, task.phase) && task.claims.length === 0) return null;
  // Only neighbours that claim files can hold one (a batch of 10,000 lines claims none).
  const others = board.tasks.filter((other) => other.phase === task.phase && other.id !== task.id && other.claims.length > 0).slice(0, MAX_LISTED_NEIGHBOURS).map((other) => ({ id: other.id, title: other.title, claims: other.claims }));
  return { id: task.id, title: task.title, description: task.input, claims: task.claims, others };
}

/**
 * What earlier phases produced, for the next: a phase's output and, for a phase of several
 * tasks, each task's result and files (validate and deliver see every task of implement).
 */
export function describePreviousOutputs(job: Job, board: TaskBoard): PhaseOutputRecord[] {
  return job.phases.slice(0, job.currentPhase).map((phase, index) => {
    // A cut answer says so to the model, and where it reads the whole (see answers.ts).
    if (!isSharedPhase(board, index)) return { name: phase.name, output: phase.output && phase.outputFile ? `${phase.output}\n(This answer is cut for length: read it whole with read_file, path "${JOB_ANSWERS_PREFIX}${phase.outputFile}".)` : phase.output };
    const tasks = board.tasks.filter((task) => task.phase === index);
    const lines = tasks.slice(0, MAX_LISTED_NEIGHBOURS).map((task) => `- ${task.id} ${task.title}: ${task.status}${task.result ? ` — ${task.result}` : ''}${task.filesModified.length > 0 ? ` (files: ${task.filesModified.join(', ')})` : ''}`);
    if (tasks.length > lines.length) lines.push(`- … and ${tasks.length - lines.length} more tasks`);
    return { name: phase.name, output: [phase.output, ...lines].filter(Boolean).join('\n') };
  });
}
