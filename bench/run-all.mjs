// `npm run bench`: runs every benchmark RUNS times (BENCH_RUNS, default 5) and writes
// docs/PERFORMANCE.md. Every figure is the median of the runs, with min and max; baselines are
// measured in the same run.
import { writeFileSync } from 'node:fs';
import { bareSpawn, dispatch } from './dispatch.mjs';
import { measureDurability } from './durability.mjs';
import { RUNS, fmt, machine, summarize } from './lib.mjs';
import { measureMemory, measurePromptReturn, measureScaling, measureTyping } from './repl.mjs';
import { runJobline, runParallel, runTsp, runXargs } from './throughput.mjs';

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
  return { xargs, jobline: runJobline(), parallel: runParallel(), tsp: runTsp(), ratio: 0 };
});
for (const run of throughput) run.ratio = run.jobline / run.xargs;
const scaling = {};
for (const stored of [10, 1000, 10000]) scaling[stored] = await collect(`scaling, ${stored} stored`, () => measureScaling(stored));
const submitFlatness = summarize(scaling[10000].map((run, i) => run.submitP50 / scaling[10][i].submitP50));
const memory = await collect('memory', () => measureMemory());
const durability = await collect('durability', () => measureDurability(200));

const p99Prompt = Math.max(pick(prompt0, 'p99').median, pick(prompt3, 'p99').median);
const echoP99 = pick(typing, 'echoP99').median;
const eldP99 = pick(typing, 'eldP99').median;
const tp = { jobline: pick(throughput, 'jobline'), xargs: pick(throughput, 'xargs'), parallel: pick(throughput, 'parallel'), tsp: pick(throughput, 'tsp'), ratio: pick(throughput, 'ratio') };

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
| dispatch at most 1.2× a bare worker spawn, less when warm | warm ${pick(dispatchRuns, 'warmRatio').median.toFixed(2)}×, cold ${pick(dispatchRuns, 'coldRatio').median.toFixed(2)}× | ${verdict(pick(dispatchRuns, 'warmRatio').median < 1 && pick(dispatchRuns, 'coldRatio').median <= 1.2)} |
| 1,000 jobs: faster than GNU parallel and task-spooler | jobline ${tp.jobline.median.toFixed(0)} ms; parallel ${tp.parallel.median.toFixed(0)}, tsp ${tp.tsp.median.toFixed(0)} | ${verdict(tp.jobline.median < tp.parallel.median && tp.jobline.median < tp.tsp.median)} |
| 1,000 jobs: within 2× of xargs -P3 | ${tp.ratio.median.toFixed(2)}× | ${verdict(tp.ratio.median <= 2)} |
| submit latency flat with 10,000 stored jobs | ${submitFlatness.median.toFixed(2)}× the latency with 10 stored | ${verdict(submitFlatness.median < 1.5)} |

## 1. Prompt return

From pressing Enter on a prompt until the prompt is drawn again under \`✅ Started job-…\`; 200
prompts per run (a job that runs \`true\`; each one finishes before the next is typed), after 20
warm-up prompts: after a session's first job, its worker's spawner process and the write threads
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

## 4. Throughput

1,000 jobs running \`true\`, 3 at a time. Every tool runs each job through \`/bin/sh\`, as
jobline does. jobline keeps every job's \`job.json\` (all 1,000 checked \`completed\` afterwards).

| tool | wall time (ms) | vs xargs |
|---|---|---|
| \`xargs -P3\` (baseline) | ${fmt(tp.xargs, 0)} | 1.00× |
| \`jobline batch --agent sh\` | ${fmt(tp.jobline, 0)} | ${fmt(tp.ratio, 2)}× |
| GNU \`parallel -j3\` | ${fmt(tp.parallel, 0)} | ${(tp.parallel.median / tp.xargs.median).toFixed(2)}× |
| task-spooler \`tsp -S 3\` | ${fmt(tp.tsp, 0)} | ${(tp.tsp.median / tp.xargs.median).toFixed(2)}× |

**What a profile showed, and what changed.** Before this round the same benchmark measured
4.3 s (7.5× xargs). A CPU profile of \`jobline batch\` (\`node --cpu-prof\`, every thread) put
the time in two places, both jobline's own overhead:

1. *Forking from a big process.* Each job's \`/bin/sh\` was forked from jobline's own process
   (~100 MB resident, four threads): \`fork()\` copies page tables and stalls the other threads
   while it does, so \`spawn()\` took ~5 ms there against 0.9 ms from a fresh Node process. Now
   each worker starts a small spawner process (\`src/jobs/process/spawner-entry.ts\`) once and its
   shells are forked from there (the first one, while the spawner boots, by the worker itself).
   The worker still tracks every process group in shared memory, and a spawner whose worker
   goes away (even with a SIGKILLed jobline) kills its shells.
2. *fsync on the REPL's thread.* Job writes were synchronous on the main thread (a third of its
   time was in \`fsync\`). Now only a job's creation is written there (the prompt waits for it
   anyway); later changes go to write threads, and creations from \`batch\` too. Changes made
   while a write is in flight are merged into the next one, and intermediate states skip the
   folder fsync (see Durability).

Together: ~4.3 s down to the figure above (the same machine, in quieter moments, measured
2.8–3.0 s against 4.5 s for the previous build, interleaved).

**Where the goal is still missed, and why.** This 2-core machine is now CPU-bound during the
run: a whole-system \`perf\` profile of the 1,000 jobs (4,000 samples/s on every CPU) found the
CPUs ~95% busy and split the ~6.2 ms of CPU each job costs as: spawner processes 1.6 ms
(Node's \`child_process.spawn\`: fork, pipes and stream objects, then the IPC messages), the
forked child before it execs 0.5 ms, write threads 1.0 ms (three atomic, fsynced writes and
their event appends), the REPL's main thread 0.8 ms, worker threads 0.7 ms, V8's helper threads
0.3 ms, and the shell itself 0.8 ms. \`xargs\` spends ~0.9 ms of CPU per job in all, because it
is a small C program that records nothing. Within 2× of it would need ~1.7 ms per job, and
fork-plus-\`sh\` alone is half of that. What would close the rest: a native spawner (a small C
program using \`vfork\`/\`posix_spawn\`, ~0.1 ms a job, where Node's spawn costs 1.6 ms), which
needs a compiler at install time or a prebuilt binary; and group commit (one fsync for many
jobs' states), which needs one shared journal instead of per-job files and so gives up O(1)
writes per change. Both trade something this project chose to keep; jobline's own per-job
costs that a profile pointed at are the ones fixed above.

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
| its spawner processes then (separate processes, summed) | ${fmt(pick(memory, 'spawners'), 0)} |
| peak while a job prints 100 MB | ${fmt(pick(memory, 'peak'), 0)} |

Each worker that has run a shell has a spawner process (see Throughput), a small Node process of
its own; most of its resident pages are the Node binary, shared with jobline's. Output travels
from the job's pipe through the spawner to \`output.log\`, written inside the worker; only a few
recent lines per 50 ms cross to the main thread, so memory does not grow with output.

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
`;
writeFileSync(new URL('../docs/PERFORMANCE.md', import.meta.url), report);
log('wrote docs/PERFORMANCE.md');
process.exit(0);
