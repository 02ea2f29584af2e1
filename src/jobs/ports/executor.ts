// The executor port: how the job service runs one attempt at a task (a run) without knowing
// where. Implemented by the worker-thread pool (runtime/thread-executor.ts); a remote executor (a
// worker on another machine pulling runs from a queue) implements the same contract: a request
// that is plain data, a stream of reports, a cancel with a grace period, and exactly one outcome.
import type { AgentSpec, PhaseOutcome, PhaseOutputRecord, TaskContext } from '../../agents/agent.js';
import type { JobBudget, JobProgress, TokenUsage } from '../model/job.js';

/** Everything a worker needs to run one phase of one job (plain data: structured-cloneable and JSON-serialisable). */
export interface PhaseRequest {
  jobId: string;
  prompt: string;
  agent: AgentSpec;
  phaseIndex: number;
  attempt: number;
  feedback: string | null;
  previousOutputs: PhaseOutputRecord[];
  cwd: string;
  /** The job's counters when the phase starts. */
  progress: JobProgress;
  /** The job's own git worktree (absolute; `cwd` then is in it), when it runs in one. */
  worktree?: string;
  /** Absolute path of the job's output.log; the worker appends to it directly. */
  outputLogPath: string;
  /** Environment variables holding API keys: their values are scrubbed from all the phase reports (see text/secrets.ts). */
  secretEnvNames: string[];
  /** Largest output.log of the job (bytes); the oldest output is cut past it (config maxOutputBytes). */
  maxOutputBytes: number;
  /** The task this run is an attempt at (`t3`). */
  taskId?: string;
  /** The shell command of a command agent's task, when its phase runs tasks (CommandTaskSpec.run). */
  command?: string;
  /** The task, its claims and its phase's other tasks, when the phase holds several (agents see it as PhaseContext.task). */
  task?: TaskContext;
  /**
   * The run's start as the job's journal records it (one line, see JobRepository.recordGroupOf):
   * appended and flushed to disk by whoever runs the run before anything of it starts, so a run's
   * command never starts before its start is durable (only for an executor that canRecordStarts).
   * Absent: the start is on disk already.
   */
  startRecord?: { path: string; text: string; runId: string };
  /** The run's id in its job (`r3`): with jobId, names the run on a queue (see QueueKeys). */
  runId?: string;
  /** The job's name, for a branch a remote run pushes (`jobline/<name>/<task id>`). */
  jobName?: string;
  /** Labels a worker must all have to take the run (an agent's and its task's `labels`). */
  labels?: string[];
  /**
   * Where the run's task runs: `none` needs no repository (a remote worker runs it in its own
   * folder); absent: the job's folder (a remote worker: a worktree at the job's commit).
   */
  workspace?: 'none';
  /**
   * The task's previous run (`r2`), when it was interrupted: an executor that can (a queue whose
   * worker may have gone on while its coordinator was away) follows that run instead of starting
   * its command again, reporting its output and outcome as this run's. Others ignore it.
   */
  adoptRunId?: string;
  /**
   * False: the run's workspace changes are not recorded (git snapshots before and after): its
   * phase holds several tasks, whose runs overlap. Default true.
   */
  isWorkspaceRecorded?: boolean;
  /**
   * The tree the phase's changes count from (see workspace-snapshot.ts), when the job took it:
   * before the phase's first run, for a phase of several tasks; the phase's first attempt's, for
   * a retry. Absent: the run takes its own before-snapshot.
   */
  phaseBaseline?: string | null;
  /**
   * A retry's view of the attempt before it: its answer, its changes (`before`/`after` trees),
   * whether they were kept (`--keep`) or undone, and the ref that keeps undone ones.
   */
  previousAttempt?: { output: string | null; changes: { before: string; after: string } | null; keep: boolean; undoneRef?: string | null };
  /** The job's budget, when it has one: the run stops before a model call past it (see RunHandle.updateUsage). */
  budget?: JobBudget | null;
}

/** What a run reports while it goes. Called on the service's thread, in the order things happened. */
export interface RunListener {
  /** Complete output lines: `lineCount` since the last call, the last few of them in `lines`. */
  output(lines: string[], lineCount: number): void;
  progress(progress: Partial<JobProgress>): void;
  /** A notable step of an agent (a tool call), with an icon. */
  activity(icon: string, text: string): void;
  /** A model's answer as it streams (see PhaseReporter.text). */
  text(text: string): void;
  /**
   * The run reached the job's budget with the job's tokens at `usage` (its own and the rest's):
   * it waits, before its next model call, until `updateUsage` brings a budget it is within.
   */
  budgetReached(usage: TokenUsage): void;
  /** A remote executor's worker `name` took the run (before its command starts). */
  taken?(worker: string): void;
  /** No live worker has all of `labels` (none: no live worker at all), which the run needs: it waits for one (a remote executor's). */
  waiting?(labels: string[]): void;
}

/**
 * How a run ended: its agent's outcome, or `interrupted` when what ran it went away before it
 * ended (a remote worker that stopped answering: `reason` names it). Interrupted, the task runs
 * again while its retries last.
 */
export type RunOutcome = PhaseOutcome | { kind: 'interrupted'; reason: string };

/** One run in progress. */
export interface RunHandle {
  /** Settles exactly once, however the run ends (its agent's outcome, a crash, a cancel); never rejects. */
  readonly outcome: Promise<RunOutcome>;
  /** Asks the run to stop; after `graceMs` it is killed (its processes too). Idempotent. */
  cancel(graceMs: number): void;
  /** Stops the run at once (exit paths). */
  kill(): void;
  /**
   * Tells the run the job's tokens outside it (`others`: earlier phases and runs beside it) and
   * the job's budget, as they change: its budget checks add its own.
   */
  updateUsage(others: TokenUsage, budget: JobBudget | null): void;
}

/** Where runs execute. */
export interface Executor {
  /**
   * True when the executor writes a run's start to its job's journal itself, right before the
   * run's work begins (PhaseRequest.startRecord: it reaches the job's files, on this machine):
   * the scheduler then hands starts over instead of writing them first (see JobLedger.commitStart).
   */
  readonly canRecordStarts: boolean;
  /**
   * Runs at once this executor takes across all jobs, when it sets its own limit (a queue: its
   * global concurrency, or Infinity: its workers' own concurrency caps them); absent: the
   * scheduler's maxWorkers applies (this machine's threads).
   */
  readonly runLimit?: number;
  /** Starts getting ready for a run that is about to be requested (e.g. boots a worker). */
  prepare(): void;
  /** Resolves when the executor can start a run without a cold start. */
  whenReady(): Promise<void>;
  /** Starts a run of `request`; reports go to `listener`. */
  start(request: PhaseRequest, listener: RunListener): RunHandle;
  /** Pids of processes of job `jobId` still alive here (a resumed job must not run beside them). */
  findJobProcesses(jobId: string): number[];
  /** A warning for the user about how well job processes are contained here, or null. Said once. */
  containmentWarning(): string | null;
  /** Kills every process of every run at once, synchronously (exit paths that cannot wait). */
  killAll(): void;
  /** Stops every worker (after the runs have ended) and kills what is left. */
  close(): Promise<void>;
}
