// The summary `jobline batch` ends with: failed tasks with their exit codes, then the command for their output.
import { describe, expect, it } from 'vitest';
import { findExitCode, formatBatchSummary } from '../../../src/render/batch-summary.js';
import type { Run, Task } from '../../../src/jobs/model/task.js';
import { makeJob } from '../../helpers/jobs.js';

function task(id: string, status: Task['status'], input: string, result: string | null = null): Task {
  return { id, phase: 0, title: input, input, status, dependsOn: [], claims: [], attempts: 1, result, filesModified: [] };
}

function failedRun(taskId: string, error: string): Run {
  return { id: `r${taskId.slice(1)}`, taskId, attempt: 1, worker: 'sh[ab12-0]', startedAt: '2026-11-22T10:00:00.000Z', state: { status: 'failed', endedAt: '2026-11-22T10:00:01.000Z', error }, output: { file: 'runs/r1.log', section: '' } };
}

describe('the batch summary', () => {
  it('reads the exit code from the command runner\'s words, and none from other failures', () => {
    expect(findExitCode('`exit 4` exited with code 4')).toBe(4);
    expect(findExitCode('`npm tset` exited with code 127 (command not found)')).toBe(127);
    expect(findExitCode('the worker exited unexpectedly')).toBeNull();
    expect(findExitCode(null)).toBeNull();
  });

  it('lists each failed task with its exit code, or why it failed, and ends with the command that shows their output', () => {
    const job = makeJob({ id: 'job-ab12cd34', status: 'failed' }, ['run']);
    const tasks = [task('t1', 'done', 'true'), task('t2', 'failed', 'exit 4', '`exit 4` exited with code 4'), task('t3', 'failed', 'sleep 9', 'killed by SIGKILL')];
    expect(formatBatchSummary(job, tasks, [failedRun('t2', '`exit 4` exited with code 4')], 1234)).toEqual([
      'Batch job-ab12cd34: 3 tasks in 1.2s: 1 done, 2 failed, 0 not run (failed)',
      '  t2 exit 4: exit 4',
      '  t3 failed: sleep 9 (killed by SIGKILL)',
      'Output of the failed tasks: jobline logs job-ab12cd34 --failed',
    ]);
    expect(formatBatchSummary({ ...job, status: 'completed' }, [tasks[0]!], [], 50)).toEqual(['Batch job-ab12cd34: 1 tasks in 50ms: 1 done, 0 failed, 0 not run (completed)']);
  });

  it('names 20 failures and counts the rest, with the command that lists them', () => {
    const job = makeJob({ id: 'job-ab12cd34', status: 'failed' }, ['run']);
    const tasks = Array.from({ length: 25 }, (_, index) => task(`t${index + 1}`, 'failed', `exit ${index + 1}`, `\`exit ${index + 1}\` exited with code ${index + 1}`));
    const lines = formatBatchSummary(job, tasks, [], 1000);
    expect(lines).toHaveLength(1 + 20 + 2);
    expect(lines.at(-2)).toBe('  … and 5 more (jobline tasks job-ab12cd34 --status failed)');
  });
});
