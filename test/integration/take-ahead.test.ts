// A batch of quick tasks takes tasks ahead (issue 28 §6): while its -j3 lanes run, more tasks'
// starts are written and they wait their turn. What a user could notice if it were wrong: more
// than 3 commands at once, a task shown running before it runs, a task started after a cancel, a
// run recorded for a task that never started (after an exit or a kill -9), a task done run again.
// Each task's command leaves markers in a file, so they say what really ran.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import type { Run, Task } from '../../src/jobs/model/task.js';
import { foldTaskRecords } from '../../src/jobs/model/task-history.js';
import { parseJobFile } from '../../src/store/job-file.js';
import { readTaskRecords } from '../../src/store/task-log.js';
import { runCli, startCli } from '../helpers/cli.js';
import { startServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

// Task numbers in the marker file with `prefix` (`s 12` → 12), with how often each appears.
function countMarkers(path: string, prefix = 's'): Map<number, number> {
  const counts = new Map<number, number>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // none yet
  }
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${prefix} (\\d+)$`).exec(line);
    if (match) counts.set(Number(match[1]), (counts.get(Number(match[1])) ?? 0) + 1);
  }
  return counts;
}

// The most runs the journal held started but not begun at once (a start group, no start mark
// yet, no end), read line by line as written. A run begins as soon as its start is written
// unless it was taken ahead, so more than the job's workers only when tasks were taken ahead.
function mostOpenStarts(tasksPath: string): number {
  const waiting = new Set<string>();
  let most = 0;
  for (const line of readFileSync(tasksPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as { kind: string; start?: string; run?: Run | string; records?: Array<{ kind: string; run?: Run }> };
    if (parsed.kind === 'group' && parsed.start) waiting.add(parsed.start);
    if (parsed.kind === 'started' && typeof parsed.run === 'string') waiting.delete(parsed.run);
    for (const record of parsed.kind === 'group' ? (parsed.records ?? []) : []) {
      if (record.kind === 'run' && record.run && record.run.state.status !== 'running') waiting.delete(record.run.id);
    }
    if (parsed.kind === 'run' && typeof parsed.run === 'object' && parsed.run.state.status !== 'running') waiting.delete(parsed.run.id);
    most = Math.max(most, waiting.size);
  }
  return most;
}

// The runs whose start mark is in the journal: their command began (its shell wrote it right before).
function startMarksOf(tasksPath: string): Set<string> {
  const marked = new Set<string>();
  for (const line of readFileSync(tasksPath, 'utf8').split('\n')) {
    const match = /^\{"kind":"started","run":"(r\d+)"\}$/.exec(line.trim());
    if (match) marked.add(match[1]!);
  }
  return marked;
}

// The job's tasks and runs as its files hold them (job.json, its journal folded as every reader does).
function readBoard(jobsDir: string, id: string) {
  const path = join(jobsDir, id, 'job.json');
  const job = parseJobFile(readFileSync(path, 'utf8'), path);
  return { job, board: foldTaskRecords(job, readTaskRecords(join(jobsDir, id, 'tasks.jsonl'))!.records) };
}

// Runs recorded for tasks whose command never left its start marker.
function runsWithoutStart(jobsDir: string, id: string, markers: string): Run[] {
  const { board } = readBoard(jobsDir, id);
  const starts = countMarkers(markers);
  return board.runs.filter((run) => (starts.get(Number(run.taskId.slice(1))) ?? 0) === 0);
}

describe('a batch of quick tasks takes tasks ahead', () => {
  it('runs at most -j commands at once while its journal holds more starts than that', async () => {
    const cwd = makeTempDir('jobline-ahead-');
    const jobsDir = join(cwd, 'jobs');
    mkdirSync(join(cwd, 'live'));
    const lines = 300;
    // Each command is in live/ while it runs, and writes how many are there (itself included).
    writeFileSync(join(cwd, 'lines'), `${Array.from({ length: lines }, (_, i) => `touch live/${i + 1}; ls live | wc -l >> counts; rm live/${i + 1}`).join('\n')}\n`);
    const result = await runCli(['batch', '--agent', 'sh', '-j', '3', 'lines'], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir } });
    expect(result.code, result.stderr).toBe(0);
    const counts = readFileSync(join(cwd, 'counts'), 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(lines);
    expect(Math.max(...counts)).toBeLessThanOrEqual(3);
    const id = (JSON.parse((await runCli(['list', '--json'], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir } })).stdout) as Job[])[0]!.id;
    expect(mostOpenStarts(join(jobsDir, id, 'tasks.jsonl'))).toBeGreaterThan(3);
    // Runs are named after the job's 3 workers, those taken ahead too (`sh[ab12-0]` to `-2`).
    const { board } = readBoard(jobsDir, id);
    expect(board.runs.filter((run) => !/^sh\[\w{4}-[0-2]\]$/.test(run.worker)).map((run) => run.worker)).toEqual([]);
  }, 120_000);

  it('takes none ahead while its tasks are slow (100 ms each): each start waits for a free worker, as before', async () => {
    const cwd = makeTempDir('jobline-ahead-');
    const jobsDir = join(cwd, 'jobs');
    const env = { JOBLINE_JOBS_DIR: jobsDir };
    writeFileSync(join(cwd, 'lines'), `${Array.from({ length: 15 }, () => 'sleep 0.1').join('\n')}\n`);
    const result = await runCli(['batch', '--agent', 'sh', '-j', '3', 'lines'], { cwd, env });
    expect(result.code, result.stderr).toBe(0);
    const id = (JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as Job[])[0]!.id;
    expect(mostOpenStarts(join(jobsDir, id, 'tasks.jsonl'))).toBeLessThanOrEqual(3);
  }, 60_000);

  it('shows the tasks taken ahead as waiting, in the API and in jobline tasks, until they run', async () => {
    const server = await startServer();
    const markers = join(server.cwd, 'markers');
    const go = join(server.cwd, 'go');
    // Quick lines open the window; then each line waits for the go file, so 3 run and the next are taken ahead.
    const inputs = [...Array.from({ length: 30 }, (_, i) => `echo "s ${i + 1}" >> ${markers}`), ...Array.from({ length: 40 }, (_, i) => `echo "s ${i + 31}" >> ${markers}; until [ -e ${go} ]; do sleep 0.01; done`)];
    const submitted = await server.api('POST', '/api/jobs', { agent: 'sh', inputs, workers: 3 });
    expect(submitted.status).toBe(201);
    const id = submitted.body.job.id as string;
    try {
      const tasksPath = join(server.jobsDir, id, 'tasks.jsonl');
      await waitFor(() => countMarkers(markers).size === 33 && mostOpenStarts(tasksPath) > 3, '3 waiting commands to run with more tasks taken ahead', 60_000);
      const started = [...countMarkers(markers).keys()].filter((n) => n > 30).map((n) => `t${n}`).sort();
      const { body } = await server.api<{ tasks: Task[]; runs: Run[] }>('GET', `/api/jobs/${id}/tasks`);
      expect(body.tasks.filter((task) => task.status === 'claimed').map((task) => task.id).sort()).toEqual(started);
      expect(body.runs.filter((run) => run.state.status === 'running').map((run) => run.taskId).sort()).toEqual(started);
      const listed = await runCli(['tasks', id, '--json'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
      expect(listed.code, listed.stderr).toBe(0);
      const shown = JSON.parse(listed.stdout) as Array<Task & { runs: Run[] }>;
      expect(shown.filter((task) => task.runs.some((run) => run.state.status === 'running')).map((task) => task.id).sort()).toEqual(started);
      expect(shown.filter((task) => task.status === 'todo')).toHaveLength(37);
    } finally {
      writeFileSync(go, '');
    }
    await waitFor(async () => (await server.api('GET', `/api/jobs/${id}`)).body.job.status === 'completed', 'the job to complete', 60_000);
    expect([...countMarkers(markers).values()].filter((count) => count !== 1)).toEqual([]);
    await server.stop();
  }, 120_000);

  it('starts no task taken ahead after a cancel', async () => {
    const server = await startServer();
    const markers = join(server.cwd, 'markers');
    const inputs = Array.from({ length: 3000 }, (_, i) => `echo "s ${i + 1}" >> ${markers}`);
    const submitted = await server.api('POST', '/api/jobs', { agent: 'sh', inputs, workers: 3 });
    const id = submitted.body.job.id as string;
    await waitFor(() => countMarkers(markers).size >= 300 && mostOpenStarts(join(server.jobsDir, id, 'tasks.jsonl')) > 3, '300 tasks to start, with tasks taken ahead', 60_000);
    const cancelled = await server.api('POST', `/api/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    const atCancel = countMarkers(markers).size;
    await waitFor(async () => {
      const { body } = await server.api<{ runs: Run[] }>('GET', `/api/jobs/${id}/tasks`);
      return (await server.api('GET', `/api/jobs/${id}`)).body.job.status === 'cancelled' && body.runs.every((run) => run.state.status !== 'running');
    }, 'the job to be cancelled with none of its runs going', 60_000);
    // Only a command already starting as the cancel came (one per lane at most) can leave its marker after it.
    expect(countMarkers(markers).size - atCancel).toBeLessThanOrEqual(3);
    expect(countMarkers(markers).size).toBeLessThan(3000);
    await server.stop();
  }, 120_000);

  it('leaves no run recorded for a task taken ahead when jobline exits, and a resume runs each task once', async () => {
    const cwd = makeTempDir('jobline-ahead-');
    const jobsDir = join(cwd, 'jobs');
    const markers = join(cwd, 'markers');
    const env = { JOBLINE_JOBS_DIR: jobsDir };
    const lines = 1500;
    writeFileSync(join(cwd, 'lines'), `${Array.from({ length: lines }, (_, i) => `echo "s ${i + 1}" >> ${markers}; echo "e ${i + 1}" >> ${markers}`).join('\n')}\n`);
    const { child, result } = startCli(['batch', '--agent', 'sh', '-j', '3', 'lines'], { cwd, env });
    let id = '';
    await waitFor(async () => {
      if (countMarkers(markers).size < 300) return false;
      id ||= (JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as Job[])[0]?.id ?? '';
      return id !== '' && mostOpenStarts(join(jobsDir, id, 'tasks.jsonl')) > 3;
    }, '300 tasks to start, with tasks taken ahead', 60_000);
    child.kill('SIGTERM');
    await result;
    const { job } = readBoard(jobsDir, id);
    expect(job.status).toBe('interrupted');
    // Stopped gracefully: every recorded run began (its shell wrote its start mark); one whose
    // command the stop cut before its first line (one per lane at most) has no marker.
    const marked = startMarksOf(join(jobsDir, id, 'tasks.jsonl'));
    const unmarked = runsWithoutStart(jobsDir, id, markers);
    expect(unmarked.filter((run) => !marked.has(run.id)).map((run) => `${run.id} of ${run.taskId} (${run.state.status})`)).toEqual([]);
    expect(unmarked.length).toBeLessThanOrEqual(3);
    const resumed = await runCli(['resume', id, '-y'], { cwd, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const { job: after, board } = readBoard(jobsDir, id);
    expect(after.status).toBe('completed');
    expect(board.tasks.filter((task) => task.status !== 'done')).toEqual([]);
    const ends = countMarkers(markers, 'e');
    expect(ends.size).toBe(lines);
    expect([...ends].filter(([, count]) => count !== 1)).toEqual([]);
  }, 180_000);

  it('after a kill -9 leaves no run for a task taken ahead, and a resume runs each task not done, once', async () => {
    const cwd = makeTempDir('jobline-ahead-');
    const jobsDir = join(cwd, 'jobs');
    const markers = join(cwd, 'markers');
    const env = { JOBLINE_JOBS_DIR: jobsDir };
    const lines = 1500;
    writeFileSync(join(cwd, 'lines'), `${Array.from({ length: lines }, (_, i) => `echo "s ${i + 1}" >> ${markers}; echo "e ${i + 1}" >> ${markers}`).join('\n')}\n`);
    const { child, result } = startCli(['batch', '--agent', 'sh', '-j', '3', 'lines'], { cwd, env });
    let id = '';
    await waitFor(async () => {
      if (countMarkers(markers).size < 300) return false;
      id ||= (JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as Job[])[0]?.id ?? '';
      return id !== '' && mostOpenStarts(join(jobsDir, id, 'tasks.jsonl')) > 3;
    }, '300 tasks to start, with tasks taken ahead', 60_000);
    child.kill('SIGKILL');
    await result;
    // At most one run per lane was cut between its start mark and its command's first line.
    expect(runsWithoutStart(jobsDir, id, markers).length).toBeLessThanOrEqual(3);
    const doneAtKill = readBoard(jobsDir, id).board.tasks.filter((task) => task.status === 'done').map((task) => Number(task.id.slice(1)));
    const startsAtKill = countMarkers(markers);
    const resumed = await runCli(['resume', id, '-y'], { cwd, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const { job, board } = readBoard(jobsDir, id);
    expect(job.status).toBe('completed');
    const succeeded = new Map<string, number>();
    const runsOf = new Map<string, number>();
    for (const run of board.runs) {
      runsOf.set(run.taskId, (runsOf.get(run.taskId) ?? 0) + 1);
      if (run.state.status === 'succeeded') succeeded.set(run.taskId, (succeeded.get(run.taskId) ?? 0) + 1);
    }
    expect(board.tasks.filter((task) => task.status !== 'done' || succeeded.get(task.id) !== 1).map((task) => task.id)).toEqual([]);
    const starts = countMarkers(markers);
    // A task recorded done before the kill never ran again; every command that started has its run recorded.
    expect(doneAtKill.filter((n) => starts.get(n) !== startsAtKill.get(n))).toEqual([]);
    expect(board.tasks.filter((task) => (starts.get(Number(task.id.slice(1))) ?? 0) > (runsOf.get(task.id) ?? 0)).map((task) => task.id)).toEqual([]);
    expect(countMarkers(markers, 'e').size).toBe(lines);
  }, 180_000);
});
