// Seeing and routing the fleet of a queue (BullMQ on a real redis-server): labels send a run only
// to a worker that has them all, a run no worker can take says so in /tasks, and the workers are
// listed by `jobline workers` and GET /api/workers (a worker that went away shown as gone).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, startPipedRepl } from '../helpers/cli.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { FAST_QUEUE_ENV, startWorker, type TestWorker } from '../helpers/queue.js';
import { startServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import type { ShownJob } from './queue-runs.test.js';

let redis: TestRedis;
const workers: TestWorker[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  await redis?.stop(true);
});

const config = { agents: { gpu: { type: 'command', labels: ['gpu'], phases: [{ name: 'run', run: 'sh -c "$JOB_PROMPT"' }] }, tpu: { type: 'command', labels: ['tpu'], phases: [{ name: 'run', run: 'echo "tpu run on $JOBLINE_WORKER_NAME"' }] } } };

function coordinator(): { cwd: string; jobsDir: string; env: Record<string, string> } {
  const cwd = makeTempDir();
  const jobsDir = join(makeTempDir(), 'jobs');
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify(config));
  return { cwd, jobsDir, env: { JOBLINE_JOBS_DIR: jobsDir, JOBLINE_QUEUE_URL: redis.url, ...FAST_QUEUE_ENV } };
}

describe('labels', () => {
  it('route a run only to a worker that has them all', async () => {
    const { cwd, env } = coordinator();
    workers.push(await startWorker(redis.url, { name: 'plain', concurrency: 3 }), await startWorker(redis.url, { name: 'big', concurrency: 3, labels: ['gpu', 'linux'] }));
    const lines = Array.from({ length: 12 }, (_, index) => `echo ${index}`);
    const result = await runCli(['batch', '--agent', 'gpu', '-j', '6', '-'], { cwd, env, input: `${lines.join('\n')}\n` });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const id = /Batch (job-[a-z0-9]{8})/.exec(result.stdout)![1]!;
    const job = JSON.parse((await runCli(['show', id, '--json'], { cwd, env })).stdout) as ShownJob;
    expect(new Set(job.tasks.flatMap((task) => task.runs.map((run) => run.worker.split('@')[1])))).toEqual(new Set(['big']));
    // Runs that need no label go to any worker.
    const plain = await runCli(['batch', '-j', '6', '-'], { cwd, env, input: `${lines.join('\n')}\n` });
    expect(plain.code).toBe(0);
  });

  it('a run no worker can take says so in /tasks, and runs once a worker with its labels comes', async () => {
    const { cwd, env } = coordinator();
    const repl = startPipedRepl(cwd, env);
    repl.send('/agent tpu');
    repl.send('/background');
    repl.send('go');
    const id = /Started (job-[a-z0-9]{8})/.exec(await repl.until(/Started job-/))![1]!;
    await waitFor(async () => {
      repl.send(`/tasks ${id}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return repl.output.includes('waits for a worker with labels tpu');
    }, '/tasks to say the run waits for a worker', 15_000);
    workers.push(await startWorker(redis.url, { name: 'tensor', concurrency: 1, labels: ['tpu'] }));
    await repl.until(`tpu run on tensor`, 20_000);
    await repl.until(/completed/, 20_000).catch((error: unknown) => { throw new Error(`${String(error)}\n${repl.output}`); });
    repl.send('/quit');
    await repl.end();
  }, 60_000);
});

describe('the fleet', () => {
  it('jobline workers and GET /api/workers list the workers, their runs and the counts; a worker that goes away is shown as gone', async () => {
    const watched = await startWorker(redis.url, { name: 'watched', concurrency: 2, labels: ['arm'] });
    workers.push(watched);
    const { cwd, env } = coordinator();
    const running = startCli(['run', '-y', 'sleep 30'], { cwd, env: { ...env } });
    void running;
    const server = await startServer(config, { cwd });
    try {
      // The server on another folder reads the same queue through its config.
      writeFileSync(join(server.cwd, '.jobrc.json'), JSON.stringify({ ...config, queue: { url: redis.url } }));
      await server.stop();
      const served = await startServer({ ...config, queue: { url: redis.url } }, { cwd: server.cwd, jobsDir: server.jobsDir });
      try {
        const listed = await waitFor(async () => {
          const answer = await served.api<{ queue: boolean; workers: Array<{ name: string; state: string; labels: string[]; concurrency: number; runs: unknown[] }>; counts: { active: number } }>('GET', '/api/workers');
          return answer.body.workers.some((worker) => worker.runs.length === 1) ? answer : null;
        }, 'a worker to run the job');
        expect(listed.status).toBe(200);
        expect(listed.body.queue).toBe(true);
        expect(listed.body.counts.active).toBeGreaterThanOrEqual(1);
        expect(listed.body.workers.find((worker) => worker.name === 'watched')).toMatchObject({ state: 'running', labels: ['arm'], concurrency: 2 });
        const text = await runCli(['workers'], { cwd, env });
        expect(text.stdout).toMatch(/^watched\s+running\s+arm\s+\d\/2/m);
        expect(text.stdout).toMatch(/queue: \d+ waiting · \d+ active · \d+ delayed · \d+ failed/);
        watched.child.kill('SIGKILL');
        await waitFor(async () => (await served.api<{ workers: Array<{ name: string; state: string }> }>('GET', '/api/workers')).body.workers.find((worker) => worker.name === 'watched')?.state === 'gone', 'the killed worker to show as gone', 20_000);
      } finally {
        await served.stop();
      }
    } finally {
      running.child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('queue.globalConcurrency', () => {
  it('caps the runs of the whole queue at once, across coordinators (BullMQ\'s global concurrency)', async () => {
    const capped = await startRedis();
    const fleet = [await startWorker(capped.url, { name: 'cap-1', concurrency: 3 }), await startWorker(capped.url, { name: 'cap-2', concurrency: 3 })];
    try {
      const spans = join(makeTempDir(), 'spans');
      const settings = { queue: { url: capped.url, globalConcurrency: 2 } };
      const lines = Array.from({ length: 6 }, () => `echo "+ $(date +%s%3N)" >> ${spans}; sleep 0.4; echo "- $(date +%s%3N)" >> ${spans}`);
      // Two coordinators, each allowed 4 runs at once by its job: together at most 2 run.
      const runs = [coordinator(), coordinator()].map(({ cwd, env }) => {
        writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify(settings));
        return runCli(['batch', '-j', '4', '-'], { cwd, env: { ...env, JOBLINE_QUEUE_URL: '' }, input: `${lines.join('\n')}\n` });
      });
      for (const result of await Promise.all(runs)) expect(result.code, result.stdout + result.stderr).toBe(0);
      const events = readFileSync(spans, 'utf8').trim().split('\n').map((line) => ({ delta: line.startsWith('+') ? 1 : -1, at: Number(line.slice(2)) })).sort((a, b) => a.at - b.at || a.delta - b.delta);
      let running = 0;
      let most = 0;
      for (const event of events) most = Math.max(most, (running += event.delta));
      expect(events).toHaveLength(24);
      expect(most).toBe(2);
    } finally {
      for (const worker of fleet) await worker.stop();
      await capped.stop(true);
    }
  }, 60_000);

  it('a batch given a queue that the jobs folder\'s server does not use runs its job itself, through that queue, and says so', async () => {
    const { cwd, jobsDir, env } = coordinator();
    workers.push(await startWorker(redis.url, { name: 'farm', concurrency: 2 }));
    const server = await startServer(config, { cwd, jobsDir }); // its own threads: no queue
    try {
      const { JOBLINE_QUEUE_URL: _url, ...withoutQueue } = env;
      const result = await runCli(['batch', '--queue', redis.url, '-j', '2', '-'], { cwd, env: withoutQueue, input: 'echo "ran on [$JOBLINE_WORKER_NAME]"\n' });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stderr).toContain(`warning: jobline serve (pid ${server.child.pid}) on this jobs folder sends runs to its own threads, not to ${redis.url} (prefix jobline): this command runs its job itself, through that queue.`);
      const id = /Batch (job-[a-z0-9]{8})/.exec(result.stdout)![1]!;
      const logs = await runCli(['logs', id], { cwd, env: withoutQueue });
      expect(logs.stdout).toMatch(/ran on \[\w+\]/);
      // The server sees the job in its folder.
      const seen = await server.api<{ job: { status: string } }>('GET', `/api/jobs/${id}`);
      expect(seen.body.job.status).toBe('completed');
    } finally {
      await server.stop();
    }
  }, 60_000);
});
