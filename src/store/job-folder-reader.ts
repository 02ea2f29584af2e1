// The read side of the jobs folder (the JobReader port): listings, one job with its tasks and
// runs, its output, and requests to the process that owns a job, read from the files a JobStore
// writes. Front ends reach these only through the job service.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { isTerminalStatus, type Job, type JobOwner, type JobStatus } from '../jobs/model/job.js';
import { isJobId } from '../jobs/model/job-id.js';
import type { FollowLogOptions, JobListing, JobPaths, JobReader, ListSelection, LogTail, OutputFollower, OwnerInbox, OwnerRequest, SweptLeftovers } from '../jobs/ports/job-reader.js';
import { OUTPUT_FILE, RUN_OUTPUT_FILE_PATTERN, type Run, type TaskBoard } from '../jobs/model/task.js';
import { readIndex, type IndexEntry } from './ended-index.js';
import { buildMissingIndex } from './cleanup.js';
import { readEvents } from './event-log.js';
import type { JobEvent } from '../jobs/model/job-event.js';
import { appendJobRequest, inboxPathOf, isAddressedTo, readJobRequests, removeInbox } from './job-requests.js';
import { getCurrentOwner } from '../jobs/process/owner.js';
import type { JobStore } from './job-store.js';
import type { JobNames } from './job-names.js';
import { readManifestFile } from './manifest-file.js';
import { tailFolderEvents, type TailedEvents } from './event-tail.js';
import { MANIFEST_FILE, type JobManifest } from '../jobs/model/manifest.js';
import { sweepLeftovers } from './leftovers.js';
import { followLog, LogFollower, readLogSection, readLogTail, sizeOfLog } from './output-log.js';

// Jobs a listing may find missing from the index (or without a status there) before it has the
// index rebuilt: running and waiting jobs are never in it, and there are rarely more than this.
const INDEX_REBUILD_AFTER_UNKNOWN = 200;

/** Reads the jobs folder of `store`. */
export class JobFolderReader implements JobReader {
  constructor(private readonly store: JobStore) {}

  get jobsDir(): string {
    return this.store.dir;
  }

  async list(selection?: ListSelection): Promise<JobListing> {
    // The folder is read on libuv's threadpool while this thread parses the index.
    const warnings: string[] = [];
    const listed = this.store.listIds(warnings);
    listed.catch(() => {}); // awaited below, or replaced by the full listing
    const index = selection ? readIndex(this.store.dir) : null;
    if (!index) {
      const { jobs, warnings } = await this.store.list();
      // A folder without an index (written before it existed) gets one, off this listing's path.
      if (selection) void buildMissingIndex(this.store).catch(() => {});
      const matching = jobs.filter((job) => !selection?.statuses || selection.statuses.includes(job.status));
      return { jobs: selectNewestEnded(matching, selection?.newestEnded), warnings, total: jobs.length, matching: matching.length };
    }
    const ids = await listed;
    // An index is read only for a selection.
    const { statuses, newestEnded = Infinity } = selection!;
    const isWanted = (status: JobStatus): boolean => !statuses || statuses.includes(status);
    // Ended jobs are picked from the index without reading them; every other job (running,
    // waiting, or unknown to the index) is read: there are few, and its owner may have died.
    const toRead: string[] = [];
    const ended: IndexEntry[] = [];
    for (const id of ids) {
      const entry = index.entries.get(id);
      if (entry?.status) {
        if (isWanted(entry.status)) ended.push(entry);
      } else toRead.push(id);
    }
    // Lines of an older version do not say a job's status: the index is rebuilt once.
    if (toRead.length > INDEX_REBUILD_AFTER_UNKNOWN) void buildMissingIndex(this.store).catch(() => {});
    ended.sort((a, b) => b.endedAt.localeCompare(a.endedAt) || b.id.localeCompare(a.id));
    toRead.push(...ended.slice(0, newestEnded).map((entry) => entry.id));
    const read = await this.store.loadMany(toRead, warnings);
    const jobs = read.filter((job) => isWanted(job.status));
    const readUnknown = read.filter((job) => !index.entries.get(job.id)?.status && isWanted(job.status)).length;
    return { jobs, warnings, total: ids.length, matching: ended.length + readUnknown };
  }

  listIds(): Promise<string[]> {
    return this.store.listIds();
  }

  storedIdsSync(isUnfinishedOnly: boolean): string[] {
    // The ended-jobs index names the unfinished ones, so completion reads no job file.
    if (isUnfinishedOnly) {
      const index = readIndex(this.store.dir);
      return index ? [...index.entries.values()].filter((entry) => entry.kind === 'unfinished').map((entry) => entry.id) : [];
    }
    try {
      return readdirSync(this.store.dir).filter(isJobId);
    } catch {
      return [];
    }
  }

  readManifest(id: string): Promise<JobManifest | null> {
    return readManifestFile(join(this.store.pathsOf(id).dir, MANIFEST_FILE));
  }

  tailEvents(isOwn: (id: string) => boolean, onEvents: (tailed: TailedEvents) => void, onFailure?: (message: string) => void): () => void {
    return tailFolderEvents(this.store.dir, isOwn, onEvents, onFailure);
  }

  get names(): JobNames {
    return this.store.names;
  }

  exists(id: string): boolean {
    return isJobId(id) && existsSync(this.store.pathsOf(id).dir);
  }

  hasFiles(id: string): boolean {
    return existsSync(this.store.pathsOf(id).job);
  }

  load(id: string): Promise<Job> {
    return this.store.load(id);
  }

  takeUnrecordedInterruptions(): string[] {
    return this.store.takeUnrecordedInterruptions();
  }

  readBoard(job: Job): Promise<{ board: TaskBoard; isRecorded: boolean }> {
    return this.store.readBoard(job);
  }

  pathsOf(id: string): JobPaths {
    return this.store.pathsOf(id);
  }

  async creationFolderOf(id: string): Promise<string | null> {
    const { events } = await readEvents(this.store.pathsOf(id).events);
    return events.find((event) => event.type === 'created')?.cwd ?? null;
  }

  async readEvents(id: string): Promise<JobEvent[]> {
    return (await readEvents(this.store.pathsOf(id).events)).events;
  }

  readOutputTail(id: string, maxLines: number): Promise<LogTail> {
    return readLogTail(this.store.pathsOf(id).output, maxLines);
  }

  followOutput(id: string, options: FollowLogOptions): Promise<boolean> {
    return followLog(this.store.pathsOf(id).output, options);
  }

  readRunOutput(id: string, run: Run, maxLines: number): Promise<LogTail> {
    const path = this.runOutputPath(id, run);
    return run.output.file === OUTPUT_FILE ? readLogSection(path, run.output.section, maxLines) : readLogTail(path, maxLines);
  }

  followRunOutput(id: string, run: Run, options: FollowLogOptions): Promise<boolean> {
    return followLog(this.runOutputPath(id, run), options);
  }

  // The file a run wrote: output.log, or its own under runs/ (a name of a fixed shape: a task log
  // read from disk passed RUN_OUTPUT_FILE_PATTERN, so it cannot point out of the job's folder).
  private runOutputPath(id: string, run: Run): string {
    const paths = this.store.pathsOf(id);
    if (run.output.file === OUTPUT_FILE) return paths.output;
    if (!RUN_OUTPUT_FILE_PATTERN.test(run.output.file)) throw new StoreError('JOB_FILE_CORRUPT', `${id}: run ${run.id} names an output file jobline does not write (${run.output.file})`);
    return join(paths.dir, run.output.file);
  }

  async outputFollower(id: string, offset?: number): Promise<OutputFollower> {
    const path = this.store.pathsOf(id).output;
    return new LogFollower(path, offset ?? (await sizeOfLog(path)) ?? 0);
  }

  existingFiles(id: string): { files: string[]; runLogs: { dir: string; count: number } | null } {
    const paths = this.store.pathsOf(id);
    // existsSync(undefined) is false: a store without a tasks file names none.
    const files = [paths.job, paths.events, paths.output, paths.tasks, join(paths.dir, MANIFEST_FILE)].filter((path): path is string => existsSync(path as string));
    const dir = join(paths.dir, 'runs');
    let count = 0;
    try {
      count = readdirSync(dir).filter((name) => RUN_OUTPUT_FILE_PATTERN.test(`runs/${name}`)).length;
    } catch {
      // No runs/ folder: no run of a phase of several tasks printed anything.
    }
    return { files, runLogs: count > 0 ? { dir, count } : null };
  }

  runOutputFollower(id: string, run: Run, offset: number): OutputFollower {
    return new LogFollower(this.runOutputPath(id, run), offset);
  }

  sweepLeftovers(): SweptLeftovers {
    return sweepLeftovers(this.store.dir);
  }

  openOwnerInbox(): OwnerInbox {
    const owner = getCurrentOwner();
    const path = inboxPathOf(this.store.dir, owner);
    let offset = 0;
    const onExit = (): void => removeInbox(path);
    process.once('exit', onExit);
    return {
      take: () => {
        const read = readJobRequests(path, offset);
        offset = read.offset;
        return read.requests.filter((request) => isAddressedTo(request, owner)).map(({ jobId, ...request }) => ({
          jobId,
          request: request.type === 'retry' ? { type: 'retry', feedback: request.feedback, ...(request.keep ? { keep: true } : {}) } : { type: request.type },
        }));
      },
      close: () => {
        process.off('exit', onExit);
        removeInbox(path);
      },
    };
  }

  sendToOwner(job: { id: string; owner: JobOwner }, request: OwnerRequest): void {
    const common = { jobId: job.id, to: job.owner, at: new Date().toISOString() };
    appendJobRequest(this.store.dir, request.type === 'retry' ? { type: 'retry', feedback: request.feedback, ...(request.keep ? { keep: true } : {}), ...common } : { type: request.type, ...common });
  }
}

// The ended jobs of `jobs` cut to the newest `limit` by end time; the others all stay. Oldest first.
function selectNewestEnded(jobs: Job[], limit = Infinity): Job[] {
  // Stryker disable next-line ConditionalExpression: a fast path; cutting to Infinity keeps every job in order too
  if (limit === Infinity) return jobs;
  const ended = jobs.filter((job) => isTerminalStatus(job.status)).sort((a, b) => (b.endedAt ?? '').localeCompare(a.endedAt ?? ''));
  const kept = new Set(ended.slice(limit).map((job) => job.id));
  return jobs.filter((job) => !kept.has(job.id));
}
