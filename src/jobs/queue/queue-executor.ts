// The executor port on a queue: each run becomes a BullMQ job on Redis, which a `jobline worker`
// on any machine takes and runs with its own threads and containment (queue-worker.ts). This side
// (the coordinator) never runs a command: it sends the run, follows its stream (output, progress,
// activity, in order) into the job's files through the RunListener, takes its outcome from BullMQ
// once BullMQ holds it as finished (only the worker holding the run's lock can finish it there),
// and tells a run whose worker went away (BullMQ's stalled check) as interrupted.
import { hostname } from 'node:os';
import { Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Executor, PhaseRequest, RunHandle, RunListener, RunOutcome } from '../ports/executor.js';
import type { JobBudget, TokenUsage } from '../model/job.js';
import { describeError } from '../../errors.js';
import { checkQueue, openRedis, watchConnection } from './redis-connection.js';
import { LOCK_DURATION_MS, MAX_STALLED_COUNT, QueueKeys, STALLED_INTERVAL_MS, formatRunKey, type QueueSettings } from './queue-settings.js';
import { buildPayload, decodeEntry, type RemoteWorkspace, type RunPayload, type RunResult, type StreamEntry } from './run-payload.js';
import { RemoteRun, type RemoteRunHost } from './remote-run.js';
import { StreamReader } from './stream-reader.js';
import { listWorkers } from './worker-registry.js';
import { fetchedRefOf, fetchTaskBranch } from './job-commit-push.js';
import { hasWorkerWith } from './fleet.js';

/** How often the coordinator asks BullMQ how its runs stand (ms): finished ones whose `end` it missed, stalled ones. */
const AUDIT_INTERVAL_MS = 1000;
/** How long a run's stream and flags stay in Redis once its coordinator recorded its end (s). */
const ENDED_RUN_TTL_S = 600;
/** How long closing waits for Redis to take its last commands (ms). */
const CLOSE_WAIT_MS = 2000;
/** How long a finished run's BullMQ job is kept (s): a coordinator that died finds it when it comes back. */
export const FINISHED_RUN_TTL_S = 7 * 24 * 3600;

/** Settings of a QueueExecutor besides where the queue is. */
export interface QueueExecutorOptions {
  /** Says something to the user once (a lost connection, a run that could not be sent). */
  warn(message: string): void;
  /** Where a run works on its worker (default: its worker's folder, see RemoteWorkspace). */
  workspaceOf?(request: PhaseRequest): Promise<RemoteWorkspace>;
  /** BullMQ's timings (tests shorten them; see queue-settings.ts). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/** Runs through a queue on Redis, on `jobline worker`s. Create with `QueueExecutor.open`. */
export class QueueExecutor implements Executor, RemoteRunHost {
  /** A worker cannot reach this machine's job files: the scheduler writes each start before sending it. */
  readonly canRecordStarts = false;
  /** Runs at once: queue.globalConcurrency, else no cap here (each worker's --concurrency caps it). */
  readonly runLimit: number;
  readonly keys: QueueKeys;
  private readonly redis: Redis;
  private readonly reader: StreamReader;
  private readonly queues = new Map<string, Queue>();
  private readonly checkers: Worker[] = [];
  /** Runs being followed, by key (their BullMQ job id). */
  private readonly runs = new Map<string, RemoteRun>();
  private readonly coordinator = `${hostname()}-${process.pid}`;
  /** Stops the connection's watch from telling of a close made on purpose. */
  private readonly silence: () => void;
  private isClosed = false;
  private readonly auditTimer: NodeJS.Timeout;

  /**
   * Checks that the queue answers, then opens it.
   * @throws QueueError QUEUE_UNREACHABLE, QUEUE_AUTH (see checkQueue).
   */
  static async open(settings: QueueSettings, options: QueueExecutorOptions): Promise<QueueExecutor> {
    await checkQueue(settings);
    return new QueueExecutor(settings, options);
  }

  /** Opens the queue without checking it first (checkQueue was called); connects in the background. */
  static create(settings: QueueSettings, options: QueueExecutorOptions): QueueExecutor {
    return new QueueExecutor(settings, options);
  }

  private constructor(
    private readonly settings: QueueSettings,
    private readonly options: QueueExecutorOptions,
  ) {
    this.keys = new QueueKeys(settings.prefix);
    this.runLimit = settings.globalConcurrency ?? Number.POSITIVE_INFINITY;
    this.redis = openRedis(settings);
    const reader = openRedis(settings);
    reader.on('error', () => {}); // said once, by the watch of `redis`
    // The end of a run sent from here carries its result (see StreamEntry); any other is asked of BullMQ.
    this.reader = new StreamReader(reader, this.redis, this.keys, () => this.runs.values(), (run, end) => {
      if (end.result?.outcome && run.workspace) void this.conclude(run, end.result, run.workspace);
      else void this.inspect(run);
    });
    this.silence = watchConnection(this.redis, settings, options.warn);
    this.auditTimer = setInterval(() => void this.audit(), AUDIT_INTERVAL_MS);
    this.auditTimer.unref();
  }

  prepare(): void {}

  async whenReady(): Promise<void> {}

  start(request: PhaseRequest, listener: RunListener): RunHandle {
    const own = formatRunKey(request.jobId, request.runId ?? `x${Date.now().toString(36)}`);
    let run: RemoteRun | null = null;
    let pendingCancel: number | null = null;
    let pendingUsage: { others: TokenUsage; budget: JobBudget | null } | null = null;
    let isKilled = false;
    const outcome = this.send(request, own).then(
      ({ key, workspace }) => {
        run = new RemoteRun(key, this, listener, request.outputLogPath, request.cwd, { secretEnvNames: request.secretEnvNames, maxOutputBytes: request.maxOutputBytes, labels: [...(request.labels ?? [])].sort(), isInJobWorktree: request.worktree !== undefined });
        run.workspace = workspace;
        this.runs.set(key, run);
        this.reader.added();
        if (pendingUsage) run.updateUsage(pendingUsage.others, pendingUsage.budget);
        if (isKilled) run.kill();
        else if (pendingCancel !== null) run.cancel(pendingCancel);
        else void this.inspect(run); // an adopted run may have finished already
        return run.outcome;
      },
      (error: unknown): RunOutcome => ({ kind: 'failed', error: `it could not be sent to the queue: ${describeError(error)}` }),
    );
    return {
      outcome,
      cancel: (graceMs) => {
        if (run) run.cancel(graceMs);
        else pendingCancel ??= graceMs;
      },
      kill: () => {
        if (run) run.kill();
        else isKilled = true;
      },
      updateUsage: (others, budget) => {
        if (run) run.updateUsage(others, budget);
        else pendingUsage = { others, budget };
      },
    };
  }

  // Puts run `own` on its queue, or (a resumed task whose last run was interrupted with its
  // coordinator) follows that run where it still is in BullMQ. Resolves with the key followed.
  private async send(request: PhaseRequest, own: string): Promise<{ key: string; workspace: RemoteWorkspace | null }> {
    const queue = this.queueFor(request.labels ?? []);
    if (request.adoptRunId) {
      const previous = formatRunKey(request.jobId, request.adoptRunId);
      const found = await Job.fromId(queue, previous);
      // Only a run whose worker finished it (done or failed), or that still runs or waits: one
      // whose worker went away, or that was stopped (its coordinator left: cancelled), runs again.
      const ended = (found?.returnvalue as RunResult | null | undefined)?.outcome?.kind;
      if (found && !found.failedReason && !found.deferredFailure && ended !== 'cancelled' && ended !== 'interrupted') {
        this.queueByKey.set(previous, queue);
        return { key: previous, workspace: null };
      }
    }
    const workspace = this.options.workspaceOf ? await this.options.workspaceOf(request) : { kind: 'none' as const };
    const payload: RunPayload = buildPayload(own, request, workspace, this.coordinator);
    this.queueByKey.set(own, queue);
    await queue.add('run', payload, { jobId: own, attempts: 1, removeOnComplete: { age: FINISHED_RUN_TTL_S }, removeOnFail: { age: FINISHED_RUN_TTL_S } });
    return { key: own, workspace };
  }

  // The queue of runs that need `labels`, opened (with BullMQ's stalled check, run here too, so
  // a run whose worker died is found even when no other worker is left) at its first use.
  private queueFor(labels: readonly string[]): Queue {
    const name = this.keys.queueName(labels);
    let queue = this.queues.get(name);
    if (queue) return queue;
    queue = new Queue(name, { connection: this.redis, prefix: this.settings.prefix });
    queue.on('error', () => {});
    this.queues.set(name, queue);
    void this.redis.sadd(this.keys.queues, name).catch(() => {});
    const limit = this.settings.globalConcurrency;
    if (limit !== null) void queue.setGlobalConcurrency(limit).catch((error: unknown) => this.options.warn(`cannot set the queue's global concurrency: ${describeError(error)}`));
    const checker = new Worker(name, null, {
      connection: this.redis,
      prefix: this.settings.prefix,
      autorun: false,
      name: `coordinator-${this.coordinator}`,
      lockDuration: this.options.lockDurationMs ?? LOCK_DURATION_MS,
      stalledInterval: this.options.stalledIntervalMs ?? STALLED_INTERVAL_MS,
      maxStalledCount: MAX_STALLED_COUNT,
    });
    checker.on('error', () => {});
    void checker.startStalledCheckTimer().catch(() => {});
    this.checkers.push(checker);
    return queue;
  }

  // Every run followed, asked of BullMQ (a finished one whose `end` entry was missed, a stalled one).
  private async audit(): Promise<void> {
    // One audit at a time: while Redis is away its commands wait, and audits must not pile up.
    if (this.isAuditing) return;
    this.isAuditing = true;
    try {
      await this.auditOnce();
    } catch (error) {
      // A timer's work: it must never throw (an unhandled rejection would end the process).
      this.options.warn(`the queue's runs could not be checked: ${describeError(error)}`);
    } finally {
      this.isAuditing = false;
    }
  }

  private isAuditing = false;

  private async auditOnce(): Promise<void> {
    // Runs that need labels no live worker has say so (once; `waits for a worker with labels gpu`).
    // (Their labels are taken now: a run may be taken while the workers are read.)
    const waiting = [...this.runs.values()].flatMap((run) => (run.unsaidWait ? [{ run, labels: run.unsaidWait }] : []));
    if (waiting.length > 0) {
      const workers = await listWorkers(this.redis, this.keys).catch(() => null);
      if (workers) for (const { run, labels } of waiting) if (run.unsaidWait && !hasWorkerWith(workers, labels)) run.sayWaiting();
    }
    await Promise.all([...this.runs.values()].filter((run) => !run.isEnding).map((run) => this.inspect(run)));
  }

  // How run `run` stands in BullMQ, acted on: finished there → settled with its outcome; failed or
  // stalled there (its worker stopped renewing its hold) → interrupted, naming the worker.
  private async inspect(run: RemoteRun): Promise<void> {
    if (run.isEnding || this.isClosed) return;
    let job: Job | undefined;
    try {
      job = await Job.fromId(this.queueOfKey(run), run.key);
    } catch {
      return; // Redis away: asked again at the next audit
    }
    if (run.isEnding) return;
    if (!job) {
      await run.finish({ kind: 'failed', error: 'its run left the queue (removed from Redis) before it ended' });
      return;
    }
    const result = job.returnvalue as RunResult | null | undefined;
    if (job.finishedOn && result && typeof result === 'object' && result.outcome) {
      await this.conclude(run, result, (job.data as RunPayload).workspace);
      return;
    }
    const failure = job.failedReason || job.deferredFailure;
    if (failure) {
      // A stalled run waiting to be failed by the next worker that takes it: it leaves the queue now.
      if (!job.finishedOn) await job.remove().catch(() => {});
      const worker = run.worker ?? job.processedBy ?? null;
      const reason = /stalled/.test(failure) ? `worker ${worker ?? '(unknown)'} stopped answering: its hold on the run lapsed (${Math.round((this.options.lockDurationMs ?? LOCK_DURATION_MS) / 1000)} s without renewal)` : `worker ${worker ?? '(unknown)'} could not run it: ${failure}`;
      await run.finish({ kind: 'interrupted', reason });
    }
  }

  // Run `run` ended with `result` (its BullMQ job's return value): a branch its worker pushed is
  // fetched here first (and named in a completed outcome, for the job service to merge into a job
  // worktree's branch), then the run settles.
  private async conclude(run: RemoteRun, result: RunResult, workspace: RemoteWorkspace): Promise<void> {
    if (run.isEnding) return;
    run.isEnding = true; // no second look while the branch is fetched
    const fetched = result.pushed ? await this.fetchBranch(run, workspace, result.pushed) : null;
    run.isEnding = false;
    let outcome = result.outcome;
    if (fetched && outcome.kind === 'completed') outcome = { ...outcome, branch: fetched };
    // A job in a worktree would complete without the run's work: the task fails, saying where it is.
    else if (result.pushed && !fetched && outcome.kind === 'completed' && run.options.isInJobWorktree) outcome = { kind: 'failed', error: `its work, branch ${result.pushed.branch} on the queue's git remote, could not be fetched here`, output: outcome.output };
    await run.finish(outcome);
  }

  // The branch a worker pushed for `run` is fetched into the job's repository, and said (an
  // activity of the job); resolves with the ref it is in here. One that cannot be fetched is said
  // too (null): it stays on the git remote.
  private async fetchBranch(run: RemoteRun, workspace: RemoteWorkspace | null | undefined, pushed: { branch: string; commit: string }): Promise<string | null> {
    if (workspace?.kind !== 'repository') return null;
    const into = fetchedRefOf(pushed.branch, run.options.isInJobWorktree === true);
    try {
      run.activity('⇩', await fetchTaskBranch(run.cwd, workspace.remote, pushed.branch, pushed.commit, into));
      return into;
    } catch (error) {
      run.activity('⚠', `branch ${pushed.branch} (${pushed.commit.slice(0, 7)}) is on ${workspace.remote}, but could not be fetched here: ${describeError(error)}`);
      return null;
    }
  }

  // The queue a run's BullMQ job is in (the one its labels chose when sent).
  private queueOfKey(run: RemoteRun): Queue {
    return this.queueByKey.get(run.key) ?? [...this.queues.values()][0]!;
  }

  private readonly queueByKey = new Map<string, Queue>();

  sendUsage(key: string, worker: string, others: TokenUsage, budget: JobBudget | null): void {
    // On the worker's channel, as a cancel (the worker tells them apart by their fields).
    void this.redis.publish(this.keys.cancelChannel(worker), JSON.stringify({ key, usage: others, budget })).catch(() => {});
  }

  sendCancel(key: string, worker: string | null, graceMs: number): void {
    void this.redis.set(this.keys.cancelFlag(key), String(graceMs), 'EX', FINISHED_RUN_TTL_S).catch(() => {});
    if (worker !== null) void this.redis.publish(this.keys.cancelChannel(worker), JSON.stringify({ key, graceMs })).catch(() => {});
  }

  async withdraw(key: string): Promise<boolean> {
    const run = this.runs.get(key);
    const job = run ? await Job.fromId(this.queueOfKey(run), key) : undefined;
    if (!job) return false;
    // Refused (an error) while a worker holds its lock: that worker hears the cancel instead.
    try {
      await job.remove();
      return true;
    } catch {
      return false;
    }
  }

  async readAfter(key: string, afterId: string): Promise<Array<[string, StreamEntry | null]>> {
    const entries = (await this.redis.xrange(this.keys.runStream(key), `(${afterId}`, '+')) as Array<[string, string[]]>;
    return entries.map(([id, fields]) => [id, decodeEntry(fields)]);
  }

  ended(run: RemoteRun): void {
    this.runs.delete(run.key);
    this.queueByKey.delete(run.key);
    void this.redis.expire(this.keys.runStream(run.key), ENDED_RUN_TTL_S).catch(() => {});
  }

  findJobProcesses(): number[] {
    return []; // a remote run's processes are on its worker's machine
  }

  containmentWarning(): string | null {
    return null; // each worker says its own
  }

  killAll(): void {
    for (const run of [...this.runs.values()]) run.kill();
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.silence();
    clearInterval(this.auditTimer);
    this.killAll();
    await this.reader.close();
    // A Redis that is away would hold a polite close forever (its commands wait): after
    // CLOSE_WAIT_MS the connection is dropped.
    const closing = (async () => {
      await Promise.all(this.checkers.map((checker) => checker.close().catch(() => {})));
      await Promise.all([...this.queues.values()].map((queue) => queue.close().catch(() => {})));
      await this.redis.quit();
    })().catch(() => {});
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    this.redis.disconnect();
  }
}
