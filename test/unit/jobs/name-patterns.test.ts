// The patterns names and files of a job are checked against (job.ts, task.ts), exactly: a job's
// name, a worker's and a remote worker's, a run's output file and output.log's phase headers. A
// name of another shape is refused (a hostile job file, a name with a control sequence, a path
// that leaves the folder), and what jobline makes itself always passes.
import { describe, expect, it } from 'vitest';
import { ACTIVE_STATUSES, EXTERNAL_AGENT, EXTERNAL_PHASE, JOB_NAME_PATTERN, REMOTE_WORKER_NAME_PATTERN, UNFINISHED_STATUSES, WORKER_AGENT_PATTERN, WORKER_NAME_PATTERN, isActiveStatus, isExternalJob } from '../../../src/jobs/model/job.js';
import { PHASE_HEADER_PATTERN, RUN_OUTPUT_FILE_PATTERN, formatRunOutputFile, formatRunSection, formatWorkerName } from '../../../src/jobs/model/task.js';

const accepts = (pattern: RegExp, names: string[]) => names.forEach((name) => expect(pattern.test(name), name).toBe(true));
const refuses = (pattern: RegExp, names: string[]) => names.forEach((name) => expect(pattern.test(name), name).toBe(false));

describe('the patterns of names and files', () => {
  it('of a job name: a letter or digit, then up to 79 of letters, digits, _ . -', () => {
    accepts(JOB_NAME_PATTERN, ['a', '7', 'nightly-build', 'castle.river_mountain', `a${'b'.repeat(79)}`]);
    refuses(JOB_NAME_PATTERN, ['', '-a', '.a', '_a', 'a b', 'a/b', 'a\u001b[31m', `a${'b'.repeat(80)}`, 'ok\n', 'x ']);
  });

  it('of a worker agent: as a job name, up to 32 characters', () => {
    accepts(WORKER_AGENT_PATTERN, ['dev', 'claude-code', `a${'b'.repeat(31)}`]);
    refuses(WORKER_AGENT_PATTERN, ['', '-dev', `a${'b'.repeat(32)}`, 'dev[x-0]']);
  });

  it("of a worker name: an agent's name, then [<up to 4 of a-z0-9>-<up to 6 digits>]", () => {
    accepts(WORKER_NAME_PATTERN, [formatWorkerName('build', 'job-ab12cd34', 0), 'dev[ab12-999999]', `a${'b'.repeat(63)}[z-1]`]);
    refuses(WORKER_NAME_PATTERN, ['dev', 'dev[ab12-0]x', 'xdev[ab12-0', 'dev[ab12-]', 'dev[-0]', 'dev[abcde-0]', 'dev[AB12-0]', 'dev[ab12-1234567]', 'dev[ab12-x]', '-dev[ab12-0]', `a${'b'.repeat(64)}[z-1]`, 'de v[ab12-0]']);
    expect(formatWorkerName('build', 'job-ab12cd34', 3)).toBe('build[ab12-3]');
  });

  it("of a remote worker's name: a letter or digit, then up to 63 of letters, digits, _ . -", () => {
    accepts(REMOTE_WORKER_NAME_PATTERN, ['vm-1234', 'build.host_2', `a${'b'.repeat(63)}`]);
    refuses(REMOTE_WORKER_NAME_PATTERN, ['', '-vm', 'vm 1', 'vm:1', `a${'b'.repeat(64)}`, 'vm\n', 'x/y']);
  });

  it("of a run's output file: runs/r<1 to 9 digits>.log, nothing around it", () => {
    accepts(RUN_OUTPUT_FILE_PATTERN, [formatRunOutputFile('r1'), 'runs/r123456789.log']);
    refuses(RUN_OUTPUT_FILE_PATTERN, ['../runs/r1.log', 'runs/r1.log.bak', 'x/runs/r1.log', 'runs/r.log', 'runs/rx.log', 'runs/r1234567890.log', 'runs/r1.logs']);
    expect(formatRunOutputFile('r12')).toBe('runs/r12.log');
  });

  it("of output.log's phase headers: the line a phase attempt's section opens with, whole", () => {
    const header = `── ${formatRunSection(1, 3, 'build', 2)} · 2026-12-06 10:00:00 UTC ──`;
    accepts(PHASE_HEADER_PATTERN, [header, '── phase 12/34 x ──']);
    refuses(PHASE_HEADER_PATTERN, [`x${header}`, `${header}x`, '── phase x/3 build ──', '── phase 1/x build ──', '── phase 1/3  ──x', '── phase /3 build ──', '── phase 1/ build ──', '── phase 1/3 ──']);
  });

  it('of the external agent, and the statuses of active and unfinished jobs', () => {
    expect([EXTERNAL_AGENT, EXTERNAL_PHASE]).toEqual(['external', 'work']);
    expect(isExternalJob({ agent: 'external' })).toBe(true);
    expect(ACTIVE_STATUSES).toEqual(['queued', 'running', 'awaiting_approval']);
    expect(UNFINISHED_STATUSES).toEqual(['failed', 'cancelled', 'interrupted']);
    expect(isActiveStatus('awaiting_approval')).toBe(true);
  });
});
