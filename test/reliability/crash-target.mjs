// A jobline workload to be killed: the real JobManager (from dist/) runs multi-phase jobs with
// approvals, retries, cancels and cleanup, and appends every fact the user could have seen to a
// ledger, fsynced before going on. The crash harness SIGKILLs this process at random moments.
// Usage: node crash-target.mjs <jobsDir> <ledgerPath> <seed>
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { JobManager } from '../../dist/jobs/service/manager.js';
import { JobStore } from '../../dist/store/job-store.js';
import { ThreadExecutor } from '../../dist/jobs/runtime/thread-executor.js';

const [jobsDir, ledgerPath, seedText] = process.argv.slice(2);
let seed = Number(seedText) || 1;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

const ledger = openSync(ledgerPath, 'a');
// The ledger is what the user was told; it is durable before anything else happens.
const note = (line) => {
  writeSync(ledger, `${line}\n`);
  fsyncSync(ledger);
};

const store = JobStore.open(jobsDir);
const executor = new ThreadExecutor({ workerHeapMb: 128, spareWorkers: 1, maxIdleWorkers: 4 });
const manager = new JobManager({ store, executor, maxConcurrentJobs: 3, whenBusy: 'queue', maxUnfinishedJobs: 1000, keepTempFiles: false, cancelGraceMs: 300, progressFlushMs: 20 });
const agent = { type: 'command', name: 'stages', summary: 'stages', phases: [
  { name: 'one', run: 'echo one; sleep 0.0$((RANDOM % 5))' },
  { name: 'two', run: 'echo two; echo more; sleep 0.0$((RANDOM % 5))' },
  { name: 'three', run: 'echo three' },
] };

manager.on('jobEvent', (job, event) => {
  note(`${event.type} ${job.id}`);
  if (event.type !== 'approval_requested') return;
  const roll = random();
  const attempts = job.phases[job.currentPhase].attempts;
  if (roll < 0.25 && attempts === 1) void manager.retry(job.id, 'again please').catch(() => {});
  else if (roll < 0.35) void manager.cancel(job.id).catch(() => {});
  else void manager.approve(job.id).catch(() => {});
});

note('start');
for (let i = 0; i < 8; i++) {
  const { job } = await manager.submit({ agent, prompt: `job ${i}`, mode: random() < 0.7 ? 'interactive' : 'background', cwd: process.cwd() });
  note(`submitted ${job.id}`);
  if (random() < 0.5) await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 40)));
}
await manager.whenIdle();
note('idle');
await manager.shutdown();
closeSync(ledger);
