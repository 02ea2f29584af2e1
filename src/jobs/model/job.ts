// The job model as stored in job.json. Field names are a public format (other tools read them):
// change them only together with SCHEMA_VERSION. Pure: no I/O, no clock.
import type { JobBudget, TokenUsage } from './usage.js';

/** A job's token and cost budget, and a count of tokens and cost (defined in usage.ts; re-exported where jobs are). */
export type { JobBudget, TokenUsage } from './usage.js';

/**
 * Version of the job.json format written by this build: 2 since tasks and runs (kept beside it,
 * in tasks.jsonl). Readers accept READABLE_SCHEMA_VERSIONS and refuse others.
 */
export const SCHEMA_VERSION = 2;

/** Versions this build reads: 1 (no tasks.jsonl: tasks and runs are rebuilt, see task-history.ts) and 2. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

/** How a job moves between phases: interactive waits for approval after each phase but the last. */
export type JobMode = 'interactive' | 'background';

/** Every job status, in lifecycle order (job.json's `status` is one of these). */
export const JOB_STATUSES = ['queued', 'running', 'awaiting_approval', 'completed', 'failed', 'cancelled', 'interrupted'] as const;

/** Lifecycle status of a job. Active: queued, running, awaiting_approval. Terminal: the rest. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Every phase status. `cancelled`: the user stopped it; `interrupted`: jobline exited or died while
 * it ran (files written before this status existed say `cancelled` for both: see parseJobFile).
 */
export const PHASE_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;

/** Status of one phase. */
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

/** One phase of a job. Timestamps are ISO-8601 UTC strings or null. */
export interface PhaseState {
  name: string;
  status: PhaseStatus;
  /** How many times the phase has been started (retries and resumes count). */
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  /**
   * The phase's result text (an agent's final answer, or the tail of a command's output); an
   * answer longer than MAX_STORED_ANSWER_CHARS is kept here cut (its start and end, with a line
   * saying so), and whole in `outputFile`.
   */
  output: string | null;
  /** The file in the job's folder that holds the whole answer, when `output` is cut (`answers/p2-a1.md`); absent: `output` is whole. */
  outputFile?: string | null;
  error: string | null;
  /** What the phase's last attempt changed in its git workspace; null outside git (or unknown). */
  changes: WorkspaceChanges | null;
  /**
   * The commit of the job's worktree that holds what this phase changed (`<job name>: <phase>`),
   * made when the phase completed (once approved, in interactive mode); null or absent: none (no
   * worktree, or the phase changed nothing).
   */
  commit?: string | null;
  /**
   * Tasks of the phase that failed for good in its last attempt, when it completed with some:
   * an interactive job asks whether to go on anyway, retry them, or cancel. Absent otherwise.
   */
  failedTasks?: number;
  /** Tokens (and cost) of every model call of the phase, all its tasks and attempts; absent: none counted. */
  usage?: TokenUsage;
  /**
   * Changes of earlier attempts that a retry undid (the files went back to how they were before
   * the phase), each kept in git under `ref` (a commit of the undone files on one of the files
   * before): `git show <ref>` shows them, `git checkout <ref> -- <path>` brings one back. Absent: none.
   */
  undone?: UndoneChange[];
}

/** An attempt's changes a retry undid (see PhaseState.undone). */
export interface UndoneChange {
  /** The attempt whose changes they were. */
  attempt: number;
  /** The git ref that keeps them (`refs/jobline/undone/<job>/<phase>-<attempt>`). */
  ref: string;
  /** The files they changed. */
  files: number;
  /** When they were undone (ISO-8601 UTC). */
  at: string;
}

/**
 * Files a phase changed in a git workspace: the working tree as git trees before and after it
 * (ids of 40 or 64 hex digits), and per file the lines added and removed (null: binary).
 */
export interface WorkspaceChanges {
  before: string;
  after: string;
  files: Array<{ path: string; added: number | null; removed: number | null }>;
  /** Changed files beyond those listed. */
  moreFiles: number;
}

/**
 * Live counters. `round`, `toolCalls` and `llmCalls` stay 0 for agents that do not count them.
 * `usage`: tokens (and cost) of every model call of the job; absent: none counted.
 */
export interface JobProgress {
  round: number;
  toolCalls: number;
  llmCalls: number;
  /** One human-readable line: the latest output line or agent action. */
  lastEvent: string | null;
  usage?: TokenUsage;
}

/**
 * The process that runs a job. `processStartedAt` (ISO-8601) distinguishes a live owner from an
 * unrelated process that was later given the same pid.
 */
export interface JobOwner {
  pid: number;
  hostname: string;
  processStartedAt: string;
}

/** A job exactly as persisted in `<jobsDir>/<id>/job.json`. */
export interface Job {
  schemaVersion: number;
  id: string;
  agent: string;
  /** The user's prompt. */
  description: string;
  mode: JobMode;
  status: JobStatus;
  phases: PhaseState[];
  /** Index into `phases` of the phase running, awaiting approval, or next to run. */
  currentPhase: number;
  progress: JobProgress;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /**
   * Milliseconds the job ran (status `running`) before its current stretch of running, summed over
   * every start, resume and approval (see job-time.ts): kept by the state machine at each change
   * into or out of `running`, so a view reads the job's time from job.json alone. Absent: a file
   * of an older version (its time is then its phases').
   */
  ranMs?: number;
  /** When its current stretch of running began (ISO-8601 UTC); null or absent while it is not running. */
  runningSince?: string | null;
  error: string | null;
  owner: JobOwner;
  /**
   * Retry feedback the user gave for the current phase's next attempt. Durable, so a retry
   * interrupted by a crash or an exit runs again with it after a resume; cleared when an attempt
   * of the phase ends (completes or fails).
   */
  pendingFeedback: string | null;
  /**
   * Set by a retry until the attempt it asked for ends: `keep` says the attempt's changes stay
   * (`/retry ID --keep`); otherwise an LLM phase's retry starts from the files as they were
   * before the phase. Absent or null: the next attempt is no retry (a first run or a resume).
   */
  pendingRetry?: { keep: boolean } | null;
  /**
   * True from the moment the current phase completed and asked for approval until the user
   * answers (approve or retry). It outlives an interruption: a job resumed in interactive mode
   * asks again instead of running the next phase on work nobody approved.
   */
  hasPendingApproval: boolean;
  /** The `seq` of the last event written for this job (0: none yet). */
  eventSeq: number;
  /** How many of its tasks may run at once (its workers; 1 unless asked for more). */
  workers: number;
  /** How many times a failed task is run again, each time as a new run (0: never). */
  retries: number;
  /**
   * True: a phase with failed tasks still completes, and the job ends `failed` with a count of
   * its failed tasks; false (the default): a failed task fails its phase once its runs are over.
   */
  keepGoing: boolean;
  /**
   * A name people use for the job next to its id, unique in the jobs folder: chosen (`--name`,
   * `jobline job create NAME`, `PUT /api/jobs/{id}`) or generated (`mango-crave-pulse`). Jobs of
   * versions before names were generated may have none (absent or null).
   */
  name?: string | null;
  /** The template the job was made from and the values of its placeholders; absent: none. */
  template?: JobTemplateRef | null;
  /** Workers that joined the job from outside (see JoinedWorker), in the order they joined; absent: none. */
  joinedWorkers?: JoinedWorker[];
  /** How many workers ever joined the job from outside (their indexes follow it); absent: 0. */
  workerJoins?: number;
  /**
   * When the user set this failed, cancelled or interrupted job aside as it is (ISO-8601 UTC): kept
   * at the startup review, or dismissed from the dashboard's *Needs you*. It is no longer offered
   * there, and stays listed (`/jobs`, Finished). A resume clears it; absent: never set aside.
   */
  dismissedAt?: string | null;
  /** The job's own git worktree, when it runs in one (see JobWorktree); absent or null: it runs in place. */
  worktree?: JobWorktree | null;
  /** Where the work of the job's worktree stands (see JobMerge); absent or null: nothing to land yet. */
  merge?: JobMerge | null;
  /** Its budget (see JobBudget); absent or null: none. */
  budget?: JobBudget | null;
  /** The project instructions its model was last given (`AGENTS.md (1234 characters)`); absent: none. */
  instructions?: string | null;
  /** The model its LLM agent runs, when it is not the agent's own (`--model`, `/model`, a template's); absent: the agent's. */
  model?: string | null;
  /**
   * Set while the job waits for approval because it reached its budget (its runs wait before
   * their next model call): what it says (`budget reached: …; continue with +50%?`) and since
   * when (ISO-8601 UTC). Approving raises the budget by half and the runs go on.
   */
  budgetStop?: { reason: string; at: string } | null;
}

/** How a job is isolated from the user's checkout and from other jobs (config and `--isolation`). */
export type Isolation = 'none' | 'worktree' | 'task-worktree';

/**
 * A job's own git worktree (`git worktree add <dir>/<name> -b jobline/<name> <base>`). Every tool
 * path and command of the job works in it. Commits are 40 or 64 hex digits; paths are absolute.
 */
export interface JobWorktree {
  path: string;
  /** `jobline/<job name>`. */
  branch: string;
  /** The commit checked out where the job was started (HEAD there; never a remote's). */
  base: string;
  /** The branch checked out there, or null for a detached HEAD. */
  baseBranch: string | null;
  /** The top level of the checkout the job was started in. */
  repository: string;
  /**
   * With `--base worktree`: the commit holding the user's uncommitted changes at the start (on
   * `base`, at the bottom of the job's branch). Never landed: only the job's own commits are.
   */
  snapshot: string | null;
  /** The branch the work lands on (config merge.target, else baseBranch); null: none known. */
  target: string | null;
  /** `task-worktree`: each task of a phase of several runs in a worktree of its own, merged back. */
  isolation: 'worktree' | 'task-worktree';
}

/**
 * Where a job's work stands, as the merge queue moves it (the table in the README):
 * `ready` (commits not yet landed), `checking` (a landing is under way: built, checked, moved),
 * `landed`, `conflict` (with `conflicts`), `check failed`, `blocked` (the target's checkout has
 * uncommitted changes to files the landing changes: nothing landed), `discarded`.
 */
export const MERGE_STATUSES = ['ready', 'checking', 'landed', 'conflict', 'check failed', 'blocked', 'discarded'] as const;

/** One of MERGE_STATUSES. */
export type MergeStatus = (typeof MERGE_STATUSES)[number];

/** How a landing makes its commit (config merge.strategy). */
export type MergeStrategy = 'merge' | 'rebase' | 'squash';

/**
 * A job's landing (job.json's `merge`). Commits are hex ids; times ISO-8601 UTC. Each step of a
 * landing is recorded (and its event logged) before the next one starts, so after a crash the
 * target is found at `oldTarget` or at `commit`, and the status says which.
 */
export interface JobMerge {
  status: MergeStatus;
  /** The branch it lands on. */
  target: string | null;
  /** The candidate being landed (while `checking`), or the target's new commit (once `landed`). */
  commit: string | null;
  /** Files in conflict (`conflict`), or the files the user's uncommitted changes block (`blocked`). */
  conflicts: string[];
  /** The commit `merge.check` passed on (the one landed), or null (no check, or none yet). */
  checkedCommit: string | null;
  landedAt: string | null;
  strategy?: MergeStrategy;
  /** The target's commit the candidate was built on (what a compare-and-swap expects). */
  oldTarget?: string | null;
  /** The last step a landing recorded (`built`, `checked`, `backup`, `moving`, ...). */
  step?: string | null;
  /** Why the last landing did not land, in a sentence (and, for a failed check, its last lines). */
  error?: string | null;
}

/**
 * Where task `taskId` of a job in `worktree` works when each task has a worktree of its own
 * (`task-worktree`): beside the job's, `<path>-<task>`, on branch `<branch>-<task>`.
 */
export function taskWorktreeOf(worktree: Pick<JobWorktree, 'path' | 'branch'>, taskId: string): { path: string; branch: string } {
  return { path: `${worktree.path}-${taskId}`, branch: `${worktree.branch}-${taskId}` };
}

/** True when `job` has work in a worktree whose landing is not settled (landed or discarded). */
export function hasUnlandedWork(job: Pick<Job, 'worktree' | 'merge'>): boolean {
  return Boolean(job.worktree) && job.merge?.status !== 'landed' && job.merge?.status !== 'discarded';
}

/**
 * A worker that joined a job from outside (any process, through `jobline job join` or the API):
 * `name` is `<agent>[<id4>-<index>]` (formatWorkerName). It claims the job's tasks itself; the
 * job service holds its claims under a lease its heartbeats renew.
 */
export interface JoinedWorker {
  name: string;
  agent: string;
  index: number;
  joinedAt: string;
  /**
   * When its lease runs out unless renewed (ISO-8601 UTC). Kept in job.json, so any process that
   * later changes the job (another server, `jobline task claim` without one) sees a lapsed lease.
   */
  leaseExpiresAt?: string;
}

/** The names of `job`'s external workers whose lease ran out by `now` (ISO-8601 UTC). Pure. */
export function findLapsedWorkers(job: Pick<Job, 'joinedWorkers'>, now: string): string[] {
  return job.joinedWorkers?.filter((worker) => worker.leaseExpiresAt !== undefined && worker.leaseExpiresAt <= now).map((worker) => worker.name) ?? [];
}

/**
 * The agent of a job whose tasks only external workers run (`jobline job create`): it has one
 * phase, `work`, no jobline process runs its tasks, and it ends when it is closed. Such a job is
 * not owned by a process: its state is all in its files, any jobline changes it under its claim,
 * and it is never interrupted because the process that last wrote it is gone.
 */
export const EXTERNAL_AGENT = 'external';

/** The phase of an external job (see EXTERNAL_AGENT). */
export const EXTERNAL_PHASE = 'work';

/** True for a job whose tasks only external workers run (see EXTERNAL_AGENT). */
export function isExternalJob(job: Pick<Job, 'agent'>): boolean {
  return job.agent === EXTERNAL_AGENT;
}

/**
 * A job name: letters, digits, `_`, `.` and `-`, starting with a letter or digit, at most 80
 * characters (`nightly-build`, `castle-river-mountain`): one word on a command line, and nothing a
 * terminal would take for a control sequence.
 */
export const JOB_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

/** An external worker's agent name (`dev`, `claude-code`): as a job name, at most 32 characters. */
export const WORKER_AGENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** A worker's name as formatWorkerName makes it (`dev[ab12-0]`). */
export const WORKER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\[[a-z0-9]{1,4}-\d{1,6}\]$/;

/**
 * The name of a `jobline worker` (another machine's, `--name`; default hostname-pid): letters,
 * digits, `_`, `.`, `-`, at most 64, starting with a letter or digit: safe in a terminal, a file
 * name and a Redis key.
 */
export const REMOTE_WORKER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Most workers one job may have (a job's tasks running at once). */
export const MAX_WORKERS = 64;

/** Most retries of a failed task. */
export const MAX_RETRIES = 100;

/** Statuses in which a job still holds, or waits for, work from its owner process. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'running', 'awaiting_approval'];

/** Statuses of a job that ended without completing; these are what `/resume` accepts. */
export const UNFINISHED_STATUSES: readonly JobStatus[] = ['failed', 'cancelled', 'interrupted'];

/** Returns true for queued, running and awaiting_approval. */
export function isActiveStatus(status: JobStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

/** Returns true for failed, cancelled and interrupted. */
export function isUnfinishedStatus(status: JobStatus): boolean {
  return UNFINISHED_STATUSES.includes(status);
}

/** Returns true for every status a job cannot leave except by `resume` (or never, for completed). */
export function isTerminalStatus(status: JobStatus): boolean {
  return status === 'completed' || isUnfinishedStatus(status);
}

/** What `createJob` needs; `now` is an ISO-8601 UTC timestamp supplied by the caller. */
export interface NewJobInput {
  id: string;
  agent: string;
  description: string;
  mode: JobMode;
  phaseNames: readonly string[];
  owner: JobOwner;
  now: string;
  /** See Job.workers (default 1). */
  workers?: number;
  /** See Job.retries (default 0). */
  retries?: number;
  /** See Job.keepGoing (default false). */
  keepGoing?: boolean;
  /** See Job.name (default none). */
  name?: string | null;
  /** See Job.template (default none). */
  template?: JobTemplateRef | null;
  /** See Job.worktree (default none). */
  worktree?: JobWorktree | null;
  /** See Job.budget (default none). */
  budget?: JobBudget | null;
  /** See Job.model (default none: the agent's). */
  model?: string | null;
}

/** Which template a job was made from (`/run NAME key=value …`), with the values given. */
export interface JobTemplateRef {
  name: string;
  values: Record<string, string>;
}

/** Builds a new job in status `queued` with every phase pending. Throws nothing; validates nothing. */
export function createJob(input: NewJobInput): Job {
  return {
    schemaVersion: SCHEMA_VERSION,
    id: input.id,
    agent: input.agent,
    description: input.description,
    mode: input.mode,
    status: 'queued',
    phases: input.phaseNames.map((name) => ({
      name,
      status: 'pending',
      attempts: 0,
      startedAt: null,
      endedAt: null,
      output: null,
      changes: null,
      error: null,
    })),
    currentPhase: 0,
    progress: { round: 0, toolCalls: 0, llmCalls: 0, lastEvent: null },
    createdAt: input.now,
    startedAt: null,
    endedAt: null,
    error: null,
    owner: input.owner,
    pendingFeedback: null,
    hasPendingApproval: false,
    eventSeq: 0,
    workers: input.workers ?? 1,
    retries: input.retries ?? 0,
    keepGoing: input.keepGoing ?? false,
    ...(input.name ? { name: input.name } : {}),
    ...(input.template ? { template: input.template } : {}),
    ...(input.worktree ? { worktree: input.worktree } : {}),
    ...(input.budget ? { budget: input.budget } : {}),
    ...(input.model ? { model: input.model } : {}),
  };
}

/**
 * Gives `events` the next sequence numbers of `job` (see JobEvent.seq) and returns them with the
 * job advanced to the last one. Pure.
 */
export function numberEvents<E extends { seq?: number }>(job: Job, events: readonly E[]): { job: Job; events: E[] } {
  const numbered = events.map((event, index) => ({ ...event, seq: job.eventSeq + index + 1 }));
  return { job: { ...job, eventSeq: job.eventSeq + events.length }, events: numbered };
}

/**
 * The time of the last thing recorded about `job`: the latest of its own timestamps (created,
 * started, ended, every phase's start and end) and `fileModifiedAt` (job.json's mtime, which
 * also moves with progress writes). All ISO-8601 UTC. This is when a job whose owner vanished
 * was last known to be alive, so it is the `endedAt` recorded for its interruption.
 */
export function getLastRecordedActivity(job: Job, fileModifiedAt: string | null = null): string {
  const times = [job.createdAt, job.startedAt, job.endedAt, fileModifiedAt, ...job.phases.flatMap((phase) => [phase.startedAt, phase.endedAt])];
  return times.reduce<string>((latest, time) => (time && time > latest ? time : latest), job.createdAt);
}
