// Worker threads for phase runs. Spawning a worker costs tens of ms, so spare workers are kept
// warm and healthy workers are reused; a worker that crashed or was terminated is never reused.
// Runs that ask to share (a job's shell tasks: waiting on processes, not computing) run side by
// side on one worker, which saves a V8 heap (~10-20 MB) per run at once.
import { Worker } from 'node:worker_threads';
import { ChildRegistry, createChildRegistryBuffer } from './child-registry.js';
import { getCompiledEntry } from '../../compiled-entry.js';


/** Young-generation size of each worker thread (MB; `resourceLimits.maxYoungGenerationSizeMb`). */
const WORKER_YOUNG_GENERATION_MB = 4;
/** Options of a WorkerPool. */
export interface WorkerPoolOptions {
  /** Heap limit per worker in MB (`resourceLimits.maxOldGenerationSizeMb`). */
  heapLimitMb: number;
  /** Idle workers kept ready for the next job (0 disables warming). */
  spareWorkers: number;
  /** Idle workers kept at most; extra released workers are terminated. */
  maxIdleWorkers: number;
  /** Runs that may go at once (config maxWorkers): no spare is started while this many runs go. Default: no limit. */
  maxRuns?: number;
  /** Worker script; defaults to the bundled worker-entry.js (see compiled-entry.ts). */
  entry?: URL;
}

/** A pool of reusable worker threads. Idle workers are unref'd so they never keep the process alive. */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly live = new Set<Worker>();
  /** Resolves when the worker has started executing (its 'online' event) or has died. */
  private readonly online = new WeakMap<Worker, Promise<void>>();
  private readonly registries = new WeakMap<Worker, ChildRegistry>();
  private readonly entry: URL;
  private closed = false;
  private replenishScheduled = false;
  /** Runs each worker in use holds now (a worker is idle when it holds none). */
  private readonly runCounts = new Map<Worker, number>();
  /** The worker that runs sharing a key go to, while it holds any. */
  private readonly sharedBy = new Map<string, Worker>();
  private readonly sharingKeys = new Map<Worker, string>();

  constructor(private readonly options: WorkerPoolOptions) {
    this.entry = options.entry ?? getCompiledEntry('worker-entry');
  }

  /** Starts the spare workers now, off the critical path of the first job. */
  warm(): void {
    this.replenish();
  }

  /** Resolves when every idle worker has started running its script (the spares are warm). */
  async whenWarm(): Promise<void> {
    // Idle workers are unref'd; hold them ref'd while someone waits, or the process could exit
    // under the waiter with the promise unsettled.
    const waiting = [...this.idle];
    for (const worker of waiting) worker.ref();
    await Promise.all(waiting.map((worker) => this.online.get(worker)));
    for (const worker of waiting) if (this.idle.includes(worker)) worker.unref();
  }

  /**
   * Makes sure a worker is idle or booting for the next `acquire`, so its boot (~25 ms, on its
   * own thread) overlaps whatever the caller does before acquiring (a job's durable creation).
   */
  prepare(): void {
    if (this.closed || this.idle.length > 0) return;
    const worker = this.spawn();
    worker.unref();
    this.idle.push(worker);
  }

  /**
   * Returns a worker for one run: with `sharingKey`, the worker already holding runs of that key,
   * if one does; otherwise an idle worker, or a new one when none is idle. The worker is ref'd
   * while in use; `release` or `discard` it once per acquire.
   */
  acquire(sharingKey?: string): Worker {
    const shared = sharingKey === undefined ? undefined : this.sharedBy.get(sharingKey);
    if (shared && this.live.has(shared)) {
      this.runCounts.set(shared, (this.runCounts.get(shared) ?? 0) + 1);
      return shared;
    }
    const worker = this.idle.pop() ?? this.spawn();
    worker.ref();
    this.runCounts.set(worker, 1);
    if (sharingKey !== undefined) {
      this.sharedBy.set(sharingKey, worker);
      this.sharingKeys.set(worker, sharingKey);
    }
    // Replace the spare after the caller has posted its work, not before.
    if (!this.replenishScheduled && this.options.spareWorkers > 0) {
      this.replenishScheduled = true;
      setImmediate(() => {
        this.replenishScheduled = false;
        this.replenish();
      });
    }
    return worker;
  }

  /** The registry of process groups `worker` has started (shared memory, readable at any time). */
  childRegistryOf(worker: Worker): ChildRegistry {
    const registry = this.registries.get(worker);
    if (!registry) throw new Error('worker does not belong to this pool');
    return registry;
  }

  /** Gives back a healthy worker after one of its runs ended; it is idle once none is left. */
  release(worker: Worker): void {
    const runs = (this.runCounts.get(worker) ?? 1) - 1;
    if (runs > 0) {
      this.runCounts.set(worker, runs);
      return;
    }
    this.stopSharing(worker);
    if (this.closed || !this.live.has(worker) || this.idle.length >= this.options.maxIdleWorkers) {
      this.discard(worker);
      return;
    }
    worker.unref();
    this.idle.push(worker);
  }

  /** Terminates a worker that must not be reused (crashed, stuck, or cancelled by force), with every run it holds. */
  discard(worker: Worker): void {
    this.forget(worker);
    void worker.terminate();
  }

  /** Runs the workers hold now. */
  get runsInFlight(): number {
    let runs = 0;
    for (const count of this.runCounts.values()) runs += count;
    return runs;
  }

  /** Number of worker threads alive (idle and in use). */
  get size(): number {
    return this.live.size;
  }

  /** Terminates every worker and refuses new spares. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.live];
    this.idle.length = 0;
    this.live.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private spawn(): Worker {
    const childRegistry = createChildRegistryBuffer();
    // A small young generation: a worker's garbage is short-lived (output chunks, messages), and
    // V8's default lets each worker grow ~25 MB of it under a steady stream of tasks (4 workers
    // of a 10,000-task batch held ~100 MB; with this, ~40 MB; docs/PERFORMANCE.md).
    const worker = new Worker(this.entry, { workerData: { childRegistry }, resourceLimits: { maxOldGenerationSizeMb: this.options.heapLimitMb, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.registries.set(worker, new ChildRegistry(childRegistry));
    this.live.add(worker);
    this.online.set(worker, new Promise((resolve) => {
      worker.once('online', resolve);
      worker.once('exit', resolve);
    }));
    // An idle worker that dies is simply dropped; a busy one is handled by its JobRun.
    worker.on('exit', () => this.forget(worker));
    worker.on('error', () => this.forget(worker));
    return worker;
  }

  // A spare is kept only while a run could start on it: with maxRuns runs going (say, in a
  // batch), no run can start until one ends, and that one's worker is reused; a spare then
  // would only hold ~10-25 MB.
  private replenish(): void {
    while (!this.closed && this.idle.length < this.options.spareWorkers && this.runsInFlight < (this.options.maxRuns ?? Number.POSITIVE_INFINITY)) {
      const worker = this.spawn();
      worker.unref();
      this.idle.push(worker);
    }
  }

  private stopSharing(worker: Worker): void {
    this.runCounts.delete(worker);
    const key = this.sharingKeys.get(worker);
    if (key === undefined) return;
    this.sharingKeys.delete(worker);
    if (this.sharedBy.get(key) === worker) this.sharedBy.delete(key);
  }

  private forget(worker: Worker): void {
    this.stopSharing(worker);
    this.live.delete(worker);
    const index = this.idle.indexOf(worker);
    if (index !== -1) this.idle.splice(index, 1);
  }
}
