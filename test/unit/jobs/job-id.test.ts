import { describe, expect, it } from 'vitest';
import { isJobId, resolveJobId } from '../../../src/jobs/model/job-id.js';
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
