// Finding the job a user means from what they typed, for every part of the service (the job
// service, the workers' folder commands): an id, a registered name, a unique prefix of either,
// and, for jobs made before names were registered, the name in an active job's job.json.
import { JobLookupError } from '../../errors.js';
import { ACTIVE_STATUSES, type Job } from '../model/job.js';
import { resolveJobReference } from '../model/job-id.js';
import type { JobReader } from '../ports/job-reader.js';

/** Jobs a process holds in memory, which may be ahead of (or not yet in) the jobs folder. */
export interface HeldJobs {
  has(id: string): boolean;
  jobs(): readonly Job[];
}

const NONE_HELD: HeldJobs = { has: () => false, jobs: () => [] };

/**
 * The full id of the job `input` names among `held` and `reader`'s jobs. A full id needs no
 * listing (ids have a fixed length, so a full id is never a prefix of another): /watch and
 * /logs -f look a job up several times a second.
 * @throws JobLookupError JOB_NOT_FOUND / JOB_ID_AMBIGUOUS (naming the jobs).
 */
export async function resolveJob(input: string, reader: JobReader, held: HeldJobs = NONE_HELD): Promise<string> {
  const typed = input.trim().toLowerCase();
  if (held.has(typed) || reader.exists(typed)) return typed;
  const stored = await reader.listIds().catch(() => []);
  try {
    return resolveJobReference(input, new Set([...held.jobs().map((job) => job.id), ...stored]), reader.names);
  } catch (error) {
    if (!(error instanceof JobLookupError) || error.code !== 'JOB_NOT_FOUND') throw error;
    // A job of an earlier version has its name only in its job.json: a held one, else an active
    // one in the folder (an external job another process left there).
    const name = input.trim();
    let named = held.jobs().filter((job) => job.name === name);
    if (named.length === 0) named = (await reader.list({ statuses: ACTIVE_STATUSES })).jobs.filter((job) => job.name === name);
    if (named.length === 1) return named[0]!.id;
    // Stryker disable next-line EqualityOperator: one was answered just above
    if (named.length > 1) throw new JobLookupError('JOB_ID_AMBIGUOUS', `${named.length} active jobs are named ${name}: ${named.map((job) => job.id).join(', ')}; give an id.`, named.map((job) => job.id));
    throw error;
  }
}
