// `jobline worker`: takes runs from the queue's BullMQ queues (the plain one, and those of label
// sets it has all of) up to its concurrency, and runs each with jobline's own executor on this
// machine (worker threads, shell lanes, PID-namespace containment). Everything a run produces
// goes back on its stream; its outcome is its BullMQ job's return value, which only the holder of
// the job's lock can set. Cancels arrive on the worker's own pub/sub channel.
import { mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunHandle, RunOutcome } from '../ports/executor.js';
import type { JobBudget, TokenUsage } from '../model/job.js';
import { ThreadExecutor } from '../runtime/thread-executor.js';
import { describeError } from '../../errors.js';
import { openRedis, checkQueue, watchConnection } from './redis-connection.js';
import { LOCK_DURATION_MS, MAX_STALLED_COUNT, QueueKeys, STALLED_INTERVAL_MS, type QueueSettings } from './queue-settings.js';
import { encodeEntry, PAYLOAD_VERSION, toLocalRequest, type RunPayload, type RunResult, type StreamEntry } from './run-payload.js';
import { FileTail } from './file-tail.js';
import { HEARTBEAT_MS, writePresence, type WorkerRun } from './worker-registry.js';
import { FINISHED_RUN_TTL_S } from './queue-executor.js';
import { prepareWorkspace, type PreparedWorkspace } from './repo-workspace.js';
import { describeOutcome, describeRun, formatSeconds, OUTCOME_ICONS, RunSlots } from './worker-lines.js';

/** Environment variable naming the worker to the commands it runs. */
export const WORKER_NAME_ENV = 'JOBLINE_WORKER_NAME';
/** How often a run's output file is read between its reports (ms): its lines are read as they are reported; this catches a line not ended yet. */
const TAIL_INTERVAL_MS = 200;
/**
 * Entries a run's stream keeps (about: Redis trims whole blocks). A coordinator reads them as they
 * come; one that was away gets the newest this many (its output's tail) and the outcome.
 */
const STREAM_MAX_ENTRIES = 4096;
/** How long stopping waits for Redis to take the worker's last commands (ms). */
const CLOSE_WAIT_MS = 2000;
/** How long one wait for a run on an empty queue lasts (s; BullMQ's drainDelay): draining waits at most this. */
const FETCH_BLOCK_S = 1;

/** Settings of a worker. */
export interface QueueWorkerOptions {
  name: string;
  concurrency: number;
  labels: string[];
  /** Where runs that need no repository run (`--workdir`). */
  workdir: string;
  /** Where the worker keeps its runs' output files and repository worktrees. */
  cacheDir: string;
  /** Variables of this machine holding API keys: scrubbed from everything a run sends back. */
  secretEnvNames: string[];
  /** Heap limit of each worker thread (MB). */
  workerHeapMb: number;
  /** One line for the person running the worker (a run taken, ended; a lost connection). */
  log(line: string): void;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/** A run this worker holds. */
/** How soon a lock renewal that failed is tried again (ms). */
const RENEW_RETRY_MS = 250;

interface HeldRun {
  key: string;
  job: Job;
  token: string;
  fetcher: Worker;
  payload: RunPayload;
  handle: RunHandle | null;
  /** Set by a cancel (its grace, ms). */
  cancelGraceMs: number | null;
  /** True once its lock was found lost: another worker may run it now; its outcome is not ours to tell. */
  isLost: boolean;
  /** Set when the worker stops without draining: the run is handed back as interrupted with this reason. */
  stopReason: string | null;
  /** The job's tokens outside the run and its budget, as the coordinator last told (see RunHandle.updateUsage). */
  usage?: { others: TokenUsage; budget: JobBudget | null };
  startedAt: number;
}

/** A worker process's loop. `start`, then `stop` (draining) on SIGTERM. */
export class QueueWorker {
  private readonly keys: QueueKeys;
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly executor: ThreadExecutor;
  private readonly fetchers = new Map<string, Worker>();
  private readonly loops: Promise<void>[] = [];
  private readonly held = new Map<string, HeldRun>();
  private readonly running = new Set<Promise<void>>();
  private readonly slots: RunSlots;
  private state: 'running' | 'draining' | 'stopped' = 'running';
  private tokenCount = 0;
  private timers: NodeJS.Timeout[] = [];
  private readonly startedAt = new Date().toISOString();
  private readonly silence: () => void;

  /** @throws QueueError QUEUE_UNREACHABLE, QUEUE_AUTH (checked before anything starts). */
  static async start(settings: QueueSettings, options: QueueWorkerOptions): Promise<QueueWorker> {
    await checkQueue(settings);
    const worker = new QueueWorker(settings, options);
    await worker.begin();
    return worker;
  }

  private constructor(
    private readonly settings: QueueSettings,
    private readonly options: QueueWorkerOptions,
  ) {
    this.keys = new QueueKeys(settings.prefix);
    this.slots = new RunSlots(options.concurrency);
    // The commands this worker runs see its name (and nothing of any coordinator's environment).
    process.env[WORKER_NAME_ENV] = options.name;
    this.executor = new ThreadExecutor({ workerHeapMb: options.workerHeapMb, spareWorkers: 1, maxIdleWorkers: options.concurrency + 1, maxRuns: options.concurrency });
    this.redis = openRedis(settings);
    this.subscriber = openRedis(settings);
    this.silence = watchConnection(this.redis, settings, options.log);
    this.subscriber.on('error', () => {});
  }

  private get lockDurationMs(): number {
    return this.options.lockDurationMs ?? LOCK_DURATION_MS;
  }

  private async begin(): Promise<void> {
    mkdirSync(join(this.options.cacheDir, 'runs'), { recursive: true, mode: 0o700 });
    const warning = this.executor.containmentWarning();
    if (warning) this.options.log(`warning: ${warning}`);
    this.subscriber.on('message', (_channel: string, message: string) => this.heardControl(message));
    await this.subscriber.subscribe(this.keys.cancelChannel(this.options.name));
    await this.heartbeat();
    await this.findQueues();
    this.timers.push(setInterval(() => void this.heartbeat().then(() => this.findQueues()).catch(() => {}), HEARTBEAT_MS));
    this.timers.push(setInterval(() => void this.renewLocks().catch((error: unknown) => this.options.log(`warning: the locks of runs held could not be renewed: ${describeError(error)}`)), this.lockDurationMs / 2));
  }

  // The plain queue, and every queue of a label set this worker has all of (coordinators list the
  // label sets they use): a loop takes runs from each.
  private async findQueues(): Promise<void> {
    if (this.state !== 'running') return;
    const names = new Set([this.keys.queueName([])]);
    for (const name of await this.redis.smembers(this.keys.queues)) {
      const needed = name.startsWith('runs@') ? name.slice(5).split('+') : [];
      if (needed.every((label) => this.options.labels.includes(label))) names.add(name);
    }
    for (const name of names) if (!this.fetchers.has(name)) this.listen(name);
  }

  private listen(name: string): void {
    const fetcher = new Worker(name, null, {
      connection: this.redis,
      prefix: this.settings.prefix,
      autorun: false,
      name: this.options.name,
      drainDelay: FETCH_BLOCK_S,
      lockDuration: this.lockDurationMs,
      stalledInterval: this.options.stalledIntervalMs ?? STALLED_INTERVAL_MS,
      maxStalledCount: MAX_STALLED_COUNT,
    });
    fetcher.on('error', () => {});
    this.fetchers.set(name, fetcher);
    void fetcher.startStalledCheckTimer().catch(() => {});
    this.loops.push(this.fetchLoop(fetcher));
  }

  // Takes runs from one queue while the worker runs, one slot of its concurrency per run.
  private async fetchLoop(fetcher: Worker): Promise<void> {
    while (this.state === 'running') {
      await this.slots.take();
      if (this.state !== 'running') {
        this.slots.free();
        return;
      }
      const token = `${this.options.name}:${++this.tokenCount}`;
      let job: Job | undefined;
      try {
        job = await fetcher.getNextJob(token, { block: true });
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 500)); // Redis away: try again
      }
      if (!job) {
        this.slots.free();
        continue;
      }
      const running = this.execute(fetcher, job, token).catch((error: unknown) => this.options.log(`✖ ${job.id}: ${describeError(error)}`)).finally(() => {
        this.running.delete(running);
        this.slots.free();
      });
      this.running.add(running);
    }
  }

  // Appends `entry` to run `key`'s stream. Not awaited: one connection keeps them in order.
  private send(key: string, entry: StreamEntry): void {
    void this.redis.xadd(this.keys.runStream(key), 'MAXLEN', '~', STREAM_MAX_ENTRIES, '*', ...encodeEntry(entry)).catch(() => {});
  }

  private async execute(fetcher: Worker, job: Job, token: string): Promise<void> {
    const key = job.id!;
    // A run whose last worker went away is failed by BullMQ through whoever takes it next; its
    // coordinator has recorded it interrupted and started the task again as a new run.
    if (job.deferredFailure) {
      await job.moveToFailed(new Error(job.deferredFailure), token).catch(() => {});
      return;
    }
    const payload = job.data as RunPayload;
    const held: HeldRun = { key, job, token, fetcher, payload, handle: null, cancelGraceMs: null, isLost: false, stopReason: null, startedAt: Date.now() };
    this.held.set(key, held);
    try {
      // One round trip: a cancel asked for before this worker took the run, and the run taken.
      const replies = await this.redis.pipeline().get(this.keys.cancelFlag(key)).xadd(this.keys.runStream(key), '*', ...encodeEntry({ t: 'taken', worker: this.options.name })).expire(this.keys.runStream(key), FINISHED_RUN_TTL_S).exec();
      const flag = replies?.[0]?.[1] as string | null | undefined;
      if (flag !== null && flag !== undefined) held.cancelGraceMs = Number(flag) || 0;
      const title = describeRun(payload);
      this.options.log(`▶ ${key} ${title}`);
      const result: RunResult = payload?.version !== PAYLOAD_VERSION ? { outcome: { kind: 'failed', error: `worker ${this.options.name} cannot read this run (payload version ${String(payload?.version)})` } } : held.cancelGraceMs !== null ? { outcome: { kind: 'cancelled' } } : await this.run(held);
      if (held.stopReason !== null) result.outcome = { kind: 'interrupted', reason: held.stopReason };
      const { outcome } = result;
      if (held.isLost) {
        this.options.log(`✖ ${key} lost: its hold lapsed, so another worker may run it; its outcome here is not recorded`);
        return;
      }
      try {
        await job.moveToCompleted(result, token, false);
      } catch (error) {
        // BullMQ refuses a finish without the lock: this worker was cut off (frozen, partitioned)
        // and the run went to another. Its outcome is that holder's to tell.
        this.options.log(`✖ ${key} not recorded: ${describeError(error)} (another worker holds it now)`);
        return;
      }
      // (The stream expires FINISHED_RUN_TTL_S after it was taken: set with its `taken` entry.)
      this.send(key, { t: 'end', result });
      this.options.log(`${OUTCOME_ICONS[outcome.kind]} ${key} ${describeOutcome(outcome)} · ${formatSeconds(Date.now() - held.startedAt)}`);
    } finally {
      // The presence lists the runs held at its next heartbeat (every HEARTBEAT_MS).
      this.held.delete(key);
    }
  }

  // Runs `held` here: in its workspace, with its output file under the cache, followed onto its stream.
  private async run(held: HeldRun): Promise<RunResult> {
    const { key, payload } = held;
    // A run of a phase of several tasks writes a file of its own, created by its first output (as
    // locally: a silent task makes none), all in one folder; a phase's only run, its output.log.
    const isOwnFile = basename(payload.outputFile) !== 'output.log';
    const folder = isOwnFile ? join(this.options.cacheDir, 'runs') : join(this.options.cacheDir, 'runs', key);
    if (!isOwnFile) mkdirSync(folder, { recursive: true, mode: 0o700 });
    const outputLogPath = isOwnFile ? join(folder, `${key}.log`) : join(folder, 'output.log');
    let workspace: PreparedWorkspace | null = null;
    try {
      workspace = await prepareWorkspace(payload, this.options);
      const request = toLocalRequest(payload, { cwd: workspace.cwd, outputLogPath, isRecorded: workspace.isRecorded, secretEnvNames: this.options.secretEnvNames });
      const tail = new FileTail(outputLogPath, (text) => this.send(key, { t: 'log', text }));
      const timer = setInterval(() => tail.pump(), TAIL_INTERVAL_MS);
      const handle = this.executor.start(request, {
        // The file's bytes go first, then the lines they hold: the coordinator writes before it tells.
        output: (lines, count) => {
          tail.pump();
          this.send(key, { t: 'out', lines, count });
        },
        progress: (progress) => this.send(key, { t: 'progress', progress }),
        activity: (icon, text) => {
          tail.pump();
          this.send(key, { t: 'activity', icon, text });
        },
        text: (text) => this.send(key, { t: 'text', text }),
        // The coordinator stops the job for approval; a raise comes back as usage (see heardControl).
        budgetReached: (usage) => this.send(key, { t: 'budget', usage }),
      });
      held.handle = handle;
      if (held.usage) handle.updateUsage(held.usage.others, held.usage.budget);
      if (held.cancelGraceMs !== null) handle.cancel(held.cancelGraceMs);
      const outcome = await handle.outcome;
      clearInterval(timer);
      tail.close();
      if (outcome.kind === 'cancelled' || held.isLost || held.stopReason !== null) return { outcome };
      // What the run changed goes back as its task's branch; a push that fails fails the run.
      return await workspace.finish(outcome).catch((error: unknown) => ({ outcome: { kind: 'failed' as const, error: `its changes could not be pushed: ${describeError(error)}` } }));
    } catch (error) {
      return { outcome: { kind: 'failed', error: `worker ${this.options.name} could not run it: ${describeError(error)}` } };
    } finally {
      await workspace?.release().catch(() => {});
      rmSync(isOwnFile ? outputLogPath : folder, { recursive: true, force: true });
    }
  }

  // A message for one of this worker's runs on its channel: a cancel (`{ key, graceMs }`), or the
  // job's tokens outside the run and its budget (`{ key, usage, budget }`).
  private heardControl(message: string): void {
    let cancel: { key?: unknown; graceMs?: unknown; usage?: TokenUsage; budget?: JobBudget | null };
    try {
      cancel = JSON.parse(message) as typeof cancel;
    } catch {
      return;
    }
    const held = typeof cancel.key === 'string' ? this.held.get(cancel.key) : undefined;
    if (held && cancel.usage && typeof cancel.usage === 'object') {
      held.usage = { others: cancel.usage, budget: cancel.budget ?? null };
      held.handle?.updateUsage(cancel.usage, cancel.budget ?? null);
      return;
    }
    if (!held || held.cancelGraceMs !== null) return;
    held.cancelGraceMs = typeof cancel.graceMs === 'number' ? cancel.graceMs : 0;
    this.options.log(`■ ${held.key} cancel asked`);
    held.handle?.cancel(held.cancelGraceMs);
  }

  // Renews the lock of every run held; one whose lock is gone is lost: its processes stop here.
  // A renewal that fails (Redis away, or restarting) is tried again RENEW_RETRY_MS later, not at
  // the next interval: the lock then holds only what the renewal before gave it, which runs out
  // just as the next interval comes (half the lock's duration each).
  private async renewLocks(): Promise<void> {
    const byFetcher = new Map<Worker, HeldRun[]>();
    for (const held of this.held.values()) if (!held.isLost) byFetcher.set(held.fetcher, [...(byFetcher.get(held.fetcher) ?? []), held]);
    let hasFailed = false;
    for (const [fetcher, runs] of byFetcher) {
      let failed: string[];
      try {
        failed = (await fetcher.extendJobLocks(runs.map((run) => run.key), runs.map((run) => run.token), this.lockDurationMs)) as string[];
      } catch {
        hasFailed = true;
        continue;
      }
      for (const held of runs) {
        if (!failed.includes(held.key) || held.isLost || !this.held.has(held.key)) continue;
        held.isLost = true;
        held.handle?.kill();
      }
    }
    if (hasFailed && !this.renewRetry && this.state !== 'stopped') {
      this.renewRetry = setTimeout(() => {
        this.renewRetry = null;
        void this.renewLocks().catch(() => {});
      }, RENEW_RETRY_MS);
      this.renewRetry.unref();
    }
  }

  /** The quick retry of a renewal that failed (see renewLocks). */
  private renewRetry: NodeJS.Timeout | null = null;

  private async heartbeat(): Promise<void> {
    const runs: WorkerRun[] = [...this.held.values()].map((held) => ({ key: held.key, jobId: held.payload?.request?.jobId ?? '', taskId: held.payload?.request?.taskId ?? null, title: describeRun(held.payload), startedAt: new Date(held.startedAt).toISOString() }));
    await writePresence(this.redis, this.keys, { name: this.options.name, host: hostname(), pid: process.pid, labels: this.options.labels, concurrency: this.options.concurrency, state: this.state, runs, startedAt: this.startedAt });
  }

  /** Runs held now. */
  get heldCount(): number {
    return this.held.size;
  }

  /**
   * Stops taking runs. Draining (the default) lets the runs held finish and report; otherwise
   * they are stopped and handed back as interrupted (their tasks run again while their retries
   * last). Resolves once the worker is closed.
   */
  async stop(drain = true): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.state === 'running') {
      this.state = 'draining';
      this.slots.releaseWaiters();
      void this.heartbeat().catch(() => {});
    }
    if (!drain) {
      for (const held of this.held.values()) {
        held.stopReason = `worker ${this.options.name} stopped without finishing it`;
        held.handle?.kill();
      }
    }
    await Promise.all(this.loops);
    await Promise.all([...this.running]);
    this.state = 'stopped';
    for (const timer of this.timers) clearInterval(timer);
    if (this.renewRetry) clearTimeout(this.renewRetry);
    await this.executor.close();
    this.silence();
    this.subscriber.disconnect();
    // Said stopped, and closed politely, unless Redis is away (its commands would wait): then dropped.
    const closing = (async () => {
      await this.heartbeat();
      await Promise.all([...this.fetchers.values()].map((fetcher) => fetcher.close().catch(() => {})));
      await this.redis.quit();
    })().catch(() => {});
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    this.redis.disconnect();
  }
}
