// What the job service needs of a session: the jobs it holds and the commands that change them.
// Two sessions fulfil it: the JobManager (jobs run in this process) and, when `jobline serve`
// runs on the jobs folder, a RemoteSession (src/client/) that speaks to the server.
import type { EventEmitter } from 'node:events';
import type { AgentSpec } from '../../agents/agent.js';
import type { Isolation, Job, JobMode, JoinedWorker } from '../model/job.js';
import type { Run, Task, TaskBoard, TaskPlan } from '../model/task.js';
import type { AdoptedRun, JobManagerEvents, SubmitRequest, SubmitResult } from './manager-api.js';

/** What `update` may change of a job: its name (null: none), an active job's mode, whether it is set aside (see Job.dismissedAt). */
export interface JobChange {
  name?: string | null;
  mode?: JobMode;
  dismissed?: boolean;
}

/**
 * How a resumed job runs from now on: `isolation` `worktree` moves a job that ran in place into a
 * worktree of its own; `model` is the model the rest of an LLM agent's job runs on (see Job.model).
 */
export interface ResumeOptions {
  isolation?: Isolation;
  model?: string;
}

/** A task an external worker claimed: the job, the task, its run, and the claim's token (its end must show it). */
export interface ClaimedTask {
  jobId: string;
  task: Task;
  run: Run;
  token: string;
}

/** The commands of workers from outside (see ExternalWorkers for what each does and throws). */
export interface WorkersPort {
  join(jobId: string, agent: string): Promise<{ worker: JoinedWorker; leaseExpiresAtMs: number }>;
  leave(jobId: string, worker: string, reason?: string): Promise<void>;
  heartbeat(jobId: string, worker: string, token?: string): Promise<number>;
  claim(jobId: string, worker: string, files?: readonly string[]): Promise<ClaimedTask | null>;
  endTask(jobId: string, taskId: string, end: { worker?: string; token?: string; summary?: string | null; filesModified?: string[]; error?: string }): Promise<Task>;
  addTasks(jobId: string, plans: readonly TaskPlan[]): Promise<Task[]>;
  close(jobId: string, status: 'completed' | 'failed' | 'cancelled', reason?: string | null): Promise<void>;
}

/**
 * A session: the jobs it holds (synchronous lookups, as fresh as it knows them), its events
 * (JobManagerEvents, lifecycle ones only once durable), its commands, and its lifecycle.
 * See JobManager for each member's contract.
 */
export interface SessionPort extends EventEmitter<JobManagerEvents> {
  readonly workers: WorkersPort;
  /** The server whose session this is, when the jobs run in `jobline serve` (absent: in this process). */
  readonly attachedTo?: { pid: number };
  has(id: string): boolean;
  /** @throws JobLookupError JOB_NOT_FOUND. */
  get(id: string): Job;
  list(): Job[];
  /** Null when this session does not hold the job's board (a reader reads it from the folder). */
  boardOf(id: string): TaskBoard | null;
  agentOf(id: string): AgentSpec | null;
  submit(request: SubmitRequest): Promise<SubmitResult>;
  approve(id: string): Promise<Job>;
  retry(id: string, feedback?: string | null, keep?: boolean): Promise<Job>;
  cancel(id: string): Promise<Job>;
  resume(id: string, mode: JobMode, adopt?: (stored: Job) => Promise<AdoptedRun> | AdoptedRun, retryFailed?: boolean, options?: ResumeOptions): Promise<Job>;
  update(id: string, change: JobChange): Promise<Job>;
  removeJobs(listed: readonly Job[]): Promise<string[]>;
  /** Lands job `id`'s worktree work (see JobManager.merge); absent: this session has no worktrees. */
  merge?(id: string): Promise<Job>;
  /** Removes job `id`'s worktree and branch (see JobManager.discard). */
  discard?(id: string): Promise<Job>;
  /** Retries job `id`'s conflicted landing (see JobManager.resolveConflict). */
  resolveConflict?(id: string, feedback: string | null, adopt?: (stored: Job) => Promise<AdoptedRun> | AdoptedRun): Promise<Job>;
  /** Settles job `job`'s landing if nobody carries it on (see JobManager.recoverLanding). */
  recoverLanding?(job: Job): Promise<Job>;
  /** Takes an active external job left in the jobs folder into the session (see JobManager.adoptExternal); absent where jobs run elsewhere. */
  adoptExternal?(id: string, adopt: (stored: Job) => Promise<AdoptedRun> | AdoptedRun): Promise<void>;
  whenReady(): Promise<void>;
  whenIdle(): Promise<void>;
  whenNothingRuns(): Promise<void>;
  holdRemovals(): () => void;
  /** Ends the session; returns the ids of jobs it marked interrupted (none for a session whose jobs run elsewhere). */
  shutdown(reason?: string): Promise<string[]>;
  interruptActiveSync(reason?: string): string[];
  hasActiveJobs(): boolean;
}
