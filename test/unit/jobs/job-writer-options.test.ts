// What the job writer asks of the store for each write: a board written whole, a change of counters
// only (the journal takes it, and job.json catches up within the progress interval), an end's
// manifest, a rename that must survive a power loss; merged changes keep the strongest of each.
// Also: the ended job's manifest, progress and checkpoint writes, and what an exit path or settle
// sees of a write on its way. A recording store whose writes land when the test says.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import type { JobManifest } from '../../../src/jobs/model/manifest.js';
import type { TaskRecord } from '../../../src/jobs/model/task.js';
import type { CommitOptions, JobRepository } from '../../../src/jobs/ports/repository.js';
import { JobWriter } from '../../../src/jobs/service/job-writer.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';

interface Written {
  how: 'sync' | 'async';
  seq: number;
  status: Job['status'];
  events: unknown[];
  records: unknown[];
  options: Partial<CommitOptions>;
}

// A store that records every write; `hold` keeps async writes in flight until `land` (or `fail`).
function recordingStore() {
  const written: Written[] = [];
  const manifests: JobManifest[] = [];
  const held: Array<{ finish: (error?: Error) => void }> = [];
  const state = { isHolding: false, failing: 0, manifestError: null as Error | null };
  const store = {
    writeSync: (job: Job, events: JobEvent[] = [], records: TaskRecord[] = [], options: { isBoardWhole?: boolean } = {}) => {
      written.push({ how: 'sync', seq: job.eventSeq, status: job.status, events: events.map((e) => e.type), records: [...records], options });
    },
    write: async (job: Job, events: JobEvent[], options: CommitOptions, records: TaskRecord[] = []) => {
      if (state.isHolding) await new Promise<void>((resolve, reject) => held.push({ finish: (error) => (error ? reject(error) : resolve()) }));
      if (state.failing > 0) {
        state.failing--;
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'JOB_IO' });
      }
      written.push({ how: 'async', seq: job.eventSeq, status: job.status, events: events.map((e) => e.type), records: [...records], options });
    },
    writeManifestSync: (manifest: JobManifest) => {
      if (state.manifestError) throw state.manifestError;
      manifests.push(manifest);
    },
  } as unknown as JobRepository;
  return { store, written, manifests, held, state };
}

const event = (type: JobEvent['type']): JobEvent => ({ ts: FIXED_NOW, type });
const record = (seq: number): TaskRecord => ({ kind: 'task', seq, task: { id: 't1', phase: 0, title: 'a', input: '', status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] } });
const MANIFEST = { id: 'job-aaaaaaaa' } as unknown as JobManifest;
const turn = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function makeWriter(flushMs = 1000) {
  const recorded = recordingStore();
  const failed: Array<{ seq: number; error: unknown }> = [];
  const recovered: number[] = [];
  const writer = new JobWriter(recorded.store, flushMs, { writeFailed: (job, error) => failed.push({ seq: job.eventSeq, error }), recovered: (job) => recovered.push(job.eventSeq) });
  return { ...recorded, writer, failed, recovered };
}

const running = (eventSeq: number): Job => makeJob({ id: 'job-aaaaaaaa', status: 'running', eventSeq });

describe('JobWriter: what each write asks of the store', () => {
  it('writes a creation whose board is whole as such, and one without a board as not whole, with no stray records', async () => {
    const { writer, written } = makeWriter();
    await writer.write(makeJob({ id: 'job-aaaaaaaa' }), [event('created')], false, [record(1)], { isBoardWhole: true });
    await writer.write(makeJob({ id: 'job-bbbbbbbb' }), [event('created')]);
    expect(written.map((w) => [w.how, w.options.isBoardWhole, w.records.length])).toEqual([['sync', true, 1], ['sync', false, 0]]);
  });

  it('writes a change with records whole to job.json unless it changed counters only', async () => {
    const { writer, written } = makeWriter();
    await writer.write(running(2), [event('task_started')], false, [record(2)]);
    await writer.write(running(3), [event('task_completed')], false, [record(3)], { isCountersOnly: true });
    // Counters only, but nothing for the journal to carry: job.json itself is written.
    await writer.write(running(4), [], false, [], { isCountersOnly: true });
    await writer.write(running(5), [event('started')], false, [], { isBoardWhole: true });
    expect(written.map((w) => [w.seq, w.options.isJournalOnly, w.options.isBoardWhole, w.options.isRenameDurable, w.records.length])).toEqual([
      [2, false, false, false, 1],
      [3, true, false, false, 1],
      [4, false, false, false, 0],
      [5, false, true, false, 0],
    ]);
  });

  it('merges changes made in one turn keeping the strongest of each: whole board, durable rename, the manifest', async () => {
    const { writer, written } = makeWriter();
    await Promise.all([
      writer.write(running(2), [event('task_started')], false, [record(2)], { isCountersOnly: true }),
      writer.write(running(3), [event('task_completed')], false, [record(3)], { isBoardWhole: true }),
      writer.write(makeJob({ id: 'job-aaaaaaaa', status: 'completed', eventSeq: 4 }), [event('completed')], false, [], { manifest: MANIFEST }),
      writer.write(makeJob({ id: 'job-aaaaaaaa', status: 'completed', eventSeq: 5 }), [event('dismissed')]),
    ]);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ seq: 5, events: ['task_started', 'task_completed', 'completed', 'dismissed'], options: { isJournalOnly: false, isBoardWhole: true, isRenameDurable: true, manifest: MANIFEST } });
    expect(written[0]!.records).toHaveLength(2);
  });

  it('keeps a merged write rename-durable when the durable change came first, and not whole when none was', async () => {
    const { writer, written } = makeWriter();
    await Promise.all([
      writer.write(makeJob({ id: 'job-aaaaaaaa', status: 'completed', eventSeq: 2 }), [event('completed')], false, [], { isBoardWhole: true }),
      writer.write(makeJob({ id: 'job-aaaaaaaa', status: 'completed', eventSeq: 3 }), [event('dismissed')]),
    ]);
    await Promise.all([writer.write(running(4), [event('started')]), writer.write(running(5), [event('task_started')])]);
    expect(written.map((w) => [w.seq, w.options.isRenameDurable, w.options.isBoardWhole])).toEqual([[3, true, true], [5, false, false]]);
  });

  it('writes merged changes of counters only to the journal, and any full change among them to job.json', async () => {
    const { writer, written } = makeWriter();
    await Promise.all([
      writer.write(running(2), [event('task_completed')], false, [record(2)], { isCountersOnly: true }),
      writer.write(running(3), [event('task_completed')], false, [record(3)], { isCountersOnly: true }),
    ]);
    await Promise.all([
      writer.write(running(4), [event('task_completed')], false, [record(4)], { isCountersOnly: true }),
      writer.write(running(5), [event('task_started')], false, [record(5)]),
    ]);
    expect(written.map((w) => [w.seq, w.options.isJournalOnly])).toEqual([[3, true], [5, false]]);
  });

  it('keeps one write of a job on its way at a time: changes made meanwhile wait for it', async () => {
    const { writer, written, held, state } = makeWriter();
    state.isHolding = true;
    const first = writer.write(running(2), [event('task_started')]);
    await turn();
    const second = writer.write(running(3), [event('task_completed')]);
    await turn();
    expect(held).toHaveLength(1); // the second waits for the first
    held[0]!.finish();
    await first;
    await turn();
    expect(held).toHaveLength(2);
    held[1]!.finish();
    await second;
    expect(written.map((w) => w.seq)).toEqual([2, 3]);
  });

  it('tells the owner of a failed write of a bulk creation merged with the job\'s start nothing: the submitter hears it', async () => {
    const { writer, failed, state } = makeWriter();
    state.failing = 1;
    const creation = writer.write(makeJob({ id: 'job-aaaaaaaa' }), [event('created')], true);
    const start = writer.write(running(2), [event('started')]);
    await expect(creation).rejects.toThrow('ENOSPC');
    await expect(start).rejects.toThrow('ENOSPC');
    expect(failed).toEqual([]);
  });
});

describe('JobWriter: manifests, progress, checkpoints, exits', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes an ended job\'s manifest, and tells a manifest that cannot be written as a failed write, without throwing', () => {
    const { writer, manifests, failed, state } = makeWriter();
    writer.writeManifest(running(7), () => MANIFEST);
    expect(manifests).toEqual([MANIFEST]);
    const error = new Error('EROFS: read-only file system');
    state.manifestError = error;
    expect(() => writer.writeManifest(running(8), () => MANIFEST)).not.toThrow();
    expect(failed).toEqual([{ seq: 8, error }]);
  });

  it('writes progress as job.json alone (no events, no records, not durable), and tells the owner when it fails', async () => {
    const { writer, written, failed, state } = makeWriter();
    writer.scheduleProgress('job-aaaaaaaa', () => running(3));
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([{ how: 'async', seq: 3, status: 'running', events: [], records: [], options: { isRenameDurable: false, isBoardWhole: false, isJournalOnly: false } }]);
    state.failing = 1;
    writer.scheduleProgress('job-aaaaaaaa', () => running(4));
    await vi.advanceTimersByTimeAsync(1000);
    expect(failed.map((f) => f.seq)).toEqual([4]);
  });

  it('keeps a pending progress write when a change of counters only lands before it (that change does not replace job.json)', async () => {
    const { writer, written } = makeWriter();
    // The progress write reads the job as it is in memory then (newer than the change below).
    writer.scheduleProgress('job-aaaaaaaa', () => running(4));
    await writer.write(running(3), [event('task_completed')], false, [record(3)], { isCountersOnly: true });
    await vi.advanceTimersByTimeAsync(3000);
    expect(written.map((w) => [w.seq, w.options.isJournalOnly])).toEqual([[3, true], [4, false]]);
  });

  it('writes one checkpoint of the newest state after several changes of counters only within an interval', async () => {
    const { writer, written } = makeWriter();
    await writer.write(running(2), [event('task_completed')], false, [record(2)], { isCountersOnly: true });
    await vi.advanceTimersByTimeAsync(400);
    await writer.write(running(3), [event('task_completed')], false, [record(3)], { isCountersOnly: true });
    await vi.advanceTimersByTimeAsync(2000);
    expect(written.map((w) => [w.seq, w.options.isJournalOnly, w.options.isRenameDurable, w.events, w.records.length])).toEqual([[2, true, false, ['task_completed'], 1], [3, true, false, ['task_completed'], 1], [3, false, false, [], 0]]);
  });

  it('drops a checkpoint once a full write of the same state landed', async () => {
    const { writer, written } = makeWriter();
    await writer.write(running(2), [event('task_completed')], false, [record(2)], { isCountersOnly: true });
    await writer.write(running(2), [], false, []);
    await vi.advanceTimersByTimeAsync(2000);
    expect(written.map((w) => [w.seq, w.options.isJournalOnly])).toEqual([[2, true], [2, false]]);
  });

  it('holds a checkpoint back while a newer write is on its way, and then drops it: no stale write, no warning', async () => {
    const { writer, written, held, state, failed } = makeWriter();
    await writer.write(running(2), [event('task_completed')], false, [record(2)], { isCountersOnly: true });
    state.isHolding = true;
    const newer = writer.write(running(5), [event('task_started')]);
    await vi.advanceTimersByTimeAsync(1500); // the checkpoint's time: a write is on its way
    expect(held).toHaveLength(1);
    state.isHolding = false;
    held[0]!.finish();
    await newer;
    await vi.advanceTimersByTimeAsync(3000);
    expect(written.map((w) => w.seq)).toEqual([2, 5]);
    expect(failed).toEqual([]);
  });

  it('hands an exit path the changes of this turn, not yet on their way, and never writes them', async () => {
    const { writer, written } = makeWriter();
    void writer.write(running(2), [event('task_started')], false, [record(2)], { isBoardWhole: true }).catch(() => {});
    expect(writer.takeForExit('job-aaaaaaaa')).toEqual({ inFlightSeq: null, queued: { events: [event('task_started')], records: [record(2)], isBoardWhole: true } });
    await vi.advanceTimersByTimeAsync(10);
    expect(written).toEqual([]);
  });

  it('settles once a write on its way has landed', async () => {
    const { writer, held, state } = makeWriter();
    state.isHolding = true;
    const write = writer.write(running(2), [event('task_started')]);
    await vi.advanceTimersByTimeAsync(0);
    let isSettled = false;
    const settled = writer.settle().then(() => (isSettled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(isSettled).toBe(false);
    held[0]!.finish();
    await write;
    await settled;
    expect(isSettled).toBe(true);
  });
});
