// Job ids (`job-` + 8 lowercase letters/digits) and resolving what a user typed to one id. Pure:
// new ids are drawn by the store (store/new-job-id.ts), which also makes them unique.
import { JobLookupError } from '../../errors.js';

/** Matches a well-formed job id. */
export const JOB_ID_PATTERN = /^job-[a-z0-9]{8}$/;

/** Returns true when `value` is a well-formed job id. */
export function isJobId(value: string): boolean {
  return JOB_ID_PATTERN.test(value);
}

/**
 * Resolves a full id or a unique prefix, typed with or without `job-` (`ab12`, `job-ab`), against
 * `ids`. Matching is case-insensitive.
 * @throws JobLookupError JOB_NOT_FOUND when nothing matches (or the input is empty),
 *   JOB_ID_AMBIGUOUS when several ids match; its message lists them.
 */
export function resolveJobId(input: string, ids: Iterable<string>): string {
  const typed = input.trim().toLowerCase();
  if (typed === '' || typed === 'job-' || typed === 'job') {
    throw new JobLookupError('JOB_NOT_FOUND', 'Give a job id or a prefix of one, e.g. job-ab12 or ab12.');
  }
  const prefix = typed.startsWith('job-') ? typed : `job-${typed}`;
  const matches = [...new Set(ids)].filter((id) => id.startsWith(prefix)).sort();
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new JobLookupError('JOB_NOT_FOUND', `No job matches '${input.trim()}'.`);
  throw new JobLookupError(
    'JOB_ID_AMBIGUOUS',
    `'${input.trim()}' matches ${matches.length} jobs: ${matches.join(', ')}. Type more of the id.`,
    matches,
  );
}
