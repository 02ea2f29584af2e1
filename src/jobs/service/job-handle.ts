// One job as the manager holds it in memory: its current state, what runs it, and the one way
// its state changes: transition, persist, then report.
import { hasJustEnded, manifestOf } from './job-manifests.js';
import type { AgentSpec, PhaseOutputRecord } from '../../agents/agent.js';
import { describeError } from '../../errors.js';
import type { JobRepository } from '../ports/repository.js';
import type { Job, JobProgress, TokenUsage } from '../model/job.js';
import { NO_USAGE, addUsage, findReachedLimits, subtractUsage } from '../model/usage.js';
import type { JobState } from '../model/job-state.js';
import { prepareChange, type StoredJob } from './job-commit.js';
import type { Run, TaskBoard, TaskRecord } from '../model/task.js';
import { countPhase, findOpenRun, findTask, indexOf, isSharedPhase } from '../model/task-board.js';
import { PhaseWorkspace, type PreparedPhase } from './phase-workspace.js';
import { countRunProgress, describePreviousOutputs, describeTaskContext } from './run-context.js';
import type { JobEvent } from '../model/job-event.js';
import type { RunHandle } from '../ports/executor.js';
import type { JobWriter } from './job-writer.js';
import type { PhaseRequest } from '../ports/executor.js';
import { transitionJob, type JobAction } from '../model/transitions.js';

/** Where a JobHandle reports what happened (the manager re-emits these to its listeners). */
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

/**
 * One task of the job being run: its worker index, its run once the executor has it, and its
 * counters as it last reported them (from the job's when it started: runs side by side each
 * count on from the same start, so the job adds what each reports anew, not what it says).
 */
export interface ActiveRun {
  worker: number;
  handle: RunHandle | null;
  reported?: JobProgress;
  /** The job's tokens when it started (what it adds counts from them). */
  started?: TokenUsage;
  /** Characters of model text it streamed (see recordText). */
  written?: number;
  /** Its outcome, held while the job is stopped at its budget (see holdOutcome). */
  heldOutcome?: () => void;
}

/**
 * Tasks of a plan's phase past which it is not diffed: a phase of 1,000 tasks in a git project
 * would start several git processes per task. A batch's lines never are; a plan's few tasks are.
 */
export const MAX_RECORDED_TASKS = 64;

/** What a job's lastEvent starts with while its model streams an answer (`/jobs` shows it). */
export const WRITING = '✍ writing';

/** Delay before a job whose write failed takes new work again (ms), doubling up to MAX_RETRY_MS. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * The in-memory side of one job. Only the manager creates and drives these. Its state changes only
 * through the commit path (job-commit.ts): a change is made to the job's pending state (what the
 * scheduler plans with: the changes on their way to disk included), written, and becomes the
 * job's saved state, and is reported, once it landed. A write that fails undoes it, and every
 * change made on top of it: the pending state goes back to the saved one.
 */
export class JobHandle {
  /** The runs going on, by task id (at most the job's workers). */
  readonly runs = new Map<string, ActiveRun>();
  /** Submitted in bulk: its creation is written by a write thread (SubmitRequest.isBulk). */
  isBulk = false;

  /** What is on disk: the state of the last change that landed. */
  private saved: StoredJob;
  /** The saved state with the changes on their way to disk. */
  private pending: JobState;
  /** Whether the pending state's board is on disk as records (else its next change writes it whole). */
  private isPendingBoardRecorded: boolean;
  /** Counts the undos: a change refused after an undo it was part of does not undo again. */
  private generation = 0;
  /** While a write of the job keeps failing: when it may take new work again (ms since the epoch). */
  private retryAtMs = 0;
  private retryDelayMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Earlier phases' outputs as described for the current phase's runs (see previousOutputs). */
  private describedOutputs: { phase: number; outputs: PhaseOutputRecord[] } | null = null;

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
    private readonly writer: JobWriter,
    private readonly reporter: JobReporter,
    private readonly now: () => string,
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
    const before = this.pending.job.status;
    const change = prepareChange({ state: this.pending, isBoardRecorded: this.isPendingBoardRecorded }, actions, this.now(), leadingEvents);
    this.pending = change.state;
    this.isPendingBoardRecorded = true;
    this.reporter.changed(change.state.job);
    const { job } = change.state;
    const generation = this.generation;
    // Only the change that ends the job keeps its board until the write lands (for the manifest):
    // a job of 10,000 tasks has many changes in flight, and each board is its own copy.
    const endBoard = hasJustEnded(before, job.status) ? change.state.board : null;
    const reported = this.writer.write(job, change.events, this.isBulk, change.records, {
      isBoardWhole: change.isBoardWhole,
      landed: () => {
        this.saved = { state: change.state, isBoardRecorded: true };
        this.isPersisted = true;
        this.retryAtMs = 0;
        this.retryDelayMs = FIRST_RETRY_MS;
      },
      refused: () => this.undo(generation),
    }).then(() => {
      // After the job's end is durable, before it is reported: whoever hears of it finds its manifest.
      if (endBoard) this.writer.writeManifest(job, () => manifestOf(job, endBoard, this.agent));
      for (const event of change.events) this.reporter.event(job, event);
      this.afterLanded(job);
    });
    this.lastReport = reported.catch(() => {});
    await reported;
  }

  // A change was refused: the pending state goes back to what is on disk (once, for all the
  // changes refused together), nothing new of the job starts for a while, and then it is planned
  // again.
  private undo(generation: number): void {
    if (generation !== this.generation) return;
    this.generation++;
    this.pending = this.saved.state;
    this.isPendingBoardRecorded = this.saved.isBoardRecorded;
    this.retryAtMs = Date.now() + this.retryDelayMs;
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

  /**
   * Records output lines from the run of task `taskId`: the last becomes `lastEvent`; all are
   * reported, marked with the task when its phase runs several side by side.
   */
  recordOutput(lines: string[], lineCount: number, taskId?: string): void {
    const last = lines.at(-1);
    if (last !== undefined) this.recordProgress({ lastEvent: last });
    const task = taskId === undefined ? undefined : findTask(this.pending.board, taskId);
    const isShared = task !== undefined && isSharedPhase(this.pending.board, task.phase);
    this.reporter.output(this.pending.job, lines, lineCount, isShared ? taskId : undefined);
  }

  /**
   * Records an agent's notable step (of task `taskId`'s run): it becomes lastEvent and is
   * reported, marked with the task when its phase runs several side by side.
   */
  recordActivity(icon: string, text: string, taskId?: string): void {
    this.recordProgress({ lastEvent: text });
    this.reporter.activity(this.pending.job, icon, text, this.sharedTaskOf(taskId));
  }

  /**
   * Records a model's answer as it streams (of task `taskId`'s run): the job is `writing` (its
   * lastEvent says so, with what it wrote so far), and the text is reported.
   */
  recordText(text: string, taskId?: string): void {
    const run = taskId === undefined ? undefined : this.runs.get(taskId);
    const written = (run?.written ?? 0) + text.length;
    if (run) run.written = written;
    const tail = text.trim().split('\n').at(-1) ?? '';
    this.recordProgress({ lastEvent: `${WRITING} (${written} characters)${tail ? `: ${tail.length > 60 ? `…${tail.slice(-60)}` : tail}` : ''}` });
    this.reporter.text(this.pending.job, text, this.sharedTaskOf(taskId));
  }

  // `taskId` when its phase runs several tasks (output and activity are marked with it), else undefined.
  private sharedTaskOf(taskId: string | undefined): string | undefined {
    const task = taskId === undefined ? undefined : findTask(this.pending.board, taskId);
    return task !== undefined && isSharedPhase(this.pending.board, task.phase) ? taskId : undefined;
  }

  /**
   * Records counter changes while running (live telemetry: never acknowledged to anyone, so it is
   * not a commit): applied to the pending state by the state machine, reported at once, and
   * written coalesced, with the next change or within the flush interval (see scheduleProgress).
   * A run of task `taskId` reports its counters as it counts them from the job's at its start:
   * what it added since its last report is added to the job's (and tokens to its phase's), so runs
   * side by side all count. The other runs hear of the job's new tokens (budget-gate.ts).
   */
  recordProgress(progress: Partial<JobProgress>, taskId?: string): void {
    if (this.pending.job.status !== 'running') return;
    const run = taskId === undefined ? undefined : this.runs.get(taskId);
    const counted = run?.reported ? countRunProgress(this.pending.job, run.reported, progress) : { progress, phaseUsage: undefined, reported: undefined };
    if (run && counted.reported) run.reported = counted.reported;
    const { progress: update, phaseUsage } = counted;
    this.pending = { ...this.pending, job: transitionJob(this.pending.job, { type: 'reportProgress', progress: update, ...(phaseUsage ? { phaseUsage } : {}) }, this.now()).job };
    this.writer.scheduleProgress(this.id, () => this.pending.job);
    this.reporter.progress(this.pending.job);
    if (progress.usage) this.shareUsage(taskId);
  }

  // Tells the job's runs (but `except`'s) the job's tokens outside each and its budget.
  private shareUsage(except?: string): void {
    const job = this.pending.job;
    if (!job.budget) return;
    for (const [taskId, run] of this.runs) {
      if (taskId === except || !run.handle || !run.reported) continue;
      // The job's tokens less what this run added since it started.
      const own = subtractUsage(run.reported.usage, run.started);
      run.handle.updateUsage(subtractUsage(job.progress.usage, own), job.budget ?? null);
    }
  }

  /**
   * A run of this job reached its budget, with the job's tokens at `usage`: the job stops for
   * approval (once; a run that heard of a raise late is told the budget again instead).
   */
  async stopForBudget(usage: TokenUsage): Promise<void> {
    const job = this.pending.job;
    if (job.status !== 'running' || job.budgetStop || findReachedLimits(usage, job.budget).length === 0) {
      this.shareUsage();
      return;
    }
    await this.commit([{ type: 'stopForBudget', usage: addUsage(usage, NO_USAGE) }]);
  }

  /**
   * Holds the outcome of task `taskId`'s run while the job is stopped at its budget (its write
   * would find the job not running): `record` runs once the stop is answered.
   */
  holdOutcome(taskId: string, record: () => void): void {
    const run = this.runs.get(taskId);
    if (run) run.heldOutcome = record;
    else record();
  }

  // After a change landed: the runs hear the budget (a raise lets them go on), and outcomes held
  // during a budget stop are recorded once it is answered.
  private afterLanded(job: Job): void {
    this.shareUsage();
    if (job.budgetStop) return;
    for (const [taskId, run] of this.runs) {
      const record = run.heldOutcome;
      if (!record) continue;
      delete run.heldOutcome;
      this.runs.delete(taskId);
      record();
    }
  }

  /**
   * The workspace of task `taskId`'s phase attempt, prepared before its run starts (see
   * phase-workspace.ts): at once when there is nothing to prepare (a phase's only task, first
   * attempt: its run snapshots the files itself), else once for all the attempt's runs.
   * `jobsFolder`: left out of every snapshot and undo.
   */
  preparePhase(taskId: string, jobsFolder: string): PreparedPhase | Promise<PreparedPhase> {
    const job = this.pending.job;
    const task = findTask(this.pending.board, taskId);
    const index = task?.phase ?? job.currentPhase;
    const phase = job.phases[index];
    const isShared = isSharedPhase(this.pending.board, index);
    // A plan's tasks (planned, or claiming files) are diffed as one phase; a batch's lines are not.
    const isPlan = task !== undefined && (task.isPlanned === true || task.claims.length > 0);
    const isRetry = Boolean(job.pendingRetry) && this.agent.type === 'llm' && (phase?.attempts ?? 0) > 1;
    if (!phase || (isShared && (!isPlan || countPhase(this.pending.board, index).total > MAX_RECORDED_TASKS))) return { baseline: null, previous: null, isRecorded: false };
    if (!isShared && !isRetry) return { baseline: phase.changes?.before ?? null, previous: null, isRecorded: true };
    this.workspace ??= new PhaseWorkspace(this.cwd, jobsFolder);
    return this.workspace.prepare(job, index, isShared, this.agent.type === 'llm', {
      recordUndone: (undone) => this.commit([{ type: 'recordUndone', undone }]),
      say: (icon, text) => this.recordActivity(icon, text),
      now: this.now,
    });
  }

  /** Prepares the job's phases' workspaces (see preparePhase), once it is asked to. */
  private workspace: PhaseWorkspace | null = null;

  /** Reserves the lowest worker index of this job not in use, for task `taskId` (see ActiveRun). */
  reserveWorker(taskId: string): number {
    const used = new Set([...this.runs.values()].map((run) => run.worker));
    let worker = 0;
    while (used.has(worker)) worker++;
    this.runs.set(taskId, { worker, handle: null });
    return worker;
  }

  /** Every run handle of the job (cancel and kill reach them all). */
  get runHandles(): RunHandle[] {
    return [...this.runs.values()].flatMap((run) => (run.handle ? [run.handle] : []));
  }

  /**
   * Builds the worker request for the open run of task `taskId`: the task's input as the prompt,
   * its phase, the run's attempt; output goes to `outputLogPath`. Retry feedback comes from the
   * job's durable state (`pendingFeedback`), so it survives a restart.
   */
  buildRequest(taskId: string, outputLogPath: string, secretEnvNames: string[] = [], maxOutputBytes = Number.POSITIVE_INFINITY, prepared: PreparedPhase | null = null): PhaseRequest {
    const job = this.pending.job;
    const task = findTask(this.pending.board, taskId);
    const run = this.openRunOf(taskId);
    // A task the agent listed (a command agent's phase of tasks) runs its own command, with the
    // job's prompt; any other task's input is the prompt (a batch line, or the job's own).
    const agentPhase = this.agent.phases[task?.phase ?? job.currentPhase];
    const isListedTask = this.agent.type === 'command' && agentPhase !== undefined && 'tasks' in agentPhase;
    // An LLM or module agent's task of a phase of several (a plan's, a batch line's) gets the
    // task, its claims and its neighbours' claims as its TaskContext; a planned task gets the
    // job's prompt (its own input is in the context), any other its input (a batch line).
    const taskContext = task && this.agent.type !== 'command' ? describeTaskContext(this.pending.board, task) : null;
    // The run counts on from the job's counters now (see recordProgress).
    const active = this.runs.get(taskId);
    if (active) {
      active.reported = { ...job.progress };
      active.started = job.progress.usage;
    }
    return {
      jobId: job.id,
      ...(job.budget ? { budget: job.budget } : {}),
      prompt: isListedTask || task?.isPlanned ? job.description : (task?.input ?? job.description),
      taskId,
      ...(isListedTask && task ? { command: task.input } : {}),
      ...(taskContext ? { task: taskContext } : {}),
      ...(prepared?.isRecorded === false ? { isWorkspaceRecorded: false } : {}),
      ...(prepared?.baseline ? { phaseBaseline: prepared.baseline } : {}),
      ...(prepared?.previous ? { previousAttempt: prepared.previous } : {}),
      agent: this.agent,
      phaseIndex: task?.phase ?? job.currentPhase,
      attempt: run?.attempt ?? job.phases[job.currentPhase]?.attempts ?? 1,
      feedback: job.pendingFeedback,
      previousOutputs: this.previousOutputs(),
      cwd: this.cwd,
      progress: { ...job.progress },
      outputLogPath,
      secretEnvNames,
      maxOutputBytes,
    };
  }

  // Earlier phases do not change while a later one runs: described once per phase, not per task
  // (a second phase of 10,000 tasks after a first of 10,000 would otherwise cost O(n²)).
  private previousOutputs(): PhaseOutputRecord[] {
    const phase = this.pending.job.currentPhase;
    if (this.describedOutputs?.phase !== phase) this.describedOutputs = { phase, outputs: describePreviousOutputs(this.pending.job, this.pending.board) };
    return this.describedOutputs.outputs;
  }

  /** True when a run of this process holds task `taskId` (an external worker's claim is not one). */
  isRunningHere(taskId: string): boolean {
    return this.runs.has(taskId);
  }

  /**
   * Tasks whose open runs belong to workers from outside (no run of this process is going for
   * them): their claims hold the scheduler's tasks back. O(open runs).
   */
  externallyHeldTaskIds(): string[] {
    const held: string[] = [];
    for (const taskId of indexOf(this.pending.board).openRuns.keys()) if (!this.runs.has(taskId)) held.push(taskId);
    return held;
  }

  /** The open run of task `taskId`, if it has one. O(1) (see task-board.ts). */
  openRunOf(taskId: string): Run | undefined {
    return findOpenRun(this.pending.board, taskId);
  }
}

// The eventSeq of job `id` as its job.json holds it (-1 when it cannot be read).
function readStoredSeq(store: JobRepository, id: string): number {
  try {
    return store.readForUpdate(id).job.eventSeq;
  } catch {
    return -1;
  }
}
