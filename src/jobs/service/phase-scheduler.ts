// Running jobs within the slots: after every change the pure scheduler (model/scheduler.ts) plans
// which queued jobs get a slot and which tasks start on free workers, and this starts them, runs
// each task's run on the executor, applies its outcome, and hands ended jobs to the storage policy. The manager owns the session's
// jobs and the public API; this owns the running of them.
import { dirname, join } from 'node:path';
import { describeError } from '../../errors.js';
import type { JobRepository } from '../ports/repository.js';
import { isActiveStatus, isExternalJob } from '../model/job.js';
import type { JobEvent } from '../model/job-event.js';
import { CLAIM_WAIT_ICON, describeClaimWait, planWithWaits, type ClaimWait, type ScheduledJob } from '../model/scheduler.js';
import type { JobAction } from '../model/transitions.js';
import { OUTPUT_FILE, type TaskRecord } from '../model/task.js';
import type { Executor, RunOutcome } from '../ports/executor.js';
import type { PhaseOutcome } from '../../agents/agent.js';
import type { JobHandle } from './job-handle.js';
import type { PreparedPhase } from './phase-workspace.js';
import { StoragePolicyRunner } from './storage-policy-runner.js';
import { PREPARE_CANCELLED } from './worktree-jobs.js';
import { RemoteRunMarks } from './remote-run-marks.js';

/** What the scheduler needs from the manager that owns it. */
export interface SchedulerHost {
  /** The session's job `id`, if it has one. */
  lookup(id: string): JobHandle | undefined;
  /** The session's jobs in order of submission (the order queued jobs get slots in). */
  jobs(): Iterable<JobHandle>;
  /** The storage policy removed job `id`'s files. */
  jobRemoved(id: string): void;
  warn(message: string): void;
  /** True once the manager is shutting down: nothing new starts. */
  isClosed(): boolean;
  /** Something that `whenIdle` waits for may have finished. */
  stateChanged(): void;
  /** The current time (ISO-8601). */
  now(): string;
  /** Resolves when a front end that holds notifications back (see JobManager.holdRemovals) has shown them. */
  whenRemovalsAllowed(): Promise<void>;
  /**
   * For a job in a worktree: resolves once its worktree is made and set up (null), or with why it
   * could not be (its run fails with it; PREPARE_CANCELLED: the job was cancelled meanwhile).
   * Null: nothing to wait for.
   */
  prepareRun?(entry: JobHandle, taskId: string): Promise<string | null> | null;
  /**
   * For a run whose outcome ends its phase in a worktree without an approval: the phase's commit
   * (or the failure to make it), made before the outcome is recorded. Null: none to make.
   */
  commitOnOutcome?(entry: JobHandle, taskId: string, outcome: PhaseOutcome): Promise<{ outcome: PhaseOutcome; commit?: string | null; events: JobEvent[]; retry?: boolean }> | null;
}

/** Settings the scheduler uses. */
export interface SchedulerOptions {
  store: JobRepository;
  maxConcurrentJobs: number;
  maxUnfinishedJobs: number;
  /** Completed jobs kept (default DEFAULT_MAX_COMPLETED_JOBS). */
  maxCompletedJobs?: number;
  keepTempFiles: boolean;
  /** Environment variables holding API keys (see PhaseRequest.secretEnvNames). */
  secretEnvNames?: string[];
  /** Largest output.log per job (bytes; default: no cap). */
  maxOutputBytes?: number;
  /** Delay of a storage-policy pass after a job ends (ms; see StoragePolicyRunner). */
  policyPassDelayMs?: number;
  /** Runs at once across all jobs (config maxWorkers; default maxConcurrentJobs). */
  maxWorkers?: number;
}

/** Runs jobs' phases within `maxConcurrentJobs` slots. */
export class PhaseScheduler {
  /** Jobs holding a slot: running a phase, about to, or winding one down. */
  private readonly holders = new Set<string>();
  private readonly policy: StoragePolicyRunner;
  /** What remote executors tell of runs: the worker that took one, a wait for labels. */
  private readonly marks: RemoteRunMarks;
  private isPumpRequested = false;
  /** The claim wait said for each waiting task (`job/task` → holder), so it is said once, not at every plan. */
  private readonly saidWaits = new Map<string, string>();

  constructor(
    private readonly host: SchedulerHost,
    private readonly executor: Executor,
    private readonly options: SchedulerOptions,
  ) {
    this.policy = new StoragePolicyRunner(host, options);
    this.marks = new RemoteRunMarks((message) => host.warn(message));
  }

  /** True while the storage policy is still at work on an ended job. */
  get hasPendingCleanups(): boolean {
    return this.policy.hasPendingCleanups;
  }

  /** Slots (maxConcurrentJobs). */
  get capacity(): number {
    return this.options.maxConcurrentJobs;
  }

  /** Jobs holding a slot now. */
  get slotsInUse(): number {
    return this.holders.size;
  }

  /** True when job `id` holds a slot. */
  holds(id: string): boolean {
    return this.holders.has(id);
  }

  /**
   * Plans with every job as it is now (see plan) and starts what it assigns: a queued job that
   * gets a slot starts with its first task, a running job's further tasks start on its free
   * workers. Returns `creating`'s start, when it took a slot, as `startRunning`'s promise (for a
   * job being created, whose creation is written with its start).
   */
  pump(creating?: { entry: JobHandle; leadingEvents: JobEvent[] }): { creation: Promise<void> | null } {
    let creation: Promise<void> | null = null;
    if (!this.host.isClosed()) {
      // With every slot held only the holders can start anything: a queue of thousands of
      // waiting jobs costs nothing per change.
      const isFull = this.holders.size >= this.options.maxConcurrentJobs;
      const { assignments, waits } = planWithWaits(this.describeJobs(isFull), { maxConcurrentJobs: this.options.maxConcurrentJobs, maxWorkers: this.maxWorkers });
      this.sayWaits(waits);
      // Jobs that take their slot in this plan: their other tasks start once that start landed.
      const takingSlot = new Set(assignments.filter((assignment) => assignment.needsSlot).map((assignment) => assignment.jobId));
      for (const assignment of assignments) {
        this.saidWaits.delete(`${assignment.jobId}/${assignment.taskId}`);
        const entry = this.host.lookup(assignment.jobId)!;
        if (!assignment.needsSlot) {
          this.startTask(entry, assignment.taskId, takingSlot.has(entry.id));
          continue;
        }
        this.holders.add(entry.id);
        const start = this.startRunning(entry, assignment.taskId, entry === creating?.entry ? creating.leadingEvents : []);
        if (entry === creating?.entry) creation = start;
        else void start;
      }
    }
    this.host.stateChanged();
    return { creation };
  }

  // A task held back by another's claim says so once per holder, as an activity of its job
  // (`⏸ t3 waits: src/auth.ts is claimed by job-ab12 t1`).
  private sayWaits(waits: readonly ClaimWait[]): void {
    for (const wait of waits) {
      const key = `${wait.jobId}/${wait.taskId}`;
      const holder = `${wait.heldBy.jobId}/${wait.heldBy.taskId}`;
      if (this.saidWaits.get(key) === holder) continue;
      this.saidWaits.set(key, holder);
      // Stryker disable next-line OptionalChaining: waits are planned from the session's jobs only (describeJobs), so the lookup always finds the job
      this.host.lookup(wait.jobId)?.recordActivity(CLAIM_WAIT_ICON, describeClaimWait(wait));
    }
  }

  /** Plans again once the current task's changes are all made (many changes in a row plan once). */
  requestPump(): void {
    // Stryker disable next-line ConditionalExpression: coalescing is a cost cut only: a second plan of the same state assigns nothing more
    if (this.isPumpRequested) return;
    // Stryker disable next-line BooleanLiteral: as above, planning once per change instead of once per burst starts the same runs
    this.isPumpRequested = true;
    queueMicrotask(() => {
      this.isPumpRequested = false;
      this.pump();
    });
  }

  // Runs at once across all jobs: the executor's own limit (a queue's), else maxWorkers (this
  // machine's threads; by default as many as jobs may run).
  private get maxWorkers(): number {
    return this.executor.runLimit ?? this.options.maxWorkers ?? this.options.maxConcurrentJobs;
  }

  /** Runs at once on this machine's threads across all jobs (maxWorkers), or null when runs go to a queue's workers (its own limit). */
  get localRunLimit(): number | null {
    return this.executor.runLimit === undefined ? this.maxWorkers : null;
  }

  // The session's jobs as the pure scheduler sees them: those that hold a slot, (unless every
  // slot is held) those that want one, and those whose external workers hold claims. An external
  // job's tasks never run here: it has no workers of this process.
  private describeJobs(holdersOnly: boolean): ScheduledJob[] {
    const jobs: ScheduledJob[] = [];
    for (const entry of this.host.jobs()) {
      const { job, board } = entry;
      const hasSlot = this.holders.has(entry.id);
      // Only a running job's tasks can be claimed (plans run after every change: ended jobs cost nothing).
      const heldTaskIds = job.status === 'running' ? entry.externallyHeldTaskIds() : [];
      // A job whose last write failed takes no new work until its retry delay is over.
      const isBlocked = entry.isWriteBlocked();
      // Stryker disable next-line ConditionalExpression,LogicalOperator: a cost cut only: plan gives nothing to a job neither queued nor holding a slot, to a queued one when every slot is held, or to one without workers (a blocked one)
      const isLeftOut = holdersOnly || job.status !== 'queued' || isBlocked;
      if (!hasSlot && heldTaskIds.length === 0 && isLeftOut) continue;
      jobs.push({ id: job.id, status: job.status, currentPhase: job.currentPhase, workspace: entry.cwd, board, runningTaskIds: [...entry.runs.keys()], heldTaskIds, hasSlot, workers: isExternalJob(job) || isBlocked ? 0 : job.workers });
    }
    return jobs;
  }

  /*
   * Moves a job whose slot is reserved to running, with task `taskId` of its current phase, and
   * runs that task once the start is on disk (a run's command never starts before its run is
   * recorded: issue 25 §1; a new job's start is written with its creation). Resolves once the
   * start is on disk. A creation that could not be written refuses the job (the submitter says why).
   */
  private async startRunning(entry: JobHandle, taskId: string, leadingEvents: JobEvent[]): Promise<void> {
    // A new job's worker boots while its creation is written (a queued job's creation is done).
    if (!entry.isPersisted) this.executor.prepare();
    const wasPersisted = entry.isPersisted;
    const worker = entry.reserveWorker(taskId);
    const actions: JobAction[] = [{ type: 'start' }, { type: 'startPhase', taskId, worker }];
    try {
      await entry.commit(actions, leadingEvents);
    } catch (error) {
      entry.runs.delete(taskId);
      this.holders.delete(entry.id);
      this.requestPump();
      if (!wasPersisted) throw error;
      this.host.warn(`${entry.id}: ${describeError(error)}`);
      return;
    }
    this.launch(entry, taskId);
  }

  // Starts task `taskId` of running job `entry` on a free worker (opening its phase first when
  // the phase has not started: the next phase of a background job). Its start is handed to the
  // run, which writes it before anything of it starts (see JobHandle.commitStart), off the main
  // thread's way; where it cannot be (a phase's own start, a task planned alongside the job's start,
  // a task with records still on their way, a board to be written whole), the run starts once the
  // start's write has landed, and not at all if it failed.
  private startTask(entry: JobHandle, taskId: string, isAlongsideStart: boolean): void {
    const worker = entry.reserveWorker(taskId);
    // Stryker disable next-line OptionalChaining: a running job's current phase always exists (tasks are planned of it only)
    const isPhaseRunning = entry.job.phases[entry.job.currentPhase]?.status === 'running';
    const actions: JobAction[] = [isPhaseRunning ? { type: 'startTask', taskId, worker } : { type: 'startPhase', taskId, worker }];
    let handed: ReturnType<JobHandle['commitStart']> = null;
    try {
      // A phase's own start (its header changes) is written before its first run starts.
      if (!isAlongsideStart && isPhaseRunning && this.executor.canRecordStarts) handed = entry.commitStart(actions);
    } catch {
      handed = null; // a refused transition (the job moved meanwhile): the commit below says so
    }
    if (handed) {
      this.launch(entry, taskId, handed.records);
      handed.written.catch((error: unknown) => this.host.warn(`${entry.id}: ${describeError(error)}`));
      return;
    }
    const committed = entry.commit(actions);
    // The transition is applied synchronously: a refused one (the job moved meanwhile) left the
    // task unclaimed, and nothing runs.
    if (!entry.openRunOf(taskId)) {
      entry.runs.delete(taskId);
      committed.catch(() => {});
      return;
    }
    committed.then(
      () => this.launch(entry, taskId),
      (error: unknown) => {
        entry.runs.delete(taskId);
        this.host.warn(`${entry.id}: ${describeError(error)}`);
      },
    );
  }

  /**
   * Job `entry` changed from outside its runs (a worker from outside ended a task, or its job was
   * closed), or one of its runs' outcomes landed: once nothing of it runs here and it no longer
   * runs on disk, its slot is free and an ended job goes to the storage policy (once per end). The
   * saved state decides: a slot goes to the next job only once this one's stop is on disk.
   */
  settle(entry: JobHandle): void {
    const saved = entry.savedJob;
    if (entry.runs.size > 0 || saved.status === 'running' || entry.job.status === 'running') return;
    const hadSlot = this.holders.delete(entry.id);
    for (const key of this.saidWaits.keys()) if (key.startsWith(`${entry.id}/`)) this.saidWaits.delete(key);
    const end = `${saved.status} ${saved.endedAt}`;
    if (!isActiveStatus(saved.status) && !this.host.isClosed() && this.policyPassed.get(entry) !== end) {
      this.policyPassed.set(entry, end);
      void this.afterJobEnded(entry);
    }
    // Stryker disable next-line ConditionalExpression: a plan without a freed slot assigns nothing this change did not already plan (every change plans again, see JobManager's reporter)
    if (hadSlot) this.pump();
  }

  /** The end each job was last handed to the storage policy with (see settle). */
  private readonly policyPassed = new WeakMap<JobHandle, string>();

  /** A job is being submitted: storage-policy passes keep out of its way (see StoragePolicyRunner.noteSubmission). */
  noteSubmission(): void {
    this.policy.noteSubmission();
  }

  /** The submission noted with noteSubmission has ended. */
  noteSubmitted(): void {
    this.policy.noteSubmitted();
  }

  /** Applies the storage policy once job `entry` has ended (see StoragePolicyRunner). Never throws. */
  afterJobEnded(entry: JobHandle): Promise<void> {
    return this.policy.afterJobEnded(entry);
  }

  // Runs the open run of task `taskId` on the executor once its job's worktree is ready (a run
  // in a worktree that could not be made or set up fails, before any agent ran) and its phase's
  // workspace is prepared; its outcome ends the task. `startRecords`: the run's start, for the
  // run to write before anything of it starts (see startTask).
  private launch(entry: JobHandle, taskId: string, startRecords?: TaskRecord[]): void {
    // Stryker disable next-line OptionalChaining: the scheduler's one host (JobManager) always has prepareRun
    const prepared = this.host.prepareRun?.(entry, taskId) ?? null;
    if (!prepared) return this.preparePhase(entry, taskId, startRecords);
    void prepared.then((error) => {
      if (error === null) this.preparePhase(entry, taskId, startRecords);
      else this.finishRun(entry, taskId, error === PREPARE_CANCELLED ? { kind: 'cancelled' } : { kind: 'failed', error });
    });
  }

  // Starts the run once its phase's workspace is prepared (see JobHandle.preparePhase: at once,
  // unless a baseline is to be taken or a retry to undo).
  private preparePhase(entry: JobHandle, taskId: string, startRecords?: TaskRecord[]): void {
    if (!entry.runs.get(taskId) || !entry.openRunOf(taskId)) return;
    const jobsFolder = dirname(dirname(this.options.store.outputPathOf(entry.id)));
    const prepared = entry.preparePhase(taskId, jobsFolder);
    if (!(prepared instanceof Promise)) return this.startRun(entry, taskId, prepared, startRecords);
    void prepared.then((ready) => {
      // Cancelled or stopped meanwhile: nothing starts, and the slot goes (the cancel recorded the run's end).
      if (this.host.isClosed() || entry.job.status !== 'running' || !entry.openRunOf(taskId)) {
        entry.runs.delete(taskId);
        this.settle(entry);
        return;
      }
      this.startRun(entry, taskId, ready, startRecords);
    });
  }

  private startRun(entry: JobHandle, taskId: string, prepared: PreparedPhase, startRecords?: TaskRecord[]): void {
    const active = entry.runs.get(taskId);
    const run = entry.openRunOf(taskId);
    if (!active || !run) return;
    const outputPath = run.output.file === OUTPUT_FILE ? this.options.store.outputPathOf(entry.id) : join(dirname(this.options.store.outputPathOf(entry.id)), run.output.file);
    try {
      const request = entry.buildRequest(taskId, outputPath, this.options.secretEnvNames ?? [], this.options.maxOutputBytes, prepared);
      if (startRecords) request.startRecord = { ...this.options.store.recordGroupOf(entry.id, startRecords, run.id), runId: run.id };
      active.handle = this.executor.start(request, {
        output: (lines, lineCount) => entry.recordOutput(lines, lineCount, taskId),
        progress: (progress) => entry.recordProgress(progress, taskId),
        activity: (icon, text) => entry.recordActivity(icon, text, taskId),
        text: (text) => entry.recordText(text, taskId),
        budgetReached: (usage) => void entry.stopForBudget(usage).catch((error: unknown) => this.host.warn(`${entry.id}: ${describeError(error)}`)),
        taken: (worker) => this.marks.taken(entry, taskId, run.id, worker),
        waiting: (labels) => this.marks.waiting(entry, taskId, run.id, labels),
      });
    } catch (error) {
      this.host.warn(`${entry.id}: ${describeError(error)}`);
      void this.finishRun(entry, taskId, { kind: 'failed', error: describeError(error) });
      return;
    }
    void active.handle.outcome.then((outcome) => this.finishRun(entry, taskId, outcome));
  }

  // A run ended: its outcome ends its task (and maybe its phase and job). The outcome is applied
  // now (the next task is planned with it, and its start shares the outcome's write) and written
  // in the background; the job's slot is released once its stop is on disk (see settle).
  private finishRun(entry: JobHandle, taskId: string, outcome: RunOutcome): void {
    // A run that ended while its job is stopped at its budget (it needed no more model calls) is
    // recorded once the stop is answered: a change of a job not running would be refused. It keeps
    // its place in the job's runs meanwhile, so the job keeps its slot. So is a run that reported a
    // cancel of its own (a user's cancel ends the stop first): dropped, it left the job running after
    // the answer with an open run that nothing ran, and no slot.
    if (entry.job.budgetStop && entry.job.status === 'awaiting_approval' && !this.host.isClosed()) {
      entry.holdOutcome(taskId, () => this.finishRun(entry, taskId, outcome));
      return;
    }
    // A phase in a worktree that ends without an approval is committed first: the run keeps its
    // place (and the job its slot) until then, so the next phase never starts on uncommitted work.
    // A run whose worker went away ended nothing: its task runs again.
    // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent: commitOnOutcome hands back any outcome but a completed one unchanged, committing nothing
    const isEnded = outcome.kind !== 'interrupted';
    // Stryker disable next-line OptionalChaining: the scheduler's one host (JobManager) always has commitOnOutcome
    const committing = isEnded && entry.job.status === 'running' && !this.host.isClosed() ? this.host.commitOnOutcome?.(entry, taskId, outcome) ?? null : null;
    if (committing) {
      void committing.then(({ outcome: committed, commit, events, retry }) => this.finishRunNow(entry, taskId, committed, commit, events, retry));
      return;
    }
    this.finishRunNow(entry, taskId, outcome);
  }

  private finishRunNow(entry: JobHandle, taskId: string, outcome: RunOutcome, commit?: string | null, events: JobEvent[] = [], retry?: boolean): void {
    entry.runs.delete(taskId);
    // While the session closes, a run that ended on its own is still recorded (see shutdown).
    const isRecorded = outcome.kind !== 'cancelled' || !this.host.isClosed();
    const take = this.marks.withdrawTake(entry, taskId);
    if (isRecorded && entry.job.status === 'running' && entry.openRunOf(taskId)) this.recordOutcome(entry, taskId, outcome, take, commit, events, retry);
    else this.settle(entry);
    // Plans at once, in this turn: the next task's start then goes out in the same write as this
    // end. (Left to the plan every change requests, it started a turn later; under load a task
    // worktree's git setup then met another task's merge in one repository, and git failed.)
    if (entry.job.status === 'running' && !this.host.isClosed()) this.pump();
  }

  // Commits a run's outcome; one whose write failed is made again after the job's retry delay,
  // for as long as its run is still open (a cancel or an exit may close it meanwhile). The task
  // stays claimed until then: its end is not on disk, so it did not happen yet.
  private recordOutcome(entry: JobHandle, taskId: string, outcome: RunOutcome, before: JobAction[], commit: string | null | undefined, events: JobEvent[], retry: boolean | undefined): void {
    let committed: Promise<void>;
    try {
      committed = entry.commit([...before, outcomeAction(taskId, outcome, commit, retry)], events);
    } catch (error) {
      this.host.warn(`${entry.id}: ${describeError(error)}`);
      return;
    }
    committed.then(
      () => this.settle(entry),
      () => {
        const timer = setTimeout(() => {
          if (this.host.isClosed() || entry.job.status !== 'running' || !entry.openRunOf(taskId)) return this.settle(entry);
          this.recordOutcome(entry, taskId, outcome, before, commit, events, retry);
        }, entry.msUntilRetry());
        timer.unref();
      },
    );
  }
}

// A run's outcome as the action on its task; a cancelled run (only a cancel asks for one) cancels the
// job; an interrupted one (its remote worker went away) fails its task as interrupted (see failTask).
function outcomeAction(taskId: string, outcome: RunOutcome, commit?: string | null, retry?: boolean): JobAction {
  if (outcome.kind === 'interrupted') return { type: 'failTask', taskId, error: outcome.reason, isInterrupted: true };
  if (outcome.kind === 'cancelled') return { type: 'cancel' };
  // What a completed or failed run reports beside its result: absent fields stay absent.
  const reported = {
    ...(outcome.filesModified ? { filesModified: outcome.filesModified } : {}),
    ...(outcome.usage ? { usage: outcome.usage } : {}),
    ...(outcome.outputFile ? { outputFile: outcome.outputFile } : {}),
    ...(outcome.instructions ? { instructions: outcome.instructions } : {}),
  };
  if (outcome.kind === 'completed') {
    // Absent (undefined) when the run planned nothing: only a plan's tasks are added (see planNextPhase).
    const plannedTasks = outcome.tasks?.map((task) => ({ title: task.title, input: task.description ?? task.input ?? '', claims: task.files ?? task.claims ?? [], dependsOn: task.dependsOn ?? [] }));
    return { type: 'completeTask', taskId, output: outcome.output, changes: outcome.changes ?? null, ...reported, plannedTasks, commit };
  }
  return { type: 'failTask', taskId, error: outcome.error, output: outcome.output ?? null, changes: outcome.changes ?? null, ...reported, asks: outcome.asks, retry };
}
