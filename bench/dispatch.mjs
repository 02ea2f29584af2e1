// Dispatch: time from JobManager.submit() until the job's first phase is running inside its
// worker, against a bare `new Worker` spawn measured in the same run (ms).
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { JobManager } from '../dist/jobs/service/manager.js';
import { JobStore } from '../dist/store/job-store.js';
import { ThreadExecutor } from '../dist/jobs/runtime/thread-executor.js';
import { tempDir } from './lib.mjs';

const agent = { type: 'module', name: 'bench', summary: 'bench', module: fileURLToPath(new URL('./agents/first-report.mjs', import.meta.url)), phases: [{ name: 'run' }] };

/** A bare worker, from construction until its first message. */
export async function bareSpawn() {
  const started = performance.now();
  const worker = new Worker(new URL('./agents/bare-worker.mjs', import.meta.url));
  await new Promise((resolve) => worker.once('message', resolve));
  const elapsed = performance.now() - started;
  await worker.terminate();
  return elapsed;
}

/** jobline: from submit() until the phase reports from inside its worker; `spareWorkers` 0 is cold. */
export async function dispatch(spareWorkers) {
  const store = JobStore.open(tempDir());
  const executor = new ThreadExecutor({ workerHeapMb: 512, spareWorkers, maxIdleWorkers: 3 + spareWorkers });
  const manager = new JobManager({ store, executor, maxConcurrentJobs: 3, whenBusy: 'queue', maxUnfinishedJobs: 10, keepTempFiles: false, cancelGraceMs: 2000 });
  await manager.whenReady();
  const running = new Promise((resolve) => manager.once('jobProgress', resolve));
  const started = performance.now();
  await manager.submit({ agent, prompt: 'bench', mode: 'background', cwd: store.dir });
  await running;
  const elapsed = performance.now() - started;
  await manager.whenIdle();
  await manager.shutdown();
  return elapsed;
}
