// job.json as read back: a torn, hand-edited or hostile file is refused with a message naming the
// file, the field and what is wrong (and quoting none of the file); every field printed as it is
// must look like what jobline writes; older files are read as the current version; a file read
// never goes through a symbolic link, and one far too large is refused unread.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_JOB_FILE_BYTES, parseJobFile, readJobFile, readJobFileSync, readJournal, serializeJob } from '../../../src/store/job-file.js';
import type { Job } from '../../../src/jobs/model/job.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

const PATH = '/jobs/job-abcd1234/job.json';
const SHA1 = 'a'.repeat(40);

// The stored form of a job, to edit as a hand or a hostile process would.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function stored(overrides: Partial<Job> = {}): any {
  return JSON.parse(serializeJob(makeJob(overrides)));
}

// The schema is built at a process's first read of a job file, and kept: each test reads with a
// job-file module of its own, so that what a test checks is checked against a schema it built
// (mutation testing attributes the build to the test that makes it).
let parseFresh = parseJobFile;
beforeEach(async () => {
  vi.resetModules();
  parseFresh = (await import('../../../src/store/job-file.js')).parseJobFile;
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function refusal(edit: (job: any) => void): string {
  const job = stored();
  edit(job);
  try {
    parseFresh(JSON.stringify(job), PATH);
  } catch (error) {
    expect(error).toMatchObject({ code: 'JOB_FILE_CORRUPT' });
    return (error as Error).message;
  }
  return 'accepted';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const isAccepted = (edit: (job: any) => void): boolean => refusal(edit) === 'accepted';

describe('a job file that is not one', () => {
  it('is refused saying so: empty, torn (with where, not what), not an object, another version', () => {
    const message = (text: string): string => {
      try {
        parseFresh(text, PATH);
      } catch (error) {
        expect(error).toMatchObject({ code: 'JOB_FILE_CORRUPT' });
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(message('')).toBe(`Corrupt job file ${PATH}: it is empty.`);
    expect(message(' \n\t')).toBe(`Corrupt job file ${PATH}: it is empty.`);
    expect(message('{"id":')).toBe(`Corrupt job file ${PATH}: it is not valid JSON.`);
    expect(message('{"id":1,}')).toBe(`Corrupt job file ${PATH}: it is not valid JSON (at character 8).`);
    expect(message('{"id":1,"x":22,}')).toBe(`Corrupt job file ${PATH}: it is not valid JSON (at character 15).`);
    try {
      parseFresh('{"id":', PATH);
    } catch (error) {
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    }
    expect(message('{"secret\u001b[31m": x}')).not.toContain('secret');
    expect(message('null')).toBe(`Corrupt job file ${PATH}: the top level: Invalid input: expected object, received null.`);
    expect(message('"s"')).toBe(`Corrupt job file ${PATH}: the top level: Invalid input: expected object, received string.`);
    const newer = stored();
    newer.schemaVersion = 7;
    expect(message(JSON.stringify(newer))).toBe(`Unsupported job file ${PATH}: schemaVersion 7 (this jobline reads versions 1 and 2).`);
    delete newer.schemaVersion;
    expect(message(JSON.stringify(newer))).toBe(`Unsupported job file ${PATH}: schemaVersion undefined (this jobline reads versions 1 and 2).`);
  });
});

describe('a hostile or hand-edited job file', () => {
  it('is refused naming the field and what it expected', () => {
    const cases: Array<[string, (job: Record<string, any>) => void]> = [ // eslint-disable-line @typescript-eslint/no-explicit-any
      ['id: Invalid string: must match pattern /^job-[a-z0-9]{8}$/', (job) => (job.id = 'job-\u001b[31m')],
      ['agent: expected an agent name', (job) => (job.agent = 'a b')],
      ['createdAt: expected an ISO-8601 UTC time', (job) => (job.createdAt = '2026-11-22 10:00')],
      ['startedAt: expected an ISO-8601 UTC time', (job) => (job.startedAt = 'yesterday')],
      ['owner.hostname: expected a host name', (job) => (job.owner.hostname = 'h\u0007')],
      ['owner.processStartedAt: expected an ISO-8601 UTC time', (job) => (job.owner.processStartedAt = 'x')],
      ['phases.0.name: expected a phase name', (job) => (job.phases[0].name = 'a b')],
      ['phases.0.outputFile: expected an answer file', (job) => (job.phases[0].outputFile = '../etc/passwd')],
      ['phases.0.changes.before: Invalid string: must match pattern /^[0-9a-f]{40,64}$/', (job) => (job.phases[0].changes = { before: 'x', after: SHA1, files: [], moreFiles: 0 })],
      ['phases.0.undone.0.ref: expected a jobline ref', (job) => (job.phases[0].undone = [{ attempt: 1, ref: 'refs/heads/x', files: 1, at: FIXED_NOW }])],
      ['phases.0.undone.0.at: expected an ISO-8601 UTC time', (job) => (job.phases[0].undone = [{ attempt: 1, ref: 'refs/jobline/x', files: 1, at: 'x' }])],
      ['name: expected a job name', (job) => (job.name = 'two words')],
      ['template.name: expected a template name', (job) => (job.template = { name: 'a b', values: {} })],
      ['template.values.a b: Invalid key in record', (job) => (job.template = { name: 't', values: { 'a b': 'x' } })],
      ['joinedWorkers.0.name: expected a worker name', (job) => (job.joinedWorkers = [{ name: 'x', agent: 'dev', index: 0, joinedAt: FIXED_NOW }])],
      ['joinedWorkers.0.agent: expected an agent name', (job) => (job.joinedWorkers = [{ name: 'dev[ab12-0]', agent: 'a b', index: 0, joinedAt: FIXED_NOW }])],
      ['joinedWorkers.0.joinedAt: expected an ISO-8601 UTC time', (job) => (job.joinedWorkers = [{ name: 'dev[ab12-0]', agent: 'dev', index: 0, joinedAt: 'x' }])],
      ['joinedWorkers.0.leaseExpiresAt: expected an ISO-8601 UTC time', (job) => (job.joinedWorkers = [{ name: 'dev[ab12-0]', agent: 'dev', index: 0, joinedAt: FIXED_NOW, leaseExpiresAt: 'x' }])],
      ['worktree.path: expected an absolute path', (job) => (job.worktree = worktree({ path: 'relative' }))],
      ['worktree.repository: expected an absolute path', (job) => (job.worktree = worktree({ repository: '/r\u001b[2J' }))],
      ['worktree.branch: expected a branch name', (job) => (job.worktree = worktree({ branch: '-b' }))],
      ['worktree.baseBranch: expected a branch name', (job) => (job.worktree = worktree({ baseBranch: 'a b' }))],
      ['worktree.target: expected a branch name', (job) => (job.worktree = worktree({ target: 'a\u0007' }))],
      ['worktree.base: expected a commit id', (job) => (job.worktree = worktree({ base: 'x' }))],
      ['worktree.snapshot: expected a commit id', (job) => (job.worktree = worktree({ snapshot: 'x' }))],
      ['merge.step: Invalid string: must match pattern /^[A-Za-z0-9_.-]{1,64}$/', (job) => (job.merge = merge({ step: 'a b' }))],
      ['merge.commit: expected a commit id', (job) => (job.merge = merge({ commit: 'HEAD' }))],
      ['merge.landedAt: expected an ISO-8601 UTC time', (job) => (job.merge = merge({ landedAt: 'now' }))],
      ['budgetStop.at: expected an ISO-8601 UTC time', (job) => (job.budgetStop = { reason: 'r', at: 'x' })],
      ['dismissedAt: expected an ISO-8601 UTC time', (job) => (job.dismissedAt = 'x')],
      ['endedAt: expected an ISO-8601 UTC time', (job) => (job.endedAt = 'x')],
      ['owner.processStartedAt: expected an ISO-8601 UTC time', (job) => (job.owner.processStartedAt = '2026-11-22')],
      ['phases.0.startedAt: expected an ISO-8601 UTC time', (job) => (job.phases[0].startedAt = 'x')],
      ['phases.0.changes.after: Invalid string: must match pattern /^[0-9a-f]{40,64}$/', (job) => (job.phases[0].changes = { before: SHA1, after: 'x', files: [], moreFiles: 0 })],
      ['phases.0.changes.files: Invalid input: expected array, received undefined', (job) => (job.phases[0].changes = { before: SHA1, after: SHA1, moreFiles: 0 })],
      ['phases.0.changes.files.0.path: Invalid input: expected string, received undefined', (job) => (job.phases[0].changes = { before: SHA1, after: SHA1, files: [{ added: 1, removed: 1 }], moreFiles: 0 })],
      ['phases.0.changes.moreFiles: Too small: expected number to be >=0', (job) => (job.phases[0].changes = { before: SHA1, after: SHA1, files: [], moreFiles: -1 })],
      ['phases.0.undone.0.attempt: Invalid input: expected number, received undefined', (job) => (job.phases[0].undone = [{ ref: 'refs/jobline/x', files: 1, at: FIXED_NOW }])],
      ['phases.0.usage.input: Invalid input: expected number, received undefined', (job) => (job.phases[0].usage = { output: 1, cached: 0 })],
      ['progress.usage.cached: Too small: expected number to be >=0', (job) => (job.progress.usage = { input: 1, output: 1, cached: -1 })],
      ['phases.0.commit: Invalid string: must match pattern /^[0-9a-f]{40}([0-9a-f]{24})?$/', (job) => (job.phases[0].commit = 'HEAD')],
      ['worktree.isolation: Invalid option: expected one of "worktree"|"task-worktree"', (job) => (job.worktree = worktree({ isolation: 'none' }))],
      ['worktree.path: Invalid input: expected string, received undefined', (job) => (job.worktree = worktree({ path: undefined }))],
      ['merge.strategy: Invalid option: expected one of "merge"|"rebase"|"squash"', (job) => (job.merge = merge({ strategy: 'octopus' }))],
      ['merge.status: Invalid option: expected one of "ready"|"checking"|"landed"|"conflict"|"check failed"|"blocked"|"discarded"', (job) => (job.merge = merge({ status: undefined }))],
      ['merge.conflicts: Too big: expected array to have <=1000 items', (job) => (job.merge = merge({ conflicts: Array.from({ length: 1001 }, () => 'c') }))],
      ['pendingRetry.keep: Invalid input: expected boolean, received undefined', (job) => (job.pendingRetry = {})],
      ['template.values.v: Too big: expected string to have <=65536 characters', (job) => (job.template = { name: 't', values: { v: 'x'.repeat(65_537) } })],
      ['template.name: Invalid input: expected string, received undefined', (job) => (job.template = { values: {} })],
      ['joinedWorkers.0.index: Invalid input: expected number, received undefined', (job) => (job.joinedWorkers = [{ name: 'dev[ab12-0]', agent: 'dev', joinedAt: FIXED_NOW }])],
      ['budget.tokens: Invalid input: expected number, received string', (job) => (job.budget = { tokens: '5' })],
      ['budgetStop.reason: Invalid input: expected string, received undefined', (job) => (job.budgetStop = { at: FIXED_NOW })],
      ['workers: Too small: expected number to be >=1', (job) => (job.workers = 0)],
      ['retries: Too small: expected number to be >=0', (job) => (job.retries = -1)],
      ['workerJoins: Too small: expected number to be >=0', (job) => (job.workerJoins = -1)],
      ['phases.0.failedTasks: Too small: expected number to be >=1', (job) => (job.phases[0].failedTasks = 0)],
    ];
    for (const [expected, edit] of cases) expect(refusal(edit), expected).toBe(`Corrupt job file ${PATH}: ${expected}.`);
    expect(refusal((job) => (job.status = 'weird'))).toMatch(/^Corrupt job file \/jobs\/job-abcd1234\/job\.json: status: Invalid option: expected one of "queued"\|/);
  });

  it('takes a time only as jobline writes it: UTC, seconds, up to three digits of a second', () => {
    for (const time of ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00.5Z', '2026-11-22T10:00:00.12Z', '2026-11-22T10:00:00.123Z']) expect(isAccepted((job) => (job.createdAt = time)), time).toBe(true);
    for (const time of ['2026-11-22T10:00:00.1234Z', '2026-11-22T10:00:00.Z', '2026-11-22T10:00:00', '2026-11-22T10:00:00+01:00', 'x2026-11-22T10:00:00Z', '2026-11-22T10:00:00Zx', '2026-11-22T10:00Z', '26-11-22T10:00:00Z', '2026-1-22T10:00:00Z', '2026-11-2T10:00:00Z', '2026-11-22T1:00:00Z', '2026-11-22T10:0:00Z', '2026-11-22T10:00:0Z', '2026-11-22t10:00:00Z', 'abcd-ef-ghTij:kl:mnZ']) {
      expect(isAccepted((job) => (job.createdAt = time)), time).toBe(false);
    }
  });

  it('takes names, commits and branches only as jobline writes them', () => {
    const check = (accepted: string[], refused: string[], edit: (value: string) => (job: any) => void): void => { // eslint-disable-line @typescript-eslint/no-explicit-any
      for (const value of accepted) expect(isAccepted(edit(value)), `accepts ${JSON.stringify(value)}`).toBe(true);
      for (const value of refused) expect(isAccepted(edit(value)), `refuses ${JSON.stringify(value)}`).toBe(false);
    };
    // Agent, phase, template and step names.
    check(['a', 'A-z_0.9', 'x'.repeat(64)], ['', 'x'.repeat(65), 'a b', 'a/b', 'é', ' a', 'a '], (value) => (job) => (job.agent = value));
    // Commit ids: SHA-1 or SHA-256, lowercase hex.
    check([SHA1, 'b'.repeat(64), '0123456789abcdef'.repeat(4)], ['a'.repeat(39), 'a'.repeat(41), 'a'.repeat(63), 'a'.repeat(65), 'A'.repeat(40), 'g'.repeat(40), `${SHA1}x`, `x${SHA1}`], (value) => (job) => (job.worktree = worktree({ base: value })));
    // A phase's snapshots: 40 to 64 hex digits.
    check([SHA1, 'a'.repeat(50), 'a'.repeat(64)], ['a'.repeat(39), 'a'.repeat(65), 'G'.repeat(40), `-${SHA1}`, `${SHA1}-`], (value) => (job) => (job.phases[0].changes = { before: value, after: value, files: [], moreFiles: 0 }));
    // Branches: no leading dash or dot, no spaces or controls, at most 200 characters.
    check(['main', 'feature/x-1.2+b', '_b', `b${'x'.repeat(199)}`], ['', '-b', '.b', '/b', 'a b', 'a~b', `b${'x'.repeat(200)}`, 'a\u001b'], (value) => (job) => (job.worktree = worktree({ branch: value })));
    // Absolute paths without control characters.
    check(['/', '/a/b c', `/${'p'.repeat(4095)}`], ['', 'a/b', `/${'p'.repeat(4096)}`, '/a\u0000', '/a\u001f', '/a\u007f', '/a\nb'], (value) => (job) => (job.worktree = worktree({ path: value })));
    // Host names: letters, digits, _ . -, up to 255, or none.
    check(['', 'host-1.example_x', 'h'.repeat(255)], ['h'.repeat(256), 'a b', 'a:b'], (value) => (job) => (job.owner.hostname = value));
    // Undone attempts are jobline refs.
    check(['refs/jobline/job-x/p1-a1', `refs/jobline/${'r'.repeat(200)}`], ['refs/jobline/', `refs/jobline/${'r'.repeat(201)}`, 'refs/jobline/a b', 'xrefs/jobline/a', 'refs/joblinea'], (value) => (job) => (job.phases[0].undone = [{ attempt: 1, ref: value, files: 0, at: FIXED_NOW }]));
  });

  it('is refused when a count, a list or a text is out of its bounds', () => {
    const refused: Array<(job: any) => void> = [ // eslint-disable-line @typescript-eslint/no-explicit-any
      (job) => (job.currentPhase = -1),
      (job) => (job.currentPhase = 0.5),
      (job) => (job.phases[0].attempts = -1),
      (job) => (job.phases[0].failedTasks = 0),
      (job) => (job.workers = 0),
      (job) => (job.retries = -1),
      (job) => (job.eventSeq = -1),
      (job) => (job.workerJoins = -1),
      (job) => (job.phases[0].usage = { input: -1, output: 0, cached: 0 }),
      (job) => (job.phases[0].usage = { input: 0, output: 0, cached: 0, costUsd: -0.01 }),
      (job) => (job.phases[0].changes = { before: SHA1, after: SHA1, files: [{ path: 'p'.repeat(4097), added: 1, removed: 1 }], moreFiles: 0 }),
      (job) => (job.phases[0].changes = { before: SHA1, after: SHA1, files: Array.from({ length: 1001 }, () => ({ path: 'p', added: 1, removed: 1 })), moreFiles: 0 }),
      (job) => (job.phases[0].changes = { before: SHA1, after: SHA1, files: [{ path: 'p', added: -1, removed: 1 }], moreFiles: 0 }),
      (job) => (job.phases[0].undone = [{ attempt: 0, ref: 'refs/jobline/x', files: 0, at: FIXED_NOW }]),
      (job) => (job.template = { name: 't', values: { v: 'x'.repeat(65_537) } }),
      (job) => (job.joinedWorkers = [{ name: 'dev[ab12-0]', agent: 'dev', index: -1, joinedAt: FIXED_NOW }]),
      (job) => (job.merge = merge({ conflicts: ['c'.repeat(4097)] })),
      (job) => (job.merge = merge({ error: 'e'.repeat(65_537) })),
      (job) => (job.budget = { tokens: 0 }),
      (job) => (job.budget = { usd: 0 }),
      (job) => (job.model = ''),
      (job) => (job.model = 'm'.repeat(201)),
      (job) => (job.instructions = 'i'.repeat(201)),
      (job) => (job.budgetStop = { reason: 'r'.repeat(1001), at: FIXED_NOW }),
    ];
    for (const edit of refused) expect(isAccepted(edit), edit.toString()).toBe(false);
    const accepted: Array<(job: any) => void> = [ // eslint-disable-line @typescript-eslint/no-explicit-any
      (job) => (job.phases[0].changes = { before: SHA1, after: SHA1, files: [{ path: 'p', added: null, removed: 0 }], moreFiles: 3 }),
      (job) => (job.phases[0].usage = { input: 1, output: 2, cached: 0, costUsd: 0 }),
      (job) => (job.phases[0].commit = 'c'.repeat(64)),
      (job) => (job.merge = merge({ strategy: 'squash', oldTarget: SHA1, step: 'check', error: 'e' })),
      (job) => (job.budget = { tokens: 1, usd: 0.01 }),
      (job) => (job.template = { name: 'test', values: { file: 'a b $x' } }),
      (job) => (job.joinedWorkers = [{ name: 'dev[ab12-0]', agent: 'dev', index: 0, joinedAt: FIXED_NOW, leaseExpiresAt: FIXED_NOW }]),
      (job) => (job.pendingRetry = { keep: true }),
      (job) => (job.budgetStop = { reason: 'over', at: FIXED_NOW }),
      (job) => (job.budgetStop = { reason: 'r'.repeat(1000), at: FIXED_NOW }),
      (job) => (job.worktree = worktree({ isolation: 'task-worktree', snapshot: SHA1, target: 'main', path: `/${'p'.repeat(4095)}` })),
      (job) => (job.worktree = worktree({ baseBranch: null })),
      (job) => (job.merge = merge({ strategy: 'merge', conflicts: ['c'.repeat(4096)], error: 'e'.repeat(65_536) })),
      (job) => (job.merge = merge({ strategy: 'rebase', conflicts: Array.from({ length: 1000 }, () => 'c') })),
      (job) => (job.phases[0].changes = { before: SHA1, after: 'b'.repeat(64), files: [{ path: 'p'.repeat(4096), added: 5, removed: null }], moreFiles: 0 }),
      (job) => (job.phases[0].changes = { before: SHA1, after: SHA1, files: Array.from({ length: 1000 }, () => ({ path: 'p', added: 1, removed: 1 })), moreFiles: 1 }),
      (job) => (job.phases[0].undone = [{ attempt: 3, ref: 'refs/jobline/job-abcd1234/p1-a3', files: 4, at: FIXED_NOW }]),
      (job) => (job.phases[0].failedTasks = 2),
      (job) => (job.phases[0].usage = { input: 5, output: 5, cached: 5 }),
      (job) => (job.progress.usage = { input: 5, output: 5, cached: 5, costUsd: 1.5 }),
      (job) => (job.workers = 5),
      (job) => (job.retries = 3),
      (job) => (job.workerJoins = 4),
      (job) => (job.budget = { tokens: 5 }),
      (job) => (job.model = 'm'.repeat(200)),
      (job) => (job.model = 'm'),
      (job) => (job.instructions = 'i'.repeat(200)),
      (job) => (job.template = { name: 't', values: { v: 'x'.repeat(65_536) } }),
      (job) => (job.joinedWorkers = [{ name: 'dev[ab12-3]', agent: 'dev', index: 3, joinedAt: FIXED_NOW }]),
    ];
    for (const edit of accepted) expect(isAccepted(edit), edit.toString()).toBe(true);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function worktree(overrides: Record<string, unknown>): any {
  return { path: '/w/job', branch: 'jobline/job', base: SHA1, baseBranch: 'main', repository: '/r', snapshot: null, target: null, isolation: 'worktree', ...overrides };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function merge(overrides: Record<string, unknown>): any {
  return { status: 'landed', target: 'main', commit: SHA1, conflicts: [], checkedCommit: null, landedAt: FIXED_NOW, ...overrides };
}

describe('a job file of an older version', () => {
  it('is read as the current version, with what it could not say filled in', () => {
    const old = stored({ status: 'awaiting_approval' });
    old.schemaVersion = 1;
    for (const field of ['pendingFeedback', 'hasPendingApproval', 'eventSeq', 'workers', 'retries', 'keepGoing']) delete old[field];
    const job = parseJobFile(JSON.stringify(old), PATH);
    expect(job).toMatchObject({ schemaVersion: 2, pendingFeedback: null, hasPendingApproval: true, eventSeq: 0, workers: 1, retries: 0, keepGoing: false });
    const running = stored({ status: 'running' });
    delete running.hasPendingApproval;
    expect(parseJobFile(JSON.stringify(running), PATH).hasPendingApproval).toBe(false);
    // What it says is kept.
    const said = parseJobFile(serializeJob(makeJob({ pendingFeedback: 'f', hasPendingApproval: false, eventSeq: 9, workers: 4, retries: 2, keepGoing: true, status: 'awaiting_approval' })), PATH);
    expect(said).toMatchObject({ pendingFeedback: 'f', hasPendingApproval: false, eventSeq: 9, workers: 4, retries: 2, keepGoing: true });
  });

  it('that marked an interrupted job\'s stopped phase cancelled reads it as interrupted; a cancelled job keeps its cancelled phase', () => {
    const interrupted = stored({ status: 'interrupted' });
    interrupted.phases[0].status = 'completed';
    interrupted.phases[1].status = 'cancelled';
    expect(parseJobFile(JSON.stringify(interrupted), PATH).phases.map((phase) => phase.status)).toEqual(['completed', 'interrupted', 'pending']);
    const cancelled = stored({ status: 'cancelled' });
    cancelled.phases[0].status = 'cancelled';
    expect(parseJobFile(JSON.stringify(cancelled), PATH).phases[0]!.status).toBe('cancelled');
  });

  it('keeps fields a newer minor version added', () => {
    const newer = stored();
    newer.someNewField = 1;
    expect(() => parseJobFile(JSON.stringify(newer), PATH)).not.toThrow();
  });
});

describe('job.json as written', () => {
  it('is indented JSON ending in a newline, with the events of its write as its journal', () => {
    const job = makeJob({ eventSeq: 2 });
    expect(serializeJob(job)).toBe(`${JSON.stringify(job, null, 2)}\n`);
    const events = [{ ts: FIXED_NOW, type: 'created', seq: 1 }, { ts: FIXED_NOW, type: 'queued', seq: 2 }] as const;
    const text = serializeJob(job, events);
    expect(JSON.parse(text).lastEvents).toEqual(events);
    expect(readJournal(text)).toEqual({ eventSeq: 2, lastEvents: events });
    expect(parseJobFile(text, PATH).eventSeq).toBe(2);
  });

  it('journal reads as empty when absent or broken, and keeps only numbered events', () => {
    expect(readJournal(serializeJob(makeJob({ eventSeq: 3 })))).toEqual({ eventSeq: 3, lastEvents: [] });
    expect(readJournal('not json')).toEqual({ eventSeq: 0, lastEvents: [] });
    expect(readJournal('{"eventSeq":"3","lastEvents":{}}')).toEqual({ eventSeq: 0, lastEvents: [] });
    const mixed = { eventSeq: 4, lastEvents: [{ seq: 3, type: 'a', ts: FIXED_NOW }, { type: 'b' }, null, { seq: 4, type: 5 }, { seq: 4, type: 'c' }] };
    expect(readJournal(JSON.stringify(mixed)).lastEvents).toEqual([{ seq: 3, type: 'a', ts: FIXED_NOW }, { seq: 4, type: 'c' }]);
  });
});

describe('reading job.json', () => {
  it('reads a small file and a large one whole, with its time, on either thread', async () => {
    const dir = makeTempDir();
    const small = join(dir, 'small.json');
    writeFileSync(small, 'x'.repeat(100));
    expect(await readJobFile(small)).toBe('x'.repeat(100));
    const large = join(dir, 'large.json');
    const text = 'é'.repeat(40_000); // 80,000 bytes: more than one first read
    writeFileSync(large, text);
    expect(await readJobFile(large)).toBe(text);
    const exact = join(dir, 'exact.json');
    writeFileSync(exact, 'y'.repeat(32 * 1024));
    expect(await readJobFile(exact)).toBe('y'.repeat(32 * 1024));
    const read = readJobFileSync(large);
    expect(read.text).toBe(text);
    expect(Math.abs(read.modifiedMs - Date.now())).toBeLessThan(60_000);
  });

  it('never through a symbolic link, and never one over the size limit: both refused with what is wrong', async () => {
    const dir = makeTempDir();
    const target = join(dir, 'elsewhere.json');
    writeFileSync(target, '{}');
    const link = join(dir, 'job.json');
    symlinkSync(target, link);
    await expect(readJobFile(link)).rejects.toMatchObject({ code: 'JOB_IO', message: expect.stringMatching(new RegExp(`^Cannot read ${link}: .*ELOOP`)) });
    expect(() => readJobFileSync(link)).toThrow(expect.objectContaining({ code: 'JOB_IO', message: expect.stringMatching(/ELOOP/) }));
    await expect(readJobFile(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'JOB_IO', message: expect.stringContaining('ENOENT') });
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, Buffer.alloc(MAX_JOB_FILE_BYTES + 1024 * 1024, 0x20));
    const tooLarge = `Corrupt job file ${huge}: it is 9 MB, far larger than any job jobline writes (at most 8 MB is read).`;
    await expect(readJobFile(huge)).rejects.toMatchObject({ code: 'JOB_FILE_CORRUPT', message: tooLarge });
    expect(() => readJobFileSync(huge)).toThrow(tooLarge);
    const limit = join(dir, 'limit.json');
    writeFileSync(limit, Buffer.alloc(MAX_JOB_FILE_BYTES, 0x20));
    expect((await readJobFile(limit)).length).toBe(MAX_JOB_FILE_BYTES);
    expect(readJobFileSync(limit).text.length).toBe(MAX_JOB_FILE_BYTES);
    mkdirSync(join(dir, 'folder.json'));
    await expect(readJobFile(join(dir, 'folder.json'))).rejects.toMatchObject({ code: 'JOB_IO' });
  });

  it('closes every file it opened, small or large, on either thread', async () => {
    const dir = makeTempDir();
    const small = join(dir, 'small.json');
    writeFileSync(small, '{}');
    const large = join(dir, 'large.json');
    writeFileSync(large, 'x'.repeat(40_000));
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 50; i++) {
      await readJobFile(small);
      await readJobFile(large);
      readJobFileSync(small);
    }
    expect(open() - before).toBeLessThan(5);
  });
});
