// The jobs folder as a store (the repository port): one folder per job holding job.json
// (atomic), events.jsonl and tasks.jsonl (append-only) and output.log. Every change touches one
// job's files only, so its cost does not grow with the number of jobs stored. Reads are
// JobFolder's (job-folder.ts).
import { mkdirSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, describeError } from '../errors.js';
import { isUnfinishedStatus, type Job } from '../jobs/model/job.js';
import type { JobEvent } from '../jobs/model/job-event.js';
import type { TaskRecord } from '../jobs/model/task.js';
import type { CommitOptions, JobRepository } from '../jobs/ports/repository.js';
import { foldTaskRecords, hasRecordsBeyond } from '../jobs/model/task-history.js';
import { recordBoard } from '../jobs/model/job-state.js';
import type { EndedLimits } from '../jobs/model/storage-limits.js';
import { SecretScrubber, readSecrets } from '../text/secrets.js';
import { writeFileAtomicSync } from './atomic-write.js';
import { MANIFEST_FILE, type JobManifest } from '../jobs/model/manifest.js';
import { withClaim, type AcquireClaimOptions } from './claim.js';
import { enforceEndedLimits, removeListedJobs } from './cleanup.js';
import { completeLog, isLogBehind } from './crash-recovery.js';
import { appendToIndex, formatEndedLine, formatGoneLine } from './ended-index.js';
import { formatEventLines, readLastSeq } from './event-log.js';
import { JobFolder } from './job-folder.js';
import { parseJobFile, readJobFileSync, serializeJob } from './job-file.js';
import { ensureJobsDir } from './jobs-dir.js';
import { generateJobId } from './new-job-id.js';
import { formatRecordGroupLine, formatTaskRecordLines, readTaskRecords } from './task-log.js';
import type { WorktreeGuard } from '../jobs/ports/worktrees.js';
import { STALE_WRITE_CODE, type WriteRequested, WriteThreads, performWrite } from './write-threads.js';

export { MAX_JOB_FILE_BYTES } from './job-file.js';


const MAX_ID_CLAIM_ATTEMPTS = 20;
/** File of the storage policy's claim, in the jobs folder: one cleanup pass at a time. */
const POLICY_CLAIM_FILE = '.storage-policy.claim';
/** Name prefix of a job folder being deleted (never shaped like a job id, so never listed). */
const REMOVING_PREFIX = '.removing-';
let removalCounter = 0;

/** Options of `JobStore.open`. */
export interface JobStoreOptions {
  /** Environment variables holding API keys: their values never reach a job file (see text/secrets.ts). */
  secretEnvNames?: readonly string[];
  /** Keeps jobs whose worktree work has not landed, and removes a job's worktree with it (absent: no worktrees). */
  worktreeGuard?: WorktreeGuard;
}

/** Reads and writes job folders under one jobs folder: the repository of jobs on this machine. */
export class JobStore extends JobFolder implements JobRepository {
  private writeThreads: WriteThreads | null = null;
  /** Settles when the removals a killed process left half done are finished (see sweepRemovals). */
  removalsSwept: Promise<void> = Promise.resolve();

  /** See JobStoreOptions.worktreeGuard. */
  worktreeGuard?: WorktreeGuard;

  private constructor(dir: string, private readonly scrubber: SecretScrubber) {
    super(dir);
  }

  /**
   * Opens (creating if needed) the jobs folder `dir`.
   * @throws StoreError JOBS_DIR_UNSAFE / JOBS_DIR_IO, see `ensureJobsDir`.
   */
  static open(dir: string, options: JobStoreOptions = {}): JobStore {
    ensureJobsDir(dir);
    // Stryker disable next-line ArrayDeclaration: a variable of no key's name that is not set reads as no key
    const store = new JobStore(dir, new SecretScrubber(readSecrets(options.secretEnvNames ?? [])));
    // Stryker disable next-line ConditionalExpression: setting an absent guard leaves it absent
    if (options.worktreeGuard) store.worktreeGuard = options.worktreeGuard;
    store.removalsSwept = store.sweepRemovals();
    return store;
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

  writeManifestSync(manifest: JobManifest): void {
    const path = join(this.pathsOf(manifest.id).dir, MANIFEST_FILE);
    try {
      writeFileAtomicSync(path, this.scrubber.scrub(`${JSON.stringify(manifest, null, 2)}\n`));
    } catch (error) {
      throw new StoreError('JOB_IO', `Cannot write ${path}: ${describeError(error)}`, { cause: error });
    }
  }

  claimNameSync(id: string, wanted: string | null): string {
    return this.names.claimSync(id, wanted);
  }

  releaseNameSync(name: string, id: string): void {
    this.names.releaseSync(name, id);
  }

  /**
   * Appends `records` to its tasks.jsonl (fsynced), atomically writes `job` to its job.json
   * (rename durable, see atomic-write.ts), then appends `events` to its events.jsonl, on this
   * thread: a job's creation, commands on the jobs folder, and exit paths. A failure takes the
   * appended records back: nothing of the write is left for a reader.
   * @throws StoreError JOB_IO naming the cause.
   */
  writeSync(job: Job, events: readonly JobEvent[] = [], records: readonly TaskRecord[] = [], options: Pick<CommitOptions, 'isBoardWhole'> & Partial<Pick<CommitOptions, 'isRenameDurable'>> = {}): void {
    try {
      performWrite(this.describeWrite(job, events, records, { isRenameDurable: true, ...options }));
    } catch (error) {
      throw this.saveError(job, this.pathsOf(job.id).job, error);
    }
  }

  /**
   * The same write as writeSync, in a write thread (see write-threads.ts), so the caller's thread
   * is not blocked by the fsyncs; `options` may leave the rename not durable.
   * @throws (rejects with) StoreError JOB_IO naming the cause.
   */
  async write(job: Job, events: readonly JobEvent[], options: CommitOptions, records: readonly TaskRecord[] = []): Promise<void> {
    this.writeThreads ??= new WriteThreads();
    try {
      await this.writeThreads.write(job.id, this.describeWrite(job, events, records, options));
    } catch (error) {
      throw this.saveError(job, this.pathsOf(job.id).job, error);
    }
  }

  // The write as the write threads perform it. A whole board compacts the journal first, here,
  // before the write is handed off (see compactJournal).
  private describeWrite(job: Job, events: readonly JobEvent[], records: readonly TaskRecord[], options: CommitOptions): Omit<WriteRequested, 'seq'> {
    const paths = this.pathsOf(job.id);
    if (options.isBoardWhole) this.compactJournal(job.id);
    // Every job file write passes the scrubber: a key that reached a job's state by any path
    // (an error text, a prompt pasted with one) is not written down. job.json carries this
    // write's events too (its journal), for a log that a crash leaves behind.
    const scrub = (text: string): string => this.scrubber.scrub(text);
    // The ended-jobs index follows the jobs that end or are resumed (see ended-index.ts).
    const kind = job.status === 'completed' ? 'completed' : isUnfinishedStatus(job.status) ? 'unfinished' : null;
    const indexLines = kind
      ? formatEndedLine({ id: job.id, kind, endedAt: job.endedAt ?? job.createdAt, createdAt: job.createdAt, status: job.status })
      : events.some((event) => event.type === 'resumed') ? formatGoneLine(job.id) : '';
    // tasks.jsonl is the journal of tasks and runs: fsynced with every write that appends to it,
    // before job.json is replaced (see task-log.ts). One write carries a whole window of changes
    // (JobWriter merges them), so a batch pays one fsync for many starts and ends.
    // A change of counters only (see CommitOptions.isJournalOnly) is one group in the journal.
    const isJournalOnly = options.isJournalOnly === true && !options.isBoardWhole && indexLines === '';
    // Stryker disable next-line ConditionalExpression,EqualityOperator: no records append nothing (appendLogLines writes no empty text)
    const tasks = records.length > 0 ? { path: paths.tasks!, text: scrub(isJournalOnly ? formatRecordGroupLine(records) : formatTaskRecordLines(records)) } : undefined;
    const manifest = options.manifest ? { manifest: { path: join(paths.dir, MANIFEST_FILE), text: scrub(`${JSON.stringify(options.manifest, null, 2)}\n`) } } : {};
    // Stryker disable next-line StringLiteral: a journal-only write never writes jobText
    return { ...manifest, tasks, eventSeq: job.eventSeq, jobPath: paths.job, jobText: isJournalOnly ? '' : scrub(serializeJob(job, events)), eventsPath: paths.events, eventsText: scrub(formatEventLines(events)), isRenameDurable: options.isRenameDurable, isJournalOnly, indexDir: this.dir, indexLines };
  }

  // A journal compacted to the board it holds, with job.json's seq, replaced atomically: what a
  // crash left beyond job.json is resolved as a reader resolves it (foldTaskRecords: ends applied,
  // unlaunched starts dropped) and written as settled, so none of it can later pass for a record
  // of a write that landed. A job without a journal, or a job.json not yet written, has nothing to
  // compact. @throws the fs error.
  private compactJournal(id: string): void {
    const paths = this.pathsOf(id);
    const stored = this.readSync(id);
    const log = stored ? readTaskRecords(paths.tasks!) : null;
    if (!stored || !log || !hasRecordsBeyond(stored, log.records)) return;
    const board = foldTaskRecords(stored, log.records);
    writeFileAtomicSync(paths.tasks!, this.scrubber.scrub(formatTaskRecordLines(recordBoard(board, stored.eventSeq))));
  }

  prepareWrites(id: string): void {
    (this.writeThreads ??= new WriteThreads()).prepare(id);
  }

  /**
   * Blocks until every write handed to a write thread has been performed, at most `timeoutMs`.
   * For exit paths, before their synchronous writes. Returns true when none is left.
   */
  waitForWritesSync(timeoutMs: number): boolean {
    return this.writeThreads?.waitForWritesSync(timeoutMs) ?? true;
  }

  recordGroupOf(id: string, records: readonly TaskRecord[], startedRunId?: string): { path: string; text: string } {
    return { path: this.pathsOf(id).tasks!, text: this.scrubber.scrub(formatRecordGroupLine(records, startedRunId)) };
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
   * Reads job `id` as stored, on this thread, for a caller holding its claim (see withJobClaim),
   * with job.json's mtime (ISO-8601): the job's last activity when it does not say. Its eventSeq
   * is the last its events log holds when that is further (job.json is a checkpoint of it).
   * A log that a crash left one write behind job.json (its writer gone) is completed first, from
   * job.json's journal.
   * @throws StoreError JOB_FILE_CORRUPT / JOB_IO (ENOENT as the cause when the job is gone).
   */
  readForUpdate(id: string): { job: Job; modifiedAt: string } {
    const path = this.pathsOf(id).job;
    const { text, modifiedMs } = readJobFileSync(path);
    const job = parseJobFile(text, path);
    const eventsPath = this.pathsOf(id).events;
    // Only a log whose writer is gone: a live writer appends its own events after its job.json.
    if (isLogBehind(job, eventsPath)) completeLog(eventsPath, text);
    // job.json may be behind its log: changes of counters only are written to the journal and the
    // log, and job.json later (a checkpoint). The next change numbers its events after the log's.
    let logged = 0;
    try {
      logged = readLastSeq(eventsPath) ?? 0;
    } catch {
      // An unreadable log: job.json's count stands.
    }
    // Stryker disable next-line EqualityOperator: at an equal seq either job is the same
    return { job: logged > job.eventSeq ? { ...job, eventSeq: logged } : job, modifiedAt: new Date(modifiedMs).toISOString() };
  }

  /**
   * Runs `work` holding job `id`'s claim: no other jobline process changes the job meanwhile.
   * `work` should re-read the job (`readForUpdate`) before deciding.
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

  /**
   * Deletes job `id`'s folder and everything in it, and frees its name. Missing folders are fine. The folder is first
   * renamed out of the way (atomic), so a crash mid-delete never leaves a job folder without its
   * job.json; what is left under the `.removing-` name is swept by the next `open`.
   */
  async remove(id: string): Promise<void> {
    // Its name is freed first: a name whose folder is gone is free anyway (job-names.ts), so a
    // crash in between loses nothing.
    const name = this.readSync(id)?.name;
    // Stryker disable next-line ConditionalExpression: releasing no name releases nothing
    if (name) this.names.releaseSync(name, id);
    // Stryker disable next-line UpdateOperator: the counter only makes names unique, counting down as well as up
    const trash = join(this.dir, `${REMOVING_PREFIX}${id}-${process.pid}-${++removalCounter}`);
    try {
      await rename(this.pathsOf(id).dir, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const { default: fse } = await import('fs-extra'); // loaded on the first removal, not at startup
    await fse.remove(trash);
    appendToIndex(this.dir, formatGoneLine(id));
  }

  // Finishes deletions a killed process left half done. In the background: a folder being
  // removed is named unlike any job, so no reader sees it meanwhile, and reading a folder of
  // 10,000 jobs is not on the way to the first prompt. Best effort: the next open tries again.
  private async sweepRemovals(): Promise<void> {
    try {
      for (const name of await readdir(this.dir)) {
        if (!name.startsWith(REMOVING_PREFIX)) continue;
        await rm(join(this.dir, name), {
          recursive: true,
          // Stryker disable next-line BooleanLiteral: force matters only for a folder another store's sweep removed meanwhile: gone either way
          force: true,
        });
      }
    } catch {
      // An unreadable folder is reported by the first listing.
    }
  }
}
