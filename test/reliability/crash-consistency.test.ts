// Crash consistency: a real jobline workload is SIGKILLed at random moments (submission, phase
// transitions, approvals, retries, cleanup). After every kill, every job.json parses, no job the
// user was told about is lost, and the next process reports every status truthfully.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { parseJobFile } from '../../src/store/job-file.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { recordResult, scaled } from './scale.js';

const TARGET = fileURLToPath(new URL('./crash-target.mjs', import.meta.url));
const KILL_POINTS = scaled(200, 12);
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * What the workload was doing when it was killed, from the last ledger lines: `queued` and
 * `started` belong to the step that caused them (a retry or approval re-queues the job).
 */
function stageOf(lines: readonly string[]): string {
  const types = lines.map((line) => line.split(' ')[0] ?? '');
  let index = types.length - 1;
  while (index > 0 && ['queued', 'started'].includes(types[index]!) && ['retried', 'approved'].includes(types[index - 1]!)) index--;
  const type = types[index] ?? '';
  if (['start', 'created', 'queued', 'submitted'].includes(type)) return 'submission';
  if (['started', 'phase_started', 'phase_completed', 'phase_failed'].includes(type)) return 'phase transition';
  if (['approval_requested', 'approved'].includes(type)) return 'approval';
  if (type === 'retried') return 'retry';
  if (['completed', 'failed', 'cancelled'].includes(type)) return 'cleanup';
  return 'idle';
}

/** Checks one killed run; returns the problems found (empty when consistent). */
async function check(jobsDir: string, ledgerPath: string): Promise<string[]> {
  const problems: string[] = [];
  const ledger = existsSync(ledgerPath) ? readFileSync(ledgerPath, 'utf8').split('\n').filter(Boolean) : [];
  const submitted = new Set(ledger.filter((l) => l.startsWith('submitted ')).map((l) => l.split(' ')[1]!));
  const lastTerminal = new Map<string, string>();
  for (const line of ledger) {
    const [type, id] = line.split(' ');
    if (id && TERMINAL.has(type!)) lastTerminal.set(id, type!);
  }
  // 1. Every job.json parses; a folder without one is only allowed for a job nobody was told about.
  const onDisk = new Map<string, Job>();
  for (const id of existsSync(jobsDir) ? readdirSync(jobsDir).filter((name) => name.startsWith('job-')) : []) {
    const path = join(jobsDir, id, 'job.json');
    if (!existsSync(path)) {
      if (submitted.has(id)) problems.push(`${id}: folder without job.json, but the user was told it started`);
      continue;
    }
    try {
      onDisk.set(id, parseJobFile(readFileSync(path, 'utf8'), path));
    } catch (error) {
      problems.push(`${id}: ${(error as Error).message}`);
    }
  }
  // 2. No job lost: each one the user saw is on disk, unless it completed (and was cleaned up).
  for (const id of submitted) {
    if (!onDisk.has(id) && lastTerminal.get(id) !== 'completed') problems.push(`${id}: lost (not on disk, never completed)`);
  }
  // 3. The next process tells the truth: terminal statuses stay, active ones read as interrupted.
  const { code, stdout, stderr } = await runCli(['list', '--json'], { cwd: jobsDir, env: { JOBLINE_JOBS_DIR: jobsDir } });
  if (code !== 0) problems.push(`list failed: ${stderr}`);
  const reported = new Map((JSON.parse(stdout || '[]') as Job[]).map((job) => [job.id, job]));
  for (const [id, stored] of onDisk) {
    const seen = reported.get(id)?.status;
    const expected = TERMINAL.has(stored.status) || stored.status === 'interrupted' ? stored.status : 'interrupted';
    if (seen !== expected) problems.push(`${id}: stored ${stored.status}, reported ${seen}, expected ${expected}`);
    const told = lastTerminal.get(id);
    if (told && stored.status !== told) problems.push(`${id}: the user was told ${told}, disk says ${stored.status}`);
  }
  // 4. The log agrees with the state (the read above completed any log a kill left behind):
  // its events are numbered 1, 2, 3, … with no gap or repeat, up to job.json's eventSeq, and a
  // job that ended says so last.
  for (const id of onDisk.keys()) {
    const now = parseJobFile(readFileSync(join(jobsDir, id, 'job.json'), 'utf8'), id);
    const lines = existsSync(join(jobsDir, id, 'events.jsonl')) ? readFileSync(join(jobsDir, id, 'events.jsonl'), 'utf8').split('\n').filter(Boolean) : [];
    const events = lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as { seq?: number; type: string }];
      } catch {
        return []; // a line torn by the kill, terminated since
      }
    });
    const seqs = events.map((event) => event.seq);
    if (seqs.some((seq, i) => seq !== i + 1)) problems.push(`${id}: log seqs ${seqs.join(',')}`);
    if (seqs.length !== now.eventSeq) problems.push(`${id}: log has ${seqs.length} events, job.json says ${now.eventSeq}`);
    const last = events.at(-1)?.type;
    if (['completed', 'failed', 'cancelled', 'interrupted'].includes(now.status) && last !== now.status) problems.push(`${id}: ${now.status}, but the log ends with ${last}`);
  }
  return problems;
}

/** Runs the workload once to the end; returns how long it lives after its ledger appears (ms). */
async function measureWorkloadLife(): Promise<number> {
  const root = makeTempDir('jobline-crash-');
  const ledgerPath = join(root, 'ledger');
  const child = spawn(process.execPath, [TARGET, join(root, 'jobs'), ledgerPath, '7'], { cwd: root, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await waitFor(() => existsSync(ledgerPath), 'the workload to start');
  const ledgerAt = Date.now();
  await exited;
  return Date.now() - ledgerAt;
}

describe('crash consistency', () => {
  it(`survives SIGKILL at ${KILL_POINTS} random moments`, async () => {
    const stages: Record<string, number> = {};
    const failures: string[] = [];
    // Kill moments spread over the workload's whole life, however fast this machine runs it.
    const lifeMs = await measureWorkloadLife();
    let seed = 7;
    for (let point = 0; point < KILL_POINTS; point++) {
      const root = makeTempDir('jobline-crash-');
      const jobsDir = join(root, 'jobs');
      const ledgerPath = join(root, 'ledger');
      seed = (seed * 48271) % 2147483647;
      const child = spawn(process.execPath, [TARGET, jobsDir, ledgerPath, String(seed)], { cwd: root, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      // Kill it somewhere in its life after the ledger appears (a little past it, to catch the end).
      await waitFor(() => existsSync(ledgerPath), 'the workload to start');
      await new Promise((resolve) => setTimeout(resolve, seed % Math.ceil(lifeMs * 1.1)));
      child.kill('SIGKILL');
      await exited;
      const stage = stageOf(readFileSync(ledgerPath, 'utf8').trim().split('\n'));
      stages[stage] = (stages[stage] ?? 0) + 1;
      // A SIGKILLed owner cannot stop its jobs' processes; end them so they do not skew the next run.
      spawn('pkill', ['-KILL', '-f', `${jobsDir}`]);
      const problems = await check(jobsDir, ledgerPath);
      failures.push(...problems.map((problem) => `kill point ${point} (${stage}): ${problem}`));
    }
    recordResult('crash', { killPoints: KILL_POINTS, failures: failures.length, stages, workloadLifeMs: lifeMs, examples: failures.slice(0, 5) });
    expect(failures).toEqual([]);
    // The kills must really spread over the workload.
    expect(Object.keys(stages).length).toBeGreaterThanOrEqual(scaled(5, 2));
  }, scaled(900_000, 120_000));
});
