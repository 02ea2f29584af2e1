// Workers from outside (a script, another agent, a person's shell, through the API or `jobline
// job`): they join a job, claim its tasks, report each task's end, and leave. Their claims are held
// under a lease that every call renews and that job.json records: a worker silent past its lease
// leaves, its runs end interrupted and their tasks wait for another worker. The rules live here
// once; where the job lives is the host's: a session's memory (the server, with lease timers), or
// the jobs folder under the job's claim (`jobline task …` without a server; lapsed leases are
// found when the job is next changed).
//
// A claim returns a claim token (as BullMQ's lock token): the task's end and its worker's
// heartbeats must show it, so a worker whose lease ran out, and whose task another worker has
// claimed since, cannot end that other worker's run. Its SHA-256 is kept with the run (durable in
// tasks.jsonl, so a server and `jobline task …` on the folder check alike); the token itself only
// goes to the claimer.
import { ManagerError, TaskLookupError } from '../../errors.js';
import { findLapsedWorkers, isActiveStatus, isExternalJob, type Job, type JoinedWorker } from '../model/job.js';
import type { Task, TaskBoard, TaskPlan } from '../model/task.js';
import { findOpenRun, findTask, indexOf } from '../model/task-board.js';
import type { JobAction } from '../model/transitions.js';
import { decideClaim, type HeldClaim } from '../model/worker-claims.js';
import { createClaimToken, hashClaimToken, isClaimTokenOf } from './claim-tokens.js';
import { assertClaimPaths, assertTaskPlanFiles } from '../model/claims.js';
import type { ClaimedTask, WorkersPort } from './session-port.js';

// Where a worker finds its claim token, for the refusal that asks for it.
const TOKEN_HINT = '--token, or $JOBLINE_CLAIM_TOKEN as jobline task claim writes it to $JOBLINE_ENV_FILE; "token" in the API';

/** Default lease of an external worker's claims (ms): a heartbeat (or any call) renews it. */
export const DEFAULT_WORKER_LEASE_MS = 30_000;

/** A job as the workers' commands see it while they change it. */
export interface WorkerJob {
  readonly id: string;
  readonly job: Job;
  readonly board: TaskBoard;
  /** The folder claims are relative to. */
  readonly cwd: string;
  /** True when a run of this process (not an external worker) holds task `taskId`. */
  isRunningHere(taskId: string): boolean;
  /** Applies `actions` at once (`job` and `board` show them when this returns) and resolves once they are on disk. */
  commit(actions: JobAction[]): Promise<void>;
}

/** Where the jobs live, for ExternalWorkers. */
export interface ExternalWorkersHost {
  /**
   * Runs `work` on job `id` (a full id or a unique prefix) as its only writer meanwhile.
   * @throws JobLookupError; ManagerError JOB_OWNED_ELSEWHERE (another process runs it).
   */
  withJob<T>(id: string, work: (job: WorkerJob) => Promise<T>): Promise<T>;
  /** The claims held now that `job`'s claims must not overlap (its own runs', and other jobs' in its folder that the host knows). */
  heldClaims(job: WorkerJob): HeldClaim[];
  /** Milliseconds since the epoch. */
  nowMs(): number;
  /** A worker ended a task of `job`, or closed it (its phase, and its hold on a slot, may have ended with it). */
  taskEnded(job: WorkerJob): void;
  /** True when this host outlives the call (a server): leases also get timers, so a silent worker leaves on time. */
  readonly isLongLived: boolean;
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

/** The claims held by the open runs of `board` (job `jobId`, folder `workspace`). */
export function claimsOfOpenRuns(jobId: string, board: TaskBoard, workspace: string): HeldClaim[] {
  const held: HeldClaim[] = [];
  for (const [taskId, position] of indexOf(board).openRuns) {
    const task = findTask(board, taskId);
    if (task) held.push({ jobId, taskId, worker: board.runs[position]!.worker, workspace, claims: task.claims });
  }
  return held;
}

/** The external workers of the jobs `host` holds, and their leases (see WorkersPort for each command). */
export class ExternalWorkers implements WorkersPort {
  /** Lease timers of a long-lived host, by `<jobId> <worker>`; each fires once the worker is silent for a lease. */
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly host: ExternalWorkersHost,
    private readonly leaseMs = DEFAULT_WORKER_LEASE_MS,
  ) {}

  /** Joins job `jobId` as a worker of `agent` (`dev` gives `dev[ab12-0]`). @throws ManagerError JOB_NOT_ACTIVE; JobLookupError. */
  join(jobId: string, agent: string): Promise<{ worker: JoinedWorker; leaseExpiresAtMs: number }> {
    return this.host.withJob(jobId, async (job) => {
      this.assertActive(job);
      const leaseExpiresAtMs = this.host.nowMs() + this.leaseMs;
      // Read at once: the change is applied synchronously, and a join made while this one is
      // written would be the last by the time the write resolves.
      const written = job.commit([...this.lapsedLeaving(job), { type: 'joinWorker', agent, leaseExpiresAt: new Date(leaseExpiresAtMs).toISOString() }]);
      const worker = job.job.joinedWorkers!.at(-1)!;
      this.startTimer(job.id, worker.name);
      await written;
      return { worker, leaseExpiresAtMs };
    });
  }

  /** Worker `worker` leaves job `jobId`: its open runs end interrupted and their tasks wait again. @throws ManagerError WORKER_NOT_IN_JOB, JOB_NOT_ACTIVE. */
  leave(jobId: string, worker: string, reason = 'left'): Promise<void> {
    return this.host.withJob(jobId, async (job) => {
      await this.requireMember(job, worker);
      this.stopTimer(job.id, worker);
      await job.commit([{ type: 'leaveWorker', worker, reason }]);
    });
  }

  /**
   * Renews worker `worker`'s lease; resolves with when it runs out (ms since the epoch). A worker
   * that holds claims must show the token of one of them (`token`): its lease keeps them held. A
   * worker holding none keeps only its place in the job, which no token guards.
   * @throws like leave; ManagerError TASK_NOT_CLAIMED (no token, or none of the worker's claims').
   */
  heartbeat(jobId: string, worker: string, token?: string): Promise<number> {
    return this.host.withJob(jobId, async (job) => {
      await this.requireMember(job, worker);
      const held = [...indexOf(job.board).openRuns.values()].map((position) => job.board.runs[position]!).filter((run) => run.worker === worker);
      if (held.length > 0 && !held.some((run) => isClaimTokenOf(run, token))) {
        const tasks = held.map((run) => run.taskId).join(', ');
        throw new ManagerError('TASK_NOT_CLAIMED', token ? `${worker} holds ${tasks} of ${job.id}, and that token is not of its claims; its claim may have ended with its lease.` : `${worker} holds ${tasks} of ${job.id}: give the claim token of one (${TOKEN_HINT}).`);
      }
      const { action, expiresAtMs } = this.renew(job.id, worker);
      await job.commit([action]);
      return expiresAtMs;
    });
  }

  /**
   * Claims the next runnable task of job `jobId` for `worker`, declaring `files` it will modify
   * (see decideClaim). Resolves null when none is runnable, once the claim is on disk otherwise,
   * with the claim's token (only its hash is stored).
   * @throws ClaimConflictError (CLAIM_CONFLICT) when a named file is held; ManagerError
   *   WORKER_NOT_IN_JOB, JOB_NOT_ACTIVE; TransitionError FILES_INVALID for a file outside the
   *   job's folder (absolute, or with `..`).
   */
  claim(jobId: string, worker: string, files: readonly string[] = []): Promise<ClaimedTask | null> {
    // Bad files are refused whether or not a task is runnable: a worker learns it at once.
    assertClaimPaths(files, 'The files of a claim');
    return this.host.withJob(jobId, async (job) => {
      await this.requireMember(job, worker);
      const { action: renewal } = this.renew(job.id, worker);
      const decision = decideClaim(job.job, job.board, job.cwd, files, this.host.heldClaims(job));
      if (decision.kind === 'conflict') throw new ClaimConflictError(decision.files, decision.holder);
      if (decision.kind === 'none') {
        await job.commit([renewal]);
        return null;
      }
      const taskId = decision.task.id;
      const token = createClaimToken();
      // Applied synchronously (the next claim sees it), written in the background; resolves when on disk.
      const written = job.commit([{ type: 'startTask', taskId, worker, files, tokenHash: hashClaimToken(token) }, renewal]);
      const claimed = { jobId: job.id, task: findTask(job.board, taskId)!, run: findOpenRun(job.board, taskId)!, token };
      await written;
      return claimed;
    });
  }

  /**
   * Ends task `taskId` of job `jobId`, claimed by an external worker, as done (`summary`,
   * `filesModified`) or failed (`error`; it waits again while its retries last). `token` must be
   * its claim's token; `worker`, when given, must be the claim's holder (worker ids are names
   * for people: anyone can give one).
   * @throws ManagerError TASK_NOT_CLAIMED (not claimed, or not with `token`: no token, or a stale
   *   one whose claim ended with its worker's lease), JOB_NOT_ACTIVE; TaskLookupError TASK_NOT_FOUND;
   *   TransitionError FILES_INVALID (see claim).
   */
  endTask(jobId: string, taskId: string, end: { worker?: string; token?: string; summary?: string | null; filesModified?: string[]; error?: string }): Promise<Task> {
    if (end.filesModified) assertClaimPaths(end.filesModified, 'The files a task modified');
    return this.host.withJob(jobId, async (job) => {
      this.assertActive(job);
      if (!findTask(job.board, taskId)) throw new TaskLookupError('TASK_NOT_FOUND', `${job.id} has no task ${taskId}.`);
      const lapsed = this.lapsedLeaving(job);
      if (lapsed.length > 0) await job.commit(lapsed);
      const run = findOpenRun(job.board, taskId);
      if (!run || job.isRunningHere(taskId) || (end.worker !== undefined && run.worker !== end.worker)) {
        const holder = run ? (job.isRunningHere(taskId) ? 'a worker of jobline' : run.worker) : null;
        throw new ManagerError('TASK_NOT_CLAIMED', `${job.id} ${taskId} is not claimed${end.worker ? ` by ${end.worker}` : ''}${holder ? ` (${holder} holds it)` : ''}; its claim may have ended with its worker's lease.`);
      }
      if (!isClaimTokenOf(run, end.token)) {
        throw new ManagerError('TASK_NOT_CLAIMED', end.token ? `${job.id} ${taskId} is not claimed with that token (${run.worker} holds it); its claim may have ended with its worker's lease.` : `${job.id} ${taskId} is claimed by ${run.worker}: give its claim token (${TOKEN_HINT}).`);
      }
      const { action: renewal } = this.renew(job.id, run.worker);
      const action: JobAction = end.error !== undefined ? { type: 'failTask', taskId, error: end.error } : { type: 'completeTask', taskId, output: end.summary ?? null, filesModified: end.filesModified ?? [] };
      // The renewal first: ending the last task may end the job (an agent's), and an ended job has no leases.
      const written = job.commit([renewal, action]);
      await written;
      // Once the end is on disk: a slot is released only for a stop that is.
      this.host.taskEnded(job);
      return findTask(job.board, taskId)!;
    });
  }

  /** Adds tasks to job `jobId`'s current phase; returns them. @throws ManagerError JOB_NOT_ACTIVE; TransitionError FILES_INVALID (see claim). */
  addTasks(jobId: string, plans: readonly TaskPlan[]): Promise<Task[]> {
    assertTaskPlanFiles(plans);
    return this.host.withJob(jobId, async (job) => {
      this.assertActive(job);
      const before = new Set(job.board.tasks.map((task) => task.id));
      const written = job.commit([{ type: 'addTasks', tasks: plans }]);
      // Inserted at the end of the current phase: told apart by their new ids, at once (tasks
      // another request adds while this write is under way are not this request's).
      const added = job.board.tasks.filter((task) => !before.has(task.id));
      await written;
      return added;
    });
  }

  /**
   * Closes external job `jobId` as its coordinator says (`jobline job close`): every lease ends
   * with it. @throws ManagerError JOB_NOT_ACTIVE; JOB_NOT_EXTERNAL (a job an agent of jobline
   * runs ends with its phases, or is cancelled).
   */
  close(jobId: string, status: 'completed' | 'failed' | 'cancelled', reason: string | null = null): Promise<void> {
    return this.host.withJob(jobId, async (job) => {
      this.assertActive(job);
      if (!isExternalJob(job.job)) throw new ManagerError('JOB_NOT_EXTERNAL', `${job.id} is run by agent ${job.job.agent}: it ends with its last phase; cancel it to stop it.`);
      job.job.joinedWorkers?.forEach((worker) => this.stopTimer(job.id, worker.name));
      await job.commit([{ type: 'close', status, reason }]);
      this.host.taskEnded(job);
    });
  }

  /** Stops every lease timer (the session is shutting down). */
  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  // The lease of `worker` moved on from now: the action that records it (and a new timer).
  private renew(jobId: string, worker: string): { action: JobAction; expiresAtMs: number } {
    const expiresAtMs = this.host.nowMs() + this.leaseMs;
    this.startTimer(jobId, worker);
    return { action: { type: 'renewLease', worker, leaseExpiresAt: new Date(expiresAtMs).toISOString() }, expiresAtMs };
  }

  // Workers whose recorded lease ran out leave, saying so (a host without timers finds them here).
  private lapsedLeaving(job: WorkerJob): JobAction[] {
    const now = new Date(this.host.nowMs()).toISOString();
    return findLapsedWorkers(job.job, now).map((worker): JobAction => ({ type: 'leaveWorker', worker, reason: this.describeLapse() }));
  }

  // `its lease of 30 s ran out …` (a short lease to a tenth of a second: `0.3 s`).
  private describeLapse(): string {
    const seconds = this.leaseMs / 1000;
    return `its lease of ${seconds >= 10 ? Math.round(seconds) : Number(seconds.toFixed(1))} s ran out without a heartbeat`;
  }

  private startTimer(jobId: string, worker: string): void {
    if (!this.host.isLongLived) return;
    this.stopTimer(jobId, worker);
    const timer = setTimeout(() => void this.expire(jobId, worker), this.leaseMs);
    // A lease never keeps a process alive on its own.
    timer.unref();
    this.timers.set(`${jobId} ${worker}`, timer);
  }

  private stopTimer(jobId: string, worker: string): void {
    const key = `${jobId} ${worker}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  // A worker silent for its whole lease leaves, saying so in the job's log; its tasks wait again.
  private async expire(jobId: string, worker: string): Promise<void> {
    // Stryker disable next-line StringLiteral: only frees the entry of a timer that fired; nothing reads it again (a new timer replaces it)
    this.timers.delete(`${jobId} ${worker}`);
    try {
      await this.host.withJob(jobId, async (job) => {
        if (!isActiveStatus(job.job.status) || !job.job.joinedWorkers?.some((joined) => joined.name === worker)) return;
        await job.commit([{ type: 'leaveWorker', worker, reason: this.describeLapse() }]);
      });
    } catch {
      // The job ended or left the session meanwhile: nothing of the worker is left to release.
    }
  }

  private assertActive(job: WorkerJob): void {
    if (!isActiveStatus(job.job.status)) throw new ManagerError('JOB_NOT_ACTIVE', `${job.id} is ${job.job.status}; workers take part only in active jobs.`);
  }

  // Worker `worker` must be in the job, its lease not run out (a lapsed one leaves first, recorded).
  private async requireMember(job: WorkerJob, worker: string): Promise<void> {
    this.assertActive(job);
    const lapsed = this.lapsedLeaving(job);
    if (lapsed.length > 0) await job.commit(lapsed);
    if (!job.job.joinedWorkers?.some((joined) => joined.name === worker)) {
      throw new ManagerError('WORKER_NOT_IN_JOB', `${worker} is not a worker of ${job.id}: join it first (its lease may have run out).`);
    }
  }
}
