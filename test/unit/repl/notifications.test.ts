import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Notifier, OUTPUT_BURST_LINES, colourOf, formatNotification, shortJobId } from '../../../src/repl/notifications.js';
import { makeJob } from '../../helpers/jobs.js';

describe('notifications', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('formats [job-ab12] <icon> <text>, with job text made inert', () => {
    expect(shortJobId('job-ab12cd34')).toBe('job-ab12');
    expect(formatNotification('job-ab12cd34', '│', 'copy\u001b]52;c;ZXZpbA==\u0007 this\u001b[2J')).toBe('[job-ab12] │ copy this');
    // Each job keeps its colour, and jobs are told apart by colour.
    const ids = ['job-ab12cd34', 'job-zz99yy88', 'job-00000000', 'job-k3k3k3k3', 'job-q1w2e3r4', 'job-m9n8b7v6'];
    const colours = ids.map((id) => colourOf(id));
    ids.forEach((id, i) => expect(colourOf(id)).toBe(colours[i]));
    expect(new Set(colours).size).toBeGreaterThan(2);
  });

  it('shows every line of a job printing a few lines a second, for as long as it prints', () => {
    const printed: string[] = [];
    let now = 0;
    const notifier = new Notifier((line) => printed.push(line), () => 200, () => now);
    const job = makeJob({ id: 'job-ab12cd34' });
    for (let i = 0; i < 180; i++) {
      notifier.output(job, [`line ${i}`], 1); // 3 lines a second for a minute
      now += 333;
      vi.advanceTimersByTime(333);
    }
    expect(printed).toHaveLength(180);
    expect(printed.every((line) => line.startsWith('[job-ab12] │ line '))).toBe(true);
    notifier.dispose();
  });

  it('limits a sustained flood, summarises the surplus, and never lets output swallow tool activity', () => {
    const printed: string[] = [];
    let now = 0;
    const notifier = new Notifier((line) => printed.push(line), () => 200, () => now);
    const job = makeJob({ id: 'job-ab12cd34' });
    for (let batch = 0; batch < 50; batch++) notifier.output(job, Array.from({ length: 20 }, (_, i) => `line ${batch * 20 + i}`), 20);
    notifier.activity(job, '🔧', 'edit_file(src/a.ts)');
    expect(printed).toHaveLength(OUTPUT_BURST_LINES + 1);
    expect(printed.at(-1)).toBe('[job-ab12] 🔧 edit_file(src/a.ts)');
    now += 1000;
    vi.advanceTimersByTime(1000);
    expect(printed.at(-1)).toBe(`[job-ab12] … ${1000 - OUTPUT_BURST_LINES} more lines (/logs job-ab12)`);
    notifier.output(job, ['fresh'], 1); // the bucket refilled meanwhile
    expect(printed.at(-1)).toBe('[job-ab12] │ fresh');
    notifier.dispose();
  });

  it('shows the last output lines under a failure when the flood limit held them back', () => {
    const printed: string[] = [];
    const notifier = new Notifier((line) => printed.push(line), () => 200, () => 0);
    const job = makeJob({ id: 'job-ab12cd34', status: 'failed' });
    job.phases[0] = { ...job.phases[0]!, output: Array.from({ length: 40 }, (_, i) => `test ${i}`).concat('', 'Error: 3 tests failed').join('\n') };
    for (let batch = 0; batch < 10; batch++) notifier.output(job, Array.from({ length: 10 }, (_, i) => `flood ${batch * 10 + i}`), 10);
    printed.length = 0;
    notifier.event(job, { ts: '', type: 'failed', error: 'Phase analyze failed: `npm test` exited with code 1' });
    expect(printed).toEqual([
      '[job-ab12] … 70 more lines (/logs job-ab12)',
      '[job-ab12] ❌ Phase analyze failed: `npm test` exited with code 1',
      '[job-ab12] │ test 36', '[job-ab12] │ test 37', '[job-ab12] │ test 38', '[job-ab12] │ test 39', '[job-ab12] │ Error: 3 tests failed',
    ]);
    notifier.dispose();
  });

  it('says how many lines it left out where it left them out, not after the lines that followed', () => {
    const printed: string[] = [];
    let now = 0;
    const notifier = new Notifier((line) => printed.push(line), () => 200, () => now);
    const job = makeJob({ id: 'job-ab12cd34' });
    // A batch that carries its last 3 of 10 lines: the 7 before them were skipped.
    notifier.output(job, ['line 8', 'line 9', 'line 10'], 10);
    expect(printed).toEqual(['[job-ab12] … 7 more lines (/logs job-ab12)', '[job-ab12] │ line 8', '[job-ab12] │ line 9', '[job-ab12] │ line 10']);
    // A flood past the bucket: the notice comes before the next line shown, once the bucket refills.
    printed.length = 0;
    notifier.output(job, Array.from({ length: 40 }, (_, i) => `flood ${i}`), 40);
    expect(printed).toHaveLength(OUTPUT_BURST_LINES - 3);
    now += 1000;
    notifier.output(job, ['after'], 1);
    expect(printed.slice(-2)).toEqual([`[job-ab12] … ${40 - (OUTPUT_BURST_LINES - 3)} more lines (/logs job-ab12)`, '[job-ab12] │ after']);
    notifier.dispose();
  });

  it('prints a failed phase\'s last lines once: under the failure only those held back', () => {
    const printed: string[] = [];
    const notifier = new Notifier((line) => printed.push(line), () => 200, () => 0);
    const job = makeJob({ id: 'job-ab12cd34', status: 'failed' });
    job.phases[0] = { ...job.phases[0]!, output: Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join('\n') };
    const failed = { ts: '', type: 'failed', error: 'exit 1' } as const;
    // A batch carrying the last 10 of 100 lines: they show, and nothing after them was held back.
    notifier.output(job, Array.from({ length: 10 }, (_, i) => `line ${91 + i}`), 100);
    notifier.event(job, failed);
    expect(printed.filter((line) => line === '[job-ab12] │ line 100')).toHaveLength(1);
    expect(printed.at(-1)).toBe('[job-ab12] ❌ exit 1');
    // 2 lines held back after the burst: those 2 come under the failure, not the 3 before them again.
    printed.length = 0;
    const other = { ...job, id: 'job-cd34ef56' };
    other.phases[0] = { ...job.phases[0]!, output: Array.from({ length: 32 }, (_, i) => `line ${i + 1}`).join('\n') };
    notifier.output(other, Array.from({ length: 30 }, (_, i) => `line ${i + 1}`), 30);
    notifier.output(other, ['line 31', 'line 32'], 2);
    notifier.event(other, failed);
    expect(printed.slice(-4)).toEqual(['[job-cd34] … 2 more lines (/logs job-cd34)', '[job-cd34] ❌ exit 1', '[job-cd34] │ line 31', '[job-cd34] │ line 32']);
    notifier.dispose();
  });

  it('marks the lines of tasks running side by side with their task', () => {
    const printed: string[] = [];
    const notifier = new Notifier((line) => printed.push(line), () => 200, () => 0);
    notifier.output(makeJob({ id: 'job-ab12cd34' }), ['linting'], 1, 't2');
    notifier.output(makeJob({ id: 'job-ab12cd34' }), ['alone'], 1);
    expect(printed).toEqual(['[job-ab12] t2 │ linting', '[job-ab12] │ alone']);
  });

  it('limits each job separately and skips blank lines', () => {
    const printed: string[] = [];
    const notifier = new Notifier((line) => printed.push(line));
    notifier.output(makeJob({ id: 'job-aaaa1111' }), ['a', '', '   '], 3);
    notifier.output(makeJob({ id: 'job-bbbb2222' }), ['b'], 1);
    expect(printed).toEqual(['[job-aaaa] │ a', '[job-bbbb] │ b']);
    notifier.dispose();
  });

  it('announces lifecycle events with their phase position', () => {
    const printed: string[] = [];
    const notifier = new Notifier((line) => printed.push(line));
    const job = makeJob({ id: 'job-ab12cd34' });
    notifier.event(job, { ts: '', type: 'phase_started', phase: 'plan', attempt: 2 });
    notifier.event(job, { ts: '', type: 'approval_requested', phase: 'plan' });
    notifier.event(job, { ts: '', type: 'queued' });
    expect(printed).toEqual([
      '[job-ab12] ▶ Phase 2/3 plan started (attempt 2)',
      '[job-ab12] ⏸️  Waiting for approval of plan (/approve, /retry or /cancel job-ab12)',
    ]);
  });
});
