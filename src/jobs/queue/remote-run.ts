// One run on the queue as its coordinator follows it: the entries of its stream applied in order
// (its output appended to the job's output file here, its lines, progress and activity reported),
// its outcome taken from BullMQ once its job is finished there, and its cancel sent to the worker
// that holds it. Settles exactly once.
import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { RunListener, RunOutcome } from '../ports/executor.js';
import type { JobBudget, TokenUsage } from '../model/job.js';
import { OutputSink } from '../runtime/output-sink.js';
import { SecretScrubber, readSecrets } from '../../text/secrets.js';
import { describeError } from '../../errors.js';
import type { RemoteWorkspace, StreamEntry } from './run-payload.js';

/** What a run needs from the executor that owns it (the Redis side). */
export interface RemoteRunHost {
  /** Sets the run's cancel flag and tells its worker, when one holds it (`worker`). */
  sendCancel(key: string, worker: string | null, graceMs: number): void;
  /** Tells worker `worker`, which holds the run, the job's tokens outside it and its budget (see RunHandle.updateUsage). */
  sendUsage(key: string, worker: string, others: TokenUsage, budget: JobBudget | null): void;
  /** Removes the run's BullMQ job while no worker took it; resolves true when it was removed. */
  withdraw(key: string): Promise<boolean>;
  /** The run's stream entries after `afterId`, in order. */
  readAfter(key: string, afterId: string): Promise<Array<[string, StreamEntry | null]>>;
  /** The run ended here: its stream and flags may go (after a while, see QueueExecutor). */
  ended(run: RemoteRun): void;
}

/** How long past its grace a cancelled run waits for its worker's word before it counts as cancelled (ms). */
const CANCEL_ANSWER_MS = 3000;

/** One run sent through the queue (or followed there: an adopted run), from its coordinator's side. */
export class RemoteRun {
  /** Settles exactly once (see RunHandle.outcome). */
  readonly outcome: Promise<RunOutcome>;
  /** The worker holding it, once its stream said (`taken`). */
  worker: string | null = null;
  /** The id of the last stream entry applied. */
  lastId = '0-0';
  /** Where it works on its worker, when this coordinator sent it (null: an adopted run, whose payload BullMQ holds). */
  workspace: RemoteWorkspace | null = null;
  /** True once its outcome is being settled (its last entries read, its output closed). */
  isEnding = false;
  private isEnded = false;
  private cancelGraceMs: number | null = null;
  private cancelTimer: NodeJS.Timeout | null = null;
  private resolve!: (outcome: RunOutcome) => void;
  private sink: OutputSink | null = null;
  private sinkError: Error | null = null;

  /**
   * @param key the run's BullMQ job id and stream name (see formatRunKey): this run's, or the
   *   interrupted run's it adopted.
   * @param outputPath where the run's output goes on this machine (the job's output.log or runs/rN.log).
   */
  constructor(
    readonly key: string,
    private readonly host: RemoteRunHost,
    private readonly listener: RunListener,
    private readonly outputPath: string,
    /** The job's folder on this machine (where a branch its worker pushed is fetched). */
    readonly cwd: string,
    readonly options: { secretEnvNames: string[]; maxOutputBytes: number; labels: string[]; isInJobWorktree?: boolean },
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
  }

  private hasSaidWaiting = false;

  /** Labels a worker needs to take it (maybe none), while none has taken it and its wait for one was not said yet. */
  get unsaidWait(): string[] | null {
    return this.worker === null && !this.hasSaidWaiting && !this.isEnding ? this.options.labels : null;
  }

  /** Says (once) that no live worker has the labels this run needs. */
  sayWaiting(): void {
    if (this.hasSaidWaiting) return;
    this.hasSaidWaiting = true;
    this.listener.waiting?.(this.options.labels);
  }

  /** A step of the run's made here (a branch fetched): a line of its output file, and an activity. */
  activity(icon: string, text: string): void {
    if (this.isEnded) return;
    this.write('');
    this.sink?.appendLine(`${icon} ${text}`);
    this.listener.activity(icon, text);
  }

  /** True once settled. */
  get hasEnded(): boolean {
    return this.isEnded;
  }

  /** Applies stream entry `id` (ignored when not after the last applied: a read that overlapped another). */
  apply(id: string, entry: StreamEntry | null): void {
    if (this.isEnded || !isAfter(id, this.lastId)) return;
    this.lastId = id;
    if (!entry) return;
    switch (entry.t) {
      case 'taken':
        this.worker = entry.worker;
        this.listener.taken?.(entry.worker);
        // A cancel asked for before anyone held it goes to the worker that now does, and so do
        // the job's tokens as they last were.
        if (this.cancelGraceMs !== null) this.host.sendCancel(this.key, this.worker, this.cancelGraceMs);
        if (this.usage) this.host.sendUsage(this.key, entry.worker, this.usage.others, this.usage.budget);
        break;
      case 'log':
        this.write(entry.text);
        break;
      case 'out':
        this.listener.output(entry.lines, entry.count);
        break;
      case 'progress':
        this.listener.progress(entry.progress);
        break;
      case 'activity':
        this.listener.activity(entry.icon, entry.text);
        break;
      case 'text':
        this.listener.text(entry.text);
        break;
      case 'budget':
        this.listener.budgetReached(entry.usage);
        break;
      case 'end':
        break;
    }
  }

  // The job's output file is opened by the run's first output (a run file: created by it, as a
  // local run's is; output.log: appended to).
  private write(text: string): void {
    if (this.sinkError) return;
    try {
      if (!this.sink) {
        mkdirSync(dirname(this.outputPath), { recursive: true, mode: 0o700 });
        this.sink = new OutputSink(this.outputPath, () => {}, (error) => (this.sinkError = error), {
          scrubber: new SecretScrubber(readSecrets(this.options.secretEnvNames)),
          maxBytes: this.options.maxOutputBytes,
          isCreatedOnFirstWrite: basename(this.outputPath) !== 'output.log',
        });
      }
      if (text !== '') this.sink.write(text);
    } catch (error) {
      this.sinkError = error as Error;
    }
  }

  /**
   * Settles with `outcome` once every entry of its stream is applied (its output is all in the
   * file before its end is told). Later calls do nothing.
   */
  async finish(outcome: RunOutcome): Promise<void> {
    if (this.isEnding) return;
    this.isEnding = true;
    try {
      for (const [id, entry] of await this.host.readAfter(this.key, this.lastId)) this.apply(id, entry);
    } catch {
      // The stream could not be read (Redis gone for good): the outcome stands without its last lines.
    }
    let final = outcome;
    try {
      this.sink?.close();
    } catch (error) {
      this.sinkError ??= error as Error;
    }
    if (this.sinkError && final.kind === 'completed') final = { kind: 'failed', error: `cannot write ${this.outputPath}: ${describeError(this.sinkError)}` };
    this.settle(final);
  }

  private settle(outcome: RunOutcome): void {
    if (this.isEnded) return;
    this.isEnded = true;
    if (this.cancelTimer) clearTimeout(this.cancelTimer);
    this.host.ended(this);
    this.resolve(outcome);
  }

  /**
   * The job's tokens outside the run and its budget changed (see RunHandle.updateUsage): its
   * worker is told, once one holds it (until then they are kept for it).
   */
  updateUsage(others: TokenUsage, budget: JobBudget | null): void {
    if (this.isEnded) return;
    this.usage = { others, budget };
    if (this.worker !== null) this.host.sendUsage(this.key, this.worker, others, budget);
  }

  /** The job's tokens outside the run and its budget, as last told (see updateUsage). */
  private usage: { others: TokenUsage; budget: JobBudget | null } | null = null;

  /**
   * Asks the run to stop: its worker cancels it (SIGTERM, then after `graceMs` its processes are
   * killed by the worker's containment); a run no worker took yet leaves the queue at once. A
   * worker that does not answer within the grace and CANCEL_ANSWER_MS more: cancelled all the same.
   */
  cancel(graceMs: number): void {
    if (this.isEnded || this.cancelGraceMs !== null) return;
    this.cancelGraceMs = graceMs;
    this.host.sendCancel(this.key, this.worker, graceMs);
    if (this.worker === null) {
      void this.host.withdraw(this.key).then((isWithdrawn) => {
        if (isWithdrawn) void this.finish({ kind: 'cancelled' });
      }, () => {});
    }
    this.cancelTimer = setTimeout(() => void this.finish({ kind: 'cancelled' }), graceMs + CANCEL_ANSWER_MS);
    this.cancelTimer.unref();
  }

  /** Stops the run at once: its worker kills it; this settles as cancelled now (exit paths). */
  kill(): void {
    if (this.isEnded) return;
    if (this.cancelGraceMs === null) {
      this.cancelGraceMs = 0;
      this.host.sendCancel(this.key, this.worker, 0);
    }
    try {
      this.sink?.close();
    } catch {
      // exit path: what was written stays
    }
    this.isEnding = true;
    this.settle({ kind: 'cancelled' });
  }
}

/** True when stream id `id` (`<ms>-<seq>`) comes after `other`. */
export function isAfter(id: string, other: string): boolean {
  const [ms, seq] = id.split('-').map(Number) as [number, number];
  const [otherMs, otherSeq] = other.split('-').map(Number) as [number, number];
  return ms > otherMs || (ms === otherMs && seq > otherSeq);
}
