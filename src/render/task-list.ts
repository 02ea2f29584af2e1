// A job's tasks as /tasks shows them: one row each (status, worker, attempts, duration, claims,
// title), the running and failed ones first when there are more than fit.
import chalk from 'chalk';
import type { Job } from '../jobs/model/job.js';
import { countTasks, type Run, type Task, type TaskBoard, type TaskCounts, type TaskStatus } from '../jobs/model/task.js';
import { elapsedMs, formatDuration, sanitizeLine, truncate } from './text.js';

/** Icons of task statuses, visible without colour. */
export const TASK_ICONS: Readonly<Record<TaskStatus, string>> = { todo: '·', claimed: '▶', done: '✅', failed: '❌', cancelled: '⊘' };

/** `734/1000 done · 3 running · 2 failed · 5 not run` (parts that are 0 are left out, but done). */
export function formatTaskCounts(counts: TaskCounts): string {
  return [`${counts.done}/${counts.total} done`, counts.running > 0 ? `${counts.running} running` : '', counts.failed > 0 ? `${counts.failed} failed` : '', counts.notRun > 0 ? `${counts.notRun} not run` : ''].filter(Boolean).join(' · ');
}

/**
 * The tasks of `job`: a header with the counts, then up to `limit` rows, the running and failed
 * tasks first, then the others in order; a last line counts those left out.
 */
export function formatTaskList(job: Job, board: TaskBoard, now: Date, limit = 50): string {
  const lastRun = new Map<string, Run>();
  const runCount = new Map<string, number>();
  for (const run of board.runs) {
    lastRun.set(run.taskId, run);
    runCount.set(run.taskId, (runCount.get(run.taskId) ?? 0) + 1);
  }
  const rank = (task: Task): number => (task.status === 'claimed' ? 0 : task.status === 'failed' ? 1 : 2);
  const chosen = [...board.tasks].sort((a, b) => rank(a) - rank(b)).slice(0, limit);
  const shown = board.tasks.filter((task) => chosen.includes(task));
  const lines = [chalk.bold(`Tasks of ${job.id} (${formatTaskCounts(countTasks(board.tasks))})`)];
  for (const task of shown) {
    const run = lastRun.get(task.id);
    const duration = run ? elapsedMs(run.startedAt, run.state.status === 'running' ? null : run.state.endedAt, now) : null;
    const runs = runCount.get(task.id) ?? 0;
    lines.push([
      ` ${TASK_ICONS[task.status]}`,
      task.id.padEnd(6),
      task.status.padEnd(9),
      (run ? sanitizeLine(run.worker) : '-').padEnd(16),
      (runs === 1 ? '1 run' : `${runs} runs`).padEnd(7),
      (duration === null ? '' : formatDuration(duration)).padEnd(7),
      truncate(sanitizeLine(task.title), 50),
      task.claims.length > 0 ? chalk.dim(`claims ${truncate(sanitizeLine(task.claims.join(', ')), 40)}`) : '',
    ].join(' ').trimEnd());
    if (task.status === 'failed' && task.result) lines.push(chalk.dim(`        ${truncate(sanitizeLine(task.result), 100)}`));
    if (task.status === 'claimed' && run?.waitingFor) lines.push(chalk.dim(`        ${describeWorkerWait(run.waitingFor)}`));
  }
  if (shown.length < board.tasks.length) lines.push(chalk.dim(`  … ${board.tasks.length - shown.length} more (jobline show ${job.id} --json lists them all)`));
  return lines.join('\n');
}

/** The line above a task's output: `t3 lint · r7 attempt 2 · sh[ab12-1] · failed · job-ab12cd34`. */
export function formatRunHeading(jobId: string, task: Task, run: Run): string {
  return chalk.bold(`${task.id} ${sanitizeLine(task.title)} · ${run.id} attempt ${run.attempt} · ${sanitizeLine(run.worker)} · ${run.state.status} · ${jobId}`);
}

/** `waits for a worker with labels gpu,linux`, or `waits for a worker (none is connected)` for a run that needs no label. */
export function describeWorkerWait(labels: readonly string[]): string {
  return labels.length > 0 ? `waits for a worker with labels ${sanitizeLine(labels.join(','))}` : 'waits for a worker (none is connected)';
}
