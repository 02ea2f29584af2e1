// Runs on workers on other machines through the queue (BullMQ on a real redis-server): the
// clear errors at start, a run's output and worker name, a batch of 1,000 tasks over two
// workers (each done once), and a cancel that leaves none of the run's processes (a setsid one
// included). Workers are real `jobline worker` processes, each with its own $HOME and --workdir.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { FAST_QUEUE_ENV, startWorker, type TestWorker } from '../helpers/queue.js';
import { makeTempDir } from '../helpers/temp.js';
import { findProcesses, waitFor, waitForProcesses } from '../helpers/wait.js';

/** `jobline show --json` as these tests read it. */
export interface ShownJob {
  id: string;
  status: string;
  tasks: Array<{ id: string; status: string; attempts: number; result: string | null; runs: Array<{ id: string; worker: string; state: { status: string; reason?: string } }> }>;
}

let redis: TestRedis;
const workers: TestWorker[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await redis?.stop(true);
});

function coordinator(config: object = {}): { cwd: string; jobsDir: string; env: Record<string, string> } {
  const cwd = makeTempDir();
  const jobsDir = join(makeTempDir(), 'jobs');
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify(config));
  return { cwd, jobsDir, env: { JOBLINE_JOBS_DIR: jobsDir, JOBLINE_QUEUE_URL: redis.url, ...FAST_QUEUE_ENV } };
}

describe('a queue that cannot be used', () => {
  it('is one clear line at start, at once: unreachable, a password missing, a password refused', async () => {
    const { cwd, env } = coordinator();
    const startedAt = Date.now();
    const unreachable = await runCli(['run', '-y', '--queue', 'redis://127.0.0.1:1/0', 'true'], { cwd, env });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toBe('jobline: Cannot reach the queue at redis://127.0.0.1:1/0: ECONNREFUSED\n');
    expect(Date.now() - startedAt).toBeLessThan(8000);

    const locked = await startRedis({ password: 'the-right-password-1' });
    try {
      const missing = await runCli(['batch', '--queue', locked.url, '-'], { cwd, env, input: 'true\n' });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`jobline: The queue at ${locked.url} needs a password (NOAUTH)`);
      writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ queue: { url: locked.url, passwordEnv: 'TEST_REDIS_PASSWORD' } }));
      const wrong = await runCli(['run', '-y', 'true'], { cwd, env: { ...env, JOBLINE_QUEUE_URL: '', TEST_REDIS_PASSWORD: 'not-the-password' } });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toBe(`jobline: The queue at ${locked.url} refused the password in $TEST_REDIS_PASSWORD (WRONGPASS).\n`);
      const worker = await runCli(['worker', '--name', 'w0'], { cwd, env: { ...env, JOBLINE_QUEUE_URL: '', TEST_REDIS_PASSWORD: 'not-the-password' } });
      expect(worker.stderr).toContain('refused the password');
      expect(worker.code).toBe(2);
    } finally {
      await locked.stop(true);
    }
  });
});

describe('runs on workers through the queue', () => {
  beforeAll(async () => {
    workers.push(await startWorker(redis.url, { name: 'box-1', concurrency: 3 }), await startWorker(redis.url, { name: 'box-2', concurrency: 3 }));
  });

  it('a run prints its output here, in order, runs in the worker\'s --workdir with $JOBLINE_WORKER_NAME, and names its worker', async () => {
    const { cwd, jobsDir, env } = coordinator();
    const result = await runCli(['run', '-y', '--json', 'for i in 1 2 3; do echo "line $i from $JOBLINE_WORKER_NAME"; done; pwd'], { cwd, env });
    expect(result.code, result.stderr).toBe(0);
    const job = JSON.parse(result.stdout) as { id: string; status: string };
    expect(job.status).toBe('completed');
    const log = readFileSync(join(jobsDir, job.id, 'output.log'), 'utf8');
    const host = /line 1 from (box-\d)/.exec(log)![1]!;
    expect(log).toMatch(new RegExp(`── phase 1/1 run · attempt 1 · .* ──\\nline 1 from ${host}\\nline 2 from ${host}\\nline 3 from ${host}\\n${workers.find((worker) => worker.name === host)!.workdir}\\n`));
    const shown = JSON.parse((await runCli(['show', job.id, '--json'], { cwd, env })).stdout) as ShownJob;
    expect(shown.tasks.flatMap((task) => task.runs)).toEqual([expect.objectContaining({ worker: expect.stringMatching(new RegExp(`^sh\\[[a-z0-9]{4}-0\\]@${host}$`)), state: expect.objectContaining({ status: 'succeeded' }) })]);
    const fleet = JSON.parse((await runCli(['workers', '--json'], { cwd, env })).stdout) as { workers: Array<{ name: string; state: string; concurrency: number }> };
    expect(fleet.workers.map((worker) => [worker.name, worker.state, worker.concurrency]).sort()).toEqual([['box-1', 'running', 3], ['box-2', 'running', 3]]);
  });

  it('a batch of 1,000 tasks spreads over both workers and every task ends done exactly once', async () => {
    const { cwd, jobsDir, env } = coordinator();
    const markers = join(makeTempDir(), 'markers');
    const lines = Array.from({ length: 1000 }, (_, index) => `echo ${index + 1} >> ${markers}`);
    const result = await runCli(['batch', '-j', '8', '-'], { cwd, env, input: `${lines.join('\n')}\n` });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const written = readFileSync(markers, 'utf8').trim().split('\n').map(Number).sort((a, b) => a - b);
    expect(written).toEqual(Array.from({ length: 1000 }, (_, index) => index + 1));
    const id = /Batch (job-[a-z0-9]{8})/.exec(result.stdout)![1]!;
    const shown = JSON.parse((await runCli(['show', id, '--json'], { cwd, env })).stdout) as ShownJob;
    expect(shown.status).toBe('completed');
    expect(shown.tasks.filter((task) => task.status === 'done' && task.attempts === 1)).toHaveLength(1000);
    const runs = shown.tasks.flatMap((task) => task.runs);
    expect(runs).toHaveLength(1000);
    const byHost = new Map<string, number>();
    for (const run of runs) {
      expect(run.state.status).toBe('succeeded');
      const host = run.worker.split('@')[1]!;
      byHost.set(host, (byHost.get(host) ?? 0) + 1);
    }
    expect([...byHost.keys()].sort()).toEqual(['box-1', 'box-2']);
    expect(Math.min(...byHost.values())).toBeGreaterThan(100);
    expect(jobsDir).toBeTruthy();
  }, 120_000);

  it('a cancel stops the remote run within 2 s: none of its processes is left, a setsid one included', async () => {
    const { cwd, jobsDir, env } = coordinator();
    const marker = `sleep 3${Date.now() % 100000}`;
    const running = startCli(['run', '-y', `setsid ${marker} & ${marker}`], { cwd, env });
    await waitForProcesses(marker, 2);
    const id = await waitFor(async () => {
      const listed = JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as Array<{ id: string; status: string }>;
      return listed.find((job) => job.status === 'running')?.id;
    }, 'the job to run');
    const cancelledAt = Date.now();
    const cancel = await runCli(['cancel', id], { cwd, env });
    expect(cancel.code, cancel.stderr).toBe(0);
    await waitFor(() => findProcesses(marker).length === 0, 'the run\'s processes to be gone', 2000);
    expect(Date.now() - cancelledAt).toBeLessThan(2500);
    const result = await running.result;
    expect(result.code).toBe(1);
    expect(JSON.parse(readFileSync(join(jobsDir, id, 'job.json'), 'utf8')).status).toBe('cancelled');
  });

  it('jobline worker prints a line per run; on SIGTERM it takes no more runs, finishes those it holds, and exits', async () => {
    const { cwd, env } = coordinator();
    const draining = await startWorker(redis.url, { name: 'drainer', concurrency: 1, labels: ['drain'] });
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ agents: { slow: { type: 'command', labels: ['drain'], phases: [{ name: 'run', run: 'sleep 1.5; echo "finished on $JOBLINE_WORKER_NAME"' }] } } }));
    const batch = startCli(['batch', '--agent', 'slow', '-j', '2', '-'], { cwd, env, input: 'a\nb\n' });
    await draining.until('▶ ');
    const stopped = draining.stop();
    await draining.until('draining: finishing 1 run(s), taking no more');
    expect(await stopped).toBe(0);
    expect(draining.output).toMatch(/✔ job-[a-z0-9]{8}\.r\d done · \d+\.\ds\n/);
    expect(draining.output).toContain('worker drainer stopped');
    expect((draining.output.match(/▶ /g) ?? []).length).toBe(1);
    // The other run waits for a worker with its labels, which comes.
    const next = await startWorker(redis.url, { name: 'drainer-2', concurrency: 1, labels: ['drain'] });
    const result = await batch.result;
    await next.stop();
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('jobline worker --no-drain hands its runs back on SIGTERM: they are interrupted with its name and run again elsewhere', async () => {
    const { cwd, env } = coordinator();
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ agents: { handed: { type: 'command', labels: ['handback'], phases: [{ name: 'run', run: 'sleep 2; echo "done by $JOBLINE_WORKER_NAME"' }] } } }));
    const leaving = await startWorker(redis.url, { name: 'leaving', concurrency: 1, labels: ['handback'], args: ['--no-drain'] });
    const batch = startCli(['batch', '--agent', 'handed', '--retries', '1', '-'], { cwd, env, input: 'x\n' });
    await leaving.until('▶ ');
    expect(await leaving.stop()).toBe(0);
    expect(leaving.output).toContain('stopping: handing the runs back');
    const staying = await startWorker(redis.url, { name: 'staying', concurrency: 1, labels: ['handback'] });
    const result = await batch.result;
    await staying.stop();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const id = /Batch (job-[a-z0-9]{8})/.exec(result.stdout)![1]!;
    const job = JSON.parse((await runCli(['show', id, '--json'], { cwd, env })).stdout) as ShownJob;
    expect(job.tasks[0]!.result).toBe('done by staying');
    expect(job.tasks[0]!.runs.map((run) => [run.worker.split('@')[1], run.state.status, run.state.reason])).toEqual([['leaving', 'interrupted', 'worker leaving stopped without finishing it'], ['staying', 'succeeded', undefined]]);
  });
});
