import { describe, expect, it } from 'vitest';
import { formatApprovalSummary } from '../../../src/render/approval-summary.js';
import { formatJobDetails } from '../../../src/render/job-details.js';
import { formatCounters, formatJobList, parseJobFilter } from '../../../src/render/job-list.js';
import { formatDuration, sanitizeLine, sanitizeText } from '../../../src/render/text.js';
import type { Task } from '../../../src/jobs/model/task.js';
import { makeJob } from '../../helpers/jobs.js';

const NOW = new Date('2026-11-22T10:01:05.000Z');
const PLACE = { files: { files: ['/j/x/job.json', '/j/x/events.jsonl', '/j/x/output.log'], runLogs: null }, tasksCommand: 'jobline tasks', logsCommand: 'jobline logs' };

describe('rendering', () => {
  it('formats durations', () => {
    expect([850, 12_345, 245_000, 7_380_000].map(formatDuration)).toEqual(['850ms', '12.3s', '4m 05s', '2h 03m']);
  });

  it('makes escape sequences and control characters inert', () => {
    const hostile = 'ok\u001b]52;c;ZXZpbA==\u0007 \u001b[2J\u001b[H\u001b]0;pwned\u0007done\r\u0008\u009b';
    expect(sanitizeText(hostile)).toBe('ok done');
    expect(sanitizeLine('a\n\tb')).toBe('a b');
  });

  it('keeps colours when asked, and nothing else: no sequence survives or is pieced together around one', () => {
    const coloured = '\u001b[31mred\u001b[0m \u001b[38;2;1;2;3mrgb\u001b[m';
    expect(sanitizeText(coloured, { keepColours: true })).toBe(coloured);
    expect(sanitizeText(coloured)).toBe('red rgb');
    // An OSC cut by a colour, a C1 CSI, a private mode, a cursor move: only the colours stay.
    expect(sanitizeText('\u001b]52;c;\u001b[31mZXZp\u0007 \u009b2J\u001b[?1049h\u001b[2;1H\u001b[32mok\u001b[0m', { keepColours: true })).toBe(']52;c;\u001b[31mZXZp \u001b[32mok\u001b[0m');
    expect(sanitizeText('\u001b\u001b[31mx', { keepColours: true })).toBe('\u001b[31mx');
  });

  it('lists jobs with their prompt cut to the width, relative times, labelled counters and the last event', () => {
    const running = makeJob({ id: 'job-aaaa1111', status: 'running', currentPhase: 1, description: 'add login with sessions and tests for every route of the api', startedAt: '2026-11-22T09:50:00.000Z', progress: { round: 3, toolCalls: 5, llmCalls: 4, lastEvent: 'Called edit_file(path=\u001b[31m"src/auth.ts")' } });
    // It waited 10 minutes for approval after its first phase: that does not count as running.
    running.phases[0] = { ...running.phases[0]!, status: 'completed', startedAt: '2026-11-22T09:50:00.000Z', endedAt: '2026-11-22T09:50:20.000Z' };
    running.phases[1] = { ...running.phases[1]!, status: 'running', startedAt: '2026-11-22T10:00:20.000Z' };
    const queued = makeJob({ id: 'job-bbbb2222', agent: 'sh', description: 'npm test', createdAt: '2026-11-22T09:58:05.000Z' });
    const failed = makeJob({ id: 'job-cccc3333', agent: 'sh', status: 'failed', description: 'npm tset', endedAt: '2026-11-22T07:00:00.000Z', error: 'Phase run failed: `npm tset` exited with code 1' });
    failed.phases[0] = { ...failed.phases[0]!, status: 'failed', startedAt: '2026-11-22T06:59:58.000Z', endedAt: '2026-11-22T07:00:00.000Z' };
    expect(formatJobList([running, queued, failed], NOW, 3, 60)).toBe([
      'Jobs (3 total, 2 active)',
      ' 🔄 job-aaaa1111 build running           2/3 plan             running 1m 05s',
      '      add login with sessions and tests for every route of…',
      '      Called edit_file(path="src/auth.ts") · round 3 of th…',
      ' ⏳ job-bbbb2222 sh    queued            1/3 analyze          queued 3m ago',
      '      npm test',
      ' ❌ job-cccc3333 sh    failed            1/3 analyze          ended 3h ago · ran 2.0s',
      '      npm tset',
      '      Phase run failed: `npm tset` exited with code 1',
    ].join('\n'));
    expect(formatCounters(running)).toBe('round 3 of this phase · 5 tool calls · 4 model calls in all');
    expect([parseJobFilter('failed'), parseJobFilter('waiting'), parseJobFilter('Active'), parseJobFilter('nope')]).toEqual(['failed', 'awaiting_approval', 'active', null]);
  });

  it('shows a failed job\'s error in its row, not its last event', () => {
    const failed = makeJob({ status: 'failed', startedAt: NOW.toISOString(), endedAt: NOW.toISOString(), error: 'Phase plan failed: exit 3', progress: { round: 0, toolCalls: 0, llmCalls: 0, lastEvent: 'Phase plan failed' } });
    const text = formatJobList([failed], NOW);
    expect(text).toContain('Phase plan failed: exit 3');
    expect(text.split('\n').at(-1)).toMatch(/^\s+Phase plan failed: exit 3$/);
  });

  it('shows an empty list helpfully', () => {
    expect(formatJobList([], NOW)).toBe('Jobs (0 total, 0 active)\n  No jobs yet. Type a prompt to start one.');
  });

  it('details every phase with status, attempts and duration, plus the error and file paths', () => {
    const job = makeJob({ status: 'failed', startedAt: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:00:30.000Z', error: 'Phase plan failed: exit 1' });
    job.phases[0] = { ...job.phases[0]!, status: 'completed', attempts: 2, startedAt: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:00:12.500Z', output: 'found it' };
    job.phases[1] = { ...job.phases[1]!, status: 'failed', attempts: 1, startedAt: '2026-11-22T10:00:12.500Z', endedAt: '2026-11-22T10:00:30.000Z', error: 'exit 1' };
    job.currentPhase = 1;
    const text = formatJobDetails(job, PLACE, NOW);
    expect(text).toContain('Elapsed:     30.0s');
    expect(text).toContain('  ✅ 1. analyze        completed  2 attempts  12.5s');
    expect(text).toContain('  ❌ 2. plan           failed     1 attempt   17.5s');
    expect(text).toContain('  · 3. implement      pending    0 attempts');
    expect(text).toContain('Error:       Phase plan failed: exit 1');
    expect(text).toContain('  /j/x/events.jsonl');
    job.phases[0]!.changes = { before: 'a'.repeat(40), after: 'b'.repeat(40), files: [{ path: 'src/a.ts', added: 3, removed: 1 }, { path: 'logo.png', added: null, removed: null }], moreFiles: 0 };
    const withChanges = formatJobDetails(job, PLACE, NOW);
    expect(withChanges).toContain('       changed 2 files (+3 −1)\n         src/a.ts  +3 −1\n         logo.png  binary');
  });

  it('shows job text inert in the list, the details and the approval box', () => {
    const hostile = 'ok\u001b]52;c;ZXZpbA==\u0007\u001b[1A\u001b]0;pwned\u0007 done';
    const job = makeJob({ description: hostile, error: hostile, progress: { round: 0, toolCalls: 0, llmCalls: 0, lastEvent: hostile } });
    job.phases[0] = { ...job.phases[0]!, output: hostile, error: hostile, status: 'completed' };
    for (const text of [formatJobList([job], NOW), formatJobDetails(job, PLACE, NOW), formatApprovalSummary(job, NOW)]) {
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(text).toContain('ok done');
    }
  });

  it('summarises a phase awaiting approval with its output excerpt', () => {
    const job = makeJob({ status: 'awaiting_approval', progress: { round: 4, toolCalls: 0, llmCalls: 0, lastEvent: null } });
    job.phases[0] = { ...job.phases[0]!, status: 'completed', attempts: 1, startedAt: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:00:02.000Z', output: 'line 1\nline 2' };
    const box = formatApprovalSummary(job, NOW, 60);
    expect(box).toContain('job-abcd1234 · phase 1/3 analyze completed');
    expect(box).toContain('took 2.0s · 4 rounds');
    expect(box).toContain('│ line 2');
  });

  it('lists a plan\'s tasks for the next phase, and a phase\'s failed tasks, in the approval box', () => {
    const task = (id: string, phase: number, extra: Partial<Task> = {}): Task => ({ id, phase, title: id, input: 'x', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [], ...extra });
    const planned = makeJob({ status: 'awaiting_approval' }, ['plan', 'implement']);
    planned.phases[0] = { ...planned.phases[0]!, status: 'completed', attempts: 1 };
    const board = { tasks: [task('t1', 0, { status: 'done' }), task('t3', 1, { title: 'api route', claims: ['src/api/**'] }), task('t4', 1, { title: 'login page', claims: ['src/ui/login.ts'], dependsOn: ['t3'] })], runs: [] };
    const box = formatApprovalSummary(planned, NOW, 80, board);
    expect(box).toContain('2 tasks planned for implement:');
    expect(box).toContain('│   t3 api route [src/api/**]');
    expect(box).toMatch(/│ {3}t4 login page \[src\/ui\/login.ts\] after t3/);

    const failing = makeJob({ status: 'awaiting_approval' }, ['checks', 'build']);
    failing.phases[0] = { ...failing.phases[0]!, status: 'completed', attempts: 1, failedTasks: 1 };
    const checks = { tasks: [task('t1', 0, { status: 'done' }), task('t2', 0, { title: 'test', status: 'failed', result: '`npm test` exited with code 1' }), task('t3', 1)], runs: [] };
    const failedBox = formatApprovalSummary(failing, NOW, 80, checks);
    expect(failedBox).toContain('phase 1/2 checks completed · 1 task failed');
    expect(failedBox).toContain('│   ✗ t2 test: `npm test` exited with code 1');
    expect(failedBox).not.toContain('planned for');
  });
});
