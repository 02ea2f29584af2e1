// Job ids (`job-` + 8 lowercase letters/digits) and resolving what a user typed (an id, a name, or
// a unique prefix of either) to one id. Pure: new ids and names are drawn by the store
// (store/new-job-id.ts, store/job-names.ts), which also makes them unique.
import { JobLookupError } from '../../errors.js';

/** Matches a well-formed job id. */
export const JOB_ID_PATTERN = /^job-[a-z0-9]{8}$/;

/** Returns true when `value` is a well-formed job id. */
export function isJobId(value: string): boolean {
  return JOB_ID_PATTERN.test(value);
}

// `j`, `jo`, `job`, `job-`, `job-2zx4`, … `job-2zx4abcd`: every prefix of a job id that reaches its `j`.
const JOB_ID_PREFIX_PATTERN = /^j(?:o(?:b(?:-[a-z0-9]{0,8})?)?)?$/;

/**
 * Returns true when `value` (any case) is shaped like a job id or a prefix of one (`job-2zx4`). A
 * name so shaped would hide the ids it looks like (resolveJobReference takes a full name first),
 * so the register refuses such names.
 */
export function isJobIdPrefix(value: string): boolean {
  return JOB_ID_PREFIX_PATTERN.test(value.toLowerCase());
}

/**
 * Resolves a full id or a unique prefix, typed with or without `job-` (`ab12`, `job-ab`), against
 * `ids`. Matching is case-insensitive.
 * @throws JobLookupError JOB_NOT_FOUND when nothing matches (or the input is empty),
 *   JOB_ID_AMBIGUOUS when several ids match; its message lists them.
 */
export function resolveJobId(input: string, ids: Iterable<string>): string {
  return resolveJobReference(input, ids, NO_NAMES);
}

/** The names of a jobs folder as a resolver reads them (store/job-names.ts keeps them). */
export interface JobNameIndex {
  /** Every name, lowercase. */
  list(): Iterable<string>;
  /** The id of the job named `name` (any case), or null when no live job has it. */
  idOf(name: string): string | null;
}

const NO_NAMES: JobNameIndex = { list: () => [], idOf: () => null };

/**
 * Resolves what a user typed to one job id: a full name (`mango-crave-pulse`, any case), else a
 * unique prefix of the ids in `ids` (typed with or without `job-`) and of the names in `names`
 * together (`mango-cr`). A prefix that matches a job's id and its name names that one job.
 * @throws JobLookupError JOB_NOT_FOUND when nothing matches (or the input is empty),
 *   JOB_ID_AMBIGUOUS when several jobs match; its message lists them (id and name).
 */
export function resolveJobReference(input: string, ids: Iterable<string>, names: JobNameIndex): string {
  const typed = input.trim().toLowerCase();
  if (typed === '' || typed === 'job-' || typed === 'job') {
    throw new JobLookupError('JOB_NOT_FOUND', 'Give a job id or name, or a prefix of one, e.g. job-ab12, ab12 or mango-crave.');
  }
  const named = names.idOf(typed);
  if (named !== null) return named;
  const prefix = typed.startsWith('job-') ? typed : `job-${typed}`;
  const matches = new Map<string, string | null>();
  for (const id of ids) if (id.startsWith(prefix)) matches.set(id, null);
  for (const name of names.list()) {
    if (!name.startsWith(typed)) continue;
    const id = names.idOf(name);
    if (id !== null) matches.set(id, name);
  }
  const found = [...matches.keys()].sort();
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new JobLookupError('JOB_NOT_FOUND', `No job matches '${input.trim()}'.`);
  const listed = found.map((id) => (matches.get(id) ? `${id} (${matches.get(id)})` : id));
  const hasNames = found.some((id) => matches.get(id));
  throw new JobLookupError('JOB_ID_AMBIGUOUS', `'${input.trim()}' matches ${found.length} jobs: ${listed.join(', ')}. Type more of the id${hasNames ? ' or name' : ''}.`, found);
}
