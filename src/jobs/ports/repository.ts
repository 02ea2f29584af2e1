// The repository port: where jobs are kept, as the job service needs it. Implemented by the
// jobs folder (store/job-store.ts: atomic job.json, append-only logs, write threads); tests use an
// in-memory one. The claim is a lease (holder and expiry), so it works across processes and, with
// a shared store, across machines.
import type { JobManifest } from '../model/manifest.js';
import type { Job } from '../model/job.js';
import type { JobEvent } from '../model/job-event.js';
import type { TaskBoard, TaskRecord } from '../model/task.js';
import type { EndedLimits } from '../model/storage-limits.js';

/** How durable a write must be once it resolves (see store/atomic-write.ts), and what its records are. */
export interface CommitOptions {
  /** The replacement of the job's state survives a power loss (else only its contents do). */
  isRenameDurable: boolean;
  /**
   * The records are the job's whole board (a new job's, a resumed one's, or one whose journal a
   * crash cut short): the journal is compacted first, to the board it holds, so nothing a crash
   * left in it outlives the first write after it.
   */
  isBoardWhole?: boolean;
  /**
   * The change leaves the job's state in job.json as it was but for its counters (events numbered,
   * progress): its records go to the journal as one group, committed there on their own, and
   * job.json is not replaced (the job writes it again later: a checkpoint). Its events follow.
   */
  isJournalOnly?: boolean;
  /**
   * The manifest of the job's end, written with the end, after job.json (best effort: a failure
   * to write it does not fail the write; `show --manifest` rebuilds a missing one).
   */
  manifest?: JobManifest;
}


/** Options of a claim: how long to wait for a busy claim, and the lease's length. */
export interface ClaimOptions {
  /** Longest wait for a claim another holder has (ms). */
  timeoutMs?: number;
  /** The claim expires this long after it was taken, unless released (ms; default: never). */
  leaseMs?: number;
}

/** Where jobs are kept. */
export interface JobRepository {
  /**
   * Takes a fresh job id, unique in the repository. Synchronous, so callers take places in call order.
   * @throws StoreError JOB_IO.
   */
  claimIdSync(): string;
  /**
   * Gives job `id` (claimed, not yet written) the name `wanted`, or a generated one of three or
   * four words when null; names are unique in the repository. Returns the name.
   * @throws StoreError JOB_NAME_TAKEN, JOB_NAME_INVALID, JOB_IO.
   */
  claimNameSync(id: string, wanted: string | null): string;
  /** Frees name `name` if job `id` holds it (a rename). Never throws. */
  releaseNameSync(name: string, id: string): void;
  /**
   * Commits one change of job `job`: `records` (its changed tasks and runs), its state, then
   * `events`, durable before this returns. A commit never replaces a newer state: one whose
   * eventSeq is behind the stored job's is refused (a stale writer).
   * @throws StoreError JOB_IO (with JOB_STALE as the cause's code for a stale writer).
   */
  writeSync(job: Job, events?: readonly JobEvent[], records?: readonly TaskRecord[], options?: Pick<CommitOptions, 'isBoardWhole'> & Partial<Pick<CommitOptions, 'isRenameDurable'>>): void;
  /** `writeSync` off the caller's thread; rejects like it throws. */
  write(job: Job, events: readonly JobEvent[], options: CommitOptions, records?: readonly TaskRecord[]): Promise<void>;
  /**
   * Reads job `id` exactly as stored, for a caller holding its claim, with when job.json was last
   * written (ISO-8601). The job service decides what the state means (see settleStoredJob).
   * @throws StoreError JOB_FILE_CORRUPT, JOB_IO.
   */
  readForUpdate(id: string): { job: Job; modifiedAt: string };
  /**
   * Reads job `id` as every reader sees it, without its claim (an active job whose owner is gone
   * reads as interrupted; nothing is written for that). @throws StoreError JOB_FILE_CORRUPT, JOB_IO.
   */
  load(id: string): Promise<Job>;
  /** Job `job`'s tasks and runs; `isRecorded` false when they were rebuilt (not stored yet). */
  readBoard(job: Job): Promise<{ board: TaskBoard; isRecorded: boolean }>;
  /**
   * Runs `work` holding job `id`'s claim. @throws StoreError CLAIM_BUSY, CLAIM_TARGET_GONE, and
   * whatever `work` throws.
   */
  withJobClaim<T>(id: string, work: () => Promise<T> | T, options?: ClaimOptions): Promise<T>;
  /** Deletes job `id` with its tasks, runs and output. A missing job is fine. */
  remove(id: string): Promise<void>;
  /**
   * The line that records `records` of job `id` in its journal together and on their own (a
   * group, committed by being there whole), scrubbed, with the journal's path: for the thread that
   * runs a run to append, flushed to disk, before its command starts (PhaseRequest.startRecord).
   * `startedRunId`: the group opens that run, which counts as started only once the journal also
   * holds its start mark (see formatStartMarkLine), or a later record of it.
   */
  recordGroupOf(id: string, records: readonly TaskRecord[], startedRunId?: string): { path: string; text: string };
  /** Where job `id`'s output goes (an absolute path an executor on this machine can append to). */
  outputPathOf(id: string): string;
  /**
   * Removes ended jobs beyond `limits` (oldest first), each decided under its claim. Returns the
   * ids removed. @throws StoreError CLAIM_BUSY.
   */
  applyEndedLimits(limits: EndedLimits, now: string): Promise<string[]>;
  /**
   * Removes exactly the `listed` jobs, each only if it is still as listed and not active. Returns
   * the ids removed. @throws StoreError CLAIM_BUSY.
   */
  removeListed(listed: readonly Job[]): Promise<string[]>;
  /**
   * Starts what job `id`'s later writes use (a write thread), so that they do not wait for it:
   * called once the job exists. Never throws.
   */
  prepareWrites(id: string): void;
  /** Blocks until writes handed off have landed, at most `timeoutMs`; true when none is left (exit paths). */
  waitForWritesSync(timeoutMs: number): boolean;
  /**
   * Writes `manifest` as job `manifest.id`'s job_manifest.json, atomically (a reader sees the
   * old file or the new one, never part of one). @throws StoreError JOB_IO.
   */
  writeManifestSync(manifest: JobManifest): void;
  /** Releases what writes use (threads) once none is in flight. */
  close(): Promise<void>;
}
