// One job as the manager holds it in memory: its current state, what runs it, and the one way
// its state changes: transition, persist, then report.
import { hasJustEnded, manifestOf } from './job-manifests.js';
import type { AgentSpec, PhaseOutputRecord, TaskContext } from '../../agents/agent.js';
import { describeError } from '../../errors.js';
import type { JobRepository } from '../ports/repository.js';
import type { Job, JobProgress } from '../model/job.js';
import { applyActions, recordBoard, type JobState } from '../model/job-state.js';
import type { Run, Task, TaskBoard, TaskRecord } from '../model/task.js';
import { findOpenRun, findTask, indexOf, isSharedPhase } from '../model/task-board.js';
import type { JobEvent } from '../model/job-event.js';
import type { RunHandle } from '../ports/executor.js';
import type { JobWriter } from './job-writer.js';
import type { PhaseRequest } from '../ports/executor.js';
import { transitionJob, type JobAction } from '../model/transitions.js';

/** Where a JobHandle reports what happened (the manager re-emits these to its listeners). */
export interface JobReporter {
  /** The job's state changed in memory (before it is written): the scheduler plans again. */
  changed(job: Job): void;
  event(job: Job, event: JobEvent): void;
  /** `taskId`: the task whose run printed them, when its phase runs several (else absent). */
  output(job: Job, lines: string[], lineCount: number, taskId?: string): void;
  activity(job: Job, icon: string, text: string): void;
  progress(job: Job): void;
  warning(message: string): void;
}

/** One task of the job being run: its worker index, and its run once the executor has it. */
export interface ActiveRun {
  worker: number;
  handle: RunHandle | null;
}

/** The in-memory side of one job. Only the manager creates and drives these. */
export class JobHandle {
  /** The runs going on, by task id (at most the job's workers). */
  readonly runs = new Map<string, ActiveRun>();
  /** Submitted in bulk: its creation is written by a write thread (SubmitRequest.isBulk). */
  isBulk = false;

  private state: JobState;
  /** Board records not on disk yet: a new job's, or a job's whose board was rebuilt (see readBoard). */
  private unrecordedBoard: boolean;
  /** Earlier phases' outputs as described for the current phase's runs (see previousOutputs). */
  private describedOutputs: { phase: number; outputs: PhaseOutputRecord[] } | null = null;

  /**
   * @param board the job's tasks and runs, and whether they are on disk (`isRecorded`): those of a
   *   new job or of a job written before tasks existed are written with its next change.
   */
  constructor(
    job: Job,
    board: { board: TaskBoard; isRecorded: boolean },
    readonly agent: AgentSpec,
    readonly cwd: string,
    private readonly writer: JobWriter,
    private readonly reporter: JobReporter,
    private readonly now: () => string,
  ) {
    this.state = { job, board: board.board };
    this.unrecordedBoard = !board.isRecorded;
  }

  /** The job's latest state (possibly a few ms ahead of disk while a write is in flight). */
  get job(): Job {
    return this.state.job;
  }

  /** The job's tasks and runs, as current as `job`. */
  get board(): TaskBoard {
    return this.state.board;
  }

  get id(): string {
    return this.state.job.id;
  }

  // The job's own field, kept in step with the state (recordProgress replaces only the header).
  private set current(job: Job) {
    this.state = { ...this.state, job };
  }

  private get current(): Job {
    return this.state.job;
  }

  // Applies actions to the whole state; the records to write include the full board the first time.
  private apply(actions: readonly JobAction[], leadingEvents: readonly JobEvent[] = []): { job: Job; events: JobEvent[]; records: TaskRecord[] } {
    const change = applyActions(this.state, actions, this.now(), leadingEvents);
    this.state = change.state;
    this.reporter.changed(change.state.job);
    let records = change.records;
    if (this.unrecordedBoard) {
      records = recordBoard(change.state.board, change.state.job.eventSeq);
      this.unrecordedBoard = false;
    }
    return { job: change.state.job, events: change.events, records };
  }

  /**
   * Applies `actions` through the state machine, waits until the result is on disk, then reports
   * `leadingEvents` and the transition's events. A change that could not be written is not
   * reported (the writer retries it, warns, and reports it once it lands); only a failed first
   * write, the job's creation, is thrown.
   * @throws TransitionError for an illegal action, before anything changes; StoreError JOB_IO
   *   when the job's creation could not be written.
   */
  async commit(actions: JobAction[], leadingEvents: JobEvent[] = []): Promise<void> {
    const before = this.job.status;
    const { job, events: all, records } = this.apply(actions, leadingEvents);
    // Only the change that ends the job keeps its board until the write lands (for the manifest):
    // a job of 10,000 tasks has many changes in flight, and each board is its own copy.
    const endBoard = hasJustEnded(before, job.status) ? this.board : null;
    const reported = this.writer.write(job, all, this.isBulk, records).then(
      () => {
        this.isPersisted = true;
        // After the job's end is durable, before it is reported: whoever hears of it finds its manifest.
        if (endBoard) this.writer.writeManifest(job, () => manifestOf(job, endBoard, this.agent));
        for (const event of all) this.reporter.event(job, event);
      },
      (error: unknown) => {
        if (!this.isPersisted) throw error;
      },
    );
    this.lastReport = reported.catch(() => {});
    await reported;
  }

  /**
   * Resolves when every change committed so far is on disk and has been reported. A job's files
   * may be removed only after that: the user must have heard of its end first.
   */
  whenReported(): Promise<void> {
    return this.lastReport;
  }

  private lastReport: Promise<void> = Promise.resolve();

  /** True once a job.json of this job is on disk (its first write has finished). */
  isPersisted = false;

  /** Interrupts the job and writes it synchronously (exit paths). Returns false if the write failed. */
  interruptSync(store: JobRepository, reason: string): boolean {
    const { job, events, records } = this.apply([{ type: 'interrupt', reason }]);
    try {
      // Events of earlier writes that failed (a full disk) go first, so the log keeps the story.
      const unwritten = this.writer.takeUnwritten(this.id);
      store.writeSync(job, [...unwritten.events, ...events], [...unwritten.records, ...records]);
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
    const task = taskId === undefined ? undefined : findTask(this.state.board, taskId);
    const isShared = task !== undefined && isSharedPhase(this.state.board, task.phase);
    this.reporter.output(this.current, lines, lineCount, isShared ? taskId : undefined);
  }

  /** Records an agent's notable step: it becomes lastEvent and is reported. */
  recordActivity(icon: string, text: string): void {
    this.recordProgress({ lastEvent: text });
    this.reporter.activity(this.current, icon, text);
  }

  /** Records counter changes while running; written to disk coalesced, reported at once. */
  recordProgress(progress: Partial<JobProgress>): void {
    if (this.current.status !== 'running') return;
    this.current = transitionJob(this.current, { type: 'reportProgress', progress }, this.now()).job;
    this.writer.scheduleProgress(this.id, () => this.current);
    this.reporter.progress(this.current);
  }

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
  buildRequest(taskId: string, outputLogPath: string, secretEnvNames: string[] = [], maxOutputBytes = Number.POSITIVE_INFINITY): PhaseRequest {
    const job = this.current;
    const task = findTask(this.state.board, taskId);
    const run = this.openRunOf(taskId);
    // A task the agent listed (a command agent's phase of tasks) runs its own command, with the
    // job's prompt; any other task's input is the prompt (a batch line, or the job's own).
    const agentPhase = this.agent.phases[task?.phase ?? job.currentPhase];
    const isListedTask = this.agent.type === 'command' && agentPhase !== undefined && 'tasks' in agentPhase;
    // An LLM or module agent's task of a phase of several (a plan's, a batch line's) gets the
    // task, its claims and its neighbours' claims as its TaskContext; a planned task gets the
    // job's prompt (its own input is in the context), any other its input (a batch line).
    const taskContext = task && this.agent.type !== 'command' ? describeTaskContext(this.state.board, task) : null;
    return {
      jobId: job.id,
      prompt: isListedTask || task?.isPlanned ? job.description : (task?.input ?? job.description),
      taskId,
      ...(isListedTask && task ? { command: task.input } : {}),
      ...(taskContext ? { task: taskContext } : {}),
      ...(task && isSharedPhase(this.state.board, task.phase) ? { isWorkspaceRecorded: false } : {}),
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
    const phase = this.current.currentPhase;
    if (this.describedOutputs?.phase !== phase) this.describedOutputs = { phase, outputs: describePreviousOutputs(this.current, this.state.board) };
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
    for (const taskId of indexOf(this.state.board).openRuns.keys()) if (!this.runs.has(taskId)) held.push(taskId);
    return held;
  }

  /** The open run of task `taskId`, if it has one. O(1) (see task-board.ts). */
  openRunOf(taskId: string): Run | undefined {
    return findOpenRun(this.state.board, taskId);
  }
}

// Most tasks of a phase described to a run (its neighbours' claims, an earlier phase's results).
const MAX_LISTED_NEIGHBOURS = 200;

// The task's context when its phase holds several tasks or it claims files (a plan of one task
// is confined too); null for a phase's only, unclaimed task (an agent's plain phase).
function describeTaskContext(board: TaskBoard, task: Task): TaskContext | null {
  if (!isSharedPhase(board, task.phase) && task.claims.length === 0) return null;
  // Only neighbours that claim files can hold one (a batch of 10,000 lines claims none).
  const others = board.tasks.filter((other) => other.phase === task.phase && other.id !== task.id && other.claims.length > 0).slice(0, MAX_LISTED_NEIGHBOURS).map((other) => ({ id: other.id, title: other.title, claims: other.claims }));
  return { id: task.id, title: task.title, description: task.input, claims: task.claims, others };
}

// What earlier phases produced, for the next: a phase's output and, for a phase of several
// tasks, each task's result and files (validate and deliver see every task of implement).
function describePreviousOutputs(job: Job, board: TaskBoard): PhaseOutputRecord[] {
  return job.phases.slice(0, job.currentPhase).map((phase, index) => {
    if (!isSharedPhase(board, index)) return { name: phase.name, output: phase.output };
    const tasks = board.tasks.filter((task) => task.phase === index);
    const lines = tasks.slice(0, MAX_LISTED_NEIGHBOURS).map((task) => `- ${task.id} ${task.title}: ${task.status}${task.result ? ` — ${task.result}` : ''}${task.filesModified.length > 0 ? ` (files: ${task.filesModified.join(', ')})` : ''}`);
    if (tasks.length > lines.length) lines.push(`- … and ${tasks.length - lines.length} more tasks`);
    return { name: phase.name, output: [phase.output, ...lines].filter(Boolean).join('\n') };
  });
}
