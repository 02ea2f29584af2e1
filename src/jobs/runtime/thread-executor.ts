// The executor port on this machine: each run on a pooled worker thread, whose shells a spawner
// process starts in their own process groups (or PID namespaces). Owns the pool, the choice of
// containment, and the sweep of job processes at exit.
import type { Executor, PhaseRequest, RunHandle, RunListener } from '../ports/executor.js';
import { CONTAINMENT_ENV, describeContainmentForEnv, detectContainment, detectContainmentInBackground, type Containment } from '../process/process-containment.js';
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
  /** Runs at once across all jobs (config maxWorkers): spares are kept only below it (see WorkerPool). */
  maxRuns?: number;
}

/** Runs on worker threads of this process. */
export class ThreadExecutor implements Executor {
  /** Its workers write runs' starts to the jobs' journals on this machine (see Executor). */
  readonly canRecordStarts = true;
  private readonly pool: WorkerPool;
  private readonly runs = new Set<JobRun>();
  private isClosed = false;
  // Settles when the probe is done and the spare workers are booting.
  private readonly warmed: Promise<void>;

  constructor(private readonly options: ThreadExecutorOptions) {
    this.pool = new WorkerPool({ heapLimitMb: options.workerHeapMb, spareWorkers: options.spareWorkers, maxIdleWorkers: options.maxIdleWorkers, ...(options.maxRuns === undefined ? {} : { maxRuns: options.maxRuns }) });
    // The containment probe runs in the background and the spare workers boot after it, so
    // neither holds up the start of the REPL; a run asked for sooner probes at once (see
    // `containment`).
    this.warmed = detectContainmentInBackground().then(() => {
      if (this.isClosed) return;
      this.handDownContainment();
      this.pool.warm();
    });
  }

  /**
   * How job shells are contained on this machine (a PID namespace each, or process groups).
   * Found out once, before any worker exists, and handed down through the environment to the
   * workers and their spawners, which start the shells (see process-containment.ts).
   */
  get containment(): Containment {
    return this.handDownContainment();
  }

  prepare(): void {
    this.handDownContainment();
    this.pool.prepare();
  }

  async whenReady(): Promise<void> {
    await this.warmed;
    await this.pool.whenWarm();
  }

  start(request: PhaseRequest, listener: RunListener): RunHandle {
    this.handDownContainment();
    // A command agent's runs only wait on their shells: those of one job share a worker.
    const worker = this.pool.acquire(request.agent.type === 'command' ? `job:${request.jobId}` : undefined);
    const run = new JobRun(worker, this.pool.childRegistryOf(worker), request, {
      onOutput: (lines, lineCount) => listener.output(lines, lineCount),
      onProgress: (progress) => listener.progress(progress),
      onActivity: (icon, text) => listener.activity(icon, text),
      onBudgetReached: (usage) => listener.budgetReached(usage),
      onText: (text) => listener.text(text),
    }, this.options.workerHeapMb);
    this.runs.add(run);
    // The worker goes back to the pool only when it is known healthy (see RunOutcome).
    const outcome = run.outcome.then(({ isWorkerReusable, ...phaseOutcome }) => {
      this.runs.delete(run);
      if (isWorkerReusable) this.pool.release(worker);
      else this.pool.discard(worker);
      return phaseOutcome;
    });
    return { outcome, cancel: (graceMs) => run.cancel(graceMs), kill: () => run.kill(), updateUsage: (others, budget) => run.updateUsage(others, budget) };
  }

  // Settles the containment (probing now if the background probe has not finished) and puts it
  // in the environment every new worker inherits.
  private handDownContainment(): Containment {
    const containment = detectContainment();
    process.env[CONTAINMENT_ENV] = describeContainmentForEnv(containment);
    return containment;
  }

  /** Worker threads alive now, idle ones included (for diagnostics and tests). */
  get threadCount(): number {
    return this.pool.size;
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
    this.isClosed = true;
    await this.pool.close();
    killChildProcessGroups();
  }
}
