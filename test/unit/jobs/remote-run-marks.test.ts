// The marks remote executors leave on a job's runs, on fake clocks: a take is written 250 ms after
// it (a newer take of the same run replaces it), or withdrawn to go with the run's outcome; a wait
// for labels is written at once; nothing is written once the job stopped running or the run is no
// longer its task's open one; a mark that cannot be written is warned of, naming the job.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobStatus } from '../../../src/jobs/model/job.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';
import type { JobHandle } from '../../../src/jobs/service/job-handle.js';
import { RemoteRunMarks } from '../../../src/jobs/service/remote-run-marks.js';

function entryOf(options: { status?: JobStatus; openRun?: string | null; failure?: 'reject' | 'throw' } = {}) {
  const committed: JobAction[][] = [];
  const entry = {
    id: 'job-aaaa0001',
    job: { status: options.status ?? 'running' },
    openRunOf: (taskId: string) => (taskId === 't1' && options.openRun !== null ? { id: options.openRun ?? 'r1' } : undefined),
    commit: (actions: JobAction[]) => {
      if (options.failure === 'throw') throw new Error('job is ending');
      committed.push(actions);
      return options.failure === 'reject' ? Promise.reject(new Error('disk full')) : Promise.resolve();
    },
  } as unknown as JobHandle;
  return { entry, committed };
}

describe('RemoteRunMarks', () => {
  const warnings: string[] = [];
  const marks = () => new RemoteRunMarks((message) => warnings.push(message));

  beforeEach(() => {
    vi.useFakeTimers();
    warnings.length = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes a take 250 ms after it, the newest of one run only', async () => {
    const { entry, committed } = entryOf();
    const runMarks = marks();
    runMarks.taken(entry, 't1', 'r1', 'box-1');
    await vi.advanceTimersByTimeAsync(200);
    runMarks.taken(entry, 't1', 'r1', 'box-2');
    await vi.advanceTimersByTimeAsync(249);
    expect(committed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(committed).toEqual([[{ type: 'takeRun', taskId: 't1', host: 'box-2' }]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(committed).toHaveLength(1);
    // Written, it is no longer there to withdraw.
    expect(runMarks.withdrawTake(entry, 't1')).toEqual([]);
  });

  it('hands a take not written yet to the run\'s outcome, and writes it no more', async () => {
    const { entry, committed } = entryOf();
    const runMarks = marks();
    runMarks.taken(entry, 't1', 'r1', 'box-1');
    expect(runMarks.withdrawTake(entry, 't1')).toEqual([{ type: 'takeRun', taskId: 't1', host: 'box-1' }]);
    expect(runMarks.withdrawTake(entry, 't1')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(committed).toEqual([]);
    // Only the take of the task's open run is withdrawn.
    const other = entryOf({ openRun: 'r2' });
    runMarks.taken(other.entry, 't1', 'r1', 'box-1');
    expect(runMarks.withdrawTake(other.entry, 't1')).toEqual([]);
    const none = entryOf({ openRun: null });
    expect(runMarks.withdrawTake(none.entry, 't1')).toEqual([]);
  });

  it('writes a wait for labels at once', () => {
    const { entry, committed } = entryOf();
    marks().waiting(entry, 't1', 'r1', ['gpu', 'linux']);
    expect(committed).toEqual([[{ type: 'waitRun', taskId: 't1', labels: ['gpu', 'linux'] }]]);
  });

  it('writes nothing once the job stopped running or the run is not the task\'s open one', async () => {
    for (const options of [{ status: 'awaiting_approval' as const }, { openRun: 'r2' }, { openRun: null }]) {
      const { entry, committed } = entryOf(options);
      const runMarks = marks();
      runMarks.waiting(entry, 't1', 'r1', ['gpu']);
      runMarks.taken(entry, 't1', 'r1', 'box-1');
      await vi.advanceTimersByTimeAsync(300);
      expect(committed).toEqual([]);
    }
    expect(warnings).toEqual([]);
  });

  it('warns of a mark that could not be written, naming the job and why', async () => {
    marks().waiting(entryOf({ failure: 'reject' }).entry, 't1', 'r1', ['gpu']);
    marks().waiting(entryOf({ failure: 'throw' }).entry, 't1', 'r1', ['gpu']);
    await vi.advanceTimersByTimeAsync(0);
    expect(warnings.sort()).toEqual(['job-aaaa0001: disk full', 'job-aaaa0001: job is ending']);
  });
});
