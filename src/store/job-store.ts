// The jobs folder as a store: one folder per job holding job.json (atomic), events.jsonl
// (append-only) and output.log. Every change touches one job's files only, so its cost does not
// grow with the number of jobs stored.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import fse from 'fs-extra';
import { StoreError, describeError } from '../errors.js';
import { getLastRecordedActivity, isUnfinishedStatus, type Job } from '../jobs/model/job.js';
import type { JobEvent } from '../jobs/model/job-event.js';
import { isJobId, resolveJobId } from '../jobs/model/job-id.js';
import { generateJobId } from './new-job-id.js';
import { SecretScrubber, readSecrets } from '../text/secrets.js';
import type { AtomicWriteOptions } from './atomic-write.js';
import { tryAcquireClaim, withClaim, type AcquireClaimOptions } from './claim.js';
import { completeLog, isLogBehind, isOwnerGone, recordOwnerGone, viewWithLiveness } from './crash-recovery.js';
import { formatEventLines, readEvents } from './event-log.js';
import { formatTaskRecordLines, readTaskRecords, TASK_LOG_FILE } from './task-log.js';
import type { TaskBoard, TaskRecord } from '../jobs/model/task.js';
import { deriveBoardFromHistory, foldTaskRecords } from '../jobs/model/task-history.js';
import { parseJobFile, readJobFile, readJobFileSync, serializeJob } from './job-file.js';
import { ensureJobsDir } from './jobs-dir.js';
import { isCurrentProcess } from '../jobs/process/owner.js';
import { STALE_WRITE_CODE, type WriteRequested, WriteThreads, performWrite } from './write-threads.js';
import { enforceEndedLimits, removeListedJobs } from './cleanup.js';
import type { EndedLimits, JobRepository } from '../jobs/ports/repository.js';
import type { JobPaths } from '../jobs/ports/job-reader.js';
import { appendToIndex, formatEndedLine, formatGoneLine } from './ended-index.js';

export { OWNER_GONE_REASON, isOwnerGone, viewWithLiveness } from './crash-recovery.js';
export { MAX_JOB_FILE_BYTES } from './job-file.js';

export type { JobPaths } from '../jobs/ports/job-reader.js';

/** The result of reading every job: the jobs that parsed, and one warning per item skipped. */
export interface JobListing {
  jobs: Job[];
  warnings: string[];
}

const MAX_ID_CLAIM_ATTEMPTS = 20;
/** job.json files read at once when listing. */
const READS_IN_FLIGHT = 32;
/** File of a job's claim, in its folder (see claim.ts). */
const CLAIM_FILE = 'claim';
/** File of the storage policy's claim, in the jobs folder: one cleanup pass at a time. */
const POLICY_CLAIM_FILE = '.storage-policy.claim';
/** Name prefix of a job folder being deleted (never shaped like a job id, so never listed). */
const REMOVING_PREFIX = '.removing-';
let removalCounter = 0;

/** Options of `JobStore.open`. */
export interface JobStoreOptions {
  /** Environment variables holding API keys: their values never reach a job file (see text/secrets.ts). */
  secretEnvNames?: readonly string[];
}

/** Reads and writes job folders under one jobs folder: the repository of jobs on this machine. */
export class JobStore implements JobRepository {
  private writeThreads: WriteThreads | null = null;
  /** Jobs whose log was found complete, with the eventSeq it was complete up to. */
  private readonly logsChecked = new Map<string, number>();

  private constructor(readonly dir: string, private readonly scrubber: SecretScrubber) {}

  /**
   * Opens (creating if needed) the jobs folder `dir`.
   * @throws StoreError JOBS_DIR_UNSAFE / JOBS_DIR_IO, see `ensureJobsDir`.
   */
  static open(dir: string, options: JobStoreOptions = {}): JobStore {
    ensureJobsDir(dir);
    const store = new JobStore(dir, new SecretScrubber(readSecrets(options.secretEnvNames ?? [])));
    store.sweepRemovals();
    return store;
  }

  /** Returns the paths of job `id`'s files (whether or not they exist). */
  pathsOf(id: string): JobPaths {
    const dir = join(this.dir, id);
    return { dir, job: join(dir, 'job.json'), events: join(dir, 'events.jsonl'), output: join(dir, 'output.log'), tasks: join(dir, TASK_LOG_FILE) };
  }

  /**
   * Picks a fresh id and claims it by creating its folder exclusively (mkdir fails with EEXIST if
   * another process, or this one, already took it), so two jobline processes never share an id.
   * Synchronous (one mkdir, no fsync), so a caller takes its place in a queue in call order.
   * @throws StoreError JOB_IO when the folder cannot be created (full disk, read-only folder).
   */
  claimIdSync(): string {
    for (let attempt = 0; attempt < MAX_ID_CLAIM_ATTEMPTS; attempt++) {
      const id = generateJobId();
      try {
        mkdirSync(join(this.dir, id), { mode: 0o700 });
        return id;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw new StoreError('JOB_IO', `Cannot create a job folder in ${this.dir}: ${describeError(error)}`, { cause: error });
      }
    }
    throw new StoreError('JOB_IO', `Cannot find a free job id in ${this.dir} after ${MAX_ID_CLAIM_ATTEMPTS} tries.`);
  }

  /**
   * Appends `records` to its tasks.jsonl (fsynced), atomically writes `job` to its job.json
   * (rename durable, see atomic-write.ts), then appends `events` to its events.jsonl, on this
   * thread: a job's creation and exit paths.
   * @throws StoreError JOB_IO naming the cause.
   */
  writeSync(job: Job, events: readonly JobEvent[] = [], records: readonly TaskRecord[] = []): void {
    const write = this.describeWrite(job, events, records, true);
    try {
      performWrite(write);
    } catch (error) {
      throw this.saveError(job, write.jobPath, error);
    }
  }

  /**
   * The same write as writeSync, in a write thread (see write-threads.ts), so the caller's thread
   * is not blocked by the fsyncs; `options` may leave the rename not durable.
   * @throws (rejects with) StoreError JOB_IO naming the cause.
   */
  async write(job: Job, events: readonly JobEvent[], options: AtomicWriteOptions, records: readonly TaskRecord[] = []): Promise<void> {
    const write = this.describeWrite(job, events, records, options.isRenameDurable);
    this.writeThreads ??= new WriteThreads();
    try {
      await this.writeThreads.write(job.id, write);
    } catch (error) {
      throw this.saveError(job, write.jobPath, error);
    }
  }

  private describeWrite(job: Job, events: readonly JobEvent[], records: readonly TaskRecord[], isRenameDurable: boolean): Omit<WriteRequested, 'seq'> {
    const paths = this.pathsOf(job.id);
    // Every job file write passes the scrubber: a key that reached a job's state by any path
    // (an error text, a prompt pasted with one) is not written down. job.json carries this
    // write's events too (its journal), for a log that a crash leaves behind.
    const scrub = (text: string): string => this.scrubber.scrub(text);
    // The ended-jobs index follows the jobs that end or are resumed (see ended-index.ts).
    const kind = job.status === 'completed' ? 'completed' : isUnfinishedStatus(job.status) ? 'unfinished' : null;
    const indexLines = kind
      ? formatEndedLine({ id: job.id, kind, endedAt: job.endedAt ?? job.createdAt, createdAt: job.createdAt })
      : events.some((event) => event.type === 'resumed') ? formatGoneLine(job.id) : '';
    const tasks = records.length > 0 ? { path: paths.tasks!, text: scrub(formatTaskRecordLines(records)) } : undefined;
    return { tasks, eventSeq: job.eventSeq, jobPath: paths.job, jobText: scrub(serializeJob(job, events)), eventsPath: paths.events, eventsText: scrub(formatEventLines(events)), isRenameDurable, indexDir: this.dir, indexLines };
  }

  /**
   * Blocks until every write handed to a write thread has been performed, at most `timeoutMs`.
   * For exit paths, before their synchronous writes. Returns true when none is left.
   */
  waitForWritesSync(timeoutMs: number): boolean {
    return this.writeThreads?.waitForWritesSync(timeoutMs) ?? true;
  }

  /** Where job `id`'s output goes: its output.log. */
  outputPathOf(id: string): string {
    return this.pathsOf(id).output;
  }

  /** Applies the storage limits (see enforceEndedLimits). */
  applyEndedLimits(limits: EndedLimits, now: string): Promise<string[]> {
    return enforceEndedLimits(this, limits, now);
  }

  /** Removes exactly the listed jobs, each if unchanged (see removeListedJobs). */
  removeListed(listed: readonly Job[]): Promise<string[]> {
    return removeListedJobs(this, listed);
  }

  /** Stops the write threads (see closeWriteThreads). */
  close(): Promise<void> {
    return this.closeWriteThreads();
  }

  /** Stops the write threads once no write is in flight; they start again on the next write. */
  async closeWriteThreads(): Promise<void> {
    const threads = this.writeThreads;
    this.writeThreads = null;
    await threads?.close();
  }

  private saveError(job: Job, path: string, error: unknown): StoreError {
    if ((error as NodeJS.ErrnoException).code === STALE_WRITE_CODE) {
      return new StoreError('JOB_STALE', `Not saving ${job.id} to ${path}: ${describeError(error)}.`, { cause: error });
    }
    return new StoreError('JOB_IO', `Cannot save ${job.id} to ${path}: ${describeError(error)}`, { cause: error });
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
   * is false in the second case: the board is not on disk yet.
   * @throws StoreError JOB_IO when a file cannot be read.
   */
  async readBoard(job: Job): Promise<{ board: TaskBoard; isRecorded: boolean }> {
    const paths = this.pathsOf(job.id);
    try {
      const log = readTaskRecords(paths.tasks!);
      if (log && log.records.length > 0) return { board: foldTaskRecords(job, log.records), isRecorded: true };
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
   * Reads job `id` as everyone should see it. An active job whose owner process is gone is an
   * interruption nobody wrote down: the first reader records it durably, once, under the job's
   * claim (status interrupted, endedAt = the job's last recorded activity, an `interrupted`
   * event). If it cannot (another process holds the claim, a read-only folder), it returns the
   * same view without writing, so every reader sees the same job. Throws like `loadRaw`.
   */
  async load(id: string, now = new Date().toISOString()): Promise<Job> {
    const job = await this.loadRaw(id);
    if (!isOwnerGone(job) && !this.isLogBehindOnce(job)) return job;
    const claim = tryAcquireClaim(this.claimPathOf(id));
    if (!claim) return viewWithLiveness(job, await this.lastActivityOf(job));
    try {
      return this.settleClaimed(id, now);
    } finally {
      claim.release();
    }
  }

  /**
   * Reads job `id` for a caller that holds its claim, recording an unrecorded interruption (see
   * `load`). Synchronous, so nothing else of this process runs between the read and the write.
   * @throws StoreError JOB_FILE_CORRUPT / JOB_IO (reading; a failed write only skips the record).
   */
  settleClaimed(id: string, now = new Date().toISOString()): Job {
    const path = this.pathsOf(id).job;
    const { text, modifiedMs } = readJobFileSync(path);
    const job = parseJobFile(text, path);
    // A log that a crash left one write behind job.json is completed first, from the journal.
    if (!isCurrentProcess(job.owner)) completeLog(this.pathsOf(id).events, text);
    if (!isOwnerGone(job)) return job;
    const { job: interrupted, events } = recordOwnerGone(job, new Date(modifiedMs).toISOString(), now);
    try {
      this.writeSync(interrupted, events);
    } catch {
      // Read-only or full: the view is the same, and the next reader with a writable folder records it.
    }
    return interrupted;
  }

  // A log found complete up to a job's eventSeq stays so (only its owner appends, and only with a
  // newer eventSeq), so each job's log is checked once per eventSeq in this process: the REPL
  // lists the folder at startup and on every /jobs.
  private isLogBehindOnce(job: Job): boolean {
    if (this.logsChecked.get(job.id) === job.eventSeq) return false;
    const isBehind = isLogBehind(job, this.pathsOf(job.id).events);
    if (!isBehind) this.logsChecked.set(job.id, job.eventSeq);
    return isBehind;
  }

  /** Path of job `id`'s claim file (see claim.ts). */
  claimPathOf(id: string): string {
    return join(this.pathsOf(id).dir, CLAIM_FILE);
  }

  /**
   * Runs `work` holding job `id`'s claim: no other jobline process changes the job meanwhile.
   * `work` should re-read the job (`settleClaimed`) before deciding.
   * @throws StoreError CLAIM_BUSY (held too long elsewhere), CLAIM_TARGET_GONE (the job's folder
   *   was removed), and whatever `work` throws.
   */
  withJobClaim<T>(id: string, work: () => Promise<T> | T, options: AcquireClaimOptions = {}): Promise<T> {
    return withClaim(this.claimPathOf(id), work, { subject: id, ...options });
  }

  /** Runs `work` holding the storage policy's claim: one cleanup pass at a time in this jobs folder. Throws like `withJobClaim`. */
  withPolicyClaim<T>(work: () => Promise<T> | T): Promise<T> {
    return withClaim(join(this.dir, POLICY_CLAIM_FILE), work, { subject: `the jobs folder ${this.dir}`, timeoutMs: 30_000 });
  }

  private async lastActivityOf(job: Job): Promise<string> {
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
   * Reads every job (oldest first, by createdAt) as seen through `viewWithLiveness`. Unreadable
   * items are skipped with a warning, never deleted. A folder without job.json is a job whose
   * creation was cut short before its first write; it is skipped silently.
   */
  async list(now = new Date().toISOString()): Promise<JobListing> {
    const warnings: string[] = [];
    const ids = await this.listIds(warnings);
    const jobs: Job[] = [];
    // A bounded number of reads in flight: thousands of jobs read all at once run out of file
    // descriptors (EMFILE) and would be reported as unreadable.
    let next = 0;
    const readNext = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          jobs.push(await this.load(id, now));
        } catch (error) {
          const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
          if (cause?.code === 'ENOENT') continue;
          warnings.push(`Skipped ${id}: ${describeError(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, ids.length) }, readNext));
    jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return { jobs, warnings };
  }

  /**
   * Resolves a typed id or prefix against the folders present.
   * @throws JobLookupError JOB_NOT_FOUND / JOB_ID_AMBIGUOUS.
   */
  async resolveId(input: string): Promise<string> {
    return resolveJobId(input, await this.listIds());
  }

  /**
   * Deletes job `id`'s folder and everything in it. Missing folders are fine. The folder is first
   * renamed out of the way (atomic), so a crash mid-delete never leaves a job folder without its
   * job.json; what is left under the `.removing-` name is swept by the next `open`.
   */
  async remove(id: string): Promise<void> {
    const trash = join(this.dir, `${REMOVING_PREFIX}${id}-${process.pid}-${++removalCounter}`);
    try {
      await rename(this.pathsOf(id).dir, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await fse.remove(trash);
    appendToIndex(this.dir, formatGoneLine(id));
  }

  // Finishes deletions a killed process left half done.
  private sweepRemovals(): void {
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith(REMOVING_PREFIX)) rmSync(join(this.dir, name), { recursive: true, force: true });
    }
  }
}
