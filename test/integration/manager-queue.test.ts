// The cap and the queue, observed both through the manager's events and through the real
// processes the jobs start.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isActiveStatus } from '../../src/jobs/model/job.js';
import { commandAgent, makeManager } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

describe('JobManager queue and cap', () => {
  it('runs at most 3 of 10 jobs at once and starts them in submission order', async () => {
    const marks = makeTempDir();
    mkdirSync(join(marks, 'running'));
    // Each job registers itself as running, records how many were running, and holds its slot a moment.
    const agent = commandAgent('probe', {
      run: `touch "${marks}/running/$JOB_ID"; ls "${marks}/running" | wc -l >> "${marks}/counts"; sleep 0.15; rm "${marks}/running/$JOB_ID"`,
    });
    const manager = makeManager({ maxConcurrentJobs: 3 });
    const startOrder: string[] = [];
    let running = 0;
    let maxRunning = 0;
    manager.on('jobEvent', (job, event) => {
      if (event.type === 'started') {
        startOrder.push(job.id);
        maxRunning = Math.max(maxRunning, ++running);
      }
      if (event.type === 'completed' || event.type === 'failed') running--;
    });
    const submitted = [];
    for (let i = 0; i < 10; i++) submitted.push(await manager.submit({ agent, prompt: `job ${i}`, mode: 'background', cwd: marks }));
    expect(submitted.map((s) => s.queuePosition)).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect(manager.runningCount).toBe(3);
    await manager.whenIdle();
    await manager.shutdown();

    expect(manager.list().map((job) => job.status)).toEqual(Array(10).fill('completed'));
    // Jobs leave the queue in submission order (startedAt is stamped as a job is dequeued), and
    // users hear of them in that order: changes are reported in the order they happened, even
    // though their writes run side by side.
    const startedAt = submitted.map((s) => manager.get(s.job.id).startedAt!);
    expect([...startedAt].sort()).toEqual(startedAt);
    expect(startOrder).toEqual(submitted.map((s) => s.job.id));
    // Never a 4th job reported started before one of the first 3 was reported ended.
    expect(maxRunning).toBe(3);
    const counts = (await import('node:fs')).readFileSync(join(marks, 'counts'), 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(10);
    expect(Math.max(...counts)).toBeLessThanOrEqual(3);
    expect(readdirSync(join(marks, 'running'))).toEqual([]);
  });

  it('puts approved and retried jobs at the front of the queue: work under way finishes first', async () => {
    const dir = makeTempDir();
    const order = join(dir, 'order');
    const manager = makeManager({ maxConcurrentJobs: 1 });
    const staged = commandAgent('staged', { plan: `echo "$JOB_PROMPT planned" >> ${order}`, ship: `echo "$JOB_PROMPT shipped" >> ${order}` });
    const plain = commandAgent('plain', { run: `echo "$JOB_PROMPT" >> ${order}` });
    for (const decide of ['approve', 'retry'] as const) {
      const waiting = new Promise<void>((resolve) => manager.on('jobEvent', (_job, event) => event.type === 'approval_requested' && resolve()));
      const { job: first } = await manager.submit({ agent: staged, prompt: `${decide}d`, mode: 'interactive', cwd: dir });
      await waiting; // it waits for approval and holds no slot
      await manager.submit({ agent: commandAgent('slow', { run: `sleep 0.3; echo "slow" >> ${order}` }), prompt: 'slow', mode: 'background', cwd: dir });
      await manager.submit({ agent: plain, prompt: 'later', mode: 'background', cwd: dir });
      if (decide === 'approve') await manager.approve(first.id);
      else {
        const again = new Promise<void>((resolve) => manager.on('jobEvent', (job, event) => job.id === first.id && event.type === 'approval_requested' && resolve()));
        await manager.retry(first.id);
        await again; // the retried phase ran before the job queued after it
        await manager.approve(first.id);
      }
      await manager.whenIdle();
    }
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(order, 'utf8').trim().split('\n')).toEqual([
      'approved planned', 'slow', 'approved shipped', 'later',
      'retryd planned', 'slow', 'retryd planned', 'later', 'retryd shipped',
    ]);
    await manager.shutdown();
  });

  it('refuses a job with "Already running 3 jobs (max: 3)" when whenBusy is reject', async () => {
    const manager = makeManager({ whenBusy: 'reject' });
    const agent = commandAgent('sleeper', { run: 'sleep 30' });
    const cwd = makeTempDir();
    for (let i = 0; i < 3; i++) await manager.submit({ agent, prompt: 'x', mode: 'background', cwd });
    await expect(manager.submit({ agent, prompt: 'x', mode: 'background', cwd })).rejects.toMatchObject({ code: 'JOBS_BUSY', message: 'Already running 3 jobs (max: 3)' });
    const { jobs } = await manager.store.list();
    expect(jobs).toHaveLength(3); // the refused job left no folder behind
    await manager.shutdown();
  });

  it('writes a truthful job.json and events.jsonl, keeps the newest maxCompletedJobs completed jobs, and with 0 deletes each as it completes', async () => {
    const cwd = makeTempDir();
    const keeping = makeManager({ keepTempFiles: false, maxCompletedJobs: 1 });
    const agent = commandAgent('two', { first: 'echo one', second: 'echo two; echo done >&2' });
    const { job } = await keeping.submit({ agent, prompt: 'p', mode: 'background', cwd });
    await keeping.whenIdle();
    const stored = await keeping.store.loadRaw(job.id);
    expect(stored).toMatchObject({ status: 'completed', currentPhase: 1, error: null });
    expect(stored.phases.map((p) => [p.name, p.status, p.attempts, p.output])).toEqual([['first', 'completed', 1, 'one'], ['second', 'completed', 1, 'two\ndone']]);
    const { readEvents } = await import('../../src/store/event-log.js');
    const { events } = await readEvents(keeping.store.pathsOf(job.id).events);
    expect(events.map((e) => e.type)).toEqual(['created', 'queued', 'started', 'phase_started', 'phase_completed', 'phase_started', 'phase_completed', 'completed']);
    expect(events[0]).toMatchObject({ agent: 'two', mode: 'background', cwd });
    const log = (await import('node:fs')).readFileSync(keeping.store.pathsOf(job.id).output, 'utf8');
    expect(log).toMatch(/^── phase 1\/2 first · attempt 1 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC ──\none\n── phase 2\/2 second · attempt 1 · .* UTC ──\ntwo\ndone\n$/);
    const newer = await keeping.submit({ agent, prompt: 'p', mode: 'background', cwd });
    await keeping.whenIdle();
    expect(await keeping.store.listIds()).toEqual([newer.job.id]); // the older one made room
    await keeping.shutdown();

    const deleting = makeManager({ keepTempFiles: false, maxCompletedJobs: 0 });
    const second = await deleting.submit({ agent, prompt: 'p', mode: 'background', cwd });
    await deleting.whenIdle();
    expect(deleting.get(second.job.id).status).toBe('completed');
    expect((await deleting.store.listIds())).toEqual([]);
    await deleting.shutdown();
  });

  it('keeps at most maxUnfinishedJobs failed jobs, removing the oldest', async () => {
    const manager = makeManager({ maxUnfinishedJobs: 2, maxConcurrentJobs: 1 });
    const agent = commandAgent('fails', { run: 'exit 1' });
    const ids = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await manager.submit({ agent, prompt: `f${i}`, mode: 'background', cwd: makeTempDir() })).job.id);
      await manager.whenIdle();
    }
    expect((await manager.store.listIds()).sort()).toEqual(ids.slice(2).sort());
    await manager.shutdown();
  });

  it('reports output lines as progress and coalesces progress writes', async () => {
    const manager = makeManager({ progressFlushMs: 100 });
    const agent = commandAgent('chatty', { run: 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done; sleep 0.3' });
    const { job } = await manager.submit({ agent, prompt: 'p', mode: 'background', cwd: makeTempDir() });
    let lines = 0;
    manager.on('jobOutput', (_job, _lines, count) => (lines += count));
    const stored = await waitFor(async () => {
      const onDisk = await manager.store.loadRaw(job.id);
      return onDisk.progress.lastEvent === 'line 1999' ? onDisk : null;
    }, 'the last output line to reach job.json');
    expect(isActiveStatus(stored.status)).toBe(true);
    await manager.whenIdle();
    expect(lines).toBe(2000);
    await manager.shutdown();
  });
});

describe('cleanup waits for the user', () => {
  it('keeps a completed job\'s files while a front end holds its notifications back', async () => {
    const manager = makeManager({ keepTempFiles: false, maxCompletedJobs: 0 });
    const release = manager.holdRemovals();
    const { job } = await manager.submit({ agent: commandAgent('quick', { run: 'echo done' }), prompt: 'x', mode: 'background', cwd: makeTempDir() });
    await waitFor(() => manager.get(job.id).status === 'completed', 'the job to complete');
    // A whole second job runs meanwhile: far longer than the first one's cleanup would take.
    const second = await manager.submit({ agent: commandAgent('slower', { run: 'sleep 0.2' }), prompt: 'y', mode: 'background', cwd: makeTempDir() });
    await waitFor(() => manager.get(second.job.id).status === 'completed', 'the second job to complete');
    const { existsSync } = await import('node:fs');
    expect(existsSync(manager.store.pathsOf(job.id).job)).toBe(true); // not shown yet, so still there
    release();
    await manager.whenIdle();
    expect(existsSync(manager.store.pathsOf(job.id).dir)).toBe(false);
    await manager.shutdown();
  });
});
