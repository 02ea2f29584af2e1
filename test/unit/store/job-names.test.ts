// The register of job names on a real folder: one job per name (in any case), names freed by
// removal or left by a crash, and generated names of words. (Races between threads and processes:
// job-names-races.test.ts.)
import { mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateJobName, JobNames, NAME_WORDS, NAMES_FOLDER, normalizeJobName } from '../../../src/store/job-names.js';
import { resolveJobReference } from '../../../src/jobs/model/job-id.js';
import { readProcessStartMs } from '../../../src/jobs/process/owner.js';
import { makeTempDir } from '../../helpers/temp.js';

function folder(ids: string[] = ['job-aaaa0001', 'job-aaaa0002', 'job-bbbb0003']) {
  const dir = makeTempDir('jobline-names-');
  for (const id of ids) mkdirSync(join(dir, id));
  return { dir, names: new JobNames(dir) };
}

describe('job names', () => {
  it('gives a name to one job only, whatever its case, and keeps it until the job is gone', () => {
    const { dir, names } = folder();
    expect(names.claimSync('job-aaaa0001', 'Docs-Fix')).toBe('Docs-Fix');
    expect(() => names.claimSync('job-aaaa0002', 'docs-fix')).toThrow('The name docs-fix is taken by job-aaaa0001; choose another name or delete that job.');
    expect(names.claimSync('job-aaaa0001', 'DOCS-FIX')).toBe('DOCS-FIX');
    expect(names.idOf('docs-FIX')).toBe('job-aaaa0001');
    names.releaseSync('docs-fix', 'job-aaaa0002');
    expect(names.idOf('docs-fix')).toBe('job-aaaa0001');
    // A crash between a job's removal and its name's: the name points at no folder, so it is free.
    rmSync(join(dir, 'job-aaaa0001'), { recursive: true });
    expect(names.idOf('docs-fix')).toBeNull();
    expect(names.claimSync('job-aaaa0002', 'docs-fix')).toBe('docs-fix');
    names.releaseSync('docs-fix', 'job-aaaa0002');
    expect(names.idOf('docs-fix')).toBeNull();
  });

  it('refuses what is not a name, and a name shaped like a job id or a prefix of one', () => {
    const { names } = folder();
    for (const bad of ['', 'two words', '../up', '.hidden', 'a'.repeat(81), 'job-abcd1234', 'job-2zx4', 'JOB-2ZX4', 'job-', 'job', 'j', 'jo']) {
      expect(() => names.claimSync('job-aaaa0001', bad)).toThrow(expect.objectContaining({ code: 'JOB_NAME_INVALID' }));
    }
    // Longer than an id, or not made like one: an ordinary name.
    for (const good of ['job-abcd12345', 'job-2zx4-fix', 'jobs', 'job_2zx4']) expect(names.claimSync('job-aaaa0001', good)).toBe(good);
  });

  it('never lets a name hide a job id it is shaped like: job-2zx4 names the job whose id begins so', () => {
    const { names } = folder(['job-2zx4aaaa', 'job-bbbb0003']);
    expect(() => names.claimSync('job-bbbb0003', 'job-2zx4')).toThrow('"job-2zx4" is not a job name');
    expect(resolveJobReference('job-2zx4', ['job-2zx4aaaa', 'job-bbbb0003'], names)).toBe('job-2zx4aaaa');
  });

  it('generates names of three words from the EFF list, different each time', () => {
    const { names } = folder();
    const given = new Set<string>();
    for (let i = 0; i < 3; i++) given.add(names.claimSync(`job-aaaa000${i + 1}`.slice(0, 12), null));
    for (const name of given) {
      const words = name.split('-');
      expect(words).toHaveLength(3);
      for (const word of words) expect(NAME_WORDS).toContain(word);
    }
    expect(given.size).toBe(3);
    expect(generateJobName(4).split('-')).toHaveLength(4);
    expect(NAME_WORDS.length).toBeGreaterThan(2000);
    expect(NAME_WORDS.every((word) => /^[a-z]{3,6}$/.test(word))).toBe(true);
  });

  it('lists the names taken, as the register keys them, and none without a register', () => {
    const { dir, names } = folder();
    expect(names.list()).toEqual([]);
    names.claimSync('job-aaaa0001', 'Docs-Fix');
    names.claimSync('job-aaaa0002', 'night');
    // A takeover's claim or a link set aside (dot names) is no name.
    writeFileSync(join(dir, NAMES_FOLDER, '.night.takeover'), '');
    expect(names.list().sort()).toEqual(['docs-fix', 'night']);
    expect(readlinkSync(join(dir, NAMES_FOLDER, 'docs-fix'))).toBe(join('..', 'job-aaaa0001'));
    expect(normalizeJobName('  Docs-Fix ')).toBe('docs-fix');
  });

  it('says what a name must be, quoting at most 80 characters of what was given', () => {
    const { names } = folder();
    expect(() => names.claimSync('job-aaaa0001', 'two words')).toThrow('"two words" is not a job name: letters, digits, _ . - (up to 80), starting with a letter or digit, and not shaped like a job id or a prefix of one (job-2zx4).');
    expect(() => names.claimSync('job-aaaa0001', 'x'.repeat(100))).toThrow(`"${'x'.repeat(80)}" is not a job name`);
  });

  it('takes over a name whose job is gone, as one process, leaving nothing aside', () => {
    const { dir, names } = folder();
    mkdirSync(join(dir, NAMES_FOLDER));
    symlinkSync(join('..', 'job-gone0000'), join(dir, NAMES_FOLDER, 'stale'));
    expect(names.claimSync('job-aaaa0001', 'Stale')).toBe('Stale');
    expect(names.idOf('stale')).toBe('job-aaaa0001');
    expect(readdirSync(join(dir, NAMES_FOLDER))).toEqual(['stale']);
  });

  it('leaves a stale name to another process taking it over now: taken by another job', () => {
    const { dir, names } = folder();
    mkdirSync(join(dir, NAMES_FOLDER));
    symlinkSync(join('..', 'job-gone0000'), join(dir, NAMES_FOLDER, 'stale'));
    // Another live process holds the takeover's claim (the process that started this one).
    writeFileSync(join(dir, NAMES_FOLDER, '.stale.takeover'), JSON.stringify({ token: 't', holder: { pid: process.ppid, hostname: hostname(), processStartedAt: new Date(readProcessStartMs(process.ppid) as number).toISOString() }, acquiredAt: '', expiresAt: null }));
    expect(() => names.claimSync('job-aaaa0001', 'stale')).toThrow('The name stale is taken by another job; choose another name or delete that job.');
    expect(readlinkSync(join(dir, NAMES_FOLDER, 'stale'))).toBe(join('..', 'job-gone0000'));
  });

  it('says why a name cannot be recorded', () => {
    const { dir, names } = folder();
    writeFileSync(join(dir, NAMES_FOLDER), 'not a folder');
    expect(() => names.claimSync('job-aaaa0001', 'x')).toThrow(expect.objectContaining({ code: 'JOB_IO', message: expect.stringMatching(new RegExp(`^Cannot record a job name in ${join(dir, NAMES_FOLDER)}: .*ENOTDIR`)) }));
    expect(() => names.claimSync('job-aaaa0001', null)).toThrow(expect.objectContaining({ code: 'JOB_IO' }));
    expect(names.list()).toEqual([]);
    expect(names.idOf('x')).toBeNull();
    names.releaseSync('x', 'job-aaaa0001');
  });
});

describe('resolving ids and names together', () => {
  const ids = ['job-ab12cd34', 'job-ab99zz00', 'job-mango001'];
  const byName = new Map([['mango-crave-pulse', 'job-ab12cd34'], ['mango-delta-river', 'job-ab99zz00'], ['abacus-tidy-oak', 'job-mango001']]);
  const index = { list: () => byName.keys(), idOf: (name: string) => byName.get(name.toLowerCase()) ?? null };

  it('takes a full name in any case, a unique prefix of a name or of an id', () => {
    expect(resolveJobReference('Mango-Crave-Pulse', ids, index)).toBe('job-ab12cd34');
    expect(resolveJobReference('mango-d', ids, index)).toBe('job-ab99zz00');
    expect(resolveJobReference('ab12', ids, index)).toBe('job-ab12cd34');
    expect(resolveJobReference('abac', ids, index)).toBe('job-mango001');
  });

  it('names every job an ambiguous prefix matches, by id and name', () => {
    expect(() => resolveJobReference('mango', ids, index)).toThrow("'mango' matches 3 jobs: job-ab12cd34 (mango-crave-pulse), job-ab99zz00 (mango-delta-river), job-mango001. Type more of the id or name.");
    expect(() => resolveJobReference('ab', ids, index)).toThrow("'ab' matches 3 jobs: job-ab12cd34, job-ab99zz00, job-mango001 (abacus-tidy-oak). Type more of the id or name.");
    expect(() => resolveJobReference('zebra', ids, index)).toThrow("No job matches 'zebra'.");
  });
});
