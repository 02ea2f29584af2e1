// Dispatch benchmark: time from JobManager.submit() until the job's first phase is running inside
// its worker, against a bare `new Worker` spawn measured in the same run.
// Usage: npm run bench   (writes a table to stdout)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { JobManager } from '../dist/jobs/manager.js';
import { JobStore } from '../dist/store/job-store.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const agent = { type: 'module', name: 'bench', summary: 'bench', module: fileURLToPath(new URL('./fixtures-first-report.mjs', import.meta.url)), phases: [{ name: 'run' }] };
const jobsDir = mkdtempSync(join(tmpdir(), 'jobline-bench-'));
const store = JobStore.open(jobsDir);

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) };
}

async function bareSpawn() {
  const started = performance.now();
  const worker = new Worker(new URL('./bare-worker.mjs', import.meta.url));
  await new Promise((resolve) => worker.once('message', resolve));
  const elapsed = performance.now() - started;
  await worker.terminate();
  return elapsed;
}

async function dispatch(spareWorkers) {
  const manager = new JobManager({ store, maxConcurrentJobs: 3, whenBusy: 'queue', maxUnfinishedJobs: 10, keepTempFiles: false, cancelGraceMs: 2000, workerHeapMb: 512, spareWorkers });
  await manager.whenReady();
  const running = new Promise((resolve) => manager.once('jobProgress', resolve));
  const started = performance.now();
  await manager.submit({ agent, prompt: 'bench', mode: 'background', cwd: jobsDir });
  await running;
  const elapsed = performance.now() - started;
  await manager.whenIdle();
  await manager.shutdown();
  return elapsed;
}

const results = { bare: [], cold: [], warm: [] };
for (let i = 0; i < RUNS; i++) {
  // Interleaved, so drift in machine load hits all three alike.
  results.bare.push(await bareSpawn());
  results.cold.push(await dispatch(0));
  results.warm.push(await dispatch(1));
}
rmSync(jobsDir, { recursive: true, force: true });
const bare = stats(results.bare);
const row = (name, s) => `| ${name} | ${s.median.toFixed(2)} | ${s.min.toFixed(2)} | ${s.max.toFixed(2)} | ${(s.median / bare.median).toFixed(2)}× |`;
console.log(`Dispatch: submit() until the first phase runs in its worker (${RUNS} runs each, ms)\n`);
console.log('| path | median | min | max | vs bare spawn |\n|---|---|---|---|---|');
console.log(row('bare `new Worker` until its first message (baseline)', bare));
console.log(row('jobline, no spare worker (cold spawn)', stats(results.cold)));
console.log(row('jobline, one warm spare worker (default)', stats(results.warm)));
