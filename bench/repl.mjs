// REPL benchmarks through a real pseudo-terminal: prompt return, typing while jobs are chatty,
// scaling with stored jobs, and memory.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReplSession, memoryOf, memoryOfShellHosts, percentile, seedJobs, tempDir } from './lib.mjs';

const PROMPT = 'jobline:sh> ';
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startRepl(config = {}, seed = 0) {
  const cwd = tempDir();
  const jobsDir = join(cwd, 'jobs');
  if (seed > 0) seedJobs(jobsDir, seed);
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify(config));
  const started = performance.now();
  const session = new ReplSession(cwd, { JOBLINE_JOBS_DIR: jobsDir, JOBLINE_DIAGNOSTICS_FILE: join(cwd, 'diagnostics.json') });
  const ready = await session.when((output) => /jobline:sh(\[bg\])?> /.test(output));
  return { session, cwd, startupMs: ready - started };
}

async function stop(session) {
  session.kill('SIGTERM');
  await session.exited;
}

/** Submits `true` repeatedly; ms from Enter until the prompt is drawn again after "Started". */
async function promptReturnSamples(session, count) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const from = session.output.length;
    const sent = performance.now();
    session.write('true\r');
    const ready = await session.when((output) => {
      const started = output.indexOf('Started', from);
      return started !== -1 && output.indexOf(PROMPT, started) !== -1;
    });
    samples.push(ready - sent);
    await session.whenAfter(from, 'Completed'); // the job is done before the next one
  }
  return samples;
}

/** Prompt return with `busy` long jobs running, p50 and p99 (ms). */
export async function measurePromptReturn(busy, count = 200) {
  const { session } = await startRepl({ maxConcurrentJobs: busy + 1 });
  for (let i = 0; i < busy; i++) {
    const from = session.output.length;
    session.write(`sleep 600 # busy ${i}\r`);
    await session.whenAfter(from, 'Started');
  }
  // Warm-up: after the first job, a worker's shell lane and the write threads boot in the
  // background (once per session); prompts typed at machine speed would race those boots.
  await promptReturnSamples(session, 20);
  const samples = await promptReturnSamples(session, count);
  await stop(session);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** Keystroke echo latency and the REPL's event-loop delay while 3 jobs each emit 10,000 events a second. */
export async function measureTyping(keystrokes = 300) {
  const chatty = fileURLToPath(new URL('./agents/chatty.mjs', import.meta.url));
  const { session, cwd } = await startRepl({ maxConcurrentJobs: 3, agents: { sh: { type: 'module', module: chatty, phases: [{ name: 'run' }] } } });
  for (let i = 0; i < 3; i++) {
    const from = session.output.length;
    session.write(`chatter ${i}\r`);
    await session.whenAfter(from, 'Started');
  }
  await session.when((output) => (output.match(/line \d+/g) ?? []).length > 10);
  const latencies = [];
  for (let k = 0; k < keystrokes; k++) {
    // A character not typed before in this run: its first appearance is the echo of this key.
    const char = String.fromCharCode(0x100 + k);
    const from = session.output.length;
    const sent = performance.now();
    session.write(char);
    latencies.push((await session.whenAfter(from, char)) - sent);
    if (k % 40 === 39) session.write('\u0015'); // Ctrl+U: keep the line short
    await pause(20); // a fast typist: 50 keys a second
  }
  session.write('\u0015/quit\r');
  await session.whenAfter(0, 'Quit and mark them interrupted?');
  session.write('y');
  await session.exited;
  const diagnostics = JSON.parse(readFileSync(join(cwd, 'diagnostics.json'), 'utf8'));
  return { echoP50: percentile(latencies, 50), echoP99: percentile(latencies, 99), eldP50: diagnostics.eventLoopDelayMs.p50, eldP99: diagnostics.eventLoopDelayMs.p99 };
}

/**
 * With `stored` job folders: startup (from launch until a command typed at once is answered;
 * typed lines wait for the startup review, which reads every job), /jobs render time, and
 * prompt return.
 */
export async function measureScaling(stored) {
  const cwd = tempDir();
  const jobsDir = join(cwd, 'jobs');
  seedJobs(jobsDir, stored);
  writeFileSync(join(cwd, '.jobrc.json'), '{}');
  const launched = performance.now();
  const session = new ReplSession(cwd, { JOBLINE_JOBS_DIR: jobsDir });
  session.write('/agents\r');
  const startupMs = (await session.when((output) => output.includes('runs the prompt as a shell command'))) - launched;
  const from = session.output.length;
  const sent = performance.now();
  session.write('/jobs\r');
  const rendered = await session.when((output) => {
    const header = output.indexOf('Jobs (', from);
    return header !== -1 && output.indexOf(PROMPT, header) !== -1;
  });
  const submit = await promptReturnSamples(session, 20);
  await stop(session);
  return { startupMs, jobsMs: rendered - sent, submitP50: percentile(submit, 50) };
}

/** RSS of the REPL idle, with 3 running jobs (and of its shell lanes then), and its peak while a job prints 100 MB (MB). */
export async function measureMemory() {
  const { session } = await startRepl({ mode: 'background' });
  await pause(500);
  const idle = memoryOf(session.pid).rssMb;
  for (let i = 0; i < 3; i++) {
    const from = session.output.length;
    session.write(`sleep 600 # memory ${i}\r`);
    await session.whenAfter(from, 'Started');
  }
  await pause(500);
  const running = memoryOf(session.pid).rssMb;
  const lanes = memoryOfShellHosts(session.pid);
  await stop(session);
  const second = await startRepl({ mode: 'background' });
  const from = second.session.output.length;
  second.session.write('head -c 100000000 /dev/zero | tr "\\0" x | fold -w 99\r');
  await second.session.whenAfter(from, 'Completed', 120_000);
  const peak = memoryOf(second.session.pid).peakMb;
  await stop(second.session);
  return { idle, running, lanes, peak };
}

/**
 * With a running job of `count` tasks (`/batch` of `sleep 600` lines, 3 at a time): ms from Enter
 * until `/jobs` is drawn, and until `/tasks <id>` is (each the median of 5, after one warm-up).
 */
export async function measureTaskViews(count) {
  const { session, cwd } = await startRepl({ mode: 'background' });
  writeFileSync(join(cwd, 'lines.txt'), `${Array(count).fill('sleep 600').join('\n')}\n`);
  let from = session.output.length;
  session.write('/workers 3\r');
  await session.whenAfter(from, 'Workers: 3');
  from = session.output.length;
  session.write('/batch lines.txt\r');
  await session.whenAfter(from, 'Started');
  const id = /Started (job-[a-z0-9]{8})/.exec(session.output.slice(from))[1];
  await session.whenAfter(from, 'started');
  const timeView = async (command, marker) => {
    const start = session.output.length;
    const sent = performance.now();
    session.write(`${command}\r`);
    return (await session.when((output) => {
      const at = output.indexOf(marker, start);
      return at !== -1 && output.indexOf('> ', at) !== -1;
    })) - sent;
  };
  // The first of each loads its code (lazily, once per session): warmed up, then the median of 5.
  const median = async (command, marker) => {
    await timeView(command, marker);
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push(await timeView(command, marker));
    return percentile(samples, 50);
  };
  const jobsMs = await median('/jobs', 'Jobs (');
  const tasksMs = await median(`/tasks ${id}`, `Tasks of ${id}`);
  session.write('/quit\r');
  await session.whenAfter(0, 'Quit and mark them interrupted?');
  session.write('y');
  await session.exited;
  return { jobsMs, tasksMs };
}
