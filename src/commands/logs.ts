// `jobline logs ID [TASK] [-f]`: a job's output.log as written (headers per phase included), or
// one task's latest run's output; with -f it follows the log until the job (the run) ends.
import { isTerminalStatus } from '../jobs/model/job.js';
import { OUTPUT_FILE } from '../jobs/model/task.js';
import { formatLogLines } from '../render/log-lines.js';
import { formatRunHeading } from '../render/task-list.js';
import type { AppContext } from './context.js';

/** Options of `jobline logs`. */
export interface LogsOptions {
  follow?: boolean;
  /** A task of the job (see findTaskByReference): print its latest run's output instead. */
  task?: string;
}

/** Lines of a task's output printed (its run's tail). */
const TASK_OUTPUT_LINES = 10_000;

/**
 * Prints job `idOrPrefix`'s output to stdout (made inert when stdout is a terminal); with
 * `follow`, keeps printing until the job ends. Returns 0.
 * @throws JobLookupError; StoreError.
 */
export async function logsCommand(context: AppContext, idOrPrefix: string, options: LogsOptions): Promise<number> {
  const id = await context.jobs.resolve(idOrPrefix);
  const write = (lines: string[]): void => void process.stdout.write(`${formatLogLines(lines, Boolean(process.stdout.isTTY))}\n`);
  if (options.task) {
    const { task, run, tail } = await context.jobs.taskOutput(id, options.task, TASK_OUTPUT_LINES);
    if (!run || !tail) {
      process.stderr.write(`${task.id} of ${id} has not run yet (${task.status}).\n`);
      return 0;
    }
    process.stderr.write(`${formatRunHeading(id, task, run)}\n`);
    if (tail.lines.length > 0) write(tail.lines);
    // Said on stderr, as the heading: stdout holds the output only.
    else if (run.state.status !== 'running') process.stderr.write('(no output)\n');
    if (!options.follow || run.state.status !== 'running') return 0;
    if (run.output.file === OUTPUT_FILE) {
      process.stderr.write(`${task.id} is its phase's only task: jobline logs ${id} -f follows it.\n`);
      return 0;
    }
    await context.jobs.followRunOutput(id, run, {
      offset: tail.size,
      onLines: write,
      pollMs: 200,
    });
    return 0;
  }
  const isEnded = async (): Promise<boolean> => {
    if (!options.follow) return true;
    const job = await context.jobs.get(id).catch(() => null);
    return !job || isTerminalStatus(job.status);
  };
  await context.jobs.followOutput(id, { onLines: write, isEnded, pollMs: 200 });
  return 0;
}

