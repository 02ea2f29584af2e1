// A job's state as the commit path holds it in memory (see job-commit.ts): what is on disk (saved),
// what the scheduler plans with (pending: the changes on their way to disk included), and the one
// way it changes: a change is made to the pending state, written, and becomes the saved state
// once it landed; a write that fails undoes it and every change made on top of it.
import { hasJustEnded, manifestOf } from './job-manifests.js';
import type { AgentSpec } from '../../agents/agent.js';
import { describeError } from '../../errors.js';
import type { JobRepository } from '../ports/repository.js';
import type { Job } from '../model/job.js';
import { applyActions, type JobState } from '../model/job-state.js';
import { prepareChange, type StoredJob } from './job-commit.js';
import type { TaskBoard, TaskRecord } from '../model/task.js';
import { findOpenRun } from '../model/task-board.js';
import type { JobEvent } from '../model/job-event.js';
import type { JobWriter } from './job-writer.js';
import type { JobAction } from '../model/transitions.js';

/** Where a job's ledger (and its JobHandle) reports what happened (the manager re-emits these to its listeners). */
export interface JobReporter {
  /**
   * The job's pending state changed (a change made, before it is written; or undone after its
   * write failed; or a failed write's retry delay ended): the scheduler plans again.
   */
  changed(job: Job): void;
  event(job: Job, event: JobEvent): void;
  /** `taskId`: the task whose run printed them, when its phase runs several (else absent). */
  output(job: Job, lines: string[], lineCount: number, taskId?: string): void;
  /** `taskId`: the task whose run did it, when its phase runs several (else absent). */
  activity(job: Job, icon: string, text: string, taskId?: string): void;
  /** A model's answer as it streams; `taskId` as for activity. */
  text(job: Job, text: string, taskId?: string): void;
  progress(job: Job): void;
  warning(message: string): void;
}

/** Delay before a job whose write failed takes new work again (ms), doubling up to MAX_RETRY_MS. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * A job's state under the commit path (job-commit.ts): a change is made to the job's pending state
 * (what the scheduler plans with: the changes on their way to disk included), written, and
 * becomes the job's saved state, and is reported, once it landed. A write that fails undoes it,
 * and every change made on top of it: the pending state goes back to the saved one.
 */
export class JobLedger {
  /** Submitted in bulk: its creation is written by a write thread (SubmitRequest.isBulk). */
  isBulk = false;

  /** What is on disk: the state of the last change that landed. */
  protected saved: StoredJob;
  /** The saved state with the changes on their way to disk. */
  protected pending: JobState;
  /** Whether the pending state's board is on disk as records (else its next change writes it whole). */
  protected isPendingBoardRecorded: boolean;
  /** Counts the undos: a change refused after an undo it was part of does not undo again. */
  private generation = 0;
  /** While a write of the job keeps failing: when it may take new work again (ms since the epoch). */
  private retryAtMs = 0;
  private retryDelayMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | null = null;

  /**
   * @param board the job's tasks and runs, and whether they are on disk as they are (`isRecorded`):
   *   those of a new job, of a job written before tasks existed, or of a journal a crash cut short
   *   are written whole with its next change.
   * @param isSaved true when `job` is on disk (a job read back), false for a new job.
   */
  constructor(
    job: Job,
    board: { board: TaskBoard; isRecorded: boolean },
    private readonly baseAgent: AgentSpec,
    readonly cwd: string,
    protected readonly writer: JobWriter,
    protected readonly reporter: JobReporter,
    protected readonly now: () => string,
    isSaved = false,
  ) {
    this.saved = { state: { job, board: board.board }, isBoardRecorded: board.isRecorded };
    this.pending = this.saved.state;
    this.isPendingBoardRecorded = board.isRecorded;
    this.isPersisted = isSaved;
  }

  /** The job's agent, running the job's own model when it has one (Job.model: `--model`, a template's). */
  get agent(): AgentSpec {
    const { model } = this.pending.job;
    return model && this.baseAgent.type === 'llm' && model !== this.baseAgent.model ? { ...this.baseAgent, model } : this.baseAgent;
  }

  /** The job's latest state: what is on disk, with the changes on their way to it (a few ms ahead). */
  get job(): Job {
    return this.pending.job;
  }

  /** The job's tasks and runs, as current as `job`. */
  get board(): TaskBoard {
    return this.pending.board;
  }

  /** The job as it is on disk (the last change that landed). */
  get savedJob(): Job {
    return this.saved.state.job;
  }

  get id(): string {
    return this.pending.job.id;
  }

  /**
   * True while a write of the job failed less than a retry delay ago: nothing new of it starts
   * (the scheduler passes it over until then, and plans again when the delay is over).
   */
  isWriteBlocked(nowMs = Date.now()): boolean {
    return nowMs < this.retryAtMs;
  }

  /** How long a refused change of this job should wait before it is made again (ms; 0: now). */
  msUntilRetry(nowMs = Date.now()): number {
    return Math.max(0, this.retryAtMs - nowMs);
  }

  /**
   * Commits `actions` (see job-commit.ts): applies them to the pending state through the state
   * machine, writes the change, and resolves once it is on disk, after reporting
   * `leadingEvents` and the transition's events. A write that fails rejects with the store's
   * error (StoreError JOB_IO naming the cause): the change is undone, with every change made on
   * top of it, and nothing of it is reported.
   * @throws TransitionError for an illegal action, before anything changes; StoreError JOB_IO,
   *   JOB_STALE when the change could not be written.
   */
  async commit(actions: JobAction[], leadingEvents: JobEvent[] = []): Promise<void> {
    const before = this.pending.job;
    const change = prepareChange({ state: this.pending, isBoardRecorded: this.isPendingBoardRecorded }, actions, this.now(), leadingEvents);
    this.pending = change.state;
    this.isPendingBoardRecorded = true;
    this.reporter.changed(change.state.job);
    const { job } = change.state;
    const generation = this.generation;
    const changeNo = ++this.changeCount;
    // Only the change that ends the job keeps its board until the write lands (for the manifest):
    // a job of 10,000 tasks has many changes in flight, and each board is its own copy.
    const endBoard = hasJustEnded(before.status, job.status) ? change.state.board : null;
    const tasks = this.markUnlanded(change.records);
    const reported = this.writer.write(job, change.events, this.isBulk, change.records, {
      isBoardWhole: change.isBoardWhole,
      isCountersOnly: isSameHeader(before, job),
      // Written with the end, after job.json: whoever hears of the end finds its manifest.
      ...(endBoard ? { manifest: manifestOf(job, endBoard, this.agent) } : {}),
      landed: () => {
        this.unmarkUnlanded(tasks);
        this.land(change.state, changeNo);
      },
      refused: () => {
        this.unmarkUnlanded(tasks);
        this.undo(generation);
      },
    }).then(() => {
      // After the job's end is durable, before it is reported: whoever hears of it finds its manifest.
      for (const event of change.events) this.reporter.event(job, event);
      this.afterLanded(job);
    });
    this.lastReport = reported.catch(() => {});
    await reported;
  }

  /** Called once a change committed with `commit` landed and was reported, with the job it made. */
  protected afterLanded(_job: Job): void {}

  /**
   * Commits the start of a run (`startPhase` or `startTask`, after `start` for a job taking its
   * slot) whose records are written by whoever runs it: returned, with the run's id, for the
   * request (PhaseRequest.startRecord), to be appended and flushed to disk before its command
   * starts. The rest of the change (the job's state, its events) is written here, like any
   * change, off the run's way. A start handed over is never undone: its command may be running
   * (see undo). Null when the actions started no run (the task was not ready), or when the board
   * is to be written whole first: then use `commit`, and launch once it is on disk.
   * @throws TransitionError for an illegal action, before anything changes.
   */
  commitStart(actions: JobAction[]): { records: TaskRecord[]; runId: string; written: Promise<void> } | null {
    // Only onto a board that is on disk as it is, and for a task none of whose records are still on
    // their way there: the journal must hold the start after everything before it of that task.
    if (!this.isPendingBoardRecorded || !this.saved.isBoardRecorded || !this.isPersisted) return null;
    const change = prepareChange({ state: this.pending, isBoardRecorded: true }, actions, this.now());
    const started = change.records.find((record): record is Extract<TaskRecord, { kind: 'run' }> => record.kind === 'run' && record.run.state.status === 'running' && !findOpenRun(this.pending.board, record.run.taskId));
    if (!started || this.unlandedTasks.has(started.run.taskId)) return null;
    const { run } = started;
    const before = this.pending.job;
    const recorded = actions.map((action): JobAction => (action.type === 'startPhase' || action.type === 'startTask' ? { ...action, runId: run.id, startedAt: run.startedAt } : action));
    this.pending = change.state;
    this.reporter.changed(change.state.job);
    const changeNo = ++this.changeCount;
    this.handedOver.push({ actions: recorded, changeNo });
    const generation = this.generation;
    const written = this.writer.write(change.state.job, change.events, this.isBulk, [], {
      isCountersOnly: isSameHeader(before, change.state.job),
      landed: () => this.land(change.state, changeNo),
      refused: () => this.undo(generation),
    }).then(() => {
      for (const event of change.events) this.reporter.event(change.state.job, event);
    });
    this.lastReport = written.catch(() => {});
    return { records: change.records, runId: run.id, written };
  }

  // A change landed: it is what is on disk now, and starts handed over before it are saved with it.
  private land(state: JobState, changeNo: number): void {
    this.saved = { state, isBoardRecorded: true };
    this.isPersisted = true;
    this.retryAtMs = 0;
    this.retryDelayMs = FIRST_RETRY_MS;
    // Every landing passes here: most hand nothing over, and keep the empty list (no new array).
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a fast path: filtering an empty list gives an empty list
    if (this.handedOver.length > 0) this.handedOver = this.handedOver.filter((start) => start.changeNo > changeNo);
  }

  /** Tasks some of whose records are on their way to disk, with how many writes carry them. */
  private readonly unlandedTasks = new Map<string, number>();

  private markUnlanded(records: readonly TaskRecord[]): string[] {
    const tasks = [...new Set(records.map((record) => (record.kind === 'task' ? record.task.id : record.run.taskId)))];
    for (const task of tasks) this.unlandedTasks.set(task, (this.unlandedTasks.get(task) ?? 0) + 1);
    return tasks;
  }

  private unmarkUnlanded(tasks: readonly string[]): void {
    for (const task of tasks) {
      const count = (this.unlandedTasks.get(task) ?? 1) - 1;
      if (count > 0) this.unlandedTasks.set(task, count);
      else this.unlandedTasks.delete(task);
    }
  }

  /** Starts handed over to their runs (see commitStart) whose change has not landed yet, in order. */
  // Stryker disable next-line ArrayDeclaration: a stray entry holds no actions: undo's apply of it throws (caught), and the next landing drops it
  private handedOver: Array<{ actions: JobAction[]; changeNo: number }> = [];
  private changeCount = 0;

  // A change was refused: the pending state goes back to what is on disk (once, for all the
  // changes refused together), nothing new of the job starts for a while, and then it is planned
  // again. Starts handed over to their runs are made again on it, with the same runs: their
  // records are on disk (their runs wrote them) or their runs fail for want of them; the board is
  // then written whole by the next change, so the journal holds them either way.
  private undo(generation: number): void {
    if (generation !== this.generation) return;
    // Stryker disable next-line UpdateOperator: counting down tells the undos apart as well (no value recurs either way)
    this.generation++;
    this.pending = this.saved.state;
    this.isPendingBoardRecorded = this.saved.isBoardRecorded;
    for (const start of this.handedOver) {
      try {
        this.pending = applyActions(this.pending, start.actions, this.now()).state;
        this.isPendingBoardRecorded = false;
        start.changeNo = this.changeCount; // saved by the next change that lands
      } catch {
        // The job moved on (a cancel that landed): nothing of this start stands.
      }
    }
    this.retryAtMs = Date.now() + this.retryDelayMs;
    // Stryker disable next-line ConditionalExpression: clearTimeout(null) does nothing; the check only keeps the types exact
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.reporter.changed(this.pending.job);
    }, this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(MAX_RETRY_MS, this.retryDelayMs * 2);
    this.reporter.changed(this.pending.job);
  }

  /**
   * Resolves when every change committed so far is on disk (or refused) and has been reported. A
   * job's files may be removed only after that: the user must have heard of its end first.
   */
  whenReported(): Promise<void> {
    return this.lastReport;
  }

  private lastReport: Promise<void> = Promise.resolve();

  /** True once a job.json of this job is on disk (its first write has landed). */
  isPersisted: boolean;

  /**
   * Interrupts the job and writes it synchronously (exit paths, once the write threads are idle:
   * see JobRepository.waitForWritesSync), through the commit path: on the pending state when the
   * write that was on its way landed (with the changes queued behind it, which never reached the
   * disk, written along), else on the saved state. Returns false if the write failed.
   */
  interruptSync(store: JobRepository, reason: string): boolean {
    const exit = this.writer.takeForExit(this.id);
    const hasLanded = exit.inFlightSeq === null || readStoredSeq(store, this.id) >= exit.inFlightSeq;
    const base: StoredJob = hasLanded ? { state: this.pending, isBoardRecorded: this.isPendingBoardRecorded } : this.saved;
    try {
      const change = prepareChange(base, [{ type: 'interrupt', reason }], this.now());
      const queued = hasLanded && exit.queued ? exit.queued : { events: [], records: [], isBoardWhole: false };
      store.writeSync(change.state.job, [...queued.events, ...change.events], [...queued.records, ...change.records], { isBoardWhole: change.isBoardWhole || queued.isBoardWhole });
      this.saved = { state: change.state, isBoardRecorded: true };
      this.pending = change.state;
      this.isPendingBoardRecorded = true;
      return true;
    } catch (error) {
      this.reporter.warning(describeError(error));
      return false;
    }
  }
}

// True when `after` differs from `before` only in its counters (events numbered, progress): what a
// task's start or end in a phase of several is, which the journal records without job.json.
// (Never the same object: every change numbers its job anew, see applyActions.)
function isSameHeader(before: Job, after: Job): boolean {
  const { eventSeq: _a, progress: _b, ...restBefore } = before;
  const { eventSeq: _c, progress: _d, ...restAfter } = after;
  return JSON.stringify(restBefore) === JSON.stringify(restAfter);
}

// The eventSeq of job `id` as its job.json holds it (-1 when it cannot be read).
function readStoredSeq(store: JobRepository, id: string): number {
  try {
    return store.readForUpdate(id).job.eventSeq;
  } catch {
    return -1;
  }
}

