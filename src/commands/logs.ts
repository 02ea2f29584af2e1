// `jobline logs ID [TASK] [--task T] [--failed] [-f]`: a job's whole output in time order (the
// runs of a phase of several tasks too, each line marked `t35 │`), one task's runs, or the failed
// runs'; with -f it follows until the job (the task) ends. stdout holds the output; the lines
// naming runs go to stderr.
import { UsageError } from '../errors.js';
import { isFailedRun } from '../jobs/model/task.js';
import type { TranscriptLine } from '../jobs/service/job-transcript.js';
import { formatTranscriptLine, taskIdWidth, type TranscriptStyle } from '../render/log-lines.js';
import type { AppContext } from './context.js';

/** Options of `jobline logs`. */
export interface LogsOptions {
  follow?: boolean;
  /** A task of the job (see findTaskByReference): print its runs' output only. */
  task?: string;
  /** Print the output of the failed runs only (see isFailedRun: a failed task's interrupted runs too). */
  failed?: boolean;
}

/** How often a follow looks for new lines (ms). */
const FOLLOW_POLL_MS = 200;

/**
 * Prints job `idOrPrefix`'s output to stdout (made inert when stdout is a terminal); with
 * `follow`, keeps printing until the job (the task) ends. Returns 0.
 * @throws UsageError USAGE for --task with --failed; JobLookupError; TaskLookupError; StoreError.
 */
export async function logsCommand(context: AppContext, idOrPrefix: string, options: LogsOptions): Promise<number> {
  if (options.task && options.failed) throw new UsageError('USAGE', 'Give a task or --failed, not both: jobline logs ID --task T, or jobline logs ID --failed.');
  const { job, board, task, transcript } = await context.jobs.openTranscript(idOrPrefix, { ...(options.task ? { task: options.task } : {}), isFailedOnly: options.failed === true });
  if (task && !board.runs.some((run) => run.taskId === task.id)) {
    process.stderr.write(`${task.id} of ${job.id} has not run yet (${task.status}).\n`);
    if (!options.follow) return 0;
  }
  const style: TranscriptStyle = { jobId: job.id, isTerminal: Boolean(process.stdout.isTTY), taskWidth: taskIdWidth(board.tasks) };
  let outputLines = 0;
  const print = (lines: readonly TranscriptLine[]): void => {
    let chunk: string[] = [];
    const flush = (): void => {
      if (chunk.length > 0) process.stdout.write(`${chunk.join('\n')}\n`);
      chunk = [];
    };
    for (const line of lines) {
      if (line.kind === 'output') outputLines++;
      if (line.kind !== 'run') chunk.push(formatTranscriptLine(line, style));
      else {
        flush();
        process.stderr.write(`${formatTranscriptLine(line, { ...style, isTerminal: Boolean(process.stderr.isTTY) })}\n`);
      }
    }
    flush();
  };
  await transcript.read(board, null, print);
  if (options.follow) await context.jobs.followTranscript(transcript, { onLines: print, pollMs: FOLLOW_POLL_MS });
  else print(await transcript.finish(board));
  // Said on stderr, as the lines naming runs: stdout holds the output only.
  const hasFailedRuns = (): boolean => {
    const tasks = new Map(board.tasks.map((each) => [each.id, each]));
    return board.runs.some((run) => isFailedRun(run, tasks.get(run.taskId)));
  };
  if (outputLines === 0 && options.failed && !options.follow && !hasFailedRuns()) process.stderr.write(`${job.id} has no failed runs.\n`);
  else if (outputLines === 0 && task && board.runs.some((run) => run.taskId === task.id)) process.stderr.write('(no output)\n');
  return 0;
}
