// Durability cost: fsyncs and bytes written per job lifecycle (created, started, phase run,
// completed, folder removed), measured in-process around the real JobManager.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getFsyncCount } from '../dist/store/atomic-write.js';
import { JobManager } from '../dist/jobs/service/manager.js';
import { JobStore } from '../dist/store/job-store.js';
import { ThreadExecutor } from '../dist/jobs/runtime/thread-executor.js';
import { tempDir } from './lib.mjs';

function bytesWritten() {
  // wchar: bytes this process passed to write(2) and friends (all threads), from /proc.
  return Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))[1]);
}

/** Runs `count` one-phase `true` jobs; returns fsyncs and bytes written per job. */
export async function measureDurability(count = 200, keepTempFiles = false) {
  const store = JobStore.open(join(tempDir(), 'jobs'));
  const executor = new ThreadExecutor({ workerHeapMb: 256, spareWorkers: 1, maxIdleWorkers: 4 });
  const manager = new JobManager({ store, executor, maxConcurrentJobs: 3, whenBusy: 'queue', maxUnfinishedJobs: 10, keepTempFiles, cancelGraceMs: 2000 });
  await manager.whenReady();
  const agent = { type: 'command', name: 'sh', summary: 'sh', phases: [{ name: 'run', run: 'eval "$JOB_PROMPT"' }] };
  const fsyncsBefore = getFsyncCount();
  const bytesBefore = bytesWritten();
  for (let i = 0; i < count; i++) await manager.submit({ agent, prompt: 'true', mode: 'background', cwd: store.dir });
  await manager.whenIdle();
  const fsyncs = (getFsyncCount() - fsyncsBefore) / count;
  const bytes = (bytesWritten() - bytesBefore) / count;
  await manager.shutdown();
  return { fsyncs, bytes };
}
