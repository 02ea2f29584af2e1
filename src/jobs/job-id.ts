// Job ids (`job-` + 8 lowercase letters/digits) and resolving what a user typed to one id.
// Uniqueness is not decided here: the store claims an id by creating its folder exclusively.
import { randomInt } from 'node:crypto';
import { JobLookupError } from '../errors.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SUFFIX_LENGTH = 8;

/** Matches a well-formed job id. */
export const JOB_ID_PATTERN = /^job-[a-z0-9]{8}$/;

/** Returns a random candidate id such as `job-ab12cd34` (36^8 ≈ 2.8e12 possibilities). */
export function generateJobId(): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `job-${suffix}`;
}

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
