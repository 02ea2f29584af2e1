// Jobs another jobline process runs in the same jobs folder (a REPL beside the server): decisions
// on them go to their owner, which alone changes them (owner-steering.ts), and their events are
// followed from their files, since this process's session never hears of them.
import { isActiveStatus, isExternalJob, type Job } from '../model/job.js';
import type { JobReader, OwnerRequest } from '../ports/job-reader.js';
import { checkOwnerAlive, isCurrentProcess } from '../process/owner.js';
import type { JobUpdate } from './job-commands.js';
import { steerOwner } from './owner-steering.js';

/**
 * Carries `request` out on job `id` through its owner when another live process runs it; null
 * when `isHeld` (this session runs it), or when no live process does (the session takes such a
 * job on, or refuses it). Throws like steerOwner.
 */
export async function steerIfRunElsewhere(reader: JobReader, isHeld: boolean, id: string, request: OwnerRequest): Promise<Job | null> {
  if (isHeld || !reader.exists(id)) return null;
  const stored = await reader.load(id);
  if (isExternalJob(stored) || !isActiveStatus(stored.status) || isCurrentProcess(stored.owner) || checkOwnerAlive(stored.owner) === false) return null;
  return steerOwner({ sendToOwner: (job, sent) => reader.sendToOwner(job, sent), read: (jobId) => reader.load(jobId) }, stored, request);
}

/**
 * Reports the events of the folder's jobs that `isHeld` says this session does not run, as
 * updates, in order, each with the job as stored; their removals; and a warning when the folder
 * cannot be followed. Returns the stop.
 */
export function followOtherProcesses(reader: JobReader, isHeld: (id: string) => boolean, listener: (update: JobUpdate) => void): () => void {
  // One chain: a job's batches are reported in the order they were read, though each reads the job.
  let reported: Promise<void> = Promise.resolve();
  return reader.tailEvents(isHeld, ({ id, events, isRemoved }) => {
    reported = reported.then(async () => {
      if (isRemoved) return listener({ type: 'removed', jobId: id });
      const job = await reader.load(id).catch(() => null);
      if (job) for (const event of events) listener({ type: 'event', job, event });
    });
  }, (message) => listener({ type: 'warning', message }));
}
