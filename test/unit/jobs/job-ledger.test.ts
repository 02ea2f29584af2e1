// A job's ledger on a scripted writer: a change is the job's latest state at once, its saved state
// and its events only once its write landed; a refused write undoes it and every change made on top
// of it, blocks the job's new work for a doubling delay, then has it planned again. A start handed
// over to its run survives the refusal of its own write. The exit path's synchronous interrupt
// builds on what is on disk, carrying the changes queued behind the write in flight.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentSpec } from '../../../src/agents/agent.js';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import { applyActions, type JobState } from '../../../src/jobs/model/job-state.js';
import type { Task, TaskBoard, TaskRecord } from '../../../src/jobs/model/task.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';
import type { JobRepository } from '../../../src/jobs/ports/repository.js';
import { JobLedger, type JobReporter } from '../../../src/jobs/service/job-ledger.js';
import type { ExitWrites, JobWriter, WriteCallbacks } from '../../../src/jobs/service/job-writer.js';
import { commandAgent, makeJob } from '../../helpers/jobs.js';

const START_MS = Date.parse('2026-12-06T08:00:00.000Z');

function task(id: string, status: Task['status'] = 'todo', dependsOn: string[] = []): Task {
  return { id, phase: 0, title: id, input: id, status, dependsOn, claims: [], attempts: 0, result: null, filesModified: [] };
}

interface WriteCall {
  job: Job;
  events: JobEvent[];
  isBulk: boolean;
  records: TaskRecord[];
  callbacks: WriteCallbacks;
  land(): void;
  refuse(error?: Error): void;
}

// A JobWriter whose writes land or fail when the test says so (callbacks first, then the promise, as JobWriter does).
function scriptedWriter(exit: ExitWrites = { inFlightSeq: null, queued: null }) {
  const calls: WriteCall[] = [];
  const writer = {
    write(job: Job, events: readonly JobEvent[], isBulk = false, records: readonly TaskRecord[] = [], callbacks: WriteCallbacks = {}): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        calls.push({
          job,
          events: [...events],
          isBulk,
          records: [...records],
          callbacks,
          land: () => {
            callbacks.landed?.();
            resolve();
          },
          refuse: (error = new Error('ENOSPC: no space left on device')) => {
            callbacks.refused?.(error);
            reject(error);
          },
        });
      });
    },
    takeForExit: () => exit,
  } as unknown as JobWriter;
  return { writer, calls };
}

function recordingReporter() {
  const changed: Job[] = [];
  const events: Array<{ job: Job; event: JobEvent }> = [];
  const warnings: string[] = [];
  const reporter: JobReporter = {
    changed: (job) => changed.push(job),
    event: (job, event) => events.push({ job, event }),
    output: () => {},
    activity: () => {},
    text: () => {},
    progress: () => {},
    warning: (message) => warnings.push(message),
  };
  return { reporter, changed, events, warnings };
}

const AGENT = commandAgent('build', { run: 'true' });

// A running job of one phase whose task t1 runs (r1), t2 and t4 wait, t3 waits for t1.
function runningState(): JobState {
  const job = makeJob({ status: 'queued' }, ['run']);
  const board: TaskBoard = { tasks: [task('t1'), task('t2'), task('t3', 'todo', ['t1']), task('t4')], runs: [] };
  return applyActions({ job, board }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }], '2026-12-06T07:59:00.000Z').state;
}

function ledgerOf(state: JobState, options: { isRecorded?: boolean; isSaved?: boolean; agent?: AgentSpec; exit?: ExitWrites } = {}) {
  const { writer, calls } = scriptedWriter(options.exit);
  const reported = recordingReporter();
  let second = 0;
  const now = () => new Date(START_MS + 1000 * second++).toISOString();
  const ledger = new JobLedger(state.job, { board: state.board, isRecorded: options.isRecorded ?? true }, options.agent ?? AGENT, '/work', writer, reported.reporter, now, options.isSaved ?? true);
  return { ledger, calls, ...reported };
}

const START_T2: JobAction[] = [{ type: 'startTask', taskId: 't2', worker: 1 }];
const types = (events: readonly JobEvent[]) => events.map((event) => event.type);
const openRuns = (board: TaskBoard) => board.runs.filter((run) => run.state.status === 'running').map((run) => `${run.id}:${run.taskId}`);

beforeEach(() => {
  vi.useFakeTimers({ now: START_MS });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('JobLedger: the agent a job runs', () => {
  const llm = { type: 'llm', name: 'build', summary: 'build', model: 'small-1', phases: [], workspace: '/work', allowCommands: [], secretEnvNames: [] } as unknown as AgentSpec;

  it("runs an LLM agent on the job's own model when it names another one", () => {
    const { ledger } = ledgerOf({ job: makeJob({ model: 'large-2' }), board: { tasks: [], runs: [] } }, { agent: llm });
    expect(ledger.agent).toEqual({ ...llm, model: 'large-2' });
    expect((llm as { model: string }).model).toBe('small-1');
  });

  it("keeps the agent as configured when the job names no model, the agent's own, or the agent runs commands", () => {
    expect(ledgerOf({ job: makeJob(), board: { tasks: [], runs: [] } }, { agent: llm }).ledger.agent).toBe(llm);
    expect(ledgerOf({ job: makeJob({ model: 'small-1' }), board: { tasks: [], runs: [] } }, { agent: llm }).ledger.agent).toBe(llm);
    expect(ledgerOf({ job: makeJob({ model: 'large-2' }), board: { tasks: [], runs: [] } }).ledger.agent).toBe(AGENT);
  });
});

describe('JobLedger.commit', () => {
  it('makes the change the latest state at once, and the saved state, with its events reported, only once it landed', async () => {
    const state = runningState();
    const { ledger, calls, changed, events } = ledgerOf(state);
    const committed = ledger.commit(START_T2);
    expect(ledger.id).toBe(state.job.id);
    expect(openRuns(ledger.board)).toEqual(['r1:t1', 'r2:t2']);
    expect(changed).toEqual([ledger.job]);
    expect(ledger.savedJob).toBe(state.job);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.job).toBe(ledger.job);
    expect(calls[0]!.isBulk).toBe(false);
    // Only the transition's events: none of its own unless given.
    expect(types(calls[0]!.events)).toEqual(['task_started']);
    expect(calls[0]!.records.map((record) => record.kind)).toEqual(['task', 'run']);
    expect(calls[0]!.callbacks.isBoardWhole).toBe(false);
    expect(events).toEqual([]);
    calls[0]!.land();
    await committed;
    expect(ledger.savedJob).toBe(ledger.job);
    expect(events.map(({ event }) => event.type)).toEqual(['task_started']);
    expect(events[0]!.job).toBe(ledger.job);
  });

  it('writes a job submitted in bulk through the write threads, and leading events before the transition', async () => {
    const { ledger, calls } = ledgerOf(runningState());
    ledger.isBulk = true;
    const leading = { ts: '2026-12-06T08:00:00.000Z', type: 'note', text: 'hello' } as unknown as JobEvent;
    const committed = ledger.commit([{ type: 'rename', name: 'auth' }], [leading]);
    expect(calls[0]!.isBulk).toBe(true);
    expect(types(calls[0]!.events)[0]).toBe('note');
    calls[0]!.land();
    await committed;
  });

  it('says when a change leaves job.json as it was but for its counters (a task of a running phase starting)', async () => {
    const { ledger, calls } = ledgerOf(runningState());
    const started = ledger.commit(START_T2);
    const renamed = ledger.commit([{ type: 'rename', name: 'auth' }]);
    expect(calls.map((call) => call.callbacks.isCountersOnly)).toEqual([true, false]);
    calls[0]!.land();
    calls[1]!.land();
    await Promise.all([started, renamed]);
  });

  it("writes the job's manifest with the change that ends it, and only with that one", async () => {
    const { ledger, calls } = ledgerOf(runningState());
    const renamed = ledger.commit([{ type: 'rename', name: 'auth' }]);
    const cancelled = ledger.commit([{ type: 'cancel' }]);
    expect(calls[0]!.callbacks.manifest).toBeUndefined();
    expect(calls[1]!.callbacks.manifest).toMatchObject({ id: ledger.id });
    calls[0]!.land();
    calls[1]!.land();
    await Promise.all([renamed, cancelled]);
  });

  it('writes the whole board with the first change of a job whose board is not on disk as records', async () => {
    const { ledger, calls } = ledgerOf(runningState(), { isRecorded: false });
    const first = ledger.commit([{ type: 'rename', name: 'a' }]);
    const second = ledger.commit([{ type: 'rename', name: 'b' }]);
    expect(calls.map((call) => call.callbacks.isBoardWhole)).toEqual([true, false]);
    expect(calls[0]!.records.filter((record) => record.kind === 'task')).toHaveLength(4);
    expect(calls[1]!.records).toEqual([]);
    calls[0]!.land();
    calls[1]!.land();
    await Promise.all([first, second]);
  });

  it('undoes a refused change and every change made on top of it, reports nothing of them, and rejects with the cause', async () => {
    const state = runningState();
    const { ledger, calls, changed, events } = ledgerOf(state);
    const renamed = ledger.commit([{ type: 'rename', name: 'auth' }]);
    const started = ledger.commit(START_T2);
    expect(ledger.job.name).toBe('auth');
    calls[0]!.refuse();
    calls[1]!.refuse();
    await expect(renamed).rejects.toThrow('ENOSPC: no space left on device');
    await expect(started).rejects.toThrow('ENOSPC');
    expect(ledger.job).toBe(state.job);
    expect(ledger.board).toBe(state.board);
    expect(changed.at(-1)).toBe(state.job);
    expect(events).toEqual([]);
    // The next change is made on the state on disk, its board written as it is.
    const again = ledger.commit([{ type: 'rename', name: 'auth2' }]);
    expect(calls[2]!.callbacks.isBoardWhole).toBe(false);
    calls[2]!.land();
    await again;
    expect(ledger.savedJob.name).toBe('auth2');
  });

  it('blocks new work of a job whose write failed for a delay that doubles up to 30 s, then plans it again', async () => {
    const { ledger, calls, changed } = ledgerOf(runningState());
    expect(ledger.isWriteBlocked()).toBe(false);
    expect(ledger.isWriteBlocked(0)).toBe(false);
    expect(ledger.msUntilRetry()).toBe(0);
    const delays: number[] = [];
    for (let attempt = 0; attempt < 7; attempt++) {
      const committed = ledger.commit([{ type: 'rename', name: `n${attempt}` }]);
      calls.at(-1)!.refuse();
      await expect(committed).rejects.toThrow();
      delays.push(ledger.msUntilRetry());
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    const now = Date.now();
    expect(ledger.isWriteBlocked(now)).toBe(true);
    expect(ledger.isWriteBlocked(now + 29_999)).toBe(true);
    expect(ledger.isWriteBlocked(now + 30_000)).toBe(false);
    expect(ledger.msUntilRetry(now + 10_000)).toBe(20_000);
    expect(ledger.msUntilRetry(now + 40_000)).toBe(0);
    // Only the last refusal's timer plans the job again, once, when its delay is over.
    const heard = changed.length;
    vi.advanceTimersByTime(29_999);
    expect(changed).toHaveLength(heard);
    vi.advanceTimersByTime(1);
    expect(changed).toHaveLength(heard + 1);
    expect(changed.at(-1)).toBe(ledger.job);
    vi.advanceTimersByTime(60_000);
    expect(changed).toHaveLength(heard + 1);
    // A change that lands clears the block and starts the delays over.
    const landed = ledger.commit([{ type: 'rename', name: 'ok' }]);
    calls.at(-1)!.land();
    await landed;
    expect(ledger.isWriteBlocked()).toBe(false);
    const refused = ledger.commit([{ type: 'rename', name: 'again' }]);
    calls.at(-1)!.refuse();
    await expect(refused).rejects.toThrow();
    expect(ledger.msUntilRetry()).toBe(1000);
  });

  it('undoes changes refused together once: the delay doubles once for them', async () => {
    const { ledger, calls, changed } = ledgerOf(runningState());
    const first = ledger.commit([{ type: 'rename', name: 'a' }]);
    const second = ledger.commit([{ type: 'rename', name: 'b' }]);
    const heard = changed.length;
    calls[0]!.refuse();
    calls[1]!.refuse();
    await Promise.allSettled([first, second]);
    expect(changed).toHaveLength(heard + 1);
    expect(ledger.msUntilRetry()).toBe(1000);
    vi.advanceTimersByTime(1000);
    expect(changed).toHaveLength(heard + 2);
  });

  it('resolves whenReported only once every change so far landed (or was refused) and was reported', async () => {
    const { ledger, calls, events } = ledgerOf(runningState());
    await ledger.whenReported();
    const committed = ledger.commit(START_T2);
    let isReported = false;
    const reported = ledger.whenReported().then(() => {
      isReported = true;
      return events.length;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(isReported).toBe(false);
    calls[0]!.land();
    expect(await reported).toBe(1);
    await committed;
    const refused = ledger.commit([{ type: 'rename', name: 'x' }]);
    calls[1]!.refuse();
    await expect(ledger.whenReported()).resolves.toBeUndefined();
    await expect(refused).rejects.toThrow();
  });
});

describe('JobLedger.commitStart', () => {
  it("hands a task's start to its run: the run's records and id, the rest written off its way, its events reported once written", async () => {
    const { ledger, calls, changed, events } = ledgerOf(runningState());
    const handed = ledger.commitStart(START_T2);
    expect(handed).not.toBeNull();
    expect(handed!.runId).toBe('r2');
    expect(handed!.records.map((record) => (record.kind === 'run' ? `run ${record.run.id} ${record.run.state.status}` : `task ${record.task.id} ${record.task.status}`))).toEqual(['task t2 claimed', 'run r2 running']);
    expect(openRuns(ledger.board)).toEqual(['r1:t1', 'r2:t2']);
    expect(changed).toEqual([ledger.job]);
    // The records are the run's to write: the ledger's write carries the job and its events only.
    expect(calls[0]!.records).toEqual([]);
    expect(calls[0]!.callbacks.isCountersOnly).toBe(true);
    expect(types(calls[0]!.events)).toEqual(['task_started']);
    expect(events).toEqual([]);
    calls[0]!.land();
    await handed!.written;
    expect(events.map(({ event }) => event.type)).toEqual(['task_started']);
    expect(ledger.savedJob).toBe(ledger.job);
    await ledger.whenReported();
  });

  it('keeps a handed-over start whose write was refused, with the same run, and writes the board whole next', async () => {
    const { ledger, calls } = ledgerOf(runningState());
    const handed = ledger.commitStart(START_T2)!;
    const startedAt = handed.records.find((record) => record.kind === 'run')!;
    calls[0]!.refuse();
    await expect(handed.written).rejects.toThrow('ENOSPC');
    // Its command may be running: the run stands, as it was handed over (same id, same start).
    expect(openRuns(ledger.board)).toEqual(['r1:t1', 'r2:t2']);
    const r2 = ledger.board.runs.find((run) => run.id === 'r2')!;
    expect(r2.startedAt).toBe(startedAt.kind === 'run' ? startedAt.run.startedAt : '');
    // Its records may not be on disk: the next change writes the board whole, and no start is handed over meanwhile.
    expect(ledger.commitStart([{ type: 'completeTask', taskId: 't1', output: 'ok' }, { type: 'startTask', taskId: 't3', worker: 2 }])).toBeNull();
    const next = ledger.commit([{ type: 'rename', name: 'after' }]);
    expect(calls.at(-1)!.callbacks.isBoardWhole).toBe(true);
    calls.at(-1)!.land();
    await next;
    expect(openRuns(ledger.board)).toEqual(['r1:t1', 'r2:t2']);
    // Saved with that change: a later refusal does not start it again.
    const renamed = ledger.commit([{ type: 'rename', name: 'later' }]);
    calls.at(-1)!.refuse();
    await expect(renamed).rejects.toThrow();
    expect(ledger.board.runs.filter((run) => run.id === 'r2')).toHaveLength(1);
    expect(ledger.job.name).toBe('after');
  });

  it('saves handed-over starts with the change that lands after them, and keeps those made after it', async () => {
    const { ledger, calls } = ledgerOf(runningState());
    const a = ledger.commitStart(START_T2)!;
    const b = ledger.commit([{ type: 'rename', name: 'b' }]);
    const c = ledger.commitStart([{ type: 'startTask', taskId: 't4', worker: 2 }])!;
    expect(c.runId).toBe('r3');
    // A change that starts no run hands nothing over.
    expect(ledger.commitStart([{ type: 'reportProgress', progress: { round: 1 } }])).toBeNull();
    calls[0]!.land();
    await a.written;
    calls[1]!.refuse();
    calls[2]!.refuse();
    await expect(b).rejects.toThrow();
    await expect(c.written).rejects.toThrow();
    // r2 landed; r3 was handed over after the change that landed: it stands on the state on disk.
    expect(openRuns(ledger.board)).toEqual(['r1:t1', 'r2:t2', 'r3:t4']);
    expect(ledger.job.name).not.toBe('b');
  });

  it('drops a handed-over start the job moved past (a cancel that landed) when a later change is refused', async () => {
    const { ledger, calls } = ledgerOf(runningState());
    const a = ledger.commitStart(START_T2)!;
    calls[0]!.refuse();
    await expect(a.written).rejects.toThrow();
    const cancelled = ledger.commit([{ type: 'cancel' }]);
    calls[1]!.land();
    await cancelled;
    const renamed = ledger.commit([{ type: 'rename', name: 'x' }]);
    calls[2]!.refuse();
    await expect(renamed).rejects.toThrow();
    expect(ledger.job.status).toBe('cancelled');
    expect(ledger.job).toBe(ledger.savedJob);
  });

  it('hands over nothing for a job not on disk yet, or whose board is to be written whole', async () => {
    expect(ledgerOf(runningState(), { isSaved: false }).ledger.commitStart(START_T2)).toBeNull();
    expect(ledgerOf(runningState(), { isRecorded: false }).ledger.commitStart(START_T2)).toBeNull();
    // A new job's first change that lands puts it (and its board as records) on disk.
    const fresh = ledgerOf(runningState(), { isSaved: false });
    const first = fresh.ledger.commit([{ type: 'rename', name: 'a' }]);
    expect(fresh.ledger.isPersisted).toBe(false);
    fresh.calls[0]!.land();
    await first;
    expect(fresh.ledger.isPersisted).toBe(true);
    expect(fresh.ledger.commitStart(START_T2)?.runId).toBe('r2');
    const whole = ledgerOf(runningState(), { isRecorded: false });
    const written = whole.ledger.commit([{ type: 'rename', name: 'a' }]);
    expect(whole.ledger.commitStart(START_T2)).toBeNull(); // the whole board is still on its way
    whole.calls[0]!.land();
    await written;
    expect(whole.ledger.commitStart(START_T2)?.runId).toBe('r2');
  });

  it("hands over no start of a task whose records are still on their way, until every write carrying them landed", async () => {
    const { ledger, calls } = ledgerOf(runningState());
    const started = ledger.commit(START_T2);
    const failed = ledger.commit([{ type: 'failTask', taskId: 't2', error: 'flaky', retry: true }]);
    expect(ledger.board.tasks.find((candidate) => candidate.id === 't2')!.status).toBe('todo');
    expect(ledger.commitStart([{ type: 'startTask', taskId: 't2', worker: 1 }])).toBeNull();
    calls[0]!.land();
    await started;
    expect(ledger.commitStart([{ type: 'startTask', taskId: 't2', worker: 1 }])).toBeNull();
    calls[1]!.land();
    await failed;
    const handed = ledger.commitStart([{ type: 'startTask', taskId: 't2', worker: 1 }]);
    expect(handed?.runId).toBe('r3');
    // A refused write frees its tasks too.
    const other = ledgerOf(runningState());
    const refused = other.ledger.commit(START_T2);
    other.calls[0]!.refuse();
    await expect(refused).rejects.toThrow();
    expect(other.ledger.commitStart(START_T2)?.runId).toBe('r2');
  });
});

describe('JobLedger.interruptSync', () => {
  function storeOf(storedSeq: number | Error, options: { isWriteFailing?: boolean } = {}) {
    const writes: Array<{ job: Job; events: JobEvent[]; records: TaskRecord[]; options: unknown }> = [];
    const store = {
      readForUpdate: () => {
        if (storedSeq instanceof Error) throw storedSeq;
        return { job: { eventSeq: storedSeq }, modifiedAt: '2026-12-06T08:00:00.000Z' };
      },
      writeSync: (job: Job, events: JobEvent[], records: TaskRecord[], writeOptions: unknown) => {
        if (options.isWriteFailing) throw new Error('EROFS: read-only file system');
        writes.push({ job, events, records, options: writeOptions });
      },
    } as unknown as JobRepository;
    return { store, writes };
  }

  it('interrupts the latest state when no write is on its way, and holds it as saved', () => {
    const state = runningState();
    const { ledger, calls } = ledgerOf(state, { isRecorded: false });
    const { store, writes } = storeOf(new Error('unused'));
    expect(ledger.interruptSync(store, 'jobline exited')).toBe(true);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.job.status).toBe('interrupted');
    expect(writes[0]!.options).toEqual({ isBoardWhole: true });
    expect(writes[0]!.records.filter((record) => record.kind === 'task')).toHaveLength(4);
    expect(ledger.job).toBe(writes[0]!.job);
    expect(ledger.savedJob).toBe(writes[0]!.job);
    // On disk as records now, and saved so: the next change appends to them, also after an undo.
    const refused = ledger.commit([{ type: 'rename', name: 'x' }]);
    expect(calls[0]!.callbacks.isBoardWhole).toBe(false);
    calls[0]!.refuse();
    void refused.catch(() => {});
    void ledger.commit([{ type: 'rename', name: 'y' }]);
    expect(calls[1]!.callbacks.isBoardWhole).toBe(false);
  });

  it('writes the changes queued behind a write that landed along with the interrupt, on the latest state', () => {
    const queuedEvent = { ts: '2026-12-06T08:00:00.000Z', type: 'note', text: 'queued' } as unknown as JobEvent;
    const queuedRecord = { kind: 'task', seq: 9, task: task('t9') } as TaskRecord;
    const state = runningState();
    const exit: ExitWrites = { inFlightSeq: 5, queued: { events: [queuedEvent], records: [queuedRecord], isBoardWhole: true } };
    for (const storedSeq of [5, 6]) {
      const { store, writes } = storeOf(storedSeq);
      const other = ledgerOf(state, { exit });
      void other.ledger.commit([{ type: 'rename', name: 'pending' }]);
      expect(other.ledger.interruptSync(store, 'bye')).toBe(true);
      expect(writes[0]!.job.name).toBe('pending');
      expect(writes[0]!.events[0]).toBe(queuedEvent);
      expect(types(writes[0]!.events).slice(1)).toContain('interrupted');
      expect(writes[0]!.records[0]).toBe(queuedRecord);
      expect(writes[0]!.options).toEqual({ isBoardWhole: true });
    }
    const { store, writes } = storeOf(5);
    const plain = ledgerOf(state, { exit: { inFlightSeq: 5, queued: { events: [], records: [], isBoardWhole: false } } });
    void plain.ledger.commit([{ type: 'rename', name: 'pending' }]);
    expect(plain.ledger.interruptSync(store, 'bye')).toBe(true);
    expect(writes[0]!.options).toEqual({ isBoardWhole: false });
  });

  it('interrupts the saved state, without the queued changes, when the write on its way has not landed (or job.json cannot be read)', () => {
    const queuedEvent = { ts: '2026-12-06T08:00:00.000Z', type: 'note', text: 'queued' } as unknown as JobEvent;
    const state = runningState();
    const exit: ExitWrites = { inFlightSeq: 5, queued: { events: [queuedEvent], records: [], isBoardWhole: true } };
    for (const storedSeq of [4, new Error('ENOENT')]) {
      const { store, writes } = storeOf(storedSeq);
      const { ledger } = ledgerOf(state, { exit });
      void ledger.commit([{ type: 'rename', name: 'pending' }]);
      expect(ledger.interruptSync(store, 'bye')).toBe(true);
      expect(writes[0]!.job.name).toBe(state.job.name);
      expect(writes[0]!.job.status).toBe('interrupted');
      // The interrupt's own events only, numbered on from what is on disk.
      expect(writes[0]!.events.map((event) => [event.type, event.seq])).toEqual(writes[0]!.events.map((_, index) => [expect.any(String), state.job.eventSeq + index + 1]));
      expect(types(writes[0]!.events)).toContain('interrupted');
      expect(writes[0]!.options).toEqual({ isBoardWhole: false });
      expect(ledger.job).toBe(writes[0]!.job);
    }
    // -1 for a job.json that cannot be read: a write on its way with seq 0 has not landed either.
    const { store, writes } = storeOf(new Error('ENOENT'));
    const { ledger } = ledgerOf(state, { exit: { inFlightSeq: 0, queued: null } });
    void ledger.commit([{ type: 'rename', name: 'pending' }]);
    expect(ledger.interruptSync(store, 'bye')).toBe(true);
    expect(writes[0]!.job.name).toBe(state.job.name);
  });

  it('interrupts the latest state when no write is on its way, even with job.json unreadable', () => {
    const state = runningState();
    const { ledger } = ledgerOf(state);
    void ledger.commit([{ type: 'rename', name: 'pending' }]);
    const { store, writes } = storeOf(new Error('ENOENT'));
    expect(ledger.interruptSync(store, 'bye')).toBe(true);
    expect(writes[0]!.job.name).toBe('pending');
    expect(writes[0]!.job.status).toBe('interrupted');
  });

  it('warns with the cause and returns false when the write fails, changing nothing', () => {
    const state = runningState();
    const { ledger, warnings } = ledgerOf(state);
    const { store } = storeOf(0, { isWriteFailing: true });
    expect(ledger.interruptSync(store, 'bye')).toBe(false);
    expect(warnings).toEqual(['EROFS: read-only file system']);
    expect(ledger.job).toBe(state.job);
  });
});

describe('JobLedger: starts handed over, after they landed', () => {
  it("keeps a job's own start handed over with its phase's, with the same run, when its write is refused", async () => {
    const job = makeJob({ status: 'queued' }, ['run']);
    const { ledger, calls } = ledgerOf({ job, board: { tasks: [task('t1'), task('t2')], runs: [] } });
    const handed = ledger.commitStart([{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }])!;
    expect(handed.runId).toBe('r1');
    const run = handed.records.find((record) => record.kind === 'run')!;
    calls[0]!.refuse();
    await expect(handed.written).rejects.toThrow();
    expect(ledger.job.status).toBe('running');
    expect(ledger.board.runs).toHaveLength(1);
    expect(ledger.board.runs[0]!.startedAt).toBe(run.kind === 'run' ? run.run.startedAt : '');
  });

  it('never starts a landed start again: a task that ran and waits again stays waiting when a later change is refused', async () => {
    const { ledger, calls } = ledgerOf(runningState());
    const handed = ledger.commitStart(START_T2)!;
    calls[0]!.land();
    await handed.written;
    const failed = ledger.commit([{ type: 'failTask', taskId: 't2', error: 'flaky', retry: true }]);
    calls[1]!.land();
    await failed;
    const renamed = ledger.commit([{ type: 'rename', name: 'x' }]);
    calls[2]!.refuse();
    await expect(renamed).rejects.toThrow();
    expect(openRuns(ledger.board)).toEqual(['r1:t1']);
    expect(ledger.board.tasks.find((candidate) => candidate.id === 't2')!.status).toBe('todo');
  });
});
