// One phase of one job running on one worker: posts the request, relays reports, and turns every
// way the run can end (reply, crash, exit, out of memory, cancel) into exactly one RunOutcome.
import type { Worker } from 'node:worker_threads';
import type { PhaseOutcome } from '../../agents/agent.js';
import { signalProcessGroup } from '../process/process-group.js';
import type { ChildRegistry } from './child-registry.js';
import type { JobBudget, JobProgress, TokenUsage } from '../model/job.js';
import type { PhaseRequest } from '../ports/executor.js';
import type { HostMessage, WorkerMessage } from './protocol.js';
import type { AgentSpec } from '../../agents/agent.js';

/** How a run ended, and whether its worker may be reused. */
export type RunOutcome = PhaseOutcome & { isWorkerReusable: boolean };

/** Callbacks for what a run reports while it goes. */
export interface JobRunHooks {
  onOutput(lines: string[], lineCount: number): void;
  onProgress(progress: Partial<JobProgress>): void;
  onActivity(icon: string, text: string): void;
  onText(text: string): void;
  onBudgetReached(usage: TokenUsage): void;
  /** A run that waited its turn began (see PhaseRequest.laneLimit). */
  onBegan?(): void;
  /** Such a run's command ended `ms` after it began (measured on its worker), before its outcome. */
  onRan?(ms: number): void;
}

let nextRunId = 1;

/** What one run hears of its worker: its own messages, and the worker's crash or exit. */
interface RunListeners {
  message(message: WorkerMessage): void;
  error(error: Error & { code?: string }): void;
  exit(code: number): void;
}

/**
 * The runs of one worker, and the worker's three listeners that reach them: a message goes to its
 * run alone (a job's runs share a worker, as many as it takes ahead: a listener each would hear
 * every message of every run), a crash or an exit to all.
 */
class WorkerRouter {
  private readonly runs = new Map<number, RunListeners>();

  constructor(worker: Worker) {
    worker.on('message', (message: WorkerMessage) => this.runs.get(message.runId)?.message(message));
    worker.on('error', (error: Error & { code?: string }) => {
      for (const run of [...this.runs.values()]) run.error(error);
    });
    worker.on('exit', (code: number) => {
      for (const run of [...this.runs.values()]) run.exit(code);
    });
  }

  /** Routes run `runId`'s messages to `listeners` until the returned function is called. */
  attach(runId: number, listeners: RunListeners): () => void {
    this.runs.set(runId, listeners);
    return () => void this.runs.delete(runId);
  }
}

const routers = new WeakMap<Worker, WorkerRouter>();

/** A number for each agent definition sent to a worker, and the numbers each worker holds. */
const agentIds = new WeakMap<AgentSpec, number>();
const heldAgents = new WeakMap<Worker, Set<number>>();
let nextAgentId = 1;

// The message that asks `worker` to run `request`: its agent by number once the worker has it
// (the same definition, held by the job, for every run of a batch: see HostMessage).
function describeRequest(worker: Worker, runId: number, request: PhaseRequest): HostMessage {
  let agentId = agentIds.get(request.agent);
  if (agentId === undefined) {
    agentId = nextAgentId++;
    agentIds.set(request.agent, agentId);
  }
  let held = heldAgents.get(worker);
  if (!held) {
    held = new Set();
    heldAgents.set(worker, held);
  }
  if (held.has(agentId)) {
    const { agent: _agent, ...rest } = request;
    return { type: 'phaseRequested', runId, request: rest, agentId };
  }
  held.add(agentId);
  return { type: 'phaseRequested', runId, request, agentId };
}

function routerOf(worker: Worker): WorkerRouter {
  let router = routers.get(worker);
  if (!router) {
    router = new WorkerRouter(worker);
    routers.set(worker, router);
  }
  return router;
}

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
    this.detach = routerOf(worker).attach(this.runId, { message: onMessage, error: onError, exit: onExit });
    worker.postMessage(describeRequest(worker, this.runId, request));
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
        if (message.ranMs !== undefined) this.hooks.onRan?.(message.ranMs);
        // A phase that completed did complete, even as a cancel arrived: a shutdown records it (its
        // task is not run again), a cancelled job ignores it. A failure during a cancel is the
        // cancel's doing.
        this.finish({ kind: 'completed', output: message.output, changes: message.changes, ...(message.tasks ? { tasks: message.tasks } : {}), ...(message.filesModified ? { filesModified: message.filesModified } : {}), ...(message.usage ? { usage: message.usage } : {}), ...(message.outputFile ? { outputFile: message.outputFile } : {}), ...(message.instructions ? { instructions: message.instructions } : {}) }, true);
        break;
      case 'phaseFailed':
        if (message.ranMs !== undefined) this.hooks.onRan?.(message.ranMs);
        this.finish(this.isCancelling ? { kind: 'cancelled' } : { kind: 'failed', error: message.error, output: message.output, changes: message.changes, ...(message.filesModified ? { filesModified: message.filesModified } : {}), ...(message.usage ? { usage: message.usage } : {}), ...(message.outputFile ? { outputFile: message.outputFile } : {}), ...(message.instructions ? { instructions: message.instructions } : {}), ...(message.asks ? { asks: true } : {}) }, true);
        break;
      case 'phaseCancelled':
        this.finish({ kind: 'cancelled' }, true);
        break;
      case 'runBegan':
        this.hooks.onBegan?.();
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
