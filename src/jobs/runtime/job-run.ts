// One phase of one job running on one worker: posts the request, relays reports, and turns every
// way the run can end (reply, crash, exit, out of memory, cancel) into exactly one RunOutcome.
import type { Worker } from 'node:worker_threads';
import type { PhaseOutcome } from '../../agents/agent.js';
import { signalProcessGroup } from '../process/process-group.js';
import type { ChildRegistry } from './child-registry.js';
import type { JobBudget, JobProgress, TokenUsage } from '../model/job.js';
import type { PhaseRequest } from '../ports/executor.js';
import type { WorkerMessage } from './protocol.js';

/** How a run ended, and whether its worker may be reused. */
export type RunOutcome = PhaseOutcome & { isWorkerReusable: boolean };

/** Callbacks for what a run reports while it goes. */
export interface JobRunHooks {
  onOutput(lines: string[], lineCount: number): void;
  onProgress(progress: Partial<JobProgress>): void;
  onActivity(icon: string, text: string): void;
  onText(text: string): void;
  onBudgetReached(usage: TokenUsage): void;
}

let nextRunId = 1;

/** Drives one phase run. Construct it to start; await `outcome`. */
export class JobRun {
  readonly runId = nextRunId++;
  /** Resolves exactly once, when the run has ended and its processes are gone. */
  readonly outcome: Promise<RunOutcome>;
  private isCancelling = false;
  private isFinished = false;
  private forceTimer: NodeJS.Timeout | null = null;
  private resolveOutcome!: (outcome: RunOutcome) => void;
  private readonly detach: () => void;

  /**
   * Posts `request` to `worker`, whose child process groups are recorded in `children`.
   * `heapLimitMb` is only used to explain an out-of-memory failure.
   */
  constructor(
    private readonly worker: Worker,
    private readonly children: ChildRegistry,
    request: PhaseRequest,
    private readonly hooks: JobRunHooks,
    private readonly heapLimitMb: number,
  ) {
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
    const onMessage = (message: WorkerMessage): void => this.handleMessage(message);
    const onError = (error: Error & { code?: string }): void => {
      const reason =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the worker ran out of memory (heap limit ${this.heapLimitMb} MB)`
          : `the worker crashed: ${error.message || String(error)}`;
      this.finish(this.isCancelling ? { kind: 'cancelled' } : { kind: 'failed', error: reason }, false);
    };
    const onExit = (code: number): void => {
      this.finish(this.isCancelling ? { kind: 'cancelled' } : { kind: 'failed', error: `the worker exited unexpectedly (exit code ${code})` }, false);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    this.detach = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.postMessage({ type: 'phaseRequested', runId: this.runId, request });
  }

  /**
   * Cancels the run: asks the worker to stop and SIGTERMs the job's process groups now; after
   * `graceMs` SIGKILLs the groups and terminates the worker, which also stops a worker stuck in
   * synchronous code. Safe to call more than once.
   */
  cancel(graceMs: number): void {
    if (this.isFinished || this.isCancelling) return;
    this.isCancelling = true;
    this.worker.postMessage({ type: 'cancelRequested', runId: this.runId });
    this.signalGroups('SIGTERM');
    this.forceTimer = setTimeout(() => this.kill(), graceMs);
  }

  /** Tells the run the job's tokens outside it and its budget (see RunHandle.updateUsage). */
  updateUsage(others: TokenUsage, budget: JobBudget | null): void {
    if (!this.isFinished) this.worker.postMessage({ type: 'usageUpdated', runId: this.runId, others, budget });
  }

  /** Stops the run at once: SIGKILL to its process groups, worker terminated. */
  kill(): void {
    if (this.isFinished) return;
    this.isCancelling = true;
    this.finish({ kind: 'cancelled' }, false);
  }

  private handleMessage(message: WorkerMessage): void {
    if (message.runId !== this.runId || this.isFinished) return;
    switch (message.type) {
      case 'outputProduced':
        this.hooks.onOutput(message.lines, message.lineCount);
        break;
      case 'progressReported':
        this.hooks.onProgress(message.progress);
        break;
      case 'activityReported':
        this.hooks.onActivity(message.icon, message.text);
        break;
      case 'textProduced':
        this.hooks.onText(message.text);
        break;
      case 'budgetReached':
        this.hooks.onBudgetReached(message.usage);
        break;
      case 'phaseCompleted':
        // A phase that completed did complete, even as a cancel arrived: a shutdown records it (its
        // task is not run again), a cancelled job ignores it. A failure during a cancel is the
        // cancel's doing.
        this.finish({ kind: 'completed', output: message.output, changes: message.changes, ...(message.tasks ? { tasks: message.tasks } : {}), ...(message.filesModified ? { filesModified: message.filesModified } : {}), ...(message.usage ? { usage: message.usage } : {}), ...(message.outputFile ? { outputFile: message.outputFile } : {}), ...(message.instructions ? { instructions: message.instructions } : {}) }, true);
        break;
      case 'phaseFailed':
        this.finish(this.isCancelling ? { kind: 'cancelled' } : { kind: 'failed', error: message.error, output: message.output, changes: message.changes, ...(message.filesModified ? { filesModified: message.filesModified } : {}), ...(message.usage ? { usage: message.usage } : {}), ...(message.outputFile ? { outputFile: message.outputFile } : {}), ...(message.instructions ? { instructions: message.instructions } : {}), ...(message.asks ? { asks: true } : {}) }, true);
        break;
      case 'phaseCancelled':
        this.finish({ kind: 'cancelled' }, true);
        break;
    }
  }

  private finish(outcome: PhaseOutcome, isWorkerReusable: boolean): void {
    if (this.isFinished) return;
    this.isFinished = true;
    if (this.forceTimer) clearTimeout(this.forceTimer);
    this.detach();
    // Whatever the agent left behind in its groups (a child ignoring SIGTERM, a backgrounded
    // grandchild) dies with the run: no orphans.
    this.signalGroups('SIGKILL');
    if (isWorkerReusable) {
      this.resolveOutcome({ ...outcome, isWorkerReusable });
      return;
    }
    // terminate() is asynchronous: the worker may still spawn a child before it stops. Once it
    // has exited its registry is final, so sweep it again before reporting the run as over.
    void this.worker.terminate().then(
      () => this.signalGroups('SIGKILL'),
      () => this.signalGroups('SIGKILL'),
    ).finally(() => this.resolveOutcome({ ...outcome, isWorkerReusable }));
  }

  private signalGroups(signal: NodeJS.Signals): void {
    for (const pid of this.children.list(this.runId)) signalProcessGroup(pid, signal);
  }
}
