// The storage policy's cost follows the jobs that changed, not the jobs stored: with 2,000 more
// jobs in the folder, twenty failures cost about the same reads as in a folder of only failures.
// Counted as read(2) calls of the process (/proc/self/io), not timed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createJob, type Job } from '../../src/jobs/model/job.js';
import { serializeJob } from '../../src/store/job-file.js';
import { JobStore } from '../../src/store/job-store.js';
import { getCurrentOwner } from '../../src/jobs/process/owner.js';
import { makeTempDir } from '../helpers/temp.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

function seed(dir: string, prefix: string, count: number, status: Job['status']): void {
  for (let i = 0; i < count; i++) {
    const id = `job-${prefix}${String(i).padStart(8 - prefix.length, '0')}`;
    mkdirSync(join(dir, id), { mode: 0o700 });
    const job = createJob({ id, agent: 'sh', description: 'x', mode: 'background', phaseNames: ['run'], owner: getCurrentOwner(), now: '2026-11-22T09:00:00.000Z' });
    writeFileSync(join(dir, id, 'job.json'), serializeJob({ ...job, status, endedAt: `2026-11-22T09:${String(i % 60).padStart(2, '0')}:00.000Z` }), { mode: 0o600 });
  }
}

/** read(2) calls made by twenty failures, each followed by the storage policy, in a fresh process. */
function readsForTwentyFailures(dir: string): number {
  const script = `
    const { JobStore } = await import(${JSON.stringify(join(DIST, 'store/job-store.js'))});
    const { enforceUnfinishedLimit } = await import(${JSON.stringify(join(DIST, 'store/cleanup.js'))});
    const { createJob } = await import(${JSON.stringify(join(DIST, 'jobs/model/job.js'))});
    const { getCurrentOwner } = await import(${JSON.stringify(join(DIST, 'jobs/process/owner.js'))});
    const fs = await import('node:fs');
    const reads = () => Number(/syscr: (\\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))[1]);
    const store = JobStore.open(${JSON.stringify(dir)});
    await enforceUnfinishedLimit(store, 10); // builds the index once if there is none
    const before = reads();
    for (let i = 0; i < 20; i++) {
      const id = store.claimIdSync();
      const job = createJob({ id, agent: 'sh', description: 'x', mode: 'background', phaseNames: ['run'], owner: getCurrentOwner(), now: new Date().toISOString() });
      store.writeSync({ ...job, status: 'failed', endedAt: new Date().toISOString(), error: 'boom' });
      await enforceUnfinishedLimit(store, 10);
    }
    console.log(reads() - before);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stdout.trim());
}

describe('storage policy cost', () => {
  it('does not grow with the number of jobs stored', async () => {
    const small = makeTempDir('jobline-cost-');
    seed(small, 'f', 12, 'failed');
    const big = makeTempDir('jobline-cost-');
    seed(big, 'f', 12, 'failed');
    seed(big, 'c', 2000, 'completed');
    const smallReads = readsForTwentyFailures(small);
    const bigReads = readsForTwentyFailures(big);
    // Reading every job.json on each pass would cost 20 × 2,000 reads more.
    expect(bigReads).toBeLessThan(smallReads * 1.5 + 200);
    // And the limit held in both: exactly 10 unfinished jobs kept.
    for (const dir of [small, big]) {
      const { jobs } = await JobStore.open(dir).list();
      expect(jobs.filter((job) => job.status === 'failed')).toHaveLength(10);
    }
  }, 60_000);
});
