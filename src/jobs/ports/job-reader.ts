// The read side of the repository: what the job service's queries need to see every job, not only
// the session's. Implemented by the jobs folder (store/job-folder-reader.ts); a server with a
// shared store would implement the same.
import type { JobEvent } from '../model/job-event.js';
import type { Job, JobOwner, JobStatus } from '../model/job.js';
import type { JobNameIndex } from '../model/job-id.js';
import type { JobManifest } from '../model/manifest.js';
import type { Run, TaskBoard } from '../model/task.js';

/** The files of one job, as absolute paths (`tasks`: its tasks and runs). */
export interface JobPaths {
  dir: string;
  job: string;
  events: string;
  output: string;
  tasks?: string;
}

/** The end of a job's output: its last lines, and whether earlier output was left out. */
export interface LogTail {
  lines: string[];
  /** Earlier lines exist (in the file, or cut from it) that `lines` does not hold. */
  hasEarlier: boolean;
  /** The output's size when it was read (bytes): where a follower starts. */
  size: number;
}

/** Options of following a job's output. */
export interface FollowLogOptions {
  /** Byte offset to start from (default 0: the whole output). */
  offset?: number;
  /** Receives each batch of new complete lines, in order. */
  onLines: (lines: string[]) => void;
  /** Whether the writer has finished (the job ended): then the rest is read and the follow ends. */
  isEnded: () => boolean | Promise<boolean>;
  /** Ends the follow early (Ctrl+C), without reading the rest. */
  signal?: AbortSignal;
  /** How often new output is looked for while nothing is new (ms, default 100). */
  pollMs?: number;
}

/** Hands out each new complete line of a job's output once. */
export interface OutputFollower {
  /** New complete lines since the last call (none: nothing new). */
  read(): Promise<string[]>;
  /** Everything left, a last unterminated line included (once the writer has finished). */
  drain(): Promise<string[]>;
}

/** What a sweep of leftovers removed. */
export interface SweptLeftovers {
  emptyFolders: string[];
  tempFiles: string[];
}

/** A request to the process that owns a job (another jobline): only the owner changes a job it runs. */
export type OwnerRequest = { type: 'cancel' } | { type: 'approve' } | { type: 'retry'; feedback: string | null; keep?: boolean };

/** A request another process sent to this one about job `jobId`. */
export interface DeliveredRequest {
  jobId: string;
  request: OwnerRequest;
}

/** This process's inbox of requests from other processes (see JobReader.openOwnerInbox). */
export interface OwnerInbox {
  /** The requests addressed to this process that arrived since the last call, in order. */
  take(): DeliveredRequest[];
  /** Closes the inbox (the process is ending): nothing more arrives. */
  close(): void;
}

/** Which jobs a listing reads: only some statuses, and of the ended ones only the newest. */
export interface ListSelection {
  /** Only jobs with one of these statuses (default: all). */
  statuses?: readonly JobStatus[];
  /** Of the ended jobs selected, only the newest this many (by end time; default: all). */
  newestEnded?: number;
}

/** A listing: the jobs read (oldest first), warnings about items skipped, and counts. */
export interface JobListing {
  jobs: Job[];
  warnings: string[];
  /** Jobs stored, read or not. */
  total: number;
  /** Jobs passing the selection's statuses, read or not. */
  matching: number;
}

/** Every job and what is known of it, whoever runs it. */
export interface JobReader {
  /** Where the jobs are (shown to users). */
  readonly jobsDir: string;
  /**
   * The readable jobs `selection` names (default: all), oldest first, with liveness applied (an
   * active job whose owner died reads as interrupted); one warning per item skipped. With a
   * selection, ended jobs it leaves out are not read at all (an index knows their status).
   */
  list(selection?: ListSelection): Promise<JobListing>;
  /** Every job id. */
  listIds(): Promise<string[]>;
  /** Ids without reading any job file: all, or (`isUnfinishedOnly`) those known to be unfinished. Never throws. */
  storedIdsSync(isUnfinishedOnly: boolean): string[];
  /** Job `id`'s job_manifest.json (written when it ended), or null when it has none. @throws StoreError JOB_FILE_CORRUPT, JOB_IO. */
  readManifest(id: string): Promise<JobManifest | null>;
  /**
   * Follows the events other processes append to the folder's jobs from now on (those `isOwn`
   * says this process does not write), and their removals. Returns the stop. Never throws.
   */
  tailEvents(isOwn: (id: string) => boolean, onEvents: (tailed: { id: string; events: JobEvent[]; isRemoved: boolean }) => void, onFailure?: (message: string) => void): () => void;
  /** True when job `id` exists (a cheap check, no read). */
  exists(id: string): boolean;
  /** The jobs' names (unique in the jobs folder), read without opening any job file. */
  readonly names: JobNameIndex;
  /** True while job `id`'s state is stored (the storage policy may have removed it). */
  hasFiles(id: string): boolean;
  /**
   * Job `id` as everyone should see it: an active job whose owner is gone reads as interrupted
   * (see viewWithLiveness), without any file changing. @throws StoreError JOB_FILE_CORRUPT, JOB_IO.
   */
  load(id: string): Promise<Job>;
  /**
   * The ids of jobs read since the last call as interrupted because their owner is gone, whose
   * interruption is not on disk yet: the job service records each (see settleStoredJob).
   */
  takeUnrecordedInterruptions(): string[];
  /** Job `job`'s tasks and runs. @throws StoreError JOB_IO. */
  readBoard(job: Job): Promise<{ board: TaskBoard; isRecorded: boolean }>;
  /** Job `id`'s files. */
  pathsOf(id: string): JobPaths;
  /**
   * Which of job `id`'s files exist now: those of `pathsOf` (job.json, events.jsonl, output.log,
   * tasks.jsonl), then its manifest (absolute paths, in that order), and how many run logs its
   * runs/ folder holds.
   * Never throws (an unreadable folder has none).
   */
  existingFiles(id: string): { files: string[]; runLogs: { dir: string; count: number } | null };
  /** The folder job `id` was created in (its `created` event), or null when its log does not say. */
  creationFolderOf(id: string): Promise<string | null>;
  /** Job `id`'s lifecycle events as its events.jsonl holds them, in order (none for a job without a log). @throws StoreError JOB_IO. */
  readEvents(id: string): Promise<JobEvent[]>;
  /** The last `maxLines` lines of job `id`'s output. */
  readOutputTail(id: string, maxLines: number): Promise<LogTail>;
  /** Follows job `id`'s output (see FollowLogOptions); resolves true when it ended with the job. */
  followOutput(id: string, options: FollowLogOptions): Promise<boolean>;
  /**
   * The last `maxLines` lines run `run` of job `id` wrote: its file under runs/, or its section of
   * output.log. @throws StoreError JOB_FILE_CORRUPT for a run naming a file jobline does not write.
   */
  readRunOutput(id: string, run: Run, maxLines: number): Promise<LogTail>;
  /** Follows what run `run` of job `id` writes (see followOutput). @throws as readRunOutput. */
  followRunOutput(id: string, run: Run, options: FollowLogOptions): Promise<boolean>;
  /** A follower of job `id`'s output.log from byte `offset` on (default: its current end). */
  outputFollower(id: string, offset?: number): Promise<OutputFollower>;
  /**
   * A follower of the file run `run` of job `id` writes, from byte `offset` (output.log for a
   * phase's only task: then from `offset` of output.log). @throws as readRunOutput.
   */
  runOutputFollower(id: string, run: Run, offset: number): OutputFollower;
  /** Removes what crashed writers left behind (folders without a state, temp files). Never throws. */
  sweepLeftovers(): SweptLeftovers;
  /** Hands `request` to the owner of `job`. @throws the I/O error when it cannot be delivered. */
  sendToOwner(job: { id: string; owner: JobOwner }, request: OwnerRequest): void;
  /** Opens this process's inbox, where sendToOwner delivers requests for the jobs it owns. */
  openOwnerInbox(): OwnerInbox;
}
