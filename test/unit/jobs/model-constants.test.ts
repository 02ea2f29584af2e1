// The model's tables and patterns, as callers rely on them: which job, worker and remote worker
// names pass, which statuses are active or unfinished, what an external job is called, and which
// run files and output.log headers are recognised.
//
// These are built when their module loads. Each test loads the modules afresh (vi.resetModules),
// so the values it checks are the ones built now: mutation testing (Stryker) switches a change on
// per test, and a table built once, before that, would never show it. Run isolated
// (vitest.mutation.config.ts), so the fresh modules stay in this file.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const T0 = '2026-11-22T10:00:00.000Z';
const loadJob = () => import('../../../src/jobs/model/job.js');
const loadTask = () => import('../../../src/jobs/model/task.js');

beforeEach(() => {
  vi.resetModules();
});

describe('names', () => {
  it('a job name: a letter or digit, then letters, digits, _ . -, at most 80', async () => {
    const { JOB_NAME_PATTERN } = await loadJob();
    for (const name of ['n', '9', 'nightly-build', 'a.b_c-d', `a${'b'.repeat(79)}`]) expect(JOB_NAME_PATTERN.test(name), name).toBe(true);
    for (const name of ['', '-x', '.x', '_x', 'a b', 'a/b', 'é', `a${'b'.repeat(80)}`, 'x\n']) expect(JOB_NAME_PATTERN.test(name), name).toBe(false);
  });

  it('a worker name as jobline makes it: agent[id4-index]', async () => {
    const { WORKER_NAME_PATTERN } = await loadJob();
    for (const name of ['dev[ab12-0]', 'claude-code[a-123456]', `${'a'.repeat(64)}[ab12-1]`]) expect(WORKER_NAME_PATTERN.test(name), name).toBe(true);
    for (const name of ['dev', 'x dev[ab12-0]', 'dev[ab12-0]x', 'dev[ab12-1234567]', 'dev[ab12-]', 'dev[ab123-0]', 'dev[AB12-0]', '-dev[ab12-0]']) expect(WORKER_NAME_PATTERN.test(name), name).toBe(false);
  });

  it('a remote worker name: a letter or digit, then letters, digits, _ . -, at most 64', async () => {
    const { REMOTE_WORKER_NAME_PATTERN } = await loadJob();
    for (const name of ['box-1', 'h', `h${'o'.repeat(63)}`, 'host.example_2']) expect(REMOTE_WORKER_NAME_PATTERN.test(name), name).toBe(true);
    for (const name of ['', '-box', 'box 1', 'x box', 'box:1', `h${'o'.repeat(64)}`, 'box\n']) expect(REMOTE_WORKER_NAME_PATTERN.test(name), name).toBe(false);
  });
});

describe('statuses', () => {
  it('active: queued, running, awaiting approval; unfinished: failed, cancelled, interrupted; terminal: those and completed', async () => {
    const { ACTIVE_STATUSES, JOB_STATUSES, UNFINISHED_STATUSES, isActiveStatus, isTerminalStatus, isUnfinishedStatus } = await loadJob();
    expect(ACTIVE_STATUSES).toEqual(['queued', 'running', 'awaiting_approval']);
    expect(UNFINISHED_STATUSES).toEqual(['failed', 'cancelled', 'interrupted']);
    expect(JOB_STATUSES.filter(isActiveStatus)).toEqual(['queued', 'running', 'awaiting_approval']);
    expect(JOB_STATUSES.filter(isUnfinishedStatus)).toEqual(['failed', 'cancelled', 'interrupted']);
    expect(JOB_STATUSES.filter(isTerminalStatus)).toEqual(['completed', 'failed', 'cancelled', 'interrupted']);
  });
});

describe('external jobs', () => {
  it('an external job is one of agent "external", working in phase "work"', async () => {
    const { EXTERNAL_AGENT, EXTERNAL_PHASE, isExternalJob } = await loadJob();
    expect(EXTERNAL_AGENT).toBe('external');
    expect(EXTERNAL_PHASE).toBe('work');
    expect(isExternalJob({ agent: 'external' })).toBe(true);
    expect(isExternalJob({ agent: 'build' })).toBe(false);
  });
});

describe('output files', () => {
  it('run output files and phase headers are recognised whole', async () => {
    const { PHASE_HEADER_PATTERN, RUN_OUTPUT_FILE_PATTERN, formatPhaseHeader, formatRunOutputFile } = await loadTask();
    expect(RUN_OUTPUT_FILE_PATTERN.test(formatRunOutputFile('r12'))).toBe(true);
    for (const file of ['x/runs/r1.log', 'runs/r1.log.bak', 'runs/rx.log', 'runs/r1234567890.log']) expect(RUN_OUTPUT_FILE_PATTERN.test(file), file).toBe(false);
    const header = formatPhaseHeader({ index: 11, count: 12, name: 'plan it', attempt: 2 }, new Date(T0));
    expect(header).toBe('── phase 12/12 plan it · attempt 2 · 2026-11-22 10:00:00 UTC ──');
    expect(PHASE_HEADER_PATTERN.test(header)).toBe(true);
    for (const line of [`x ${header}`, `${header} x`, '── phase a/2 x ──', '── phase 1/b x ──', '── phase 1/2 ──']) expect(PHASE_HEADER_PATTERN.test(line), line).toBe(false);
  });
});
