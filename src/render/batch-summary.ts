// The summary `jobline batch` prints when its job ends: the counts, the failed tasks with their
// exit codes, and the command that shows their output.
import type { Job } from '../jobs/model/job.js';
import { countTasks, type Run, type Task } from '../jobs/model/task.js';
import { formatDuration, sanitizeLine, truncate } from './text.js';

/** Failed tasks listed by name (the rest are counted, with the command that lists them all). */
export const FAILURES_LISTED = 20;

// The command runner's words for a non-zero exit (src/agents/command-runner.ts): "… exited with code 4".
const EXIT_CODE_PATTERN = /exited with code (\d+)/;

/**
 * The exit code a failed run's error names (`… exited with code 4` → 4), or null when the run
 * failed otherwise (killed, a model's error, a worker that died). Runs keep the command runner's
 * words, not a separate field: the code is read back from them.
 */
export function findExitCode(error: string | null | undefined): number | null {
  const match = error ? EXIT_CODE_PATTERN.exec(error) : null;
  return match ? Number(match[1]) : null;
}

/**
 * The lines of a batch's summary: `Batch job-…: 30 tasks in 1.2s: 27 done, 3 failed, 0 not run
 * (failed)`, then each failed task (`  t2 exit 4: <its line>`, or `  t2 failed: <its line> (<why>)`
 * when no exit code is known), at most FAILURES_LISTED of them, then `jobline logs ID --failed`.
 * `runs`: the job's runs (the latest failed run of a task gives its exit code).
 */
export function formatBatchSummary(job: Job, tasks: readonly Task[], runs: readonly Run[], elapsedMs: number): string[] {
  const counts = countTasks(tasks);
  const lines = [`Batch ${job.id}: ${counts.total} tasks in ${formatDuration(elapsedMs)}: ${counts.done} done, ${counts.failed} failed, ${counts.notRun} not run (${job.status})`];
  const failed = tasks.filter((task) => task.status === 'failed');
  if (failed.length === 0) return lines;
  const errors = new Map<string, string>();
  for (const run of runs) if (run.state.status === 'failed') errors.set(run.taskId, run.state.error);
  for (const task of failed.slice(0, FAILURES_LISTED)) {
    const why = errors.get(task.id) ?? task.result;
    const code = findExitCode(why);
    const line = truncate(sanitizeLine(task.input), 60);
    lines.push(code !== null ? `  ${task.id} exit ${code}: ${line}` : `  ${task.id} failed: ${line}${why ? ` (${truncate(sanitizeLine(why), 100)})` : ''}`);
  }
  if (failed.length > FAILURES_LISTED) lines.push(`  … and ${failed.length - FAILURES_LISTED} more (jobline tasks ${job.id} --status failed)`);
  lines.push(`Output of the failed tasks: jobline logs ${job.id} --failed`);
  return lines;
}
