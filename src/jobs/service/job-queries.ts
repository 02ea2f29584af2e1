// The job service's read side: the queries front ends make of jobs (lists, a job, its tasks and
// runs, its output and transcript, its files and manifest), answered from this session's jobs
// (freshest: memory may be ahead of disk) and from the jobs folder. It changes no job, except that
// the first reader of a job whose owner died records the interruption (through the commit path).
// The service (job-service.ts) builds its commands on it.
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentSpec } from '../../agents/agent.js';
import { TaskLookupError } from '../../errors.js';
import { ANSWER_FILE_PATTERN } from '../model/answers.js';
import { isTerminalStatus, type Job } from '../model/job.js';
import type { JobEvent } from '../model/job-event.js';
import type { JobManifest } from '../model/manifest.js';
import { countBoard } from '../model/task-board.js';
import { findTaskByReference, type Run, type Task, type TaskBoard, type TaskCounts } from '../model/task.js';
import type { FollowLogOptions, JobListing, JobReader, ListSelection, LogTail, OutputFollower } from '../ports/job-reader.js';
import type { JobRepository } from '../ports/repository.js';
import type { WorktreePort } from '../ports/worktrees.js';
import type { JobView } from './job-commands.js';
import { settleStoredJob } from './job-commit.js';
import { resolveJob } from './job-lookup.js';
import { whyCannotResolve } from './resolve-phase.js';
import { followTranscript, JobTranscript, type FollowTranscriptOptions, type TranscriptFilter } from './job-transcript.js';
import type { AdoptedRun, JobManagerEvents } from './manager-api.js';
import type { SessionPort } from './session-port.js';

/** Rebuilds how a job taken over from the jobs folder runs (its agent from the config, its folder). */
export type AdoptJob = (stored: Job, creationFolder: string) => AdoptedRun;

/**
 * What a service is built from: the repository and its read side, the session (the manager of
 * this process's jobs, or a remote session of `jobline serve`; null: read-only), and adoption.
 */
export interface JobServiceOptions {
  repository: JobRepository;
  reader: JobReader;
  manager: SessionPort | null;
  /** Folder of the front end: where a job whose log does not say was created. */
  cwd: string;
  adopt: AdoptJob;
  /** Git worktrees (reads: a job's diff and what its worktree holds; landings a session has not settled). Absent: none. */
  worktrees?: WorktreePort;
  /** Settles landings nobody carries on, for a service without a session (see MergeQueue.recoverLanding). */
  landings?: { recoverLanding(job: Job): Promise<Job> };
}

/**
 * The queries of the job service (see JobService, which extends it). An event emitter only so that
 * the service is one: it emits nothing itself.
 */
export class JobQueries extends EventEmitter<JobManagerEvents> {
  protected readonly store: JobReader;
  protected readonly session: SessionPort | null;

  constructor(protected readonly options: JobServiceOptions) {
    super();
    this.store = options.reader;
    this.session = options.manager;
  }

  /**
   * The jobs `selection` names (default: every job), oldest first: the jobs folder's, with this
   * session's as they are in memory (which may be ahead of disk). See JobReader.list.
   */
  async list(selection?: ListSelection): Promise<JobListing> {
    const listing = await this.store.list(selection);
    const recorded = await this.recordInterruptions();
    const byId = new Map(listing.jobs.map((job) => [job.id, recorded.get(job.id) ?? job]));
    for (const job of this.sessionJobs()) {
      const isWanted = !selection?.statuses || selection.statuses.includes(job.status);
      if (isWanted) byId.set(job.id, job);
      else byId.delete(job.id);
    }
    const sorted = [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    const jobs = await Promise.all(sorted.map((job) => this.recoverLanding(job)));
    return { ...listing, jobs };
  }

  /** Every job id known now (for completion and prefix lookup). */
  async ids(): Promise<string[]> {
    const stored = await this.store.listIds().catch(() => []);
    return [...new Set([...this.sessionJobs().map((job) => job.id), ...stored])];
  }

  /**
   * Resolves a typed id, name or unique prefix of either, among this session's jobs and the jobs
   * folder's (see resolveJob). @throws JobLookupError JOB_NOT_FOUND / JOB_ID_AMBIGUOUS.
   */
  resolve(input: string): Promise<string> {
    return resolveJob(input, this.store, { has: (id) => this.session?.has(id) ?? false, jobs: () => this.sessionJobs() });
  }

  /** Returns job `input` (id or prefix). @throws JobLookupError, StoreError (a corrupt file). */
  async get(input: string): Promise<Job> {
    const id = await this.resolve(input);
    if (this.session?.has(id)) return this.recoverLanding(this.session.get(id));
    const job = await this.store.load(id);
    return this.recoverLanding((await this.recordInterruptions()).get(id) ?? job);
  }

  // A landing nobody carries on any more (its jobline was killed) is settled by the first reader
  // that finds it: the job then says where its target is (see MergeQueue.recoverLanding).
  protected async recoverLanding(job: Job): Promise<Job> {
    if (job.merge?.status !== 'checking') return job;
    const recovery = this.session?.recoverLanding ? this.session : this.options.landings;
    return recovery?.recoverLanding ? recovery.recoverLanding(job).catch(() => job) : job;
  }

  // The first reader of a job whose owner died without marking it records the interruption, once,
  // through the commit path, under the job's claim (a job another process holds is left to it).
  // Every reader sees the same job either way (see viewWithLiveness). Returns the jobs recorded,
  // as they now are on disk. Never throws.
  private async recordInterruptions(): Promise<Map<string, Job>> {
    const { repository } = this.options;
    const recorded = new Map<string, Job>();
    for (const id of this.store.takeUnrecordedInterruptions()) {
      try {
        const settled = await repository.withJobClaim(id, () => settleStoredJob(repository, id, new Date().toISOString()), { timeoutMs: 0 });
        recorded.set(id, settled.state.job);
      } catch {
        // Busy, gone or unwritable: the next reader records it.
      }
    }
    return recorded;
  }

  /** Job `input` in full: its state, tasks and runs, and files. Throws like `get`; StoreError JOB_IO. */
  async view(input: string): Promise<JobView> {
    const id = await this.resolve(input);
    const held = this.session?.boardOf(id);
    const job = await this.get(id);
    const { board, isRecorded } = held ? { board: held, isRecorded: true } : await this.store.readBoard(job);
    const paths = this.store.pathsOf(id);
    // A board rebuilt from an older job's log has no tasks.jsonl yet: none is named.
    return { job, board, paths: isRecorded ? paths : { ...paths, tasks: undefined } };
  }

  /**
   * Ids for completion, read without opening any job file (it runs on every Tab): every job folder,
   * or (`isUnfinishedOnly`) the jobs the ended-jobs index names unfinished. Never throws: an
   * unreadable folder gives none.
   */
  storedIdsSync(isUnfinishedOnly: boolean): string[] {
    return this.store.storedIdsSync(isUnfinishedOnly);
  }

  /** True while job `id`'s job.json is on disk (the storage policy may have removed it). */
  hasFiles(id: string): boolean {
    return this.store.hasFiles(id);
  }

  /**
   * The `jobline serve` this service's session is attached to (its jobs run there and outlive
   * this process), or null when they run in this process (or it has no session).
   */
  get attachedServer(): { pid: number } | null {
    return this.session?.attachedTo ?? null;
  }

  /** The jobs folder. */
  get jobsDir(): string {
    return this.store.jobsDir;
  }

  /** The paths of job `id`'s files (whether or not they exist). */
  pathsOf(id: string): JobView['paths'] {
    return this.store.pathsOf(id);
  }

  /** Which of job `id`'s files exist now, and how many run logs it has (see JobReader.existingFiles). */
  existingFiles(id: string): ReturnType<JobReader['existingFiles']> {
    return this.store.existingFiles(id);
  }

  /**
   * The whole answer of phase `index` of job `input`: the file job.json points to when the answer
   * was too long for it (PhaseState.outputFile), else its `output`; null when it has none (or the
   * file is gone). Throws like `get`.
   */
  async readPhaseOutput(input: string, index: number): Promise<string | null> {
    const job = await this.get(input);
    const phase = job.phases[index];
    if (!phase) return null;
    if (!phase.outputFile || !ANSWER_FILE_PATTERN.test(phase.outputFile)) return phase.output;
    return readFile(join(this.store.pathsOf(job.id).dir, phase.outputFile), 'utf8').catch(() => phase.output);
  }

  /** The folder job `id` was created in (its `created` event), or the front end's when the log does not say. */
  async creationFolderOf(id: string): Promise<string> {
    return (await this.store.creationFolderOf(id)) ?? this.options.cwd;
  }

  /**
   * Job `input`'s manifest (job_manifest.json, written when it ended), with the job; the manifest
   * is null for a job that has not ended. Throws like `get`; StoreError JOB_FILE_CORRUPT for a
   * manifest that is not one.
   */
  async manifest(input: string): Promise<{ job: Job; manifest: JobManifest | null }> {
    const job = await this.get(input);
    return { job, manifest: await this.store.readManifest(job.id) };
  }

  /** Job `id`'s lifecycle events from its log, in order (what subscribers heard, durably). */
  readEvents(id: string): Promise<JobEvent[]> {
    return this.store.readEvents(id);
  }

  /** The last `maxLines` lines of job `id`'s output (see readLogTail). */
  readOutputTail(id: string, maxLines: number): Promise<LogTail> {
    return this.store.readOutputTail(id, maxLines);
  }

  /** Follows job `id`'s output until `options.isEnded` (see followLog). Resolves true when the job ended. */
  followOutput(id: string, options: FollowLogOptions): Promise<boolean> {
    return this.store.followOutput(id, options);
  }

  /**
   * A reader of job `input`'s output in time order (see JobTranscript): every run's, task
   * `options.task`'s (see findTaskByReference: all its runs), or (`isFailedOnly`) the failed
   * runs'; with the job, its board and the task, as they are now.
   * @throws JobLookupError; TaskLookupError TASK_NOT_FOUND, TASK_AMBIGUOUS; StoreError.
   */
  async openTranscript(input: string, options: { task?: string; isFailedOnly?: boolean } = {}): Promise<{ job: Job; board: TaskBoard; task: Task | null; transcript: JobTranscript }> {
    const { job, board } = await this.view(input);
    const task = options.task ? findTask(job, board, options.task) : null;
    const filter: TranscriptFilter = task ? { kind: 'task', taskId: task.id } : options.isFailedOnly ? { kind: 'failed' } : { kind: 'all' };
    return { job, board, task, transcript: new JobTranscript(this.store, job.id, filter) };
  }

  /** Follows `transcript` (after its read) until the runs it shows are over (see followTranscript). */
  followTranscript(transcript: JobTranscript, options: FollowTranscriptOptions): Promise<boolean> {
    const view = (): Promise<{ isJobEnded: boolean; board: TaskBoard } | null> => this.view(transcript.jobId).then(({ job, board }) => ({ isJobEnded: isTerminalStatus(job.status), board }), () => null);
    return followTranscript(transcript, view, options);
  }

  /**
   * Task `taskReference` of job `input` (see findTaskByReference) with its latest run (or its run
   * `runId`) and that run's last `maxLines` lines of output (run null: the task has not run yet).
   * @throws JobLookupError; TaskLookupError TASK_NOT_FOUND, TASK_AMBIGUOUS; StoreError.
   */
  async taskOutput(input: string, taskReference: string, maxLines: number, runId?: string): Promise<{ job: Job; task: Task; run: Run | null; tail: LogTail | null }> {
    const { job, board } = await this.view(input);
    const task = findTask(job, board, taskReference);
    const run = board.runs.findLast((candidate) => candidate.taskId === task.id && (runId === undefined || candidate.id === runId)) ?? null;
    if (runId !== undefined && !run) throw new TaskLookupError('TASK_NOT_FOUND', `${job.id} has no run ${runId} of task ${task.id}.`);
    return { job, task, run, tail: run ? await this.store.readRunOutput(job.id, run, maxLines) : null };
  }

  /**
   * Follows what run `run` of job `id` writes until the run ends (it is no longer its task's open
   * run) or `options.signal` aborts; resolves true when it ended with the run.
   */
  followRunOutput(id: string, run: Run, options: Omit<FollowLogOptions, 'isEnded'>): Promise<boolean> {
    const isEnded = async (): Promise<boolean> => {
      const latest = await this.view(id).then(({ board }) => board.runs.findLast((candidate) => candidate.id === run.id), () => undefined);
      return latest?.state.status !== 'running';
    };
    return this.store.followRunOutput(id, run, { ...options, isEnded });
  }

  /** A reader of job `id`'s output from its current end on (see LogFollower). */
  outputFollower(id: string): Promise<OutputFollower> {
    return this.store.outputFollower(id);
  }

  /** This session's jobs, oldest first (none for a read-only service). */
  sessionJobs(): Job[] {
    return this.session?.list() ?? [];
  }

  /** Job `id` (a full id) as this session holds it now, or null for a job it does not hold. */
  sessionJob(id: string): Job | null {
    return this.session?.has(id) ? this.session.get(id) : null;
  }

  /** True when job `id` (a full id) belongs to this session. */
  isInSession(id: string): boolean {
    return this.session?.has(id) ?? false;
  }

  /**
   * Why a retry cannot resolve job `job`'s landing conflict (its agent has no way to: see
   * whyCannotResolve), or null when it can, or when its agent cannot be known (no longer in the
   * config). Never throws.
   */
  async whyCannotResolve(job: Job): Promise<string | null> {
    try {
      return whyCannotResolve(this.session?.agentOf(job.id) ?? this.options.adopt(job, await this.creationFolderOf(job.id)).agent);
    } catch {
      return null;
    }
  }

  /** The agent job `id` runs with in this session, or null. */
  agentOf(id: string): AgentSpec | null {
    return this.session?.agentOf(id) ?? null;
  }

  /**
   * The counts of job `id`'s tasks as this session holds them (`running`: its workers at work
   * now), or null for a job it does not hold. O(phases), from the board's index.
   */
  taskCountsOf(id: string): TaskCounts | null {
    const board = this.session?.boardOf(id);
    return board ? countBoard(board) : null;
  }
}

/**
 * Task `reference` of `job` (see findTaskByReference).
 * @throws TaskLookupError TASK_AMBIGUOUS (naming the candidates), TASK_NOT_FOUND (naming some tasks and the command that lists them).
 */
function findTask(job: Job, board: TaskBoard, reference: string): Task {
  const found = findTaskByReference(board.tasks, reference);
  if ('task' in found) return found.task;
  const { candidates } = found;
  if (candidates.length > 1) throw new TaskLookupError('TASK_AMBIGUOUS', `"${reference}" names ${candidates.length} tasks of ${job.id}: ${candidates.slice(0, 5).map((task) => `${task.id} (${task.title})`).join(', ')}${candidates.length > 5 ? ', …' : ''}; give its id.`);
  throw new TaskLookupError('TASK_NOT_FOUND', `${job.id} has no task "${reference}" (its tasks are ${board.tasks.slice(0, 5).map((task) => task.id).join(', ')}${board.tasks.length > 5 ? `, … t${board.tasks.length}` : ''}; jobline tasks ${job.id} lists them).`);
}
