// A resume never runs a finished task again (issue 25 §1), and no command runs without its run
// recorded first. A batch is stopped mid-way (SIGTERM of `jobline batch`; kill -9 of `jobline
// serve` running a job of 2,000 tasks sent through its API), then resumed. Each task's command
// appends `s N` when it starts and `e N` when it ends, so the markers say what really ran.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { foldTaskRecords } from '../../src/jobs/model/task-history.js';
import { readTaskRecords } from '../../src/store/task-log.js';
import { parseJobFile } from '../../src/store/job-file.js';
import { runCli, startCli } from '../helpers/cli.js';
import { startServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

// One line per task: its start and end markers around a little work.
const lineOf = (markers: string, n: number, sleep: string): string => `echo "s ${n}" >> ${markers}; ${sleep}echo "e ${n}" >> ${markers}`;

function countMarkers(path: string): { starts: Map<number, number>; ends: Map<number, number> } {
  const starts = new Map<number, number>();
  const ends = new Map<number, number>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // none yet
  }
  for (const line of text.split('\n')) {
    const match = /^([se]) (\d+)$/.exec(line);
    if (!match) continue;
    const map = match[1] === 's' ? starts : ends;
    map.set(Number(match[2]), (map.get(Number(match[2])) ?? 0) + 1);
  }
  return { starts, ends };
}

// The job's tasks and runs as its files hold them (job.json, its journal folded).
function readBoard(jobsDir: string, id: string) {
  const path = join(jobsDir, id, 'job.json');
  const job = parseJobFile(readFileSync(path, 'utf8'), path);
  return { job, board: foldTaskRecords(job, readTaskRecords(join(jobsDir, id, 'tasks.jsonl'))!.records) };
}

// The tasks a stopped job's files record as done, with each one's start markers so far.
function recordedDone(jobsDir: string, id: string, markers: string): Map<number, number> {
  const { board } = readBoard(jobsDir, id);
  const { starts } = countMarkers(markers);
  return new Map(board.tasks.flatMap((task, index) => (task.status === 'done' ? [[index + 1, starts.get(index + 1) ?? 0] as const] : [])));
}

// What must hold once the resumed job completed: every task is done with exactly one run that
// succeeded; a task recorded done before the stop never started again; every command that started
// has its run recorded (a run's start is on disk before its command starts).
function checkOutcome(jobsDir: string, id: string, markers: string, lines: number, doneBeforeStop: ReadonlyMap<number, number>): void {
  const { job, board } = readBoard(jobsDir, id);
  expect(job.status).toBe('completed');
  const succeeded = new Map<string, number>();
  const runsOf = new Map<string, number>();
  for (const run of board.runs) {
    runsOf.set(run.taskId, (runsOf.get(run.taskId) ?? 0) + 1);
    if (run.state.status === 'succeeded') succeeded.set(run.taskId, (succeeded.get(run.taskId) ?? 0) + 1);
  }
  expect(board.tasks.filter((task) => task.status !== 'done' || succeeded.get(task.id) !== 1).map((task) => task.id)).toEqual([]);
  const { starts, ends } = countMarkers(markers);
  expect(ends.size).toBe(lines);
  const rerun = [...doneBeforeStop].filter(([n, before]) => (starts.get(n) ?? 0) !== before).map(([n]) => n);
  expect(rerun).toEqual([]);
  const unrecorded = board.tasks.filter((task, index) => (starts.get(index + 1) ?? 0) > (runsOf.get(task.id) ?? 0)).map((task) => task.id);
  expect(unrecorded).toEqual([]);
}

describe('a resume never runs a finished task again', () => {
  it('jobline batch stopped with SIGTERM, then jobline resume: only the tasks not done run', async () => {
    const cwd = makeTempDir('jobline-resume-');
    const jobsDir = join(cwd, 'jobs');
    const markers = join(cwd, 'markers');
    const env = { JOBLINE_JOBS_DIR: jobsDir };
    const lines = 150;
    writeFileSync(join(cwd, 'lines'), `${Array.from({ length: lines }, (_, i) => lineOf(markers, i + 1, 'sleep 0.0$((RANDOM % 3)); ')).join('\n')}\n`);
    const { child, result } = startCli(['batch', '--agent', 'sh', '-j', '3', 'lines'], { cwd, env });
    await waitFor(() => countMarkers(markers).ends.size >= 40, '40 tasks to end', 60_000);
    child.kill('SIGTERM');
    await result;
    const listed = JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as Job[];
    expect(listed.map((job) => job.status)).toEqual(['interrupted']);
    const id = listed[0]!.id;
    const doneBeforeStop = recordedDone(jobsDir, id, markers);
    expect(doneBeforeStop.size).toBeGreaterThanOrEqual(40);
    const resumed = await runCli(['resume', id, '-y'], { cwd, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    checkOutcome(jobsDir, id, markers, lines, doneBeforeStop);
    // Stopped gracefully, every end was recorded: no command ran to its end twice.
    expect([...countMarkers(markers).ends.values()].filter((count) => count !== 1)).toEqual([]);
  }, 120_000);

  it('jobline serve killed with -9 while a job of 2,000 tasks sent through its API runs, then resumed', async () => {
    const server = await startServer();
    const markers = join(server.cwd, 'markers');
    const lines = 2000;
    const inputs = Array.from({ length: lines }, (_, i) => lineOf(markers, i + 1, ''));
    const submitted = await server.api('POST', '/api/jobs', { agent: 'sh', inputs, workers: 3 });
    expect(submitted.status).toBe(201);
    const id = submitted.body.job.id as string;
    await waitFor(() => countMarkers(markers).ends.size >= 300, '300 tasks to end', 60_000);
    server.child.kill('SIGKILL');
    await server.result;
    const doneBeforeStop = recordedDone(server.jobsDir, id, markers);
    expect(doneBeforeStop.size).toBeGreaterThanOrEqual(250);
    expect(doneBeforeStop.size).toBeLessThan(lines);
    const env = { JOBLINE_JOBS_DIR: server.jobsDir };
    const resumed = await runCli(['resume', id, '-y'], { cwd: server.cwd, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    checkOutcome(server.jobsDir, id, markers, lines, doneBeforeStop);
  }, 180_000);

  it('jobline batch of 2,000 tasks killed with -9 (starts and ends group-committed), then resumed: each task done once, and no run recorded for a task that never started', async () => {
    const cwd = makeTempDir('jobline-resume-');
    const jobsDir = join(cwd, 'jobs');
    const markers = join(cwd, 'markers');
    const env = { JOBLINE_JOBS_DIR: jobsDir };
    const lines = 2000;
    writeFileSync(join(cwd, 'lines'), `${Array.from({ length: lines }, (_, i) => lineOf(markers, i + 1, '')).join('\n')}\n`);
    const { child, result } = startCli(['batch', '--agent', 'sh', '-j', '3', 'lines'], { cwd, env });
    await waitFor(() => countMarkers(markers).ends.size >= 400, '400 tasks to end', 60_000);
    child.kill('SIGKILL');
    await result;
    const id = JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout)[0].id as string;
    // As the files say after the kill: a run is recorded only once its command began (its start
    // confirmed by its own shell right before it execs). A command cut off by the kill between its
    // exec and its first line (the marker) cannot say so: at most one such run per lane, each cut
    // by the kill (not ended).
    const { board: killed } = readBoard(jobsDir, id);
    const startsAtKill = countMarkers(markers).starts;
    const unmarked = killed.runs.filter((run) => (startsAtKill.get(Number(run.taskId.slice(1))) ?? 0) === 0);
    expect(unmarked.length).toBeLessThanOrEqual(3);
    expect(unmarked.filter((run) => run.state.status !== 'running' && run.state.status !== 'interrupted')).toEqual([]);
    const doneBeforeStop = recordedDone(jobsDir, id, markers);
    const resumed = await runCli(['resume', id, '-y'], { cwd, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    checkOutcome(jobsDir, id, markers, lines, doneBeforeStop);
    // As many runs recorded for each task as its command started, but for those cut at the kill.
    const { board } = readBoard(jobsDir, id);
    const { starts } = countMarkers(markers);
    const runsOf = new Map<string, number>();
    for (const run of board.runs) runsOf.set(run.taskId, (runsOf.get(run.taskId) ?? 0) + 1);
    const cut = new Set(unmarked.map((run) => run.taskId));
    expect(board.tasks.filter((task, index) => (starts.get(index + 1) ?? 0) + (cut.has(task.id) ? 1 : 0) !== (runsOf.get(task.id) ?? 0)).map((task) => `${task.id}: ${starts.get(Number(task.id.slice(1))) ?? 0} starts, ${runsOf.get(task.id) ?? 0} runs`)).toEqual([]);
  }, 180_000);
});
