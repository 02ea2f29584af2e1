// Phase-by-phase approval in the engine: approve, retry with feedback, cancel; background mode runs straight through.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import type { JobManager } from '../../src/jobs/service/manager.js';
import { commandAgent, makeManager } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';

const agent = commandAgent('staged', {
  analyze: 'echo "analyze attempt=$JOB_ATTEMPT feedback=$JOB_FEEDBACK prompt=$JOB_PROMPT"',
  implement: 'echo implement',
  deliver: 'echo deliver',
});

function nextApproval(manager: JobManager): Promise<Job> {
  return new Promise((resolve) => {
    const listener = (job: Job, event: { type: string }): void => {
      if (event.type !== 'approval_requested') return;
      manager.off('jobEvent', listener);
      resolve(job);
    };
    manager.on('jobEvent', listener);
  });
}

describe('approval', () => {
  it('waits after each phase but the last; approve moves on; retry re-runs with feedback', async () => {
    const manager = makeManager();
    const waiting = nextApproval(manager);
    const { job } = await manager.submit({ agent, prompt: 'add "auth"; rm -rf /', mode: 'interactive', cwd: makeTempDir() });
    let current = await waiting;
    expect(current).toMatchObject({ status: 'awaiting_approval', currentPhase: 0 });
    expect((await manager.store.loadRaw(job.id)).status).toBe('awaiting_approval');
    expect(current.phases[0]!.output).toBe('analyze attempt=1 feedback= prompt=add "auth"; rm -rf /');
    expect(manager.runningCount).toBe(0); // a waiting job holds no slot

    const retried = nextApproval(manager);
    await manager.retry(job.id, 'check the tests too');
    current = await retried;
    expect(current.phases[0]).toMatchObject({ attempts: 2, output: 'analyze attempt=2 feedback=check the tests too prompt=add "auth"; rm -rf /' });

    const second = nextApproval(manager);
    await manager.approve(job.id);
    current = await second;
    expect(current).toMatchObject({ currentPhase: 1, status: 'awaiting_approval' });
    await manager.approve(job.id);
    await manager.whenIdle();
    expect(manager.get(job.id)).toMatchObject({ status: 'completed' });
    expect(manager.get(job.id).phases.map((p) => p.attempts)).toEqual([2, 1, 1]);
    await expect(manager.approve(job.id)).rejects.toMatchObject({ code: 'JOB_NOT_AWAITING_APPROVAL' });
    await manager.shutdown();
  });

  it('approving from inside the approval_requested listener runs each phase exactly once, within the cap', async () => {
    const manager = makeManager({ maxConcurrentJobs: 1 });
    let maxRunning = 0;
    manager.on('jobEvent', (job, event) => {
      maxRunning = Math.max(maxRunning, manager.runningCount);
      if (event.type === 'approval_requested') void manager.approve(job.id);
    });
    const cwd = makeTempDir();
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push((await manager.submit({ agent, prompt: `p${i}`, mode: 'interactive', cwd })).job.id);
    await manager.whenIdle();
    for (const id of jobs) {
      expect(manager.get(id).status).toBe('completed');
      expect(manager.get(id).phases.map((p) => p.attempts)).toEqual([1, 1, 1]);
    }
    expect(maxRunning).toBe(1);
    await manager.shutdown();
  });

  it('delivers retry feedback given from inside the approval_requested listener (regression)', async () => {
    const manager = makeManager();
    let retried = false;
    manager.on('jobEvent', (job, event) => {
      if (event.type === 'approval_requested' && !retried) {
        retried = true;
        void manager.retry(job.id, 'from the listener');
      }
    });
    const second = new Promise<Job>((resolve) => manager.on('jobEvent', (job, event) => { if (event.type === 'approval_requested' && job.phases[0]!.attempts === 2) resolve(job); }));
    await manager.submit({ agent, prompt: 'p', mode: 'interactive', cwd: makeTempDir() });
    expect((await second).phases[0]!.output).toBe('analyze attempt=2 feedback=from the listener prompt=p');
    await manager.shutdown();
  });

  it('cancel while awaiting approval ends the job', async () => {
    const manager = makeManager();
    const waiting = nextApproval(manager);
    const { job } = await manager.submit({ agent, prompt: 'p', mode: 'interactive', cwd: makeTempDir() });
    await waiting;
    await manager.cancel(job.id);
    await manager.whenIdle();
    expect(manager.get(job.id).status).toBe('cancelled');
    expect((await manager.store.loadRaw(job.id)).status).toBe('cancelled');
    await manager.shutdown();
  });

  it('resume re-runs an unfinished job from its first incomplete phase, keeping earlier outputs', async () => {
    const manager = makeManager();
    const flaky = commandAgent('flaky', { one: 'echo first', two: 'test -f marker || { touch marker; exit 1; }; echo second' });
    const { job } = await manager.submit({ agent: flaky, prompt: 'p', mode: 'background', cwd: makeTempDir() });
    await manager.whenIdle();
    expect(manager.get(job.id)).toMatchObject({ status: 'failed', currentPhase: 1 });
    await manager.resume(job.id, 'background');
    await manager.whenIdle();
    const done = manager.get(job.id);
    expect(done.status).toBe('completed');
    expect(done.phases.map((p) => [p.attempts, p.output])).toEqual([[1, 'first'], [2, 'second']]);
    await manager.shutdown();
  });
});
