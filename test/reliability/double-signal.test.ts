// Two exit signals in quick succession: the second exits at once, writing every active job as
// interrupted synchronously; it must first wait for the write threads' writes in flight, or one of
// them (an older state) could land after it and leave a job "running" on disk forever.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { JobStore } from '../../src/store/job-store.js';
import { startCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { recordResult, scaled } from './scale.js';

async function stored(jobsDir: string): Promise<Job[]> {
  return (await JobStore.open(jobsDir).list().catch(() => ({ jobs: [] as Job[] }))).jobs;
}

describe('two SIGTERMs under 40 ms apart', () => {
  const rounds = scaled(30, 6);
  it(`leave no job active on disk, in each of ${rounds} rounds`, async () => {
    const failures: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const cwd = makeTempDir('jobline-double-');
      const jobsDir = join(cwd, 'jobs');
      // Many submissions (piped into the REPL, one job per line) while the signals arrive, and
      // short phases add starts and ends to the writes in flight.
      const prompts = Array.from({ length: 300 }, (_, i) => `sleep 0.0${i % 5}`).join('\n');
      const { child, result } = startCli([], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir }, input: `${prompts}\n` });
      await waitFor(async () => (await JobStore.open(jobsDir).listIds().catch(() => [])).length > 5 * (round % 4), 'jobs to be submitted', 10_000, 2);
      child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, round % 5));
      child.kill('SIGTERM');
      await result;
      // Read without recording: a job left "running" by this jobline is what the test looks for.
      const store = JobStore.open(jobsDir);
      for (const id of await store.listIds()) {
        const job = await store.loadRaw(id).catch(() => null);
        if (job && ['queued', 'running', 'awaiting_approval'].includes(job.status)) failures.push(`round ${round}: ${id} is ${job.status} on disk`);
      }
    }
    recordResult('doubleSignal', { rounds, failures: failures.length, examples: failures.slice(0, 5) });
    expect(failures).toEqual([]);
  }, scaled(300_000, 90_000));
});
