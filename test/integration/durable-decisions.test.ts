// Nothing a user decided is forgotten by a restart: retry feedback and an unanswered approval are
// part of the job's durable state, so another jobline that resumes the job honours both.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import type { JobManager } from '../../src/jobs/service/manager.js';
import { JobStore } from '../../src/store/job-store.js';
import { readEvents } from '../../src/store/event-log.js';
import { commandAgent, makeManager } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

function nextEvent(manager: JobManager, type: string): Promise<Job> {
  return new Promise((resolve) => {
    const listener = (job: Job, event: { type: string }): void => {
      if (event.type !== type) return;
      manager.off('jobEvent', listener);
      resolve(job);
    };
    manager.on('jobEvent', listener);
  });
}

describe('decisions survive a restart', () => {
  it('a retry with feedback interrupted mid-attempt runs again with the same feedback after a resume', async () => {
    const cwd = makeTempDir();
    const out = join(cwd, 'out');
    const agent = commandAgent('staged', {
      analyze: 'echo analyzed',
      implement: `echo "attempt=$JOB_ATTEMPT feedback=$JOB_FEEDBACK" >> ${out}; [ "$JOB_ATTEMPT" = 2 ] && sleep 30; true`,
      deliver: 'echo delivered',
    });
    const store = JobStore.open(makeTempDir());
    const first = makeManager({ store });
    const analyzed = nextEvent(first, 'approval_requested');
    const { job } = await first.submit({ agent, prompt: 'migrate', mode: 'interactive', cwd });
    await analyzed;
    const implemented = nextEvent(first, 'approval_requested');
    await first.approve(job.id);
    await implemented;
    await first.retry(job.id, 'use the STAGING database, not prod');
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('attempt=2'), 'the retried attempt to run');
    await first.shutdown(); // jobline exits while attempt 2 runs

    const second = makeManager({ store: JobStore.open(store.dir) });
    const asked = nextEvent(second, 'approval_requested');
    await second.resume(job.id, 'interactive', () => ({ agent, cwd }));
    await asked;
    await second.shutdown();
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([
      'attempt=1 feedback=',
      'attempt=2 feedback=use the STAGING database, not prod',
      'attempt=3 feedback=use the STAGING database, not prod',
    ]);
  });

  it('a job stopped while awaiting approval asks again when resumed, and runs nothing unapproved', async () => {
    const cwd = makeTempDir();
    const agent = commandAgent('staged', { implement: 'echo edited', validate: `touch ${join(cwd, 'validated')}` });
    const store = JobStore.open(makeTempDir());
    const first = makeManager({ store });
    const waiting = nextEvent(first, 'approval_requested');
    const { job } = await first.submit({ agent, prompt: 'edit', mode: 'interactive', cwd });
    await waiting;
    await first.shutdown();
    expect((await store.loadRaw(job.id)).status).toBe('interrupted');

    const second = makeManager({ store: JobStore.open(store.dir) });
    const resumed = await second.resume(job.id, 'interactive', () => ({ agent, cwd }));
    expect(resumed).toMatchObject({ status: 'awaiting_approval', currentPhase: 0 });
    expect((await store.loadRaw(job.id)).status).toBe('awaiting_approval');
    const { events } = await readEvents(store.pathsOf(job.id).events);
    expect(events.map((event) => event.type).slice(-3)).toEqual(['interrupted', 'resumed', 'approval_requested']);
    expect(existsSync(join(cwd, 'validated'))).toBe(false);
    const completed = nextEvent(second, 'completed');
    await second.approve(job.id);
    await completed;
    expect(existsSync(join(cwd, 'validated'))).toBe(true);
    await second.shutdown();
  });
});
