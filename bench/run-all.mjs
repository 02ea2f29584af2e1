// `npm run bench`: runs every benchmark RUNS times (BENCH_RUNS, default 5) and writes
// docs/PERFORMANCE.md. Every figure is the median of the runs, with min and max; baselines are
// measured in the same run.
import { writeFileSync } from 'node:fs';
import { bareSpawn, dispatch } from './dispatch.mjs';
import { measureDurability } from './durability.mjs';
import { RUNS, fmt, machine, summarize } from './lib.mjs';
import { measureMemory, measurePromptReturn, measureScaling, measureTaskViews, measureTyping } from './repl.mjs';
import { runFloor, runJobline, runParallel, runTaskScaling, runTsp, runXargs } from './throughput.mjs';
import { measureApi, measureFanOut } from './api.mjs';
import { measureDashboard } from './dashboard.mjs';
import { measureLandings, measureWorktreeCreation } from './worktrees.mjs';
import { measureOutputLatency, measureQueueThroughput, measureScaleOut } from './queue.mjs';

const log = (text) => process.stderr.write(`${text}\n`);
const collect = async (name, run) => {
  const results = [];
  for (let i = 0; i < RUNS; i++) {
    log(`${name}: run ${i + 1}/${RUNS}`);
    results.push(await run());
  }
  return results;
};
const pick = (results, key) => summarize(results.map((r) => r[key]));
const verdict = (ok) => (ok ? '✅ met' : '❌ missed');

const prompt0 = await collect('prompt return, idle', () => measurePromptReturn(0));
const prompt3 = await collect('prompt return, 3 busy', () => measurePromptReturn(3));
const typing = await collect('typing while chatty', () => measureTyping());
const dispatchRuns = await collect('dispatch', async () => {
  const bare = [], cold = [], warm = [];
  for (let i = 0; i < 10; i++) {
    bare.push(await bareSpawn());
    cold.push(await dispatch(0));
    warm.push(await dispatch(1));
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  return { bare: median(bare), cold: median(cold), warm: median(warm), coldRatio: median(cold) / median(bare), warmRatio: median(warm) / median(bare) };
});
const throughput = await collect('throughput', async () => {
  const xargs = runXargs();
  return { xargs, jobline: runJobline(), floor: runFloor(), parallel: runParallel(), tsp: runTsp(), ratio: 0, tspRatio: 0, floorRatio: 0 };
});
for (const run of throughput) {
  run.ratio = run.jobline / run.xargs;
  run.tspRatio = run.jobline / run.tsp;
  run.floorRatio = run.floor / run.xargs;
}
// One job of 1,000 and of 10,000 tasks, interleaved: time per task, peak memory; and the REPL's
// views of a running job of 10,000 tasks.
const taskScaling = await collect('tasks in one job', async () => {
  const small = runTaskScaling(1000);
  const large = runTaskScaling(10000);
  return { smallPerTask: small.perTaskMs, largePerTask: large.perTaskMs, flatness: large.perTaskMs / small.perTaskMs, smallRss: small.rssMb, largeRss: large.rssMb };
});
const taskViews = await collect('views of a 10,000-task job', () => measureTaskViews(10000));
const scaling = {};
for (const stored of [10, 1000, 10000]) scaling[stored] = await collect(`scaling, ${stored} stored`, () => measureScaling(stored));
const submitFlatness = summarize(scaling[10000].map((run, i) => run.submitP50 / scaling[10][i].submitP50));
const memory = await collect('memory', () => measureMemory());
const durability = await collect('durability', () => measureDurability(200));
const api = await collect('the API of jobline serve', () => measureApi());
const fanOut = await collect('the event stream with 200 followers', () => measureFanOut());
const dashboard = await collect('the web dashboard', () => measureDashboard());
const worktreeMade = await collect('a job\'s worktree', () => measureWorktreeCreation());
const landings = await collect('landing 20 ready jobs', () => measureLandings(20));
const queueThroughput = await collect('1,000 tasks through the queue', () => measureQueueThroughput());
const queueLatency = await collect('output latency through the queue', () => measureOutputLatency());
const queueScale = await collect('two workers against one', () => measureScaleOut());

const p99Prompt = Math.max(pick(prompt0, 'p99').median, pick(prompt3, 'p99').median);
const echoP99 = pick(typing, 'echoP99').median;
const eldP99 = pick(typing, 'eldP99').median;
const tp = { jobline: pick(throughput, 'jobline'), xargs: pick(throughput, 'xargs'), floor: pick(throughput, 'floor'), parallel: pick(throughput, 'parallel'), tsp: pick(throughput, 'tsp'), ratio: pick(throughput, 'ratio'), tspRatio: pick(throughput, 'tspRatio'), floorRatio: pick(throughput, 'floorRatio') };
const fan = pick(fanOut, 'fanOutRatio');

const report = `# Performance

Produced by \`npm run bench\` on ${new Date().toISOString()}: ${machine()}.
Every figure is the median of ${RUNS} runs, with min–max in brackets; baselines (a bare worker
spawn, xargs, GNU parallel, task-spooler, 10 stored jobs) are measured in the same run. Latencies
are in ms, memory in MB. The REPL is measured through a real pseudo-terminal, as a user sees it.

## Summary

| goal | measured | |
|---|---|---|
| prompt return p99 under 5 ms | ${p99Prompt.toFixed(2)} ms (worst of idle and 3 busy) | ${verdict(p99Prompt < 5)} |
| typing while 3 jobs each emit 10,000 events/s: p99 under 16 ms | echo ${echoP99.toFixed(2)} ms, event-loop delay ${eldP99.toFixed(2)} ms | ${verdict(echoP99 < 16 && eldP99 < 16)} |
| a job's event in the dashboard: p50 / p99 | ${fmt(pick(dashboard, 'renderP50'), 0)} / ${fmt(pick(dashboard, 'renderP99'), 0)} ms (the bare stream: ${fmt(pick(dashboard, 'streamP50'), 0)} / ${fmt(pick(dashboard, 'streamP99'), 0)} ms) | measured |
| dispatch at most 1.2× a bare worker spawn, less when warm | warm ${pick(dispatchRuns, 'warmRatio').median.toFixed(2)}×, cold ${pick(dispatchRuns, 'coldRatio').median.toFixed(2)}× | ${verdict(pick(dispatchRuns, 'warmRatio').median < 1 && pick(dispatchRuns, 'coldRatio').median <= 1.2)} |
| batch of 1,000 tasks: faster than GNU parallel and task-spooler | jobline ${tp.jobline.median.toFixed(0)} ms; parallel ${tp.parallel.median.toFixed(0)}, tsp ${tp.tsp.median.toFixed(0)} | ${verdict(tp.jobline.median < tp.parallel.median && tp.jobline.median < tp.tsp.median)} |
| batch of 1,000 tasks: within 2× of xargs -P3 | ${tp.ratio.median.toFixed(2)}× | ${verdict(tp.ratio.median <= 2)} |
| batch of 1,000 tasks: faster than task-spooler | ${tp.tspRatio.median.toFixed(2)}× tsp's time | ${verdict(tp.tspRatio.median < 1)} |
| job submissions with 200 clients following the event stream: at least 0.8× the rate with none | ${fan.median.toFixed(2)}× | ${verdict(fan.median >= 0.8)} |
| 10,000 tasks in one job: cost per task within 1.2× of 1,000 | ${pick(taskScaling, 'flatness').median.toFixed(2)}× | ${verdict(pick(taskScaling, 'flatness').median <= 1.2)} |
| 10,000 tasks in one job: under 150 MB | ${pick(taskScaling, 'largeRss').median.toFixed(0)} MB peak | ${verdict(pick(taskScaling, 'largeRss').median < 150)} |
| a running job of 10,000 tasks: \`/jobs\` and \`/tasks\` under 100 ms | ${pick(taskViews, 'jobsMs').median.toFixed(0)} and ${pick(taskViews, 'tasksMs').median.toFixed(0)} ms | ${verdict(pick(taskViews, 'jobsMs').median < 100 && pick(taskViews, 'tasksMs').median < 100)} |
| submit latency flat with 10,000 stored jobs | ${submitFlatness.median.toFixed(2)}× the latency with 10 stored | ${verdict(submitFlatness.median < 1.5)} |
| a job's worktree with a 20,000-file include: within 1.3× of \`git worktree add\` + \`cp -al\` | ${pick(worktreeMade, 'ratio').median.toFixed(2)}× | ${verdict(pick(worktreeMade, 'ratio').median <= 1.3)} |
| landing 20 ready jobs, no check: within 2× of merge-tree + commit-tree + update-ref | ${pick(landings, 'ratio').median.toFixed(2)}× | ${verdict(pick(landings, 'ratio').median <= 2)} |
| 1,000 tasks through the queue (one worker, concurrency 3): within 2× of the local executor | ${pick(queueThroughput, 'ratio').median.toFixed(2)}× | ${verdict(pick(queueThroughput, 'ratio').median <= 2)} |
| a remote run's output line in the coordinator's output.log: p50 under 250 ms | p50 ${pick(queueLatency, 'p50').median.toFixed(0)} ms, p99 ${pick(queueLatency, 'p99').median.toFixed(0)} ms | ${verdict(pick(queueLatency, 'p50').median <= 250)} |
| tasks of \`sleep 0.2\`: two workers at least 1.8× one | ${pick(queueScale, 'ratio').median.toFixed(2)}× | ${verdict(pick(queueScale, 'ratio').median >= 1.8)} |

## 1. Prompt return

From pressing Enter on a prompt until the prompt is drawn again under \`✅ Started job-…\`; 200
prompts per run (a job that runs \`true\`; each one finishes before the next is typed), after 20
warm-up prompts: after a session's first job, its worker's shell lane and the write threads
boot in the background (once), and prompts typed at machine speed right after the first one
race those boots: here the first prompt of a session took ~20 ms and the next five up to ~14 ms
(a person typing a second prompt takes longer than the boots do).

| | p50 | p99 |
|---|---|---|
| no other job running | ${fmt(pick(prompt0, 'p50'), 2)} | ${fmt(pick(prompt0, 'p99'), 2)} |
| 3 busy jobs | ${fmt(pick(prompt3, 'p50'), 2)} | ${fmt(pick(prompt3, 'p99'), 2)} |

The time is mostly the job's durable creation: an exclusive \`mkdir\`, \`job.json\` written to a
temp file, fsynced, renamed, the folder fsynced, and the first events appended, before anything
says "Started". A profile showed those steps as ten round trips through libuv's threadpool;
written synchronously (about 0.5 ms, and nothing else can be done before it anyway), the same
run went from p50 2.56 / p99 5.69 ms to the figures above. The p99 of 200 prompts is the
third-slowest one, so it moves with the odd scheduling hiccup of a 2-core machine.

The slowest prompts met the storage policy: a pass (the policy's claim, the index, a job folder's
removal, synchronous on the main thread) ran 100 ms after each end, on a timer, and with prompts
typed one after another it fell inside a prompt's few milliseconds: a profile of the REPL, its
samples matched to each prompt's window, found it in 4 of the 5 slowest. A pass that falls due
while jobs are being submitted now runs right after the next submission ends (or a delay later
at most), and a pass that only removed jobs no longer rewrites the index.

## 2. Typing while jobs are chatty

Three jobs each report 10,000 progress events and print 10,000 lines a second while 300
keystrokes are typed at 50 a second. Echo: from a keystroke until the character appears on the
terminal. Event-loop delay: \`perf_hooks.monitorEventLoopDelay\` inside the REPL, over its life.

| | p50 | p99 |
|---|---|---|
| keystroke echo | ${fmt(pick(typing, 'echoP50'), 2)} | ${fmt(pick(typing, 'echoP99'), 2)} |
| REPL event-loop delay | ${fmt(pick(typing, 'eldP50'), 2)} | ${fmt(pick(typing, 'eldP99'), 2)} |

A profile of this case showed each progress event crossing from its worker to the main thread as
its own message (30,000 a second). Workers now merge progress (the latest value wins) and send it
at most every 50 ms; output lines were already batched that way, and notifications show a few
lines a second per job with a count of the rest. Before that change the same run measured echo
p99 1.50 ms and event-loop delay p99 2.33 ms; after it, 1.00 and 1.80.

## 3. Dispatch

From \`submit()\` until the job's first phase is running inside its worker, against a bare
\`new Worker\` until its first message (10 of each per run, interleaved).

| | ms | vs bare spawn |
|---|---|---|
| bare \`new Worker\` (baseline) | ${fmt(pick(dispatchRuns, 'bare'), 2)} | 1.00× |
| jobline, cold (no spare worker) | ${fmt(pick(dispatchRuns, 'cold'), 2)} | ${fmt(pick(dispatchRuns, 'coldRatio'), 2)}× |
| jobline, warm (one spare worker, the default) | ${fmt(pick(dispatchRuns, 'warm'), 2)} | ${fmt(pick(dispatchRuns, 'warmRatio'), 2)}× |

jobline keeps one spare worker warm and reuses healthy workers, so a new job does not pay the
spawn. Cold, two things keep the overhead down: the worker is started before the job's durable
creation is written, so the two overlap, and the worker's script is bundled into one file
(\`scripts/bundle-entries.mjs\`): a new thread loading jobline's dozen small modules one by one
spent ~5 ms of its ~25 ms boot on them. Measured to a first message from the worker's script,
21 runs, median: modules one by one 30.0 ms against a bare worker's 25.0; bundled with shared
chunks 29.7 against 27.1; bundled as one file 27.7 against 27.1. What is left is the agent's own
module import and a message round trip.

A thread's entry must also not load a package it does not need: on 2026-12-06 this measured
3.86× cold and 4.47× warm, because the worker imported one formatting function of the task log
and with it zod (~50 ms of every worker's boot). Those functions now live apart
(\`src/store/task-log-lines.ts\`), and the build fails when a thread's entry imports zod or
another heavy package (\`scripts/bundle-entries.mjs\`).

## 4. Throughput

\`jobline batch\` of 1,000 lines running \`true\`, 3 workers: one job of 1,000 tasks. Every tool
runs each line through \`/bin/sh\`, as jobline does. jobline's run counts as done only once every
task's final state is durable: the job's \`job.json\` says completed and its \`tasks.jsonl\`
records 1,000 tasks done (both checked after each run).

| tool | wall time (ms) | vs xargs |
|---|---|---|
| \`xargs -P3\` (baseline) | ${fmt(tp.xargs, 0)} | 1.00× |
| \`jobline batch --agent sh -j 3\` | ${fmt(tp.jobline, 0)} | ${fmt(tp.ratio, 2)}× |
| the floor: the same spawns from jobline's shell lanes, no record kept | ${fmt(tp.floor, 0)} | ${fmt(tp.floorRatio, 2)}× |
| GNU \`parallel -j3\` | ${fmt(tp.parallel, 0)} | ${(tp.parallel.median / tp.xargs.median).toFixed(2)}× |
| task-spooler \`tsp -S 3\` | ${fmt(tp.tsp, 0)} | ${(tp.tsp.median / tp.xargs.median).toFixed(2)}× |

**What changed with one job of many tasks.** A batch used to be 1,000 jobs: three fsynced writes
per job, a job folder each, a slot each. Now it is one job: a task's change appends its records
to the job's \`tasks.jsonl\` and rewrites its small \`job.json\`, changes made while a write is in
flight are merged into the next one, and \`tasks.jsonl\` is fsynced once, when the phase ends
(before the job's end is reported). A change to one task costs the same in a job of 10 or
10,000 tasks (see section 4b).

**Where each millisecond of a task goes.** A trace of each run's steps (timestamps in the main
thread and the worker, 1,000 tasks, 3 at a time, on this 2-core machine), median per task:

| step | ms |
|---|---|
| main thread: the task's start applied, request posted; the worker picks it up | ~0.4 |
| worker: the run set up (output file deferred, key scrubber, progress), request written to a lane | ~0.1 |
| shell lane: request read, \`/bin/sh -c\` forked and run, \`kill -9 -1\`, end mark read by the worker | ~2.6 |
| worker → main thread: outcome posted and applied, the next task planned and started | ~0.7 |

A run takes ~4.5 ms from its start to its outcome, three at a time: ~1.5 ms per task, with
~0.37 s of fixed cost around them (a batch of one \`true\` takes that long: starting Node ~0.09 s,
loading the command line ~0.1 s, the first worker thread ~0.1 s, the job's durable creation and
end). All threads and processes together use ~2 ms of CPU per task.

What made it ~2.6× faster than before (4,933 ms, 7.8× xargs, at the previous run):
- **Shell lanes** (\`src/jobs/process/shell-lane.ts\`). Each command used to cost a Node
  \`child_process.spawn\` in a spawner process (~1.9 ms of CPU), a new PID namespace
  (\`setpriv\` + \`unshare\`, ~1 ms) and a hop through the spawner (~6 ms of latency in all). A
  lane is one long-lived contained \`/bin/sh\` per command running at once that forks each
  command; the namespace is paid once per lane, and it still kills what a command leaves behind
  before its end is reported.
- **A run's file is created by its first output**: a silent task creates no \`runs/rN.log\`
  (file creation per task competed with the fsyncs of \`job.json\` for the file system's journal:
  ~0.6 ms per task, waited for on the worker).
- **Script commands do not wait for the storage policy's delay** (100 ms at the end of each
  \`batch\` and \`run\`, meant to keep the REPL's next prompt quick).

**Why within 2× of xargs is missed.** \`xargs\` is a small C program that forks \`sh\` for each
line and records nothing: ~0.6 ms per line. Within 2× leaves jobline ~1.2 s for 1,000 tasks:
its fixed cost is already ~0.37 s, and the lane alone (fork and exec of \`sh\`, contained) costs
about what \`xargs\` does per line. The rest is what jobline is for: each task's start and end
are applied by the main thread (the one writer of the job's state), recorded in \`tasks.jsonl\`
and \`events.jsonl\`, and cross to a worker thread and back, each a wake-up on a 2-core machine
where the main thread, the worker, the write thread, three lanes and their shells compete. What
would close the gap, not done here: starting a task's next run on the worker before the main
thread has applied the previous one's end (a claim ahead, which the state model does not have),
and shorter paths through the main thread for a phase of thousands of identical tasks.

## 4b. Tasks in one job

One job of 1,000 and one of 10,000 \`true\` tasks (3 workers), interleaved in each run: wall
time per task, and the peak resident memory of jobline's process (its threads included; GNU
time's maximum RSS). Then, with a job of 10,000 \`sleep 600\` tasks running in the REPL, the
time from Enter until \`/jobs\` and \`/tasks <id>\` are drawn (median of 5 after a warm-up).

| | 1,000 tasks | 10,000 tasks |
|---|---|---|
| ms per task | ${fmt(pick(taskScaling, 'smallPerTask'), 2)} | ${fmt(pick(taskScaling, 'largePerTask'), 2)} |
| peak memory (MB) | ${fmt(pick(taskScaling, 'smallRss'), 0)} | ${fmt(pick(taskScaling, 'largeRss'), 0)} |

| a running job of 10,000 tasks | ms |
|---|---|
| \`/jobs\` | ${fmt(pick(taskViews, 'jobsMs'), 0)} |
| \`/tasks <id>\` | ${fmt(pick(taskViews, 'tasksMs'), 0)} |

**Flat cost per task.** Before, every change copied the job's whole task list into a map and
the end of a phase and the scheduler scanned every task: 5,000 tasks took 6.7 ms each against
4.6 ms for 1,000, and it grew with every task. Now each board carries an index (task positions,
counts per phase, open runs, where a phase's waiting tasks begin; \`src/jobs/model/task-board.ts\`)
derived change by change, so a change reads only the tasks it touches (a unit test counts the
reads: fewer than 20 in a job of 20,000 tasks).

**Memory.** The job's own data is small: a heap snapshot of the main thread 8,000 tasks into a
10,000-task batch held 15 MB in all. The resident size was mostly V8 heaps growing far past
what is live: the main thread's young generation grew to 32 MB, and each worker thread held a
heap of its own. 10,000 tasks went from 220 MB (before this issue's work), to 189 MB, to the
figure above:
- **A job's shell tasks share one worker thread** (they wait on processes; a thread each only
  cost memory, ~10-20 MB per thread). Each process group a run starts is recorded with its run
  (\`src/jobs/runtime/child-registry.ts\`), so one run's end kills only its own groups.
- **V8 keeps heaps small** (\`src/heap-tuning.ts\`): \`--optimize-for-size\` and a young
  generation that does not grow (\`--semi-space-growth-factor=1\`), set at the start of every
  thread, because starting a worker thread sets V8's flags back (measured: without this the main
  thread's young generation grew to 32 MB again after the first worker started). The speed is
  the same (interleaved runs of 1,000 and 10,000 tasks).
- Worker and write threads have a 4 MB young generation, and no spare worker is kept while
  every run slot is busy.

## 5. Scaling with stored jobs

Finished job folders present when the REPL starts. Startup: from launching \`jobline\` until a
command typed at once (\`/agents\`) is answered; typed lines wait for the startup review, which
reads every job to find interrupted ones (the prompt itself is drawn at once). \`/jobs\`: from
Enter until the list is drawn (active jobs and the newest finished ones are shown; the rest are
counted). Submit: prompt return p50.

| stored jobs | startup | \`/jobs\` | submit p50 |
|---|---|---|---|
${[10, 1000, 10000].map((n) => `| ${n} | ${fmt(pick(scaling[n], 'startupMs'), 0)} | ${fmt(pick(scaling[n], 'jobsMs'), 0)} | ${fmt(pick(scaling[n], 'submitP50'), 2)} |`).join('\n')}

Submit latency with 10,000 stored jobs is ${fmt(submitFlatness, 2)}× that with 10: each change
writes one job's own files, so it costs the same however many jobs are stored (a single state file
would cost O(n) per change). Startup and \`/jobs\` read every \`job.json\` (32 at a time) and grow
with the number stored; an index of statuses would make them O(1) if tens of thousands of stored
jobs became common.

## 6. Memory

Resident set size of the REPL process (its worker threads included).

| | MB |
|---|---|
| idle | ${fmt(pick(memory, 'idle'), 0)} |
| 3 running jobs | ${fmt(pick(memory, 'running'), 0)} |
| its shell lanes then (separate processes, summed) | ${fmt(pick(memory, 'lanes'), 0)} |
| peak while a job prints 100 MB | ${fmt(pick(memory, 'peak'), 0)} |

Each command running has a shell lane (see Throughput): a \`/bin/sh\` and the \`unshare\` that
holds its namespace, closed after 3 s idle. Output travels from the lane's pipe to
\`output.log\`, written inside the worker; only a few recent lines per 50 ms cross to the main
thread, so memory does not grow with output.

## 7. Durability cost

Per job lifecycle (created and queued, started, one phase run, completed, folder removed),
averaged over 200 jobs: fsyncs made by jobline, and bytes it passed to \`write(2)\` (\`wchar\` in
\`/proc/self/io\`: job.json writes, events, output.log).

| | per job |
|---|---|
| fsyncs | ${fmt(pick(durability, 'fsyncs'), 1)} |
| bytes written | ${fmt(pick(durability, 'bytes'), 0)} |

A job's creation and its end write \`job.json\` to a temp file, fsync it, rename it and fsync the
folder (2 fsyncs each), so both survive a power loss. Changes in between (started, phase
transitions, approvals) fsync the file but not the folder: a power loss may undo such a rename,
leaving the previous state, and every active state of a dead owner reads as interrupted anyway.
Progress-only changes are coalesced into at most one write a second, and the event log is
appended without fsync (\`job.json\` is the source of truth). Every write after the creation runs
in a write thread (\`src/store/write-threads.ts\`), so its fsyncs never block the REPL's thread.

## 8. The API of \`jobline serve\`

A real server on 127.0.0.1, driven with \`fetch\` over keep-alive connections. Reading one job
(\`GET /api/jobs/{id}\`, 500 requests in a row) is measured against a bare \`node:http\` server on
127.0.0.1 answering the same JSON, in the same run. Four external workers, each on its own
connection, claim and complete the 1,000 tasks of one job (every task claims a file, one of 50):
a round trip is a claim and its complete. The event stream: a client on \`/api/events?job=ID\`
counts the task events of a burst (1,500 tasks claimed and completed by one worker as fast as it
can), against the rate they were made at.

| | p50 | p99 |
|---|---|---|
| \`GET /api/jobs/{id}\` | ${fmt(pick(api, 'readP50'), 2)} | ${fmt(pick(api, 'readP99'), 2)} |
| bare \`node:http\`, same JSON (baseline) | ${fmt(pick(api, 'baseP50'), 2)} | ${fmt(pick(api, 'baseP99'), 2)} |
| claim + complete, 4 workers | ${fmt(pick(api, 'roundP50'), 2)} | ${fmt(pick(api, 'roundP99'), 2)} |

| | |
|---|---|
| reading a job vs the bare server (p50) | ${fmt(pick(api, 'readRatio'), 2)}× |
| tasks claimed and completed per second, 4 workers | ${fmt(pick(api, 'tasksPerSecond'), 0)} |
| events per second through the stream | ${fmt(pick(api, 'eventsPerSecond'), 0)} (made at ${fmt(pick(api, 'eventsProducedPerSecond'), 0)}) |
| last event's delay behind its request's answer | ${fmt(pick(api, 'streamLagMs'), 2)} ms |

A claim and a complete each answer only once the change is on disk (\`job.json\` fsynced, the task
record appended): a worker that was told it holds a task holds it after a crash too. That write is
most of a round trip; the four workers' writes to one job are merged by its writer when they
queue up. The stream keeps up with what is made: events reach the client as fast as they are
written, and the last one arrives within a fraction of a millisecond of its request's answer.

**The stream's fan-out.** 100 jobs submitted one after another (\`POST /api/jobs\` of \`true\`),
with no client following \`/api/events\`, then with 200 clients following it (each reading every
event, in a process of their own, as browsers' tabs are), in the same server:

| | |
|---|---|
| submissions per second, nobody following | ${fmt(pick(fanOut, 'aloneRate'), 0)} |
| submissions per second, 200 following | ${fmt(pick(fanOut, 'followedRate'), 0)} |
| with 200 following vs none | ${fmt(fan, 2)}× |

Each event's frame is made once for all its clients and written straight to each client's socket
(through web streams, the writes cost more than the events: at 200 clients the server was
CPU-bound on them, and submissions fell to about a sixth). A moment's events go to a client in
one write, at most every 16 ms (with more than 64 clients, 0.25 ms per client between flushes: the
clients' reads, in the followers' process on the same cores, cost as much as the server's writes),
and the clients of every job share that write's buffer.

## 9. The web dashboard

Headless Chromium (Debian's \`chromium\`, driven by playwright-core) on the dashboard of a real
server that holds 1,000 stored jobs while a job of 10,000 tasks runs (2 of the 3 run slots).
A job is submitted through the API 60 times in a row; for each, the time from its \`created\`
event (stamped by the server) to its card in the page (a MutationObserver notes when it is in the
DOM), against the same event's arrival on a bare \`EventSource\` in the same page (the baseline:
the stream without the dashboard). The page never polls: every change comes through the stream.

| | p50 | p99 |
|---|---|---|
| a job's event → its card in the page | ${fmt(pick(dashboard, 'renderP50'), 0)} | ${fmt(pick(dashboard, 'renderP99'), 0)} |
| the same event on a bare EventSource (baseline) | ${fmt(pick(dashboard, 'streamP50'), 0)} | ${fmt(pick(dashboard, 'streamP99'), 0)} |

| | |
|---|---|
| the dashboard vs the bare stream (p50) | ${fmt(pick(dashboard, 'renderRatio'), 2)}× |
| cards not in the page 30 s after their event, of 60 per run (most in a run) | ${Math.max(...dashboard.map((run) => run.renderMisses))} |
| the board with 1,000 jobs and the running job, from the login link | ${fmt(pick(dashboard, 'boardMs'), 0)} ms |
| the page of the running job of 10,000 tasks, to its first 100 tasks | ${fmt(pick(dashboard, 'jobPageMs'), 0)} ms |
| its next 100 tasks | ${fmt(pick(dashboard, 'taskPageMs'), 0)} ms |

Lanes and the finished list show 50 jobs at a time and a job's tasks 100 at a time, so what the
page holds does not grow with the folder; many events in one frame make one render.
Reproduce this section alone: \`node bench/dashboard.mjs\` (once).

## 10. Worktrees and landings

**A job's worktree.** A repository of 10,000 tracked files and an ignored \`node_modules\` of
20,000 files; \`worktree.include: ["node_modules"]\`. jobline makes the job's worktree
(\`git worktree add -b jobline/<name>\`) and copies the include (a reflink where the file system
can clone, else hard links for a folder), against the same by hand: \`git worktree add\` then
\`cp -al node_modules\`. Five of each per run, each way first in turn; medians. jobline copies
the include beside the worktree while git checks it out, then moves it in (a rename).

| | ms | |
|---|---|---|
| by hand (baseline) | ${fmt(pick(worktreeMade, 'manual'), 0)} | 1.00× |
| jobline | ${fmt(pick(worktreeMade, 'jobline'), 0)} | ${fmt(pick(worktreeMade, 'ratio'), 2)}× |

A plain include path is looked for where it is (git does not walk the 10,000 files to list the
ignored ones), and whether the file system clones is learnt from the first copy.

**Landing 20 ready jobs** that touch different files, one after the other, without a check, on a
branch checked out nowhere (compare-and-swap; the baseline's update-ref is one too), against the
bare \`git rev-parse\` + \`git merge-tree --write-tree\` + \`git commit-tree\` + \`git update-ref <new> <old>\`
per branch, one landing and one bare sequence in turn (medians per landing).

| | ms per landing | |
|---|---|---|
| bare sequence (baseline) | ${fmt(pick(landings, 'bare'), 1)} | 1.00× |
| jobline's merge queue | ${fmt(pick(landings, 'jobline'), 1)} | ${fmt(pick(landings, 'ratio'), 2)}× |

A landing starts as many git processes as the bare sequence (4): one \`for-each-ref\` reads the
target, its tree, where it is checked out (a checked-out branch is moved through its checkout,
never by update-ref) and the job's branch; \`merge-tree\` and \`commit-tree\` build the candidate;
one \`update-ref --stdin\`, started while the candidate is recorded, writes the backup ref in a
transaction of its own and then moves the target by compare-and-swap. Beyond git, it takes the
repository's landing turn and the job's claim, and records its steps in the job before the next
starts: the candidate (fsynced, not its rename: a killed process keeps it) and \`landed\`
(durable). Each record is a write of job.json and an event; the bare sequence records nothing.
Reproduce this section alone: \`node bench/worktrees.mjs\` (once).

## 11. Several machines (the queue)

Runs through a BullMQ queue on a local \`redis-server\` (AOF on), taken by \`jobline worker\`
processes on this machine (each its own process, as another machine's would be). The coordinator
is \`jobline batch\`; every batch is checked complete (\`jobline show\`: every task done).

| | |
|---|---|
| 1,000 \`true\`: local executor (\`batch -j 3\`) | ${fmt(pick(queueThroughput, 'local'), 0)} ms |
| the same through the queue, one worker of concurrency 3 (\`batch -j 6\`: 3 runs wait queued while 3 run) | ${fmt(pick(queueThroughput, 'queued'), 0)} ms (${fmt(pick(queueThroughput, 'ratio'), 2)}×) |
| a remote run's stamped line → the coordinator's output.log, p50 / p99 (100 lines, one every 50 ms) | ${fmt(pick(queueLatency, 'p50'), 0)} / ${fmt(pick(queueLatency, 'p99'), 0)} ms |
| 120 tasks of \`sleep 0.2\`, \`batch -j 12\`: one worker / two workers (concurrency 3 each) | ${fmt(pick(queueScale, 'one'), 0)} / ${fmt(pick(queueScale, 'two'), 0)} ms (${fmt(pick(queueScale, 'ratio'), 2)}×) |

Output travels on a Redis stream per run: the worker appends its output file's new bytes (and
the lines it reports) as they are written, and the coordinator reads every run's stream with one
blocking XREAD, cut short when a run is added. On one machine a run costs about twice a local
one: a coordinator and a worker each keep their own books (the start written before the run is
sent, the outcome), and BullMQ takes and completes each run with a script on Redis.
Reproduce this section alone: \`node bench/queue.mjs\` (once).
`;
writeFileSync(new URL('../docs/PERFORMANCE.md', import.meta.url), report);
log('wrote docs/PERFORMANCE.md');
process.exit(0);
