import { describe, expect, it } from 'vitest';
import { isJobId, isJobIdPrefix, resolveJobId, resolveJobReference, type JobNameIndex } from '../../../src/jobs/model/job-id.js';
import { generateJobId } from '../../../src/store/new-job-id.js';

describe('job ids', () => {
  it('generates job- followed by 8 lowercase letters or digits', () => {
    const ids = new Set(Array.from({ length: 2000 }, generateJobId));
    for (const id of ids) expect(id).toMatch(/^job-[a-z0-9]{8}$/);
    expect(ids.size).toBe(2000);
    expect(isJobId('job-ab12cd34')).toBe(true);
    expect(isJobId('job-AB12cd34')).toBe(false);
  });

  const ids = ['job-ab12cd34', 'job-ab99zz00', 'job-x0000000'];

  it('accepts a unique prefix with or without job-, in any case', () => {
    expect(resolveJobId('ab12', ids)).toBe('job-ab12cd34');
    expect(resolveJobId('job-ab1', ids)).toBe('job-ab12cd34');
    expect(resolveJobId('X', ids)).toBe('job-x0000000');
    expect(resolveJobId('job-ab99zz00', ids)).toBe('job-ab99zz00');
  });

  it('lists every match for an ambiguous prefix', () => {
    expect(() => resolveJobId('ab', ids)).toThrow(expect.objectContaining({
      code: 'JOB_ID_AMBIGUOUS',
      matches: ['job-ab12cd34', 'job-ab99zz00'],
      message: "'ab' matches 2 jobs: job-ab12cd34, job-ab99zz00. Type more of the id.",
    }));
  });

  it('says clearly when nothing matches or nothing was typed', () => {
    expect(() => resolveJobId('zz', ids)).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND', message: "No job matches 'zz'." }));
    expect(() => resolveJobId('job-', ids)).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
  });
});

describe('resolveJobId, edge cases', () => {
  it('asks for an id when given none, `job` or `job-`, and matches in any case and with spaces', () => {
    for (const input of ['', '  ', 'job', 'job-', ' JOB- ']) {
      expect(() => resolveJobId(input, ['job-ab12cd34'])).toThrow('Give a job id or name, or a prefix of one, e.g. job-ab12, ab12 or mango-crave.');
    }
    expect(resolveJobId('  AB12 ', ['job-ab12cd34', 'job-zz000000'])).toBe('job-ab12cd34');
    expect(resolveJobId('JOB-AB', ['job-ab12cd34'])).toBe('job-ab12cd34');
    expect(() => resolveJobId(' nope ', ['job-ab12cd34'])).toThrow("No job matches 'nope'.");
    expect(() => resolveJobId('ab', ['job-ab000000', 'job-ab111111', 'job-ab000000'])).toThrow("'ab' matches 2 jobs: job-ab000000, job-ab111111. Type more of the id.");
  });
});

// A names register as the store keeps it: lowercase names, each of one live job (a freed name has no id).
function namesOf(entries: Record<string, string | null>): JobNameIndex {
  return { list: () => Object.keys(entries), idOf: (name) => entries[name.toLowerCase()] ?? null };
}

describe('resolveJobReference: names and ids together', () => {
  const ids = ['job-ab12cd34', 'job-ma000001', 'job-zz000002'];
  const names = namesOf({ 'mango-crave-pulse': 'job-zz000002', 'mango-dusk': 'job-ma000001', 'maple-x': null });

  it('takes a full name in any case before any prefix, and a unique prefix of a name', () => {
    expect(resolveJobReference(' Mango-Crave-Pulse ', ids, names)).toBe('job-zz000002');
    expect(resolveJobReference('mango-cr', ids, names)).toBe('job-zz000002');
    // A prefix of a job's id and of its name names that one job.
    expect(resolveJobReference('ma', ['job-ma000001'], namesOf({ 'mango-dusk': 'job-ma000001' }))).toBe('job-ma000001');
    // A freed name (no live job) matches nothing.
    expect(() => resolveJobReference('maple', ids, names)).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND', message: "No job matches 'maple'." }));
  });

  it('lists ambiguous matches with their names, and asks for more of the id or name', () => {
    expect(() => resolveJobReference('ma', ids, names)).toThrow(expect.objectContaining({
      code: 'JOB_ID_AMBIGUOUS',
      matches: ['job-ma000001', 'job-zz000002'],
      message: "'ma' matches 2 jobs: job-ma000001 (mango-dusk), job-zz000002 (mango-crave-pulse). Type more of the id or name.",
    }));
    expect(() => resolveJobReference('  mango ', ids, namesOf({ 'mango-a': 'job-ab12cd34', 'mango-b': 'job-zz000002' }))).toThrow("'mango' matches 2 jobs: job-ab12cd34 (mango-a), job-zz000002 (mango-b). Type more of the id or name.");
  });

  it('matches ids only from their start', () => {
    expect(() => resolveJobReference('12cd', ids, namesOf({}))).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    expect(() => resolveJobReference('dusk', ids, names)).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
  });
});

describe('isJobIdPrefix', () => {
  it('is true of an id and of every prefix of one that starts with its j, in any case', () => {
    for (const value of ['j', 'jo', 'job', 'job-', 'job-2', 'job-2zx4', 'JOB-2ZX4ABCD', 'job-2zx4abcd']) expect(isJobIdPrefix(value)).toBe(true);
  });

  it('is false of anything else', () => {
    for (const value of ['', 'x', 'jab', 'jobs', 'job_2', 'job-2zx4abcde', 'job-2zx4!', 'a-job-2', 'mango', 'ob-12']) expect(isJobIdPrefix(value)).toBe(false);
  });

  it('tells a well-formed id from near misses', () => {
    for (const value of ['job-2zx4abc', 'job-2zx4abcde', 'xjob-2zx4abcd', 'job-2zx4abcdx', 'job-2zx4-bcd']) expect(isJobId(value)).toBe(false);
  });
});
