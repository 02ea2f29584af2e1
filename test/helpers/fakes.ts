// An in-memory repository and a scripted executor, for testing the job service without threads,
// processes or files: each test runs in milliseconds and decides exactly when a run ends and
// when a write lands.
import type { JobManifest } from '../../src/jobs/model/manifest.js';
import type { PhaseOutcome } from '../../src/agents/agent.js';
import { StoreError } from '../../src/errors.js';
import type { Job, JobBudget, TokenUsage } from '../../src/jobs/model/job.js';
import { isActiveStatus } from '../../src/jobs/model/job.js';
import type { JobEvent } from '../../src/jobs/model/job-event.js';
import type { TaskRecord } from '../../src/jobs/model/task.js';
import { foldTaskRecords } from '../../src/jobs/model/task-history.js';
import type { Executor, PhaseRequest, RunHandle, RunListener } from '../../src/jobs/ports/executor.js';
import type { CommitOptions, JobRepository } from '../../src/jobs/ports/repository.js';
import type { EndedLimits } from '../../src/jobs/model/storage-limits.js';
import { JobManager, type JobManagerOptions } from '../../src/jobs/service/manager.js';
import { JobService } from '../../src/jobs/service/job-service.js';
import type { JobUpdate } from '../../src/jobs/service/job-commands.js';
import type { JobReader } from '../../src/jobs/ports/job-reader.js';
import { commandAgent } from './jobs.js';

/** One job as the in-memory repository holds it. */
export interface StoredJob {
  job: Job;
  events: JobEvent[];
  records: TaskRecord[];
}

/** A repository in memory. `holdWrites` makes asynchronous commits wait until `releaseWrites`. */
export class InMemoryRepository implements JobRepository {
  readonly jobs = new Map<string, StoredJob>();
  /** Every commit, in the order it landed: the job id and the types of its events. */
  readonly commits: Array<{ id: string; status: Job['status']; events: string[] }> = [];
  private nextId = 1;
  private held: Array<() => void> | null = null;
  private readonly claims = new Map<string, Promise<unknown>>();

  claimIdSync(): string {
    return `job-t${String(this.nextId++).padStart(7, '0')}`;
  }

  /** Names by name (lowercase): the job holding it. Generated names are `name-<n>`. */
  readonly names = new Map<string, string>();
  /** Manifests written, by job id. */
  readonly manifests = new Map<string, JobManifest>();

  claimNameSync(id: string, wanted: string | null): string {
    const name = wanted ?? `name-${id.slice(5)}`;
    const holder = this.names.get(name.toLowerCase());
    if (holder !== undefined && holder !== id) throw new StoreError('JOB_NAME_TAKEN', `The name ${name} is taken by ${holder}.`);
    this.names.set(name.toLowerCase(), id);
    return name;
  }

  releaseNameSync(name: string, id: string): void {
    if (this.names.get(name.toLowerCase()) === id) this.names.delete(name.toLowerCase());
  }

  writeManifestSync(manifest: JobManifest): void {
    this.manifests.set(manifest.id, manifest);
  }

  writeSync(job: Job, events: readonly JobEvent[] = [], records: readonly TaskRecord[] = [], _options: { isBoardWhole?: boolean } = {}): void {
    const stored = this.jobs.get(job.id);
    if (stored && stored.job.eventSeq > job.eventSeq) throw new StoreError('JOB_STALE', `Not saving ${job.id}: a newer state is stored.`);
    this.jobs.set(job.id, { job, events: [...(stored?.events ?? []), ...events], records: [...(stored?.records ?? []), ...records] });
    this.commits.push({ id: job.id, status: job.status, events: events.map((event) => event.type) });
  }

  async write(job: Job, events: readonly JobEvent[], options: CommitOptions, records: readonly TaskRecord[] = []): Promise<void> {
    if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));
    this.writeSync(job, events, records);
    // The manifest of a job's end is written with the end, after the job (see CommitOptions.manifest).
    if (options.manifest) this.manifests.set(options.manifest.id, options.manifest);
  }

  /** Holds every asynchronous commit from now on. */
  holdWrites(): void {
    this.held ??= [];
  }

  /** Lets every held commit land, in order, and stops holding. */
  releaseWrites(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const resolve of held) resolve();
  }

  readForUpdate(id: string): { job: Job; modifiedAt: string } {
    const stored = this.jobs.get(id);
    if (!stored) throw new StoreError('JOB_IO', `${id} is gone.`);
    return { job: stored.job, modifiedAt: stored.job.createdAt };
  }

  async load(id: string): Promise<Job> {
    return this.readForUpdate(id).job;
  }

  /** Job `id` as stored (throws like readForUpdate). */
  loadStored(id: string): Job {
    return this.readForUpdate(id).job;
  }

  async readBoard(job: Job) {
    return { board: foldTaskRecords(job, this.jobs.get(job.id)?.records ?? []), isRecorded: true };
  }

  async withJobClaim<T>(id: string, work: () => Promise<T> | T): Promise<T> {
    const previous = this.claims.get(id) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    this.claims.set(id, next);
    return next;
  }

  async remove(id: string): Promise<void> {
    for (const [name, holder] of this.names) if (holder === id) this.names.delete(name);
    this.jobs.delete(id);
  }

  outputPathOf(id: string): string {
    return `/nonexistent/${id}/output.log`;
  }

  /** Records a group handed to a run as written at once (the scripted executor starts nothing). */
  recordGroupOf(id: string, records: readonly TaskRecord[], _startedRunId?: string): { path: string; text: string } {
    const stored = this.jobs.get(id);
    if (stored) stored.records = [...stored.records, ...records.map((record) => ({ ...record, seq: 0 }))];
    return { path: `/nonexistent/${id}/tasks.jsonl`, text: JSON.stringify({ kind: 'group', records }) };
  }

  async applyEndedLimits(limits: EndedLimits): Promise<string[]> {
    const ended = [...this.jobs.values()].map((stored) => stored.job).filter((job) => !isActiveStatus(job.status));
    const removed: string[] = [];
    for (const [kind, limit] of [['completed', limits.completed], ['unfinished', limits.unfinished]] as const) {
      const ofKind = ended.filter((job) => (job.status === 'completed') === (kind === 'completed')).sort((a, b) => (a.endedAt ?? '').localeCompare(b.endedAt ?? ''));
      for (const job of ofKind.slice(0, Math.max(0, ofKind.length - limit))) removed.push(job.id);
    }
    for (const id of removed) this.jobs.delete(id);
    return removed;
  }

  async removeListed(listed: readonly Job[]): Promise<string[]> {
    const removed = listed.filter((job) => this.jobs.get(job.id)?.job.eventSeq === job.eventSeq && !isActiveStatus(job.status)).map((job) => job.id);
    for (const id of removed) this.jobs.delete(id);
    return removed;
  }

  prepareWrites(): void {}

  waitForWritesSync(): boolean {
    return this.held === null;
  }

  async close(): Promise<void> {}
}

/** One run the scripted executor started: the test ends it. */
export class ScriptedRun implements RunHandle {
  readonly outcome: Promise<PhaseOutcome>;
  cancelledWithGraceMs: number | null = null;
  isKilled = false;
  private settle!: (outcome: PhaseOutcome) => void;
  private isSettled = false;

  constructor(readonly request: PhaseRequest, readonly listener: RunListener) {
    this.outcome = new Promise((resolve) => (this.settle = resolve));
  }

  /** Ends the run: its phase completed with `output`. */
  complete(output = 'done'): void {
    this.end({ kind: 'completed', output });
  }

  /** Ends the run: its phase failed with `error`. */
  fail(error = 'exit code 1'): void {
    this.end({ kind: 'failed', error });
  }

  /** Ends the run with `outcome`, as the agent reported it. */
  finish(outcome: PhaseOutcome): void {
    this.end(outcome);
  }

  /** Ends the run as the agent reports a cancel. */
  stop(): void {
    this.end({ kind: 'cancelled' });
  }

  cancel(graceMs: number): void {
    this.cancelledWithGraceMs ??= graceMs;
  }

  /** What the job told the run of its tokens and budget, in order. */
  readonly usageUpdates: Array<{ others: TokenUsage; budget: JobBudget | null }> = [];

  updateUsage(others: TokenUsage, budget: JobBudget | null): void {
    this.usageUpdates.push({ others, budget });
  }

  kill(): void {
    this.isKilled = true;
    this.stop();
  }

  private end(outcome: PhaseOutcome): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.settle(outcome);
  }
}

/** An executor whose runs end when the test says; it records every run, in order. */
export class ScriptedExecutor implements Executor {
  /** Its runs' starts count as written when launched (see InMemoryRepository.recordGroupOf). */
  readonly canRecordStarts = true;
  readonly runs: ScriptedRun[] = [];
  processesLeft = new Map<string, number[]>();
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  /** How many times a run was announced ahead (see Executor.prepare). */
  prepared = 0;

  prepare(): void {
    this.prepared++;
  }

  async whenReady(): Promise<void> {}

  start(request: PhaseRequest, listener: RunListener): RunHandle {
    const run = new ScriptedRun(request, listener);
    this.runs.push(run);
    for (const waiter of this.waiters.filter((w) => this.runs.length >= w.count)) waiter.resolve();
    return run;
  }

  /** Resolves once `count` runs have started. */
  whenRuns(count: number): Promise<ScriptedRun> {
    if (this.runs.length >= count) return Promise.resolve(this.runs[count - 1]!);
    return new Promise((resolve) => this.waiters.push({ count, resolve: () => resolve(this.runs[count - 1]!) }));
  }

  /** Runs not ended, per job id. */
  openRunsOf(jobId: string): ScriptedRun[] {
    return this.runs.filter((run) => run.request.jobId === jobId && run.cancelledWithGraceMs === null && !run.isKilled);
  }

  findJobProcesses(jobId: string): number[] {
    return this.processesLeft.get(jobId) ?? [];
  }

  containmentWarning(): string | null {
    return null;
  }

  /** How many times every process was killed at once (exit paths). */
  killedAll = 0;

  killAll(): void {
    this.killedAll++;
    for (const run of this.runs) run.kill();
  }

  async close(): Promise<void> {}
}

// The fake managers made during the current test, shut down after it by test/setup/settle-managers.ts
// (kept on globalThis, so that the setup file need not import the job service into every test file).
// Each entry ends the runs its test left (a scripted run ends only when told), then shuts its manager down.
const liveManagers: Set<() => Promise<unknown>> = ((globalThis as { __joblineFakeManagers?: Set<never> }).__joblineFakeManagers ??= new Set());

/** A manager on an in-memory repository and a scripted executor (shut down after the test that made it). */
export function makeFakeManager(options: Partial<JobManagerOptions<InMemoryRepository>> = {}) {
  const store = new InMemoryRepository();
  const executor = new ScriptedExecutor();
  const manager = new JobManager<InMemoryRepository>({
    store,
    executor,
    maxConcurrentJobs: 2,
    whenBusy: 'queue',
    maxUnfinishedJobs: 100,
    maxCompletedJobs: 100,
    keepTempFiles: false,
    cancelGraceMs: 500,
    progressFlushMs: 5,
    policyPassDelayMs: 0,
    ...options,
  });
  liveManagers.add(async () => {
    executor.killAll();
    await manager.shutdown('the test ended');
  });
  return { manager, store, executor };
}

/** A command agent with phases `a`, `b` (commands unused by the scripted executor). */
export const TWO_PHASES = commandAgent('two', { a: 'true', b: 'true' });

/** The read side of an InMemoryRepository (only what the service's queries of these tests use). */
export function makeInMemoryReader(store: InMemoryRepository): JobReader {
  const unsupported = (): never => {
    throw new Error('not kept in memory');
  };
  return {
    jobsDir: '/in-memory',
    list: async (selection) => {
      const all = [...store.jobs.values()].map((stored) => stored.job);
      const jobs = all.filter((job) => !selection?.statuses || selection.statuses.includes(job.status));
      return { jobs, warnings: [], total: all.length, matching: jobs.length };
    },
    listIds: async () => [...store.jobs.keys()],
    storedIdsSync: () => [...store.jobs.keys()],
    exists: (id) => store.jobs.has(id),
    names: { list: () => store.names.keys(), idOf: (name) => store.names.get(name.toLowerCase()) ?? null },
    readManifest: async (id) => store.manifests.get(id) ?? null,
    tailEvents: () => () => {},
    hasFiles: (id) => store.jobs.has(id),
    load: async (id) => store.loadStored(id),
    takeUnrecordedInterruptions: () => [],
    readBoard: (job) => store.readBoard(job),
    pathsOf: (id) => ({ dir: `/in-memory/${id}`, job: '', events: '', output: '' }),
    existingFiles: () => ({ files: [], runLogs: null }),
    creationFolderOf: async () => null,
    readEvents: async (id: string) => store.jobs.get(id)?.events ?? [],
    readOutputTail: unsupported,
    followOutput: unsupported,
    outputFollower: unsupported,
    runOutputFollower: unsupported,
    // A run's output, as the run names it: enough to tell which run was read.
    readRunOutput: async (_id, run, maxLines) => ({ lines: [`${run.output.file} ${run.output.section}`].slice(0, maxLines), hasEarlier: false, size: 1 }),
    // Follows until the service says the run ended, asking once per `pollMs` (no output is kept).
    followRunOutput: async (_id, _run, options) => {
      while (!(await options.isEnded())) {
        if (options.signal?.aborted) return false;
        await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1));
      }
      return true;
    },
    sweepLeftovers: () => ({ emptyFolders: [], tempFiles: [] }),
    sendToOwner: unsupported,
    openOwnerInbox: () => ({ take: () => [], close: () => {} }),
  };
}

/** A job service over a fake manager (see makeFakeManager); adoption gives jobs TWO_PHASES. */
export function makeFakeService(options: Partial<JobManagerOptions<InMemoryRepository>> = {}) {
  const fake = makeFakeManager(options);
  const service = new JobService({ repository: fake.store, reader: makeInMemoryReader(fake.store), manager: fake.manager, cwd: '/work', adopt: (_stored, cwd) => ({ agent: TWO_PHASES, cwd }) });
  const updates: JobUpdate[] = [];
  service.subscribe((update) => updates.push(update));
  /** The lifecycle events heard so far, as `<job suffix>:<type>`. */
  const heard = (): string[] => updates.flatMap((update) => (update.type === 'event' ? [`${update.job.id.slice(-2)}:${update.event.type}`] : []));
  return { ...fake, service, updates, heard };
}
