// The views of a job of many tasks: /tasks and `jobline tasks` list them running, failed, waiting,
// then done, say what they hide and how to see it; `show` gives the job's wall time (as `list`),
// only the files that exist, and commands that exist where it is shown.
import { describe, expect, it } from 'vitest';
import stripAnsi from 'strip-ansi';
import { parseTaskStatuses, sortTasksForView } from '../../../src/jobs/model/task-order.js';
import type { Run, Task, TaskStatus } from '../../../src/jobs/model/task.js';
import { formatJobDetails } from '../../../src/render/job-details.js';
import { formatJobList } from '../../../src/render/job-list.js';
import { formatTaskList } from '../../../src/render/task-list.js';
import { makeJob } from '../../helpers/jobs.js';

const NOW = new Date('2026-11-22T10:05:00.000Z');
const REPL = { command: '/tasks', logsCommand: '/logs' };

function task(number: number, status: TaskStatus): Task {
  return { id: `t${number}`, phase: 0, title: `line ${number}`, input: `line ${number}`, status, dependsOn: [], claims: [], attempts: status === 'todo' ? 0 : 1, result: status === 'failed' ? `exit ${number}` : null, filesModified: [] };
}

function run(taskId: string, number: number, startedAt: string, endedAt: string | null, status: 'succeeded' | 'failed' | 'running' = 'succeeded'): Run {
  const state = status === 'running' ? { status } : status === 'failed' ? { status, endedAt: endedAt!, error: 'exit 1' } : { status, endedAt: endedAt! };
  return { id: `r${number}`, taskId, attempt: 1, worker: `sh[abcd-${number % 3}]`, startedAt, state, output: { file: `runs/r${number}.log`, section: 'phase 1/1 run · attempt 1' } } as Run;
}

// 120 tasks: t7 and t90 failed, t100 and t101 running, t110..t120 waiting, t3 not run, the rest done.
function bigBoard(): Task[] {
  return Array.from({ length: 120 }, (_, index) => {
    const number = index + 1;
    const status: TaskStatus = number === 7 || number === 90 ? 'failed' : number === 100 || number === 101 ? 'claimed' : number >= 110 ? 'todo' : number === 3 ? 'cancelled' : 'done';
    return task(number, status);
  });
}

describe('task views', () => {
  it('orders tasks running, failed, waiting, done, then not run, by number within each', () => {
    const order = sortTasksForView(bigBoard()).map((t) => t.id);
    expect(order.slice(0, 15)).toEqual(['t100', 't101', 't7', 't90', 't110', 't111', 't112', 't113', 't114', 't115', 't116', 't117', 't118', 't119', 't120']);
    expect(order.at(-1)).toBe('t3');
    expect(order[15]).toBe('t1');
  });

  it('reads status filters as people say them', () => {
    expect(parseTaskStatuses('failed,running')).toEqual(['failed', 'claimed']);
    expect(parseTaskStatuses('Waiting')).toEqual(['todo']);
    expect(parseTaskStatuses('not-run,cancelled,done')).toEqual(['cancelled', 'done']);
    expect(parseTaskStatuses('frob')).toBeNull();
    expect(parseTaskStatuses(',')).toBeNull();
  });

  it('lists 50 rows, the running and failed first, and says how many it hid and how to see them', () => {
    const job = makeJob({ id: 'job-abcd1234', status: 'running' }, ['run']);
    const text = stripAnsi(formatTaskList(job, { tasks: bigBoard(), runs: [] }, NOW, { ...REPL, limit: 50 }));
    const rows = text.split('\n').filter((line) => /^ \S+ t\d+ /.test(line)).map((line) => line.trim().split(/\s+/)[1]);
    expect(rows).toHaveLength(50);
    expect(rows.slice(0, 4)).toEqual(['t100', 't101', 't7', 't90']);
    expect(text.split('\n')[0]).toBe('Tasks of job-abcd1234 (104/120 done · 2 running · 2 failed · 1 not run)');
    expect(text).toContain('  … 70 more: 69 done, 1 not run (/tasks job-abcd1234 --all lists every one)');
    expect(text).toContain('  Output of the failed tasks: /logs job-abcd1234 --failed');
    const failed = stripAnsi(formatTaskList(job, { tasks: bigBoard(), runs: [] }, NOW, { command: 'jobline tasks', logsCommand: 'jobline logs', statuses: ['failed'] }));
    expect(failed.split('\n')[0]).toBe('Tasks of job-abcd1234 (104/120 done · 2 running · 2 failed · 1 not run) · failed: 2');
    expect(failed).toContain('  118 tasks of other statuses hidden (jobline tasks job-abcd1234 lists them)');
    expect(failed).toContain('        exit 90');
  });

  it('shows a job of tasks side by side with its wall time, as list does, its files that exist and commands that exist', () => {
    // Three runs side by side for 50 s each: the job took 53 s, not 150.
    const job = makeJob({ id: 'job-abcd1234', status: 'failed', startedAt: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:00:53.000Z', currentPhase: 0 }, ['run']);
    job.phases[0] = { ...job.phases[0]!, status: 'completed', attempts: 1, startedAt: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:00:53.000Z', failedTasks: 1 };
    const tasks = Array.from({ length: 12 }, (_, index) => task(index + 1, index === 1 ? 'failed' : 'done'));
    const runs = tasks.slice(0, 3).map((t, index) => run(t.id, index + 1, '2026-11-22T10:00:01.000Z', '2026-11-22T10:00:51.000Z', index === 1 ? 'failed' : 'succeeded'));
    const place = { files: { files: ['/j/x/job.json', '/j/x/events.jsonl', '/j/x/tasks.jsonl'], runLogs: { dir: '/j/x/runs', count: 3 } }, tasksCommand: 'jobline tasks', logsCommand: 'jobline logs' };
    const text = stripAnsi(formatJobDetails(job, place, NOW, { tasks, runs }));
    expect(text).toContain('Elapsed:     53.0s');
    expect(stripAnsi(formatJobList([job], NOW))).toContain('ran 53.0s');
    expect(text).not.toContain('output.log');
    expect(text).toContain('  /j/x/tasks.jsonl\n  /j/x/runs/ (3 run logs; jobline logs job-abcd1234 prints them in order)');
    expect(text).toContain('(jobline tasks job-abcd1234 lists every task)');
    expect(text).not.toContain('/tasks job');
  });

  it('points to the failed tasks\' own list when it leaves some of them out, and says the owner of an ended job is gone', () => {
    const job = makeJob({ id: 'job-abcd1234', status: 'failed', startedAt: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:00:53.000Z' }, ['run']);
    job.phases[0] = { ...job.phases[0]!, status: 'completed', attempts: 1, startedAt: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:00:53.000Z', failedTasks: 12 };
    const tasks = Array.from({ length: 30 }, (_, index) => task(index + 1, index < 12 ? 'failed' : 'done'));
    const place = { files: { files: [], runLogs: null }, tasksCommand: 'jobline tasks', logsCommand: 'jobline logs' };
    const text = stripAnsi(formatJobDetails(job, place, NOW, { tasks, runs: [] }));
    expect(text.match(/^ {7}task t\d+ /gm)).toHaveLength(10);
    expect(text).toContain('(jobline tasks job-abcd1234 --status failed lists all 12 failed tasks; jobline tasks job-abcd1234 every task)');
    expect(text).toMatch(/^Owner: +none \(ended; it last ran in pid \d+ on \S+\)$/m);
    // Running and failed tasks both cut: both statuses.
    const crowded = [...tasks.slice(0, 12), ...Array.from({ length: 3 }, (_, index) => task(13 + index, 'claimed')), ...tasks.slice(15)];
    const running = makeJob({ ...job, status: 'running', endedAt: null });
    running.phases[0] = { ...job.phases[0]!, status: 'running', endedAt: null };
    const live = stripAnsi(formatJobDetails(running, place, NOW, { tasks: crowded, runs: [] }));
    expect(live).toContain('(jobline tasks job-abcd1234 --status running,failed lists all 15 running and failed tasks; jobline tasks job-abcd1234 every task)');
    expect(live).toMatch(/^Owner: +pid \d+ on \S+$/m);
  });
});
