// The API of `jobline serve`, over real HTTP on 127.0.0.1: the latency of reading one job (against
// a bare node:http server answering the same JSON, measured in the same run), the round trip of
// four external workers claiming and completing tasks, and the rate of the event stream during a
// burst (against the rate the events were made at).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { CLI, percentile, tempDir } from './lib.mjs';

const READS = 500;
const TASKS = 1000;
const WORKERS = 4;
const BURST_TASKS = 1500;

// Starts a server in a fresh folder; resolves with its port, token and a stop function.
async function startServer() {
  const cwd = tempDir('jobline-api-');
  const jobsDir = join(cwd, 'jobs');
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd, env: { ...process.env, JOBLINE_JOBS_DIR: jobsDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`jobline serve exited (${code}): ${output}`)));
  });
  const token = readFileSync(join(jobsDir, 'server-token'), 'utf8').trim();
  const stop = () => new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
  return { port, token, stop };
}

function client(port, token) {
  return async (method, path, body) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
}

async function timeRequests(count, request) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await request();
    samples.push(performance.now() - started);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** One run: every figure of the API section. */
export async function measureApi() {
  const server = await startServer();
  try {
    const api = client(server.port, server.token);
    const { body } = await api('POST', '/api/jobs', { prompt: 'echo ready', agent: 'sh' });
    const jobId = body.job.id;
    while ((await api('GET', `/api/jobs/${jobId}`)).body.job.status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 20));
    const shown = JSON.stringify((await api('GET', `/api/jobs/${jobId}`)).body);

    // Baseline: a bare node:http server on 127.0.0.1 answering the same JSON.
    const bare = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(shown);
    });
    await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const barePort = bare.address().port;
    const baseline = await timeRequests(READS, () => fetch(`http://127.0.0.1:${barePort}/`).then((response) => response.text()));
    const reads = await timeRequests(READS, () => api('GET', `/api/jobs/${jobId}`));
    bare.close();

    // Four workers claim and complete the tasks of one external job, each on its own connection.
    const tasks = Array.from({ length: TASKS }, (_, index) => ({ title: `task ${index}`, files: [`src/file-${index % 50}.ts`] }));
    const external = (await api('POST', '/api/jobs', { agent: 'external', tasks })).body.job.id;
    const rounds = [];
    const started = performance.now();
    await Promise.all(Array.from({ length: WORKERS }, async () => {
      const worker = (await api('POST', `/api/jobs/${external}/workers`, { agent: 'bench' })).body.worker;
      for (;;) {
        const began = performance.now();
        const claim = await api('POST', `/api/jobs/${external}/tasks/claim`, { worker });
        if (claim.status === 204) {
          const left = (await api('GET', `/api/jobs/${external}/tasks`)).body.tasks.some((task) => task.status !== 'done');
          if (!left) break;
          continue;
        }
        await api('POST', `/api/tasks/${claim.body.task.id}/complete`, { worker, token: claim.body.task.token });
        rounds.push(performance.now() - began);
      }
    }));
    const tasksPerSecond = TASKS / ((performance.now() - started) / 1000);

    // The event stream during a burst: one producer claims and completes as fast as it can; a
    // client on /api/events counts what reaches it, and when.
    const burstJob = (await api('POST', '/api/jobs', { agent: 'external', tasks: Array.from({ length: BURST_TASKS }, (_, index) => ({ title: `b${index}` })) })).body.job.id;
    const controller = new AbortController();
    const stream = await fetch(`http://127.0.0.1:${server.port}/api/events?job=${burstJob}`, { headers: { authorization: `Bearer ${server.token}` }, signal: controller.signal });
    const reader = stream.body.getReader();
    const decoder = new TextDecoder();
    let received = 0;
    let firstAt = 0;
    let lastAt = 0;
    const expected = BURST_TASKS * 2;
    const reading = (async () => {
      let pending = '';
      while (received < expected) {
        const { value, done } = await reader.read();
        if (done) break;
        pending += decoder.decode(value, { stream: true });
        let end;
        while ((end = pending.indexOf('\n\n')) !== -1) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          if (!block.includes('"task_')) continue;
          received++;
          lastAt = performance.now();
          if (received === 1) firstAt = lastAt;
        }
      }
    })();
    const worker = (await api('POST', `/api/jobs/${burstJob}/workers`, { agent: 'bench' })).body.worker;
    const producedFrom = performance.now();
    for (let i = 0; i < BURST_TASKS; i++) {
      const claim = await api('POST', `/api/jobs/${burstJob}/tasks/claim`, { worker });
      await api('POST', `/api/tasks/${claim.body.task.id}/complete`, { worker, token: claim.body.task.token });
    }
    const producedAt = performance.now();
    await reading;
    controller.abort();
    return {
      readP50: reads.p50,
      readP99: reads.p99,
      baseP50: baseline.p50,
      baseP99: baseline.p99,
      readRatio: reads.p50 / baseline.p50,
      roundP50: percentile(rounds, 50),
      roundP99: percentile(rounds, 99),
      tasksPerSecond,
      eventsProducedPerSecond: expected / ((producedAt - producedFrom) / 1000),
      eventsPerSecond: received / ((lastAt - firstAt) / 1000),
      streamLagMs: lastAt - producedAt,
    };
  } finally {
    await server.stop();
  }
}

const SUBMISSIONS = 100;
const FOLLOWERS = 200;

// Submissions per second of `count` small jobs, one after another (each answered 201 once durable).
async function submitRate(api, count) {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const { status } = await api('POST', '/api/jobs', { prompt: 'true', agent: 'sh' });
    if (status !== 201) throw new Error(`a submission was answered ${status}`);
  }
  return count / ((performance.now() - started) / 1000);
}

// The followers: a process of their own (as 200 dashboard tabs are), each reading every event; it
// says `ready` once all are connected, and on `stop` (stdin) the bytes they read.
const FOLLOWERS_SCRIPT = `
  const [port, token, count] = process.argv.slice(1);
  let received = 0;
  const followers = [];
  for (let i = 0; i < Number(count); i++) {
    const controller = new AbortController();
    const response = await fetch('http://127.0.0.1:' + port + '/api/events', { headers: { authorization: 'Bearer ' + token }, signal: controller.signal });
    const reader = response.body.getReader();
    const reading = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          received += value.length;
        }
      } catch {}
    })();
    followers.push({ controller, reading });
  }
  process.stdout.write('ready\\n');
  process.stdin.once('data', async () => {
    for (const follower of followers) follower.controller.abort();
    await Promise.all(followers.map((follower) => follower.reading));
    process.stdout.write(received + '\\n');
    process.exit(0);
  });`;

/**
 * The event stream's fan-out (issue 28 §8): the rate of job submissions with 200 clients following
 * /api/events (each reading every event, in a process of their own, as browsers' tabs are) against
 * the rate with none, in one server, in turn.
 */
export async function measureFanOut() {
  const server = await startServer();
  let followers = null;
  try {
    const api = client(server.port, server.token);
    await submitRate(api, 10); // warm
    const alone = await submitRate(api, SUBMISSIONS);
    followers = spawn(process.execPath, ['--input-type=module', '-e', FOLLOWERS_SCRIPT, String(server.port), server.token, String(FOLLOWERS)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let said = '';
    const lines = [];
    const nextLine = () => new Promise((resolve, reject) => {
      const take = () => {
        const at = said.indexOf('\n');
        if (at === -1) return false;
        resolve(said.slice(0, at));
        said = said.slice(at + 1);
        return true;
      };
      if (take()) return;
      const onData = (chunk) => {
        said += chunk;
        if (take()) followers.stdout.off('data', onData);
      };
      followers.stdout.on('data', onData);
      followers.once('exit', (code) => reject(new Error(`the followers exited (${code})`)));
    });
    lines.push(await nextLine());
    const followed = await submitRate(api, SUBMISSIONS);
    followers.stdin.write('stop\n');
    const received = Number(await nextLine());
    return { aloneRate: alone, followedRate: followed, fanOutRatio: followed / alone, followers: FOLLOWERS, bytesToFollowers: received };
  } finally {
    followers?.kill();
    await server.stop();
  }
}

// Run alone (`node bench/api.mjs`): one run, printed.
if (import.meta.url === `file://${process.argv[1]}`) console.log(await measureApi(), await measureFanOut());
