// Several machines (issue 29): runs through a BullMQ queue on a local redis-server (AOF on), run
// by `jobline worker` processes on this machine. Three measures, each against a baseline measured
// in the same run:
// - 1,000 `true` tasks through the queue with one worker (concurrency 3) vs the local executor
//   (jobline batch --workers 3): goal ≤ 2×;
// - from a remote run's output line (stamped by its command) to the line in the coordinator's
//   output.log: p50 and p99 (goal p50 ≤ 250 ms);
// - tasks of `sleep 0.2` on two workers vs one (concurrency 3 each): goal ≥ 1.8×.
// Reproduce alone: `node bench/queue.mjs` (once; prints JSON).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CLI, tempDir, percentile } from './lib.mjs';

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const SLEEP_TASKS = 120;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts a process and resolves once its output shows `ready`.
function startProcess(command, args, options, ready) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => reject(new Error(`${command} exited: ${output}`)));
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function withQueue(run) {
  const port = await freePort();
  const dir = tempDir('redis-');
  const redis = await startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], {}, 'Ready to accept connections');
  try {
    return await run(`redis://127.0.0.1:${port}/0`);
  } finally {
    await stop(redis);
  }
}

async function withWorkers(url, count, run) {
  const workers = [];
  try {
    for (let i = 0; i < count; i++) {
      const home = tempDir('worker-');
      workers.push(await startProcess(process.execPath, [CLI, 'worker', '--queue', url, '--name', `bench-${i}`, '--concurrency', '3', '--workdir', home], { cwd: home, env: { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache') } }, `worker bench-${i} on`));
    }
    return await run();
  } finally {
    await Promise.all(workers.map(stop));
  }
}

// jobline batch of `lines` (through the queue at `url`, or on local threads when null), `workers`
// at once; wall ms, checked: the job completed with every task done, as `jobline show` reads it.
function batch(url, lines, workers) {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'prompts.txt'), `${lines.join('\n')}\n`);
  writeFileSync(join(cwd, 'keep.json'), JSON.stringify({ debug: { keepTempFiles: true } }));
  const env = { ...process.env, JOBLINE_JOBS_DIR: join(cwd, 'jobs'), ...(url ? { JOBLINE_QUEUE_URL: url } : {}) };
  const started = performance.now();
  execFileSync(process.execPath, [CLI, 'batch', '--agent', 'sh', '--workers', String(workers), '--config', 'keep.json', 'prompts.txt'], { cwd, env, stdio: 'ignore' });
  const ms = performance.now() - started;
  const [id] = readdirSync(join(cwd, 'jobs')).filter((name) => name.startsWith('job-'));
  const job = JSON.parse(execFileSync(process.execPath, [CLI, 'show', id, '--json', '--config', 'keep.json'], { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }));
  const done = job.tasks.filter((task) => task.status === 'done').length;
  if (job.status !== 'completed' || done !== lines.length) throw new Error(`the batch ended ${job.status} with ${done} of ${lines.length} tasks done`);
  return ms;
}

/** 1,000 `true` through the queue (one worker, concurrency 3; the job keeps 6 runs sent) vs the local executor. */
export async function measureQueueThroughput() {
  const local = batch(null, Array(JOBS).fill('true'), 3);
  const queued = await withQueue((url) => withWorkers(url, 1, async () => batch(url, Array(JOBS).fill('true'), 6)));
  return { local, queued, ratio: queued / local };
}

/** A remote run prints a stamped line every 50 ms (100 lines); each line's delay until it is in the coordinator's output.log. */
export async function measureOutputLatency() {
  return withQueue((url) => withWorkers(url, 1, async () => {
    const cwd = tempDir();
    const jobsDir = join(cwd, 'jobs');
    const env = { ...process.env, JOBLINE_JOBS_DIR: jobsDir, JOBLINE_QUEUE_URL: url };
    const command = 'for i in $(seq 100); do echo "stamp $(date +%s%3N)"; sleep 0.05; done';
    const child = spawn(process.execPath, [CLI, 'run', '-y', command], { cwd, env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const delays = [];
    let offset = 0;
    let isDone = false;
    void exited.then(() => (isDone = true));
    // Reads the log as it grows (every 2 ms): a line's delay is when it is first seen here less its stamp.
    while (!isDone || delays.length < 100) {
      const ids = existsSync(jobsDir) ? readdirSync(jobsDir).filter((name) => name.startsWith('job-')) : [];
      const path = ids.length > 0 ? join(jobsDir, ids[0], 'output.log') : null;
      if (path && existsSync(path)) {
        const text = readFileSync(path, 'utf8');
        const now = Date.now();
        const fresh = text.slice(offset);
        const end = fresh.lastIndexOf('\n') + 1;
        for (const line of fresh.slice(0, end).split('\n')) {
          const match = /^stamp (\d+)$/.exec(line);
          if (match) delays.push(now - Number(match[1]));
        }
        offset += end;
      }
      if (isDone && delays.length >= 100) break;
      if (isDone) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (delays.length < 100) throw new Error(`only ${delays.length} of 100 stamped lines reached output.log`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await exited;
    return { p50: percentile(delays, 50), p99: percentile(delays, 99) };
  }));
}

/** Tasks of `sleep 0.2` on one worker and on two (concurrency 3 each): throughput ratio. */
export async function measureScaleOut() {
  return withQueue(async (url) => {
    const lines = Array(SLEEP_TASKS).fill('sleep 0.2');
    const one = await withWorkers(url, 1, async () => batch(url, lines, 12));
    const two = await withWorkers(url, 2, async () => batch(url, lines, 12));
    return { one, two, ratio: one / two };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(tempDir(), { recursive: true });
  const throughput = await measureQueueThroughput();
  const latency = await measureOutputLatency();
  const scale = await measureScaleOut();
  process.stdout.write(`${JSON.stringify({ throughput, latency, scale }, null, 2)}\n`);
  process.exit(0);
}
