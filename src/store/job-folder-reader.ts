// The read side of the jobs folder (the JobReader port): listings, one job with its tasks and
// runs, its output, and requests to the process that owns a job, read from the files a JobStore
// writes. Front ends reach these only through the job service.
import { existsSync, readdirSync } from 'node:fs';
import type { Job, JobOwner } from '../jobs/model/job.js';
import { isJobId } from '../jobs/model/job-id.js';
import type { FollowLogOptions, JobPaths, JobReader, LogTail, OutputFollower, OwnerInbox, OwnerRequest, SweptLeftovers } from '../jobs/ports/job-reader.js';
import type { TaskBoard } from '../jobs/model/task.js';
import { readIndex } from './ended-index.js';
import { readEvents } from './event-log.js';
import { appendJobRequest, inboxPathOf, isAddressedTo, readJobRequests, removeInbox } from './job-requests.js';
import { getCurrentOwner } from '../jobs/process/owner.js';
import type { JobStore } from './job-store.js';
import { sweepLeftovers } from './leftovers.js';
import { followLog, LogFollower, readLogTail, sizeOfLog } from './output-log.js';

/** Reads the jobs folder of `store`. */
export class JobFolderReader implements JobReader {
  constructor(private readonly store: JobStore) {}

  get jobsDir(): string {
    return this.store.dir;
  }

  list(): Promise<{ jobs: Job[]; warnings: string[] }> {
    return this.store.list();
  }

  listIds(): Promise<string[]> {
    return this.store.listIds();
  }

  storedIdsSync(isUnfinishedOnly: boolean): string[] {
    // The ended-jobs index names the unfinished ones, so completion reads no job file.
    if (isUnfinishedOnly) return [...(readIndex(this.store.dir)?.entries.values() ?? [])].filter((entry) => entry.kind === 'unfinished').map((entry) => entry.id);
    try {
      return readdirSync(this.store.dir).filter(isJobId);
    } catch {
      return [];
    }
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

  readOutputTail(id: string, maxLines: number): Promise<LogTail> {
    return readLogTail(this.store.pathsOf(id).output, maxLines);
  }

  followOutput(id: string, options: FollowLogOptions): Promise<boolean> {
    return followLog(this.store.pathsOf(id).output, options);
  }

  async outputFollower(id: string): Promise<OutputFollower> {
    const path = this.store.pathsOf(id).output;
    return new LogFollower(path, (await sizeOfLog(path)) ?? 0);
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
          request: request.type === 'retry' ? { type: 'retry', feedback: request.feedback } : { type: request.type },
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
    appendJobRequest(this.store.dir, request.type === 'retry' ? { type: 'retry', feedback: request.feedback, ...common } : { type: request.type, ...common });
  }
}
