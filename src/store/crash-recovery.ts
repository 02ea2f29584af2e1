// What a crash leaves behind, and how the first reader sets it right: an active job whose owner
// process is gone (recorded as interrupted, once, dated by its last recorded activity), and a log
// one write behind job.json (completed from job.json's journal). Callers hold the job's claim.
import { getLastRecordedActivity, isActiveStatus, isExternalJob, numberEvents, type Job } from '../jobs/model/job.js';
import type { JobEvent } from '../jobs/model/job-event.js';
import { transitionJob } from '../jobs/model/transitions.js';
import { appendEventLines, formatEventLines, readLastSeq } from './event-log.js';
import { readJournal } from './job-file.js';
import { checkOwnerAlive, isCurrentProcess } from '../jobs/process/owner.js';

/** Reason recorded on a job whose owner process died without marking it. */
export const OWNER_GONE_REASON = 'Interrupted: the jobline process that ran it is gone';

/**
 * True for an active job whose owner process is known to be gone (see owner.ts). An external job
 * has no owner that runs it (see EXTERNAL_AGENT): the process that last wrote it may be gone.
 */
export function isOwnerGone(job: Job): boolean {
  return isActiveStatus(job.status) && !isExternalJob(job) && checkOwnerAlive(job.owner) === false;
}

/**
 * Returns `job` as it really is: an active job whose owner process has died is interrupted, with
 * `endedAt` = `endedAt` (the job's last recorded activity, so every reader sees the same job).
 * The file is not changed (`JobStore.load` records it).
 */
export function viewWithLiveness(job: Job, endedAt: string): Job {
  if (!isOwnerGone(job)) return job;
  return transitionJob(job, { type: 'interrupt', reason: OWNER_GONE_REASON }, endedAt).job;
}

/**
 * The interruption to record for `job`, whose owner is gone: the job dated by its last recorded
 * activity (`fileModifiedAt` is job.json's mtime) and the numbered `interrupted` event, which
 * also says when it was found out (`now`). Pure.
 */
export function recordOwnerGone(job: Job, fileModifiedAt: string, now: string): { job: Job; events: JobEvent[] } {
  const endedAt = getLastRecordedActivity(job, fileModifiedAt);
  const transition = transitionJob(job, { type: 'interrupt', reason: OWNER_GONE_REASON }, endedAt);
  const numbered = numberEvents(transition.job, transition.events);
  return { job: numbered.job, events: numbered.events.map((event) => ({ ...event, detectedAt: now })) };
}

/**
 * Appends to the log at `eventsPath` the journal events (job.json's `lastEvents`, from
 * `jobText`) that a crash kept out of it: job.json is renamed before its events are appended.
 * Only for a caller holding the job's claim, on a job whose owner is not writing it. Best
 * effort: never throws (job.json stays the truth).
 */
export function completeLog(eventsPath: string, jobText: string): void {
  try {
    const { eventSeq, lastEvents } = readJournal(jobText);
    if (eventSeq === 0) return;
    const logged = readLastSeq(eventsPath);
    if (logged === null || logged >= eventSeq) return;
    appendEventLines(eventsPath, formatEventLines(lastEvents.filter((event) => event.seq! > logged)));
  } catch {
    // A log that cannot be completed now stays as it is.
  }
}

/**
 * True when `job`'s log at `eventsPath` lags behind its job.json (a crash between the two
 * writes) and its owner is not alive to finish the append itself. Cheap: reads the log's tail.
 */
export function isLogBehind(job: Job, eventsPath: string): boolean {
  if (job.eventSeq === 0 || isCurrentProcess(job.owner)) return false;
  try {
    const logged = readLastSeq(eventsPath);
    return logged !== null && logged < job.eventSeq && checkOwnerAlive(job.owner) === false;
  } catch {
    return false;
  }
}
