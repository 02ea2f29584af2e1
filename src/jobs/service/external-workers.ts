// Workers from outside (a script, another agent, a person's shell, through the API or `jobline
// job`): they join a job, claim its tasks, report each task's end, and leave. Their claims are held
// under a lease that every call renews: a worker silent past its lease leaves, its runs end
// interrupted and their tasks wait for another worker. Leases live in this process's memory, as
// the claims do: when it exits, its jobs are interrupted and their external workers with them.
import { ManagerError, TaskLookupError } from '../../errors.js';
import { isActiveStatus, isExternalJob, type JoinedWorker } from '../model/job.js';
import type { Run, Task, TaskPlan } from '../model/task.js';
import { findOpenRun, findTask, indexOf } from '../model/task-board.js';
import { decideClaim, type HeldClaim } from '../model/worker-claims.js';
import type { JobHandle } from './job-handle.js';

/** Default lease of an external worker's claims (ms): a heartbeat (or any call) renews it. */
export const DEFAULT_WORKER_LEASE_MS = 30_000;

/** What ExternalWorkers needs from the manager that owns the jobs. */
export interface ExternalWorkersHost {
  /** The session's job `id` (a full id). @throws JobLookupError when it has none. */
  require(id: string): JobHandle;
  /** Every job of the session. */
  jobs(): Iterable<JobHandle>;
  /** Milliseconds since the epoch. */
  nowMs(): number;
  /** A worker ended a task of job `entry` (its phase, and its hold on a slot, may have ended with it). */
  taskEnded(entry: JobHandle): void;
}

/** A task an external worker claimed: the job, the task and its run. */
export interface ClaimedTask {
  jobId: string;
  task: Task;
  run: Run;
}

/** A claim refused because files the worker named are held (HTTP 409). */
export class ClaimConflictError extends ManagerError {
  constructor(readonly files: string[], readonly holder: HeldClaim) {
    super('CLAIM_CONFLICT', `${files.join(', ')} ${files.length === 1 ? 'is' : 'are'} claimed by ${holder.worker} (${holder.jobId} ${holder.taskId}).`);
  }

  /** What a client needs to wait or choose other files: the files, and who holds them. */
  get details(): { files: string[]; holder: { jobId: string; taskId: string; worker: string; claims: readonly string[] } } {
    const { jobId, taskId, worker, claims } = this.holder;
    return { files: this.files, holder: { jobId, taskId, worker, claims } };
  }
}

/** The external workers of a session's jobs, and their leases. */
export class ExternalWorkers {
  /** Lease timers by `<jobId> <worker>`; each fires once the worker is silent for a lease. */
  private readonly leases = new Map<string, { timer: NodeJS.Timeout; expiresAtMs: number }>();

  constructor(
    private readonly host: ExternalWorkersHost,
    private readonly leaseMs = DEFAULT_WORKER_LEASE_MS,
  ) {}

  /**
   * Joins job `jobId` as a worker of `agent` (a name: `dev` gives `dev[ab12-0]`). Resolves once on disk.
   * @throws ManagerError JOB_NOT_ACTIVE; JobLookupError.
   */
  async join(jobId: string, agent: string): Promise<{ worker: JoinedWorker; leaseExpiresAtMs: number }> {
    const entry = this.requireActive(jobId);
    // Read at once: the change is applied synchronously, and a join made while this one is
    // written would be the last by the time the write resolves.
    const written = entry.commit([{ type: 'joinWorker', agent }]);
    const worker = entry.job.joinedWorkers!.at(-1)!;
    const leaseExpiresAtMs = this.renew(entry.id, worker.name);
    await written;
    return { worker, leaseExpiresAtMs };
  }

  /**
   * Worker `worker` leaves job `jobId` (`reason`: why, for the event log): its open runs end
   * interrupted and their tasks wait again. @throws ManagerError WORKER_NOT_IN_JOB, JOB_NOT_ACTIVE.
   */
  async leave(jobId: string, worker: string, reason = 'left'): Promise<void> {
    const entry = this.requireMember(jobId, worker);
    this.dropLease(entry.id, worker);
    await entry.commit([{ type: 'leaveWorker', worker, reason }]);
  }

  /** Renews worker `worker`'s lease; returns when it runs out (ms since the epoch). @throws like leave. */
  heartbeat(jobId: string, worker: string): number {
    const entry = this.requireMember(jobId, worker);
    return this.renew(entry.id, worker);
  }

  /**
   * Claims the next runnable task of job `jobId` for `worker`, declaring `files` it will modify
   * (see decideClaim). Resolves null when none is runnable, once the claim is on disk otherwise.
   * @throws ClaimConflictError (CLAIM_CONFLICT) when a named file is held; ManagerError
   *   WORKER_NOT_IN_JOB, JOB_NOT_ACTIVE.
   */
  async claim(jobId: string, worker: string, files: readonly string[] = []): Promise<ClaimedTask | null> {
    const entry = this.requireMember(jobId, worker);
    this.renew(entry.id, worker);
    const decision = decideClaim(entry.job, entry.board, entry.cwd, files, this.heldClaims());
    if (decision.kind === 'conflict') throw new ClaimConflictError(decision.files, decision.holder);
    if (decision.kind === 'none') return null;
    const taskId = decision.task.id;
    // Applied synchronously (the next claim sees it), written in the background; resolves when on disk.
    const written = entry.commit([{ type: 'startTask', taskId, worker, files }]);
    const claimed = { jobId: entry.id, task: findTask(entry.board, taskId)!, run: findOpenRun(entry.board, taskId)! };
    await written;
    return claimed;
  }

  /**
   * Ends task `taskId` of job `jobId`, claimed by an external worker, as done (`summary`: its
   * result; `filesModified`: what it changed) or failed (`error`; it waits again while its retries
   * last). `worker`, when given, must be the claim's holder.
   * @throws ManagerError TASK_NOT_CLAIMED (not claimed, or claimed by another worker: its lease
   *   ran out), JOB_NOT_ACTIVE; TaskLookupError TASK_NOT_FOUND.
   */
  async endTask(jobId: string, taskId: string, end: { worker?: string; summary?: string | null; filesModified?: string[]; error?: string }): Promise<Task> {
    const entry = this.requireActive(jobId);
    if (!findTask(entry.board, taskId)) throw new TaskLookupError('TASK_NOT_FOUND', `${entry.id} has no task ${taskId}.`);
    const run = findOpenRun(entry.board, taskId);
    if (!run || entry.runs.has(taskId) || (end.worker !== undefined && run.worker !== end.worker)) {
      const holder = run ? (entry.runs.has(taskId) ? 'a worker of jobline' : run.worker) : null;
      throw new ManagerError('TASK_NOT_CLAIMED', `${entry.id} ${taskId} is not claimed${end.worker ? ` by ${end.worker}` : ''}${holder ? ` (${holder} holds it)` : ''}; its claim may have ended with its worker's lease.`);
    }
    this.renew(entry.id, run.worker);
    const action = end.error !== undefined ? { type: 'failTask' as const, taskId, error: end.error } : { type: 'completeTask' as const, taskId, output: end.summary ?? null, filesModified: end.filesModified ?? [] };
    const written = entry.commit([action]);
    this.host.taskEnded(entry);
    await written;
    return findTask(entry.board, taskId)!;
  }

  /**
   * Adds tasks to job `jobId`'s current phase; returns them. @throws ManagerError JOB_NOT_ACTIVE.
   */
  async addTasks(jobId: string, plans: readonly TaskPlan[]): Promise<Task[]> {
    const entry = this.requireActive(jobId);
    const before = new Set(entry.board.tasks.map((task) => task.id));
    const written = entry.commit([{ type: 'addTasks', tasks: plans }]);
    // Inserted at the end of the current phase: told apart by their new ids, at once (tasks
    // another request adds while this write is under way are not this request's).
    const added = entry.board.tasks.filter((task) => !before.has(task.id));
    await written;
    return added;
  }

  /**
   * Closes external job `jobId` as its coordinator says (`jobline job close`): every lease ends
   * with it. @throws ManagerError JOB_NOT_ACTIVE; JOB_NOT_EXTERNAL (a job an agent of jobline
   * runs ends with its phases, or is cancelled).
   */
  async close(jobId: string, status: 'completed' | 'failed' | 'cancelled', reason: string | null = null): Promise<void> {
    const entry = this.requireActive(jobId);
    if (!isExternalJob(entry.job)) throw new ManagerError('JOB_NOT_EXTERNAL', `${entry.id} is run by agent ${entry.job.agent}: it ends with its last phase; cancel it to stop it.`);
    for (const worker of entry.job.joinedWorkers ?? []) this.dropLease(entry.id, worker.name);
    const written = entry.commit([{ type: 'close', status, reason }]);
    this.host.taskEnded(entry);
    await written;
  }

  /** Stops every lease timer (the session is shutting down; its jobs are interrupted). */
  stop(): void {
    for (const { timer } of this.leases.values()) clearTimeout(timer);
    this.leases.clear();
  }

  // Every claim held now in the session's jobs: the open runs' tasks, with their workers.
  private heldClaims(): HeldClaim[] {
    const held: HeldClaim[] = [];
    for (const entry of this.host.jobs()) {
      const { board } = entry;
      for (const [taskId, position] of indexOf(board).openRuns) {
        const task = findTask(board, taskId);
        if (task) held.push({ jobId: entry.id, taskId, worker: board.runs[position]!.worker, workspace: entry.cwd, claims: task.claims });
      }
    }
    return held;
  }

  // Starts (or restarts) worker `worker`'s lease; returns when it runs out (ms since the epoch).
  private renew(jobId: string, worker: string): number {
    const key = `${jobId} ${worker}`;
    const previous = this.leases.get(key);
    if (previous) clearTimeout(previous.timer);
    const expiresAtMs = this.host.nowMs() + this.leaseMs;
    const timer = setTimeout(() => void this.expire(jobId, worker), this.leaseMs);
    // A lease never keeps a process alive on its own.
    timer.unref();
    this.leases.set(key, { timer, expiresAtMs });
    return expiresAtMs;
  }

  private dropLease(jobId: string, worker: string): void {
    const key = `${jobId} ${worker}`;
    const lease = this.leases.get(key);
    if (lease) clearTimeout(lease.timer);
    this.leases.delete(key);
  }

  // A worker silent for its whole lease leaves, saying so in the job's log; its tasks wait again.
  private async expire(jobId: string, worker: string): Promise<void> {
    this.leases.delete(`${jobId} ${worker}`);
    try {
      const entry = this.host.require(jobId);
      if (!isActiveStatus(entry.job.status) || !entry.job.joinedWorkers?.some((joined) => joined.name === worker)) return;
      await entry.commit([{ type: 'leaveWorker', worker, reason: `its lease of ${Math.round(this.leaseMs / 1000)} s ran out without a heartbeat` }]);
    } catch {
      // The job ended or left the session meanwhile: nothing of the worker is left to release.
    }
  }

  private requireActive(jobId: string): JobHandle {
    const entry = this.host.require(jobId);
    if (!isActiveStatus(entry.job.status)) throw new ManagerError('JOB_NOT_ACTIVE', `${entry.id} is ${entry.job.status}; workers take part only in active jobs.`);
    return entry;
  }

  private requireMember(jobId: string, worker: string): JobHandle {
    const entry = this.requireActive(jobId);
    if (!entry.job.joinedWorkers?.some((joined) => joined.name === worker)) {
      throw new ManagerError('WORKER_NOT_IN_JOB', `${worker} is not a worker of ${entry.id}: join it first (its lease may have run out).`);
    }
    return entry;
  }
}
