// The executor port on this machine: each run on a pooled worker thread, whose shells a spawner
// process starts in their own process groups (or PID namespaces). Owns the pool, the choice of
// containment, and the sweep of job processes at exit.
import type { Executor, PhaseRequest, RunHandle, RunListener } from '../ports/executor.js';
import { CONTAINMENT_ENV, describeContainmentForEnv, detectContainment, type Containment } from '../process/process-containment.js';
import { findJobProcesses, killChildProcessGroups } from '../process/process-sweep.js';
import { JobRun } from './job-run.js';
import { WorkerPool } from './worker-pool.js';

/** Settings of a ThreadExecutor. */
export interface ThreadExecutorOptions {
  /** Heap limit of each worker (MB). */
  workerHeapMb: number;
  /** Warm spare workers. */
  spareWorkers: number;
  /** Idle workers kept at most. */
  maxIdleWorkers: number;
}

/** Runs on worker threads of this process. */
export class ThreadExecutor implements Executor {
  /** How job shells are contained on this machine (a PID namespace each, or process groups). */
  readonly containment: Containment;
  private readonly pool: WorkerPool;
  private readonly runs = new Set<JobRun>();

  constructor(private readonly options: ThreadExecutorOptions) {
    // Found out once, before any worker exists, and handed down through the environment to the
    // workers and their spawners, which start the shells (see process-containment.ts).
    this.containment = detectContainment();
    process.env[CONTAINMENT_ENV] = describeContainmentForEnv(this.containment);
    this.pool = new WorkerPool({ heapLimitMb: options.workerHeapMb, spareWorkers: options.spareWorkers, maxIdleWorkers: options.maxIdleWorkers });
    this.pool.warm();
  }

  prepare(): void {
    this.pool.prepare();
  }

  whenReady(): Promise<void> {
    return this.pool.whenWarm();
  }

  start(request: PhaseRequest, listener: RunListener): RunHandle {
    const worker = this.pool.acquire();
    const run = new JobRun(worker, this.pool.childRegistryOf(worker), request, {
      onOutput: (lines, lineCount) => listener.output(lines, lineCount),
      onProgress: (progress) => listener.progress(progress),
      onActivity: (icon, text) => listener.activity(icon, text),
    }, this.options.workerHeapMb);
    this.runs.add(run);
    // The worker goes back to the pool only when it is known healthy (see RunOutcome).
    const outcome = run.outcome.then(({ isWorkerReusable, ...phaseOutcome }) => {
      this.runs.delete(run);
      if (isWorkerReusable) this.pool.release(worker);
      else this.pool.discard(worker);
      return phaseOutcome;
    });
    return { outcome, cancel: (graceMs) => run.cancel(graceMs), kill: () => run.kill() };
  }

  findJobProcesses(jobId: string): number[] {
    return findJobProcesses(jobId);
  }

  containmentWarning(): string | null {
    if (this.containment.kind !== 'process-group') return null;
    return `job processes are contained by process group only (${this.containment.reason}): a process that leaves its group (setsid, setpgid) can outlive a cancel, or a SIGKILL of jobline.`;
  }

  killAll(): void {
    for (const run of this.runs) run.kill();
    killChildProcessGroups();
  }

  async close(): Promise<void> {
    await this.pool.close();
    killChildProcessGroups();
  }
}
