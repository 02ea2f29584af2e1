// `jobline tasks ID [--status S] [--json]`: a job's tasks, the twin of the REPL's /tasks: every
// task (running, failed and waiting first), or those of some statuses; JSON with their runs.
import { UsageError } from '../errors.js';
import { parseTaskStatuses, sortTasksForView } from '../jobs/model/task-order.js';
import type { Run } from '../jobs/model/task.js';
import { formatTaskList } from '../render/task-list.js';
import { sanitizeLine } from '../render/text.js';
import type { AppContext } from './context.js';

/** Options of `jobline tasks`. */
export interface TasksOptions {
  /** Only tasks of these statuses (`failed,running`; see parseTaskStatuses). */
  status?: string;
  /** Print JSON: an array of tasks in view order, each with its `runs`. */
  json?: boolean;
  /** Only the first N rows (default: all). */
  limit?: number;
}

/**
 * Prints the tasks of job `idOrPrefix` to stdout. Returns the exit code (0).
 * @throws UsageError USAGE for a status that names none; JobLookupError; StoreError.
 */
export async function tasksCommand(context: AppContext, idOrPrefix: string, options: TasksOptions): Promise<number> {
  const statuses = options.status === undefined ? null : parseTaskStatuses(options.status);
  if (options.status !== undefined && !statuses) throw new UsageError('USAGE', `'${sanitizeLine(options.status)}' is not a task status. Use failed, running, waiting, done or not-run (several: failed,running).`);
  const { job, board } = await context.jobs.view(idOrPrefix);
  if (options.json) {
    const runsOf = new Map<string, Run[]>();
    for (const run of board.runs) runsOf.set(run.taskId, [...(runsOf.get(run.taskId) ?? []), run]);
    const selected = statuses ? board.tasks.filter((task) => statuses.includes(task.status)) : board.tasks;
    const tasks = sortTasksForView(selected).slice(0, options.limit ?? Number.POSITIVE_INFINITY).map((task) => ({ ...task, runs: runsOf.get(task.id) ?? [] }));
    process.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${formatTaskList(job, board, new Date(), { statuses, limit: options.limit ?? Number.POSITIVE_INFINITY, command: 'jobline tasks', logsCommand: 'jobline logs' })}\n`);
  return 0;
}
