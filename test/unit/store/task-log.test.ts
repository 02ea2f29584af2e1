// tasks.jsonl as a journal (issue 25 §1, §4; issue 28 §6): a group line commits its records on
// its own; a run's start written by its run counts only once its start mark (written right before
// its command runs) or a later record of it follows; a torn line is skipped.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Run, Task, TaskRecord } from '../../../src/jobs/model/task.js';
import { formatRecordGroupLine, formatStartMarkLine, formatTaskRecordLines, readTaskRecords } from '../../../src/store/task-log.js';
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
