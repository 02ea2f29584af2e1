// Graceful signals at random moments, and two jobline processes sharing one jobs folder.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { JobStore } from '../../src/store/job-store.js';
import { runCli, startCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { findProcesses, waitFor } from '../helpers/wait.js';
import { recordResult, scaled } from './scale.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const ROUNDS = scaled(45, 6);

async function stored(jobsDir: string): Promise<Job[]> {
  return (await JobStore.open(jobsDir).list().catch(() => ({ jobs: [] as Job[] }))).jobs;
}

describe('graceful signals', () => {
  it(`interrupts every active job, orphans nothing and exits within 2 s, for ${ROUNDS} random signals`, async () => {
    const failures: string[] = [];
    const exitTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const signal = SIGNALS[round % SIGNALS.length]!;
      const cwd = makeTempDir('jobline-signal-');
      const jobsDir = join(cwd, 'jobs');
      const marker = `37.${process.pid}${round}`;
      // Each job forks a grandchild in the background and waits: both must die with jobline.
      const prompt = `sleep 0.0$((RANDOM % 9)); sleep ${marker} & sleep ${marker}; wait`;
      // Five jobs (piped into the REPL, one job per line), three of them running.
      const { child, result } = startCli([], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir }, input: `${Array(5).fill(prompt).join('\n')}\n` });
      await waitFor(async () => (await stored(jobsDir)).length > 0, 'a job to exist');
      await new Promise((resolve) => setTimeout(resolve, (round * 97) % 400));
      const sentAt = Date.now();
      child.kill(signal);
      const { code } = await result;
      const exitMs = Date.now() - sentAt;
      exitTimes.push(exitMs);
      const problems: string[] = [];
      if (exitMs >= 2000) problems.push(`exit took ${exitMs} ms`);
      if (code !== 128 + { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal]) problems.push(`exit code ${code}`);
      for (const job of await stored(jobsDir)) {
        if (job.status !== 'interrupted' || job.error !== 'Interrupted: jobline exited' || !job.endedAt) problems.push(`${job.id} is ${job.status} (${job.error})`);
      }
      const survivors = await waitFor(() => findProcesses(`sleep ${marker}`).length === 0, 'job processes to die', 2000).then(() => [], () => findProcesses(`sleep ${marker}`));
      for (const pid of survivors) process.kill(pid, 'SIGKILL');
      if (survivors.length > 0) problems.push(`${survivors.length} orphaned process(es)`);
      failures.push(...problems.map((problem) => `round ${round} (${signal}): ${problem}`));
    }
    exitTimes.sort((a, b) => a - b);
    recordResult('signals', { rounds: ROUNDS, failures: failures.length, exitMsMedian: exitTimes[Math.floor(exitTimes.length / 2)], exitMsMax: exitTimes.at(-1), examples: failures.slice(0, 5) });
    expect(failures).toEqual([]);
  }, scaled(600_000, 90_000));
});

describe('two jobline processes on one jobs folder', () => {
  it('submit at the same time without colliding ids, and neither touches the other\'s live jobs', async () => {
    const cwd = makeTempDir('jobline-shared-');
    const jobsDir = join(cwd, 'jobs');
    writeFileSync(join(cwd, 'keep.json'), JSON.stringify({ debug: { keepTempFiles: true } }));
    const env = { JOBLINE_JOBS_DIR: jobsDir };
    const count = scaled(40, 15);
    const quick = Array.from({ length: count }, () => 'echo "$JOB_ID" >> ids').join('\n');
    // Both submit their jobs (one per piped line) at the same moment.
    const [a, b] = await Promise.all([
      runCli(['--config', 'keep.json'], { cwd, env, input: `${quick}\n` }),
      runCli(['--config', 'keep.json'], { cwd, env, input: `${quick}\n` }),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const ids = readFileSync(join(cwd, 'ids'), 'utf8').trim().split('\n');
    expect(ids).toHaveLength(count * 2);
    expect(new Set(ids).size).toBe(count * 2);
    expect((await stored(jobsDir)).filter((job) => job.status === 'completed')).toHaveLength(count * 2);

    // A long-running pair: SIGTERM to one interrupts its jobs only.
    const marker = `38.${process.pid}`;
    const first = startCli(['batch', '-'], { cwd, env, input: `sleep ${marker}\n` });
    const second = startCli(['batch', '-'], { cwd, env, input: `sleep ${marker}\n` });
    await waitFor(async () => (await stored(jobsDir)).filter((job) => job.status === 'running').length === 2, 'both long jobs to run');
    const running = (await stored(jobsDir)).filter((job) => job.status === 'running');
    const ownerOf = (job: Job): number => job.owner.pid;
    first.child.kill('SIGTERM');
    await first.result;
    const after = new Map((await stored(jobsDir)).map((job) => [job.id, job]));
    const mine = running.find((job) => ownerOf(job) === first.child.pid)!;
    const theirs = running.find((job) => ownerOf(job) === second.child.pid)!;
    expect(after.get(mine.id)!.status).toBe('interrupted');
    expect(after.get(theirs.id)!.status).toBe('running'); // still theirs, still running, as the list shows
    const listed = JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as Job[];
    expect(listed.find((job) => job.id === theirs.id)!.status).toBe('running');
    second.child.kill('SIGTERM');
    await second.result;
    expect((await JobStore.open(jobsDir).loadRaw(theirs.id)).status).toBe('interrupted');
    recordResult('sharing', { jobsPerProcess: count, idCollisions: ids.length - new Set(ids).size, foreignJobsTouched: 0 });
  }, 120_000);
});
