// The one commit path on a fake repository: a change is written with its events and records (the
// whole board when it is not on disk yet), durably unless asked otherwise, and only then returned;
// a failed write returns nothing. A job read for a change whose owner is gone is interrupted first,
// dated by its last activity; a failed write of that leaves it reading the same, to be written whole.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import type { Task, TaskBoard, TaskRecord } from '../../../src/jobs/model/task.js';
import type { JobRepository } from '../../../src/jobs/ports/repository.js';
import { commitStoredJob, commitSync, settleStoredJob, type StoredJob } from '../../../src/jobs/service/job-commit.js';
import { makeJob } from '../../helpers/jobs.js';

const GONE = { pid: 4_000_000, hostname: hostname(), processStartedAt: '2026-12-06T07:00:00.000Z' };
const NOW = '2026-12-06T08:00:00.000Z';

function task(id: string, status: Task['status']): Task {
  return { id, phase: 0, title: id, input: id, status, dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] };
}

function repositoryOf(job: Job, board: TaskBoard, options: { isRecorded?: boolean; isWriteFailing?: boolean; modifiedAt?: string } = {}) {
  const writes: Array<{ job: Job; events: JobEvent[]; records: TaskRecord[]; options: unknown }> = [];
  const claims: string[] = [];
  const repository = {
    readForUpdate: () => ({ job, modifiedAt: options.modifiedAt ?? '2026-12-06T07:30:00.000Z' }),
    readBoard: async () => ({ board, isRecorded: options.isRecorded ?? true }),
    writeSync: (written: Job, events: JobEvent[], records: TaskRecord[], writeOptions: unknown) => {
      if (options.isWriteFailing) throw Object.assign(new Error('ENOSPC: no space left'), { code: 'JOB_IO' });
      writes.push({ job: written, events, records, options: writeOptions });
    },
    withJobClaim: async <T>(id: string, work: () => Promise<T>) => {
      claims.push(id);
      return work();
    },
  } as unknown as JobRepository;
  return { repository, writes, claims };
}

describe('commitSync', () => {
  it('writes the change with its events, durably by default, and returns the new state as recorded', () => {
    const job = makeJob({ status: 'queued' }, ['run']);
    const stored: StoredJob = { state: { job, board: { tasks: [task('t1', 'todo')], runs: [] } }, isBoardRecorded: true };
    const { repository, writes } = repositoryOf(job, stored.state.board);
    const result = commitSync(repository, stored, [{ type: 'cancel' }], NOW);
    expect(result.stored.state.job.status).toBe('cancelled');
    expect(result.stored.isBoardRecorded).toBe(true);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.job).toBe(result.stored.state.job);
    expect(writes[0]!.events).toEqual(result.events);
    expect(result.events.map((event) => event.type)).toContain('cancelled');
    expect(writes[0]!.options).toEqual({ isBoardWhole: false, isRenameDurable: true });
    commitSync(repository, stored, [{ type: 'cancel' }], NOW, [], false);
    expect(writes[1]!.options).toEqual({ isBoardWhole: false, isRenameDurable: false });
  });

  it('writes the whole board with the first change of a job whose board is not on disk as records', () => {
    const job = makeJob({ status: 'queued' }, ['run']);
    const board = { tasks: [task('t1', 'todo'), task('t2', 'todo')], runs: [] };
    const { repository, writes } = repositoryOf(job, board);
    const result = commitSync(repository, { state: { job, board }, isBoardRecorded: false }, [{ type: 'cancel' }], NOW);
    expect(writes[0]!.options).toEqual({ isBoardWhole: true, isRenameDurable: true });
    expect(writes[0]!.records.flatMap((record) => (record.kind === 'task' ? [record.task.id] : []))).toEqual(['t1', 't2']);
    expect(result.stored.isBoardRecorded).toBe(true);
  });

  it('returns nothing and throws the write\'s error when the write fails', () => {
    const job = makeJob({ status: 'queued' }, ['run']);
    const { repository } = repositoryOf(job, { tasks: [], runs: [] }, { isWriteFailing: true });
    expect(() => commitSync(repository, { state: { job, board: { tasks: [], runs: [] } }, isBoardRecorded: true }, [{ type: 'cancel' }], NOW)).toThrow('ENOSPC: no space left');
  });
});

describe('settleStoredJob and commitStoredJob', () => {
  it('reads a job whose owner lives as it is', async () => {
    const job = makeJob({ status: 'running' }, ['run']);
    const board = { tasks: [task('t1', 'todo')], runs: [] };
    const { repository, writes } = repositoryOf(job, board, { isRecorded: false });
    expect(await settleStoredJob(repository, job.id, NOW)).toEqual({ state: { job, board }, isBoardRecorded: false });
    expect(writes).toEqual([]);
  });

  it('records the interruption of a job whose owner is gone, dated by its last activity, found out now', async () => {
    const job = makeJob({ status: 'running', owner: GONE, startedAt: '2026-12-06T07:10:00.000Z' }, ['run']);
    const { repository, writes } = repositoryOf(job, { tasks: [], runs: [] }, { modifiedAt: '2026-12-06T07:30:00.000Z' });
    const settled = await settleStoredJob(repository, job.id, NOW);
    expect(settled.state.job).toMatchObject({ status: 'interrupted', endedAt: '2026-12-06T07:30:00.000Z' });
    expect(settled.isBoardRecorded).toBe(true);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.events.find((event) => event.type === 'interrupted')).toMatchObject({ ts: '2026-12-06T07:30:00.000Z', detectedAt: NOW });
  });

  it('reads an orphaned job as interrupted even when that cannot be written, to be written whole by the next writer', async () => {
    const job = makeJob({ status: 'running', owner: GONE }, ['run']);
    const { repository } = repositoryOf(job, { tasks: [], runs: [] }, { isWriteFailing: true });
    const settled = await settleStoredJob(repository, job.id, NOW);
    expect(settled.state.job.status).toBe('interrupted');
    expect(settled.isBoardRecorded).toBe(false);
  });

  it('commits a change to a job of the folder under its claim, and returns the job as written', async () => {
    const job = makeJob({ status: 'queued' }, ['run']);
    const { repository, writes, claims } = repositoryOf(job, { tasks: [], runs: [] });
    const written = await commitStoredJob(repository, job.id, [{ type: 'cancel' }], NOW);
    expect(claims).toEqual([job.id]);
    expect(written.status).toBe('cancelled');
    expect(writes[0]!.job).toBe(written);
  });
});
