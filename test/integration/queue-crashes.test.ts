// What holds when machines fail under a queue of runs (BullMQ on a real redis-server): a worker
// killed outright (its runs interrupted with its name, its tasks finished elsewhere, none done
// twice), a stale worker (frozen past its lock: its late outcome is refused), redis-server
// restarted mid-batch (AOF: nothing lost, nothing run twice), and a coordinator killed mid-batch
// whose successor records what finished meanwhile without running it again.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { FAST_QUEUE_ENV, startWorker, type TestWorker } from '../helpers/queue.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import type { ShownJob } from './queue-runs.test.js';

let redis: TestRedis;
let workers: TestWorker[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  workers = [];
  if (redis.child.exitCode !== null || redis.child.signalCode !== null) await redis.start();
});

afterAll(async () => {
  await redis?.stop(true);
});

function coordinator(timings: Record<string, string> = FAST_QUEUE_ENV): { cwd: string; jobsDir: string; env: Record<string, string>; markers: string } {
  const cwd = makeTempDir();
  const jobsDir = join(makeTempDir(), 'jobs');
  writeFileSync(join(cwd, '.jobrc.json'), '{}');
  return { cwd, jobsDir, markers: join(makeTempDir(), 'markers'), env: { JOBLINE_JOBS_DIR: jobsDir, JOBLINE_QUEUE_URL: redis.url, ...timings } };
}

async function show(cwd: string, env: Record<string, string>, id: string): Promise<ShownJob> {
  return JSON.parse((await runCli(['show', id, '--json'], { cwd, env })).stdout) as ShownJob;
}

function readMarkers(path: string): string[] {
  return readFileSync(path, 'utf8').trim().split('\n').sort();
}

async function startWorkers(...specs: Array<{ name: string; concurrency: number; env?: Record<string, string> }>): Promise<TestWorker[]> {
  const started = await Promise.all(specs.map((spec) => startWorker(redis.url, spec)));
  workers.push(...started);
  return started;
}

describe('a worker that dies', () => {
  it('kill -9 while it runs 4 tasks: those runs are interrupted with its name, the tasks finish on the other worker, none completes twice', async () => {
    const { cwd, env, markers } = coordinator();
    const [doomed] = await startWorkers({ name: 'doomed', concurrency: 4, env: FAST_QUEUE_ENV });
    // Each task holds a lock on a file of its own (flock: released only when its shell is gone) and
    // waits for the test's word before it completes. The doomed worker dies while it holds four of
    // them; once their processes are gone too (its containment takes them with it), the word comes:
    // however slow the machine, none of the doomed runs can complete.
    const scratch = makeTempDir();
    const release = join(scratch, 'release');
    const lockOf = (task: string): string => join(scratch, `${task}.lock`);
    const lines = Array.from({ length: 8 }, (_, index) => `exec 9>${lockOf(`t${index + 1}`)}; flock 9; until [ -f ${release} ]; do sleep 0.05; done; echo t${index + 1} >> ${markers}`);
    const batch = startCli(['batch', '-j', '8', '--retries', '1', '-'], { cwd, env, input: `${lines.join('\n')}\n` });
    await waitFor(() => (doomed!.output.match(/▶ /g) ?? []).length === 4, 'the doomed worker to take 4 runs');
    const doomedTasks = [...doomed!.output.matchAll(/▶ \S+ (t\d+) /g)].map((match) => match[1]!);
    // Their shells took their locks before the worker died (a run is said once its shell started).
    await waitFor(() => doomedTasks.every((task) => spawnSync('flock', ['-n', lockOf(task), 'true']).status === 1), 'the doomed runs to hold their locks');
    doomed!.child.kill('SIGKILL');
    await waitFor(() => doomedTasks.every((task) => spawnSync('flock', ['-n', lockOf(task), 'true']).status === 0), 'the doomed runs\' processes to die with their worker');
    writeFileSync(release, '');
    await startWorkers({ name: 'survivor', concurrency: 4, env: FAST_QUEUE_ENV });
    const result = await batch.result;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const id = /Batch (job-[a-z0-9]{8})/.exec(result.stdout)![1]!;
    const job = await show(cwd, env, id);
    expect(readMarkers(markers)).toEqual(Array.from({ length: 8 }, (_, index) => `t${index + 1}`).sort());
    const runs = job.tasks.flatMap((task) => task.runs);
    const interrupted = runs.filter((run) => run.state.status === 'interrupted');
    expect(interrupted).toHaveLength(4);
    for (const run of interrupted) {
      expect(run.worker).toMatch(/@doomed$/);
      expect(run.state.reason).toMatch(/^worker doomed stopped answering/);
    }
    expect(runs.filter((run) => run.state.status === 'succeeded').every((run) => run.worker.endsWith('@survivor'))).toBe(true);
    expect(job.tasks.every((task) => task.status === 'done')).toBe(true);
  }, 60_000);

  it('a stale worker (frozen past its lock, then continued) cannot record its outcome over the new holder\'s', async () => {
    const { cwd, env } = coordinator();
    const [stale] = await startWorkers({ name: 'stale2', concurrency: 1, env: FAST_QUEUE_ENV });
    const batch = startCli(['batch', '--retries', '1', '-'], { cwd, env, input: 'sleep 3; echo "done by $JOBLINE_WORKER_NAME"\n' });
    await stale!.until('▶ ');
    stale!.child.kill('SIGSTOP');
    const [fresh] = await startWorkers({ name: 'fresh2', concurrency: 1, env: FAST_QUEUE_ENV });
    await fresh!.until('▶ ');
    stale!.child.kill('SIGCONT');
    await stale!.until(/✖ \S+ (lost|not recorded)/, 20_000);
    const result = await batch.result;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const id = /Batch (job-[a-z0-9]{8})/.exec(result.stdout)![1]!;
    const job = await show(cwd, env, id);
    expect(job.tasks[0]!.result).toBe('done by fresh2');
    expect(job.tasks[0]!.runs.map((run) => [run.worker.split('@')[1], run.state.status])).toEqual([['stale2', 'interrupted'], ['fresh2', 'succeeded']]);
  }, 60_000);
});

describe('redis-server restarted mid-batch (AOF on)', () => {
  it('loses nothing and runs nothing twice', async () => {
    const timings = { JOBLINE_QUEUE_LOCK_MS: '10000', JOBLINE_QUEUE_STALLED_MS: '5000' };
    const { cwd, env, markers } = coordinator(timings);
    await startWorkers({ name: 'r1', concurrency: 3, env: timings }, { name: 'r2', concurrency: 3, env: timings });
    const lines = Array.from({ length: 60 }, (_, index) => `sleep 0.1; echo t${index + 1} >> ${markers}`);
    const batch = startCli(['batch', '-j', '6', '-'], { cwd, env, input: `${lines.join('\n')}\n` });
    await waitFor(() => {
      try {
        return readMarkers(markers).length >= 15;
      } catch {
        return false;
      }
    }, '15 tasks done');
    await redis.stop();
    await redis.start();
    const result = await batch.result;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(readMarkers(markers)).toEqual(Array.from({ length: 60 }, (_, index) => `t${index + 1}`).sort());
    const id = /Batch (job-[a-z0-9]{8})/.exec(result.stdout)![1]!;
    const job = await show(cwd, env, id);
    expect(job.tasks.every((task) => task.status === 'done' && task.attempts === 1)).toBe(true);
    // The coordinator said the loss once, and the return.
    const said = result.stdout + result.stderr;
    expect(said.match(/(Lost the connection to|Cannot reach) the queue at redis:\/\/127\.0\.0\.1:\d+\/0(: \w+)?; reconnecting \(runs waiting to be sent wait\)\./g)).toHaveLength(1);
    expect(said).toContain(`The queue at ${redis.url} is back.`);
  }, 90_000);
});

describe('a coordinator that dies', () => {
  it('kill -9 mid-batch, then a new coordinator resumes: runs that completed meanwhile are recorded, not run again; runs still going are adopted', async () => {
    const { cwd, jobsDir, env, markers } = coordinator();
    const [worker] = await startWorkers({ name: 'steady', concurrency: 4, env: FAST_QUEUE_ENV });
    // Four quick tasks and four slow ones: when the coordinator dies, the quick ones finish while
    // it is away and the slow ones are still going when the next one comes.
    const lines = [...Array.from({ length: 4 }, (_, index) => `echo quick${index + 1} >> ${markers}; echo out quick${index + 1}`), ...Array.from({ length: 4 }, (_, index) => `sleep 4; echo slow${index + 1} >> ${markers}; echo out slow${index + 1}`)];
    const batch = startCli(['batch', '-j', '8', '-'], { cwd, env, input: `${lines.join('\n')}\n` });
    await waitFor(() => (worker!.output.match(/▶ /g) ?? []).length >= 4 && worker!.output.includes('quick'), 'the worker to take runs');
    await waitFor(() => (worker!.output.match(/▶ /g) ?? []).length === 8 || worker!.output.includes('✔'), 'runs under way');
    batch.child.kill('SIGKILL');
    await batch.result;
    // Every quick run has finished on the worker while no coordinator was there.
    await waitFor(() => (worker!.output.match(/✔ .* done/g) ?? []).length >= 4 && (worker!.output.match(/▶ /g) ?? []).length === 8, 'the quick runs to end and the slow ones to be taken');
    const id = /"?(job-[a-z0-9]{8})/.exec((await runCli(['list', '--json'], { cwd, env })).stdout)![1]!;
    const resumed = await runCli(['resume', id, '-y', '--json'], { cwd, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    // Each task's command ran once: the worker took 8 runs in all, and each marker is there once.
    expect((worker!.output.match(/▶ /g) ?? []).length).toBe(8);
    expect(readMarkers(markers)).toEqual(['quick1', 'quick2', 'quick3', 'quick4', 'slow1', 'slow2', 'slow3', 'slow4']);
    const job = await show(cwd, env, id);
    expect(job.status).toBe('completed');
    for (const task of job.tasks) {
      const last = task.runs.at(-1)!;
      expect(last.state.status).toBe('succeeded');
      expect(last.worker).toMatch(/@steady$/);
      // Its output was recorded with it (replayed from the run's stream into its new run's file).
      expect(readFileSync(join(jobsDir, id, 'runs', `${last.id}.log`), 'utf8')).toContain(`out ${task.result!.replace('out ', '')}`);
    }
  }, 90_000);
});
