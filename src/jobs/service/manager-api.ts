// The manager's public contract: its settings, what a submission takes and returns, and the
// events it emits. Kept apart so callers (CLI, REPL) read the contract without the machinery.
import type { AgentSpec } from '../../agents/agent.js';
import type { JobRepository } from '../ports/repository.js';
import type { Executor } from '../ports/executor.js';
import type { Clock } from '../ports/clock.js';
import type { Isolation, Job, JobBudget, JobMode, JobTemplateRef } from '../model/job.js';
import type { WorktreePort } from '../ports/worktrees.js';
import type { JobEvent } from '../model/job-event.js';
import type { TaskPlan } from '../model/task.js';

/** Error recorded on every active job when jobline exits (SIGINT, SIGTERM, SIGHUP, /quit). */
export const INTERRUPTED_ON_EXIT = 'Interrupted: jobline exited';

/** Settings of a JobManager (see .jobrc.example.json for the user-facing keys); `R` is the repository's type. */
export interface JobManagerOptions<R extends JobRepository = JobRepository> {
  /** Where jobs are kept (the jobs folder, see JobStore). */
  store: R;
  maxConcurrentJobs: number;
  /** Runs at once across all jobs (config maxWorkers; default maxConcurrentJobs). */
  maxWorkers?: number;
  whenBusy: 'queue' | 'reject';
  maxUnfinishedJobs: number;
  /** Completed jobs kept on disk, newest first (default 20; 0 removes each as it completes). */
  maxCompletedJobs?: number;
  /** Keep every job's files: no storage limit applies (debug.keepTempFiles). */
  keepTempFiles: boolean;
  /** Grace period of a cancel before the worker and processes are killed (ms). */
  cancelGraceMs: number;
  /** Longest delay of a progress-only write (ms, default 1000). */
  progressFlushMs?: number;
  /** Largest output.log per job (bytes); older output is cut past it (config maxOutputBytes; default: no cap). */
  maxOutputBytes?: number;
  /** Environment variables holding API keys, scrubbed from every report of a phase (config: getSecretEnvNames). */
  secretEnvNames?: string[];
  /** Where runs execute (worker threads of this process: runtime/thread-executor.ts). */
  executor: Executor;
  /** The clock (default: the system clock). */
  now?: Clock;
  /** How long after a job ends the storage policy's pass starts (ms; default POLICY_PASS_DELAY_MS). */
  policyPassDelayMs?: number;
  /** Lease of an external worker's claims (ms; default DEFAULT_WORKER_LEASE_MS): its heartbeats renew it. */
  workerLeaseMs?: number;
  /** Git worktrees and landings (absent: every job runs in place). */
  worktrees?: WorktreePort;
  /** Where jobs of agents that do not say run (config `isolation`; null: see chooseIsolation). */
  defaultIsolation?: Isolation | null;
}

/** A job to submit: the agent to run, the user's prompt, the mode and the working directory. */
export interface SubmitRequest {
  agent: AgentSpec;
  prompt: string;
  mode: JobMode;
  cwd: string;
  /**
   * One of many submissions in a row (batch): the job's creation is written by a write thread,
   * alongside the others', instead of on the caller's thread. `submit` still resolves only once
   * the job is durable; this is faster in bulk and slower for a single prompt.
   */
  isBulk?: boolean;
  /** Its tasks that may run at once (Job.workers; default 1). */
  workers?: number;
  /** Runs of a failed task beyond its first (Job.retries; default 0). */
  retries?: number;
  /**
   * Complete phases whose tasks failed, and end the job failed (Job.keepGoing; default false, but
   * true for a batch (taskInputs) and an external job: see buildNewJob).
   */
  keepGoing?: boolean;
  /**
   * One task per input in each phase of the agent, instead of one task holding the prompt (a
   * batch: each line of a file is a task). The job's prompt then describes the whole.
   */
  taskInputs?: readonly string[];
  /**
   * The tasks of the job's first phase (titles, inputs, dependencies by title, claims), instead of
   * what the agent plans; an external job's first tasks (it may have none: workers add them).
   */
  tasks?: readonly TaskPlan[];
  /** See Job.name (null or absent: a generated name). */
  name?: string | null;
  /** See Job.template. */
  template?: JobTemplateRef | null;
  /** Where the job runs (`--isolation`, `/isolation`); absent: its agent's, else the config's (see chooseIsolation). */
  isolation?: Isolation | null;
  /** What a job in a worktree starts from: the last commit (`head`, the default), or with the user's uncommitted changes too (`worktree`). */
  base?: 'head' | 'worktree';
  /** See Job.budget (absent: the agent's `budget`, if it has one). */
  budget?: JobBudget | null;
  /** See Job.model (absent: the agent's). */
  model?: string | null;
}

/** How a job taken over from the jobs folder will run: its agent (rebuilt from the config) and folder. */
export interface AdoptedRun {
  agent: AgentSpec;
  cwd: string;
}

/** The submitted job and its place in the queue (0: it started at once). */
export interface SubmitResult {
  job: Job;
  queuePosition: number;
  /** Something the user should know about the job's worktree (their uncommitted changes left out of it), or absent. */
  notice?: string;
  /**
   * How many runs go at once on this machine's threads across all jobs (config maxWorkers), when
   * the job asks for more workers than that: the rest of its tasks wait for a free run, and the
   * front end says so. Absent when its workers fit, and when runs go to a queue's workers.
   */
  runLimit?: number;
}

/** Events a JobManager emits. Lifecycle events are emitted only after they are on disk. */
export interface JobManagerEvents {
  jobEvent: [job: Job, event: JobEvent];
  /** `taskId`: the task whose run printed them, when its phase runs several side by side. */
  jobOutput: [job: Job, lines: string[], lineCount: number, taskId: string | undefined];
  /** `taskId`: the task whose run did it, when its phase runs several side by side. */
  jobActivity: [job: Job, icon: string, text: string, taskId: string | undefined];
  /** A model's answer as it streams (`taskId` as for jobActivity). */
  jobText: [job: Job, text: string, taskId: string | undefined];
  jobProgress: [job: Job];
  jobRemoved: [id: string];
  warning: [message: string];
}
