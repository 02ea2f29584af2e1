// External jobs without a server: `jobline job …` and `jobline task …` change the job directly in
// the jobs folder, each command under the job's claim (read, decide, write, release), with the
// same rules as the server's (ExternalWorkers). An external job is not owned by a process, so
// nothing is lost when the command exits; a lapsed lease is found when the job is next changed.
import { createExternalAgent } from '../../agents/builtin-agents.js';
import { claimNewJobName } from './job-naming.js';
import { hasJustEnded, manifestOf } from './job-manifests.js';
import { ManagerError, UsageError } from '../../errors.js';
import { createJob, EXTERNAL_AGENT, EXTERNAL_PHASE, isActiveStatus, isExternalJob, JOB_NAME_PATTERN, type Job } from '../model/job.js';
import { resolveJob } from './job-lookup.js';
import { commitSync, settleStoredJob } from './job-commit.js';
import { createJobTasks, type TaskPlan } from '../model/task.js';
import { OPEN_EXTERNAL_JOB } from '../model/transitions.js';
import type { Clock } from '../ports/clock.js';
import type { JobReader } from '../ports/job-reader.js';
import type { JobRepository } from '../ports/repository.js';
import { getCurrentOwner } from '../process/owner.js';
import { claimsOfOpenRuns, DEFAULT_WORKER_LEASE_MS, ExternalWorkers, type WorkerJob } from './external-workers.js';
import { assertTaskPlanFiles } from '../model/claims.js';

/** A new external job: its name, first tasks, folder, and retries of a failed task. */
export interface NewExternalJob {
  name: string | null;
  tasks: readonly TaskPlan[];
  cwd: string;
  prompt?: string;
  retries?: number;
}

/** External jobs in the jobs folder, without a server. */
export class FolderWorkers {
  /** The workers' commands (see ExternalWorkers), each under the job's claim. */
  readonly workers: ExternalWorkers;

  constructor(
    private readonly repository: JobRepository,
    private readonly reader: JobReader,
    private readonly now: Clock,
    leaseMs = DEFAULT_WORKER_LEASE_MS,
  ) {
    this.workers = new ExternalWorkers({
      withJob: (id, work) => this.withJob(id, work),
      heldClaims: (job) => claimsOfOpenRuns(job.id, job.board, job.cwd),
      nowMs: () => this.now().getTime(),
      taskEnded: () => {},
      isLongLived: false,
    }, leaseMs);
  }

  /**
   * Creates an external job, open for workers, durable when this returns.
   * @throws UsageError USAGE for a name that is not one (see JOB_NAME_PATTERN); StoreError JOB_IO;
   *   TransitionError FILES_INVALID for a task's file outside the job's folder.
   */
  create(request: NewExternalJob): Job {
    if (request.name !== null && !JOB_NAME_PATTERN.test(request.name)) throw new UsageError('USAGE', `${JSON.stringify(request.name.slice(0, 80))} is not a job name: letters, digits, _ . - (up to 80), starting with a letter or digit.`);
    // Checked before an id or a name is taken: a refused job leaves nothing behind.
    assertTaskPlanFiles(request.tasks);
    const id = this.repository.claimIdSync();
    const name = claimNewJobName(this.repository, id, request.name);
    const now = this.now().toISOString();
    const job = createJob({ id, agent: EXTERNAL_AGENT, description: request.prompt ?? '', mode: 'background', phaseNames: [EXTERNAL_PHASE], owner: getCurrentOwner(), now, retries: request.retries, keepGoing: true, name });
    const tasks = request.tasks.length > 0 ? createJobTasks([EXTERNAL_PHASE], job.description, [request.tasks]) : [];
    const { stored } = commitSync(this.repository, { state: { job, board: { tasks, runs: [] } }, isBoardRecorded: false }, OPEN_EXTERNAL_JOB, now, [
      { ts: now, type: 'created', agent: EXTERNAL_AGENT, mode: 'background', cwd: request.cwd },
      { ts: now, type: 'queued' },
    ]);
    return stored.state.job;
  }

  /** Job `input` (an id, a name, or a unique prefix of either) as a full id (see resolveJob). @throws JobLookupError. */
  resolve(input: string): Promise<string> {
    return resolveJob(input, this.reader);
  }

  // Runs `work` on external job `input` under its claim: read fresh, change, write, release.
  private async withJob<T>(input: string, work: (job: WorkerJob) => Promise<T>): Promise<T> {
    const id = await this.resolve(input);
    // Claims are compared within this job only (see heldClaims above): its folder never differs
    // from itself, so it is not read from the job's log at every command.
    // Stryker disable next-line StringLiteral: any one folder is the same here (claims are compared within this job only)
    const cwd = '';
    return this.repository.withJobClaim(id, async () => {
      let stored = await settleStoredJob(this.repository, id, this.now().toISOString());
      if (!isExternalJob(stored.state.job) && isActiveStatus(stored.state.job.status)) {
        throw new ManagerError('JOB_OWNED_ELSEWHERE', `${id} is run by another jobline (pid ${stored.state.job.owner.pid}); without jobline serve, workers take part only in external jobs (jobline job create).`);
      }
      const job: WorkerJob = {
        id,
        cwd,
        get job() {
          return stored.state.job;
        },
        get board() {
          return stored.state.board;
        },
        // Stryker disable next-line ArrowFunction: undefined says no as false does
        isRunningHere: () => false,
        // Through the commit path, before the claim is released: the next command reads this
        // state. A write that fails throws, and the state stays what is on disk.
        commit: async (actions) => {
          const before = stored.state.job.status;
          stored = commitSync(this.repository, stored, actions, this.now().toISOString()).stored;
          const { job: after, board } = stored.state;
          if (!hasJustEnded(before, after.status)) return;
          try {
            // Hashed with the external agent's definition, as a server's session hashes the same job.
            this.repository.writeManifestSync(manifestOf(after, board, createExternalAgent()));
          } catch {
            // Derived data, rebuilt by `show --manifest`: the end itself is on disk.
          }
        },
      };
      return work(job);
    });
  }
}
