// A job's tasks as /tasks and `jobline tasks` show them: one row each (status, worker, attempts,
// duration, claims, title), the running, failed and waiting ones first.
import chalk from 'chalk';
import type { Job } from '../jobs/model/job.js';
import { countTasks, type Run, type Task, type TaskBoard, type TaskCounts, type TaskStatus } from '../jobs/model/task.js';
import { sortTasksForView, TASK_STATUS_WORDS, TASK_VIEW_ORDER } from '../jobs/model/task-order.js';
import { elapsedMs, formatDuration, sanitizeLine, truncate } from './text.js';

/** Icons of task statuses, visible without colour. */
export const TASK_ICONS: Readonly<Record<TaskStatus, string>> = { todo: '·', claimed: '▶', done: '✅', failed: '❌', cancelled: '⊘' };

/** `734/1000 done · 3 running · 2 failed · 5 not run` (parts that are 0 are left out, but done). */
export function formatTaskCounts(counts: TaskCounts): string {
  return [`${counts.done}/${counts.total} done`, counts.running > 0 ? `${counts.running} running` : '', counts.failed > 0 ? `${counts.failed} failed` : '', counts.notRun > 0 ? `${counts.notRun} not run` : ''].filter(Boolean).join(' · ');
}

/** What a task list shows and the commands its hints name (see formatTaskList). */
export interface TaskListOptions {
  /** Rows at most (default: every task). */
  limit?: number;
  /** Only tasks of these statuses (default: all). */
  statuses?: readonly TaskStatus[] | null;
  /** The command that lists tasks where the list is shown: `/tasks` (the REPL) or `jobline tasks`. */
  command: string;
  /** The command that prints output there: `/logs` or `jobline logs`. */
  logsCommand: string;
}

/**
 * The tasks of `job`: a header with the counts, then a row each, the running tasks first, then
 * the failed, the waiting, the done and those not run (see sortTasksForView), only those of
 * `options.statuses` when given, at most `options.limit`; the last lines say how many are hidden
 * and how to see them, and where the failed tasks' output is.
 */
export function formatTaskList(job: Job, board: TaskBoard, now: Date, options: TaskListOptions): string {
  const lastRun = new Map<string, Run>();
  const runCount = new Map<string, number>();
  for (const run of board.runs) {
    lastRun.set(run.taskId, run);
    runCount.set(run.taskId, (runCount.get(run.taskId) ?? 0) + 1);
  }
  const { statuses = null, limit = Number.POSITIVE_INFINITY } = options;
  const selected = statuses ? board.tasks.filter((task) => statuses.includes(task.status)) : board.tasks;
  const shown = sortTasksForView(selected).slice(0, limit);
  const filterText = statuses ? ` · ${statuses.map((status) => TASK_STATUS_WORDS[status]).join(', ')}: ${selected.length}` : '';
  const lines = [chalk.bold(`Tasks of ${job.id} (${formatTaskCounts(countTasks(board.tasks))})${filterText}`)];
  if (shown.length === 0) lines.push(chalk.dim(statuses ? '  None.' : '  No tasks.'));
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
  const { command, logsCommand } = options;
  const cut = selected.length - shown.length;
  if (cut > 0) lines.push(chalk.dim(`  … ${cut} more: ${describeStatuses(sortTasksForView(selected).slice(shown.length))} (${command} ${job.id} --all lists every one)`));
  const filteredOut = board.tasks.length - selected.length;
  if (filteredOut > 0) lines.push(chalk.dim(`  ${filteredOut} task${filteredOut === 1 ? '' : 's'} of other statuses hidden (${command} ${job.id} lists them)`));
  if (shown.some((task) => task.status === 'failed')) lines.push(chalk.dim(`  Output of the failed tasks: ${logsCommand} ${job.id} --failed`));
  return lines.join('\n');
}

// `60 done, 10 not run`: what the tasks left out are.
function describeStatuses(tasks: readonly Task[]): string {
  const counts = new Map<TaskStatus, number>();
  for (const task of tasks) counts.set(task.status, (counts.get(task.status) ?? 0) + 1);
  return TASK_VIEW_ORDER.filter((status) => counts.has(status)).map((status) => `${counts.get(status)} ${TASK_STATUS_WORDS[status].replace('-', ' ')}`).join(', ');
}

/** The line above a task's output: `t3 lint · r7 attempt 2 · sh[ab12-1] · failed · job-ab12cd34`. */
export function formatRunHeading(jobId: string, task: Task, run: Run): string {
  return chalk.bold(`${task.id} ${sanitizeLine(task.title)} · ${run.id} attempt ${run.attempt} · ${sanitizeLine(run.worker)} · ${run.state.status} · ${jobId}`);
}

/** `waits for a worker with labels gpu,linux`, or `waits for a worker (none is connected)` for a run that needs no label. */
export function describeWorkerWait(labels: readonly string[]): string {
  return labels.length > 0 ? `waits for a worker with labels ${sanitizeLine(labels.join(','))}` : 'waits for a worker (none is connected)';
}
