// tasks.jsonl as a journal (issue 25 §1, §4; issue 28 §6): a group line commits its records on
// its own; a run's start written by its run counts only once its start mark (written right before
// its command runs) or a later record of it follows; a torn line is skipped.
import { appendFileSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Run, Task, TaskRecord } from '../../../src/jobs/model/task.js';
import { appendTaskRecordLines, formatRecordGroupLine, formatStartMarkLine, formatTaskRecordLines, MAX_TASK_LOG_BYTES, readTaskRecords } from '../../../src/store/task-log.js';
import { getFsyncCount } from '../../../src/store/atomic-write.js';
import { makeTempDir } from '../../helpers/temp.js';

const T = '2026-12-06T00:00:00.000Z';
const task = (id: string, status: Task['status'], attempts = 0): Task => ({ id, phase: 0, title: id, input: id, status, dependsOn: [], claims: [], attempts, result: null, filesModified: [] });
const run = (id: string, taskId: string, state: Run['state']): Run => ({ id, taskId, attempt: 1, worker: 'sh[abcd-0]', startedAt: T, state, output: { file: `runs/${id}.log`, section: 's' } });
const taskRecord = (value: Task, seq = 1): TaskRecord => ({ kind: 'task', seq, task: value });
const runRecord = (value: Run, seq = 1): TaskRecord => ({ kind: 'run', seq, run: value });

function journal(text: string): TaskRecord[] {
  const path = join(makeTempDir(), 'tasks.jsonl');
  writeFileSync(path, text);
  return readTaskRecords(path)!.records;
}

const describeRecords = (records: TaskRecord[]): string[] => records.map((record) => (record.kind === 'task' ? `${record.task.id} ${record.task.status} @${record.seq}` : `${record.run.id} ${record.run.state.status} @${record.seq}`));

describe('the journal read back', () => {
  it('takes a group\'s records as committed by their line (seq 0), in order with single records', () => {
    const text = formatTaskRecordLines([taskRecord(task('t1', 'todo'), 1), taskRecord(task('t2', 'todo'), 1)]) + formatRecordGroupLine([taskRecord(task('t1', 'done'), 7), runRecord(run('r1', 't1', { status: 'succeeded', endedAt: T }), 7)]);
    expect(describeRecords(journal(text))).toEqual(['t1 todo @1', 't2 todo @1', 't1 done @0', 'r1 succeeded @0']);
  });

  it('counts a run\'s own start only once its start mark follows it', () => {
    const start = formatRecordGroupLine([taskRecord(task('t1', 'claimed', 1), 3), runRecord(run('r1', 't1', { status: 'running' }), 3)], 'r1');
    const base = formatTaskRecordLines([taskRecord(task('t1', 'todo'), 1)]);
    // Cut off between its record and its command: it never began.
    expect(describeRecords(journal(base + start))).toEqual(['t1 todo @1']);
    // Its mark follows: it began.
    expect(describeRecords(journal(`${base + start + formatStartMarkLine('r1')}\n`))).toEqual(['t1 todo @1', 't1 claimed @0', 'r1 running @0']);
  });

  it('counts a start without its mark when a later record of the run says it ran (its end)', () => {
    const start = formatRecordGroupLine([taskRecord(task('t1', 'claimed', 1), 3), runRecord(run('r1', 't1', { status: 'running' }), 3)], 'r1');
    const end = formatRecordGroupLine([taskRecord(task('t1', 'done', 1), 4), runRecord(run('r1', 't1', { status: 'succeeded', endedAt: T }), 4)]);
    expect(describeRecords(journal(start + end))).toEqual(['t1 claimed @0', 'r1 running @0', 't1 done @0', 'r1 succeeded @0']);
  });

  it('keeps other runs\' starts apart: a mark confirms its own run only', () => {
    const first = formatRecordGroupLine([runRecord(run('r1', 't1', { status: 'running' }))], 'r1');
    const second = formatRecordGroupLine([runRecord(run('r2', 't2', { status: 'running' }))], 'r2');
    expect(describeRecords(journal(`${first}${second}${formatStartMarkLine('r2')}\n`))).toEqual(['r2 running @0']);
  });

  it('skips a torn last line and blank lines, and counts what it skipped', () => {
    const path = join(makeTempDir(), 'tasks.jsonl');
    writeFileSync(path, `\n${formatTaskRecordLines([taskRecord(task('t1', 'todo'))])}\n`);
    appendFileSync(path, '{"kind":"task","seq":2,"task":{"id":"t1","pha');
    const read = readTaskRecords(path)!;
    expect(describeRecords(read.records)).toEqual(['t1 todo @1']);
    expect(read.skippedLines).toBe(1);
  });
});

// The record schema is built at a process's first read of a task log, and kept: each test of the
// hostile lines reads with a module of its own, so that its checks meet a schema it built.
let readFresh = readTaskRecords;
// A record line as jobline writes it, then edited.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Edit = (record: any) => void;
const TASK_LINE = () => JSON.parse(formatTaskRecordLines([taskRecord(task('t1', 'todo'))]));
const RUN_LINE = () => JSON.parse(formatTaskRecordLines([runRecord({ ...run('r1', 't1', { status: 'running' }), output: { file: 'output.log', section: 's' } })]));

function isKept(line: unknown): boolean {
  const path = join(makeTempDir(), 'tasks.jsonl');
  writeFileSync(path, `${JSON.stringify(line)}\n`);
  const read = readFresh(path)!;
  expect(read.records.length + read.skippedLines).toBe(1);
  return read.records.length === 1;
}

const edited = (make: () => unknown, edit: Edit) => {
  const line = make();
  edit(line);
  return line;
};

describe('a hostile or hand-edited line of the journal', () => {
  beforeEach(async () => {
    vi.resetModules();
    readFresh = (await import('../../../src/store/task-log.js')).readTaskRecords;
  });

  it('of a task is skipped unless every field has jobline\'s shape', () => {
    const refused: Edit[] = [
      (r) => (r.task.id = 'xt1'), (r) => (r.task.id = 't1x'), (r) => (r.task.id = 't'),
      (r) => (r.task.phase = -1), (r) => (r.task.phase = 0.5), (r) => (r.task.attempts = -1),
      (r) => (r.task.claims = ['c'.repeat(4097)]), (r) => (r.task.filesModified = ['f'.repeat(4097)]),
      (r) => (r.task.dependsOn = ['x']), (r) => (r.task.title = 't'.repeat(10_001)), (r) => (r.task.status = 'weird'),
      (r) => (r.seq = -1), (r) => (r.kind = 'other'),
    ];
    for (const edit of refused) expect(isKept(edited(TASK_LINE, edit)), edit.toString()).toBe(false);
    const accepted: Edit[] = [
      () => {}, (r) => (r.task.id = 't123456789'), (r) => (r.task.phase = 3), (r) => (r.task.attempts = 2),
      (r) => (r.task.claims = ['c'.repeat(4096)]), (r) => (r.task.filesModified = ['f'.repeat(4096)]), (r) => (r.task.dependsOn = ['t12']),
      (r) => (r.removed = true),
    ];
    for (const edit of accepted) expect(isKept(edited(TASK_LINE, edit)), edit.toString()).toBe(true);
  });

  it('of a run is skipped unless every field has jobline\'s shape', () => {
    const refused: Edit[] = [
      (r) => (r.run.id = 'xr1'), (r) => (r.run.id = 'r1x'), (r) => (r.run.taskId = 'x'), (r) => (r.run.attempt = 0),
      (r) => (r.run.worker = ' sh[abcd-0]'), (r) => (r.run.worker = 'sh[abcd-0]x'), (r) => (r.run.worker = 'sh[abcd-0]@-x'), (r) => (r.run.worker = 'sh[abcd-0]@a b'),
      (r) => (r.run.worker = `sh[abcd-0]@h${'x'.repeat(64)}`),
      (r) => (r.run.startedAt = 'x2026-12-06T00:00:00Z'), (r) => (r.run.startedAt = '2026-12-06T00:00:00Zx'), (r) => (r.run.startedAt = '2026-12-06T00:00:00.1234Z'),
      (r) => (r.run.state = { status: 'succeeded' }), (r) => (r.run.state = { status: 'failed', endedAt: T }), (r) => (r.run.state = { status: 'interrupted', endedAt: T }),
      (r) => (r.run.state = { status: 'weird', endedAt: T }),
      (r) => (r.run.output = {}), (r) => (r.run.output = { file: '../x.log', section: 's' }), (r) => (r.run.output = { file: 'output.log', section: 's'.repeat(401) }),
      (r) => (r.run.filesModified = ['f'.repeat(4097)]), (r) => (r.run.filesModified = Array.from({ length: 10_001 }, () => 'f')),
      (r) => (r.run.tokenHash = `x${'a'.repeat(64)}`), (r) => (r.run.tokenHash = `${'a'.repeat(64)}x`), (r) => (r.run.tokenHash = 'g'.repeat(64)), (r) => (r.run.tokenHash = 'a'),
      (r) => (r.run.usage = {}), (r) => (r.run.usage = { input: -1, output: 0, cached: 0 }), (r) => (r.run.usage = { input: 0, output: -1, cached: 0 }),
      (r) => (r.run.usage = { input: 0, output: 0, cached: -1 }), (r) => (r.run.usage = { input: 0, output: 0, cached: 0, costUsd: -1 }),
      (r) => (r.run.waitingFor = Array.from({ length: 17 }, () => 'gpu')), (r) => (r.run.waitingFor = ['-gpu']), (r) => (r.run.waitingFor = ['gpu!']),
      (r) => (r.run.waitingFor = ['g'.repeat(33)]), (r) => (r.run.waitingFor = ['xgpu x']),
    ];
    for (const edit of refused) expect(isKept(edited(RUN_LINE, edit)), edit.toString()).toBe(false);
    const accepted: Edit[] = [
      () => {}, (r) => (r.run.id = 'r123456789'), (r) => (r.run.attempt = 3), (r) => (r.run.worker = 'sh[abcd-123456]'), (r) => (r.run.worker = 'sh[abcd-0]@h'),
      (r) => (r.run.worker = `sh[abcd-0]@host-1.x${'y'.repeat(55)}`), (r) => (r.run.startedAt = '2026-12-06T00:00:00Z'), (r) => (r.run.startedAt = '2026-12-06T00:00:00.5Z'),
      (r) => (r.run.state = { status: 'succeeded', endedAt: T }), (r) => (r.run.state = { status: 'failed', endedAt: T, error: 'e' }),
      (r) => (r.run.state = { status: 'cancelled', endedAt: T }), (r) => (r.run.state = { status: 'interrupted', endedAt: T, reason: 'r' }),
      (r) => (r.run.output = { file: 'runs/r1.log', section: 's'.repeat(400) }),
      (r) => (r.run.filesModified = Array.from({ length: 10_000 }, () => 'f'.repeat(10))), (r) => (r.run.filesModified = ['f'.repeat(4096)]),
      (r) => (r.run.tokenHash = '0123456789abcdef'.repeat(4)), (r) => (r.run.usage = { input: 1, output: 2, cached: 3, costUsd: 0.5 }),
      (r) => (r.run.waitingFor = Array.from({ length: 16 }, () => 'gpu')), (r) => (r.run.waitingFor = ['g'.repeat(32), 'a1_.-', '9']),
    ];
    for (const edit of accepted) expect(isKept(edited(RUN_LINE, edit)), edit.toString()).toBe(true);
  });

  it('of a group or a start mark is skipped unless it names runs as jobline does', () => {
    const group = (start?: string) => JSON.parse(formatRecordGroupLine([taskRecord(task('t1', 'todo'))], start));
    expect(isKept(group())).toBe(true);
    for (const start of ['xr1', 'r1x', 'rx', 'r']) expect(isKept(group(start)), start).toBe(false);
    expect(isKept({ kind: 'group', records: Array.from({ length: 1001 }, () => taskRecord(task('t1', 'todo'))) })).toBe(false);
    // A mark of a run of many digits confirms it; a mark of another shape is skipped.
    const path = join(makeTempDir(), 'tasks.jsonl');
    writeFileSync(path, `${formatRecordGroupLine([runRecord(run('r12', 't1', { status: 'running' }))], 'r12')}${formatStartMarkLine('r12')}\n${JSON.stringify({ kind: 'started', run: 'xr1' })}\n${JSON.stringify({ kind: 'started', run: 'r1x' })}\n${JSON.stringify({ kind: 'started', run: 'rx' })}\n`);
    expect(readFresh(path)).toMatchObject({ skippedLines: 3, records: [{ kind: 'run', run: { id: 'r12' } }] });
  });
});

describe('the journal file', () => {
  it('is appended fsynced', () => {
    const path = join(makeTempDir(), 'tasks.jsonl');
    const before = getFsyncCount();
    appendTaskRecordLines(path, formatTaskRecordLines([taskRecord(task('t1', 'todo'))]));
    expect(getFsyncCount()).toBe(before + 1);
  });

  it('that does not exist reads as none; one that cannot be read, or is far too large, is an error', () => {
    const dir = makeTempDir();
    expect(readTaskRecords(join(dir, 'none.jsonl'))).toBeNull();
    const link = join(dir, 'link.jsonl');
    symlinkSync(join(dir, 'none.jsonl'), link);
    expect(() => readTaskRecords(link)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    const huge = join(dir, 'huge.jsonl');
    writeFileSync(huge, '');
    truncateSync(huge, MAX_TASK_LOG_BYTES + 1);
    expect(() => readTaskRecords(huge)).toThrow(`${huge} is larger than any task log jobline writes`);
  });

  it('reads lines of blanks as blank (not skipped), and closes what it opened', () => {
    const path = join(makeTempDir(), 'tasks.jsonl');
    writeFileSync(path, `   \n${formatTaskRecordLines([taskRecord(task('t1', 'todo'))])}\t\n`);
    expect(readTaskRecords(path)).toMatchObject({ skippedLines: 0, records: [{ kind: 'task' }] });
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 50; i++) readTaskRecords(path);
    expect(open() - before).toBeLessThan(5);
  });
});
