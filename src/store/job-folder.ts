// A jobs folder read as it is: the paths of a job's files, reading one job (with the liveness
// view: an active job whose owner died is interrupted), many, and its tasks and runs. The store
// (job-store.ts) adds the writes, the claims and removal on top.
import { stat } from 'node:fs/promises';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, describeError } from '../errors.js';
import { getLastRecordedActivity, type Job } from '../jobs/model/job.js';
import { isJobId, resolveJobReference } from '../jobs/model/job-id.js';
import type { TaskBoard } from '../jobs/model/task.js';
import { deriveBoardFromHistory, foldTaskRecords, hasRecordsBeyond } from '../jobs/model/task-history.js';
import type { JobPaths } from '../jobs/ports/job-reader.js';
import { tryAcquireClaim } from './claim.js';
import { completeLog, isLogBehind } from './crash-recovery.js';
import { isOwnerGone, viewWithLiveness } from '../jobs/process/liveness.js';
import { readEvents } from './event-log.js';
import { parseJobFile, readJobFile, readJobFileSync } from './job-file.js';
import { readTaskRecords, TASK_LOG_FILE } from './task-log.js';
import { JobNames } from './job-names.js';

/** The result of reading every job: the jobs that parsed, and one warning per item skipped. */
export interface JobListing {
  jobs: Job[];
  warnings: string[];
}

/** job.json files read at once when listing. */
const READS_IN_FLIGHT = 32;
/** File of a job's claim, in its folder (see claim.ts). */
const CLAIM_FILE = 'claim';
/** One jobs folder, read. */
export abstract class JobFolder {
  /** Jobs whose log was found complete, with the eventSeq it was complete up to. */
  private readonly logsChecked = new Map<string, number>();

  /** The register of the folder's job names. */
  readonly names: JobNames;

  protected constructor(readonly dir: string) {
    this.names = new JobNames(dir);
  }

  /** Jobs read as interrupted because their owner is gone, not yet recorded so (see takeUnrecordedInterruptions). */
  private readonly unrecorded = new Set<string>();

  /** Returns the paths of job `id`'s files (whether or not they exist). */
  pathsOf(id: string): JobPaths {
    const dir = join(this.dir, id);
    return { dir, job: join(dir, 'job.json'), events: join(dir, 'events.jsonl'), output: join(dir, 'output.log'), tasks: join(dir, TASK_LOG_FILE) };
  }

  /** Path of job `id`'s claim file (see claim.ts). */
  claimPathOf(id: string): string {
    return join(this.pathsOf(id).dir, CLAIM_FILE);
  }

  /**
   * Reads job `id` exactly as stored (no liveness view).
   * @throws StoreError JOB_FILE_CORRUPT for a bad file, JOB_IO when it cannot be read.
   */
  async loadRaw(id: string): Promise<Job> {
    const path = this.pathsOf(id).job;
    return parseJobFile(await readJobFile(path), path);
  }

  /**
   * Reads the tasks and runs of `job` (as stored in the jobs folder): its tasks.jsonl folded, or,
   * for a job written before tasks existed, rebuilt from its phases and events log. `isRecorded`
   * is false in the second case (the board is not on disk yet), and for a journal holding a write
   * a crash cut short (the board is not on disk as it reads: see foldTaskRecords).
   * @throws StoreError JOB_IO when a file cannot be read.
   */
  async readBoard(job: Job): Promise<{ board: TaskBoard; isRecorded: boolean }> {
    const paths = this.pathsOf(job.id);
    try {
      const log = readTaskRecords(paths.tasks!);
      // A journal a crash cut short is not on disk as the board reads: its next write compacts it.
      if (log && log.records.length > 0) return { board: foldTaskRecords(job, log.records), isRecorded: !hasRecordsBeyond(job, log.records) };
      return { board: deriveBoardFromHistory(job, (await readEvents(paths.events)).events), isRecorded: false };
    } catch (error) {
      throw new StoreError('JOB_IO', `Cannot read the tasks of ${job.id}: ${describeError(error)}`, { cause: error });
    }
  }

  /** Reads job `id` exactly as stored, on this thread; null when it is missing, unreadable or corrupt. */
  readSync(id: string): Job | null {
    const path = this.pathsOf(id).job;
    try {
      return parseJobFile(readJobFileSync(path).text, path);
    } catch {
      return null;
    }
  }

  /**
   * Reads job `id` as everyone should see it (see viewWithLiveness): an active job whose owner
   * process is gone reads as interrupted, dated by its last recorded activity, so every reader sees
   * the same job; no file changes for that (the job service records it, see
   * takeUnrecordedInterruptions). A log a crash left behind job.json is completed, under the
   * job's claim when it is free. Throws like `loadRaw`.
   */
  async load(id: string): Promise<Job> {
    const job = await this.loadRaw(id);
    // Stryker disable next-line ConditionalExpression: completing a log that is not behind adds nothing (completeLog appends only what it misses)
    if (this.isLogBehindOnce(job)) {
      const claim = tryAcquireClaim(this.claimPathOf(id));
      if (claim) {
        try {
          completeLog(this.pathsOf(id).events, readJobFileSync(this.pathsOf(id).job).text);
        } catch {
          // Unreadable now: the next reader completes it.
        } finally {
          claim.release();
        }
      }
    }
    if (!isOwnerGone(job)) return job;
    this.unrecorded.add(id);
    return viewWithLiveness(job, await this.lastActivityOf(job));
  }

  /**
   * The ids of jobs read (since the last call) as interrupted because their owner is gone, whose
   * interruption is not on disk: for the job service to record, once (see settleStoredJob).
   */
  takeUnrecordedInterruptions(): string[] {
    const ids = [...this.unrecorded];
    this.unrecorded.clear();
    return ids;
  }

  // A log found complete up to a job's eventSeq stays so (only its owner appends, and only with a
  // newer eventSeq), so each job's log is checked once per eventSeq in this process: the REPL
  // lists the folder at startup and on every /jobs.
  protected isLogBehindOnce(job: Job): boolean {
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: a memo; checking again gives the same answer
    if (this.logsChecked.get(job.id) === job.eventSeq) return false;
    const isBehind = isLogBehind(job, this.pathsOf(job.id).events);
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: a memo; see above
    if (!isBehind) this.logsChecked.set(job.id, job.eventSeq);
    return isBehind;
  }

  protected async lastActivityOf(job: Job): Promise<string> {
    try {
      return getLastRecordedActivity(job, (await stat(this.pathsOf(job.id).job)).mtime.toISOString());
    } catch {
      return getLastRecordedActivity(job);
    }
  }

  /**
   * Lists the ids of job folders (names shaped like job ids that are real folders). Symlinks are
   * skipped with a warning: a job folder must never lead elsewhere.
   */
  // Stryker disable next-line ArrayDeclaration: warnings nobody reads
  async listIds(warnings: string[] = []): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const ids: string[] = [];
    for (const entry of entries) {
      if (!isJobId(entry.name)) continue;
      if (entry.isSymbolicLink()) warnings.push(`Skipped ${join(this.dir, entry.name)}: a job folder must not be a symbolic link.`);
      else if (entry.isDirectory()) ids.push(entry.name);
    }
    return ids;
  }

  /**
   * Reads every job (oldest first, by createdAt) as `load` does. Unreadable
   * items are skipped with a warning, never deleted. A folder without job.json is a job whose
   * creation was cut short before its first write; it is skipped silently.
   */
  async list(): Promise<JobListing> {
    const warnings: string[] = [];
    const jobs = await this.loadMany(await this.listIds(warnings), warnings);
    return { jobs, warnings };
  }

  /**
   * Reads jobs `ids` (see `load`), oldest first by createdAt; an unreadable one is skipped with a
   * warning added to `warnings` (one removed meanwhile, silently).
   */
  async loadMany(ids: readonly string[], warnings: string[]): Promise<Job[]> {
    const jobs: Job[] = [];
    // A bounded number of reads in flight: thousands of jobs read all at once run out of file
    // descriptors (EMFILE) and would be reported as unreadable.
    let next = 0;
    const readNext = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          jobs.push(await this.load(id));
        } catch (error) {
          const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
          if (cause?.code === 'ENOENT') continue;
          warnings.push(`Skipped ${id}: ${describeError(error)}`);
        }
      }
    };
    // Stryker disable next-line MethodExpression: readers beyond the ids find none left and end at once
    await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, ids.length) }, readNext));
    jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return jobs;
  }

  /**
   * Resolves a typed id, name or prefix of either against the folders present and their names.
   * @throws JobLookupError JOB_NOT_FOUND / JOB_ID_AMBIGUOUS.
   */
  async resolveId(input: string): Promise<string> {
    return resolveJobReference(input, await this.listIds(), this.names);
  }

}
