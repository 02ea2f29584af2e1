// What a crash leaves behind in a job's files, and how the first reader sets it right: a log one
// write behind job.json, completed from job.json's journal. Callers hold the job's claim. (A job
// whose owner is gone is the job service's to record: see job-commit.ts.)
import type { Job } from '../jobs/model/job.js';
import { appendEventLines, formatEventLines, readLastSeq } from './event-log.js';
import { readJournal } from './job-file.js';
import { checkOwnerAlive, isCurrentProcess } from '../jobs/process/owner.js';

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
