// Which process groups a worker's runs have started, in memory shared between the worker and the
// main thread. A message could arrive too late (or never, if the worker is stuck or terminated);
// shared memory written with Atomics is visible to the main thread at once and survives the worker.
// A worker may hold several runs at once (a job's shell tasks share one), so each group is
// recorded with its run: cancelling or ending one run signals that run's groups only.

/** Process groups one worker can have alive at once (a command run uses one; MAX_WORKERS is 64). */
export const MAX_TRACKED_CHILDREN = 128;

/** Int32 slots per entry: the run's id, then the group leader's pid. */
const ENTRY_SLOTS = 2;

/** Creates the shared buffer of one worker's registry (pass it in `workerData`). */
export function createChildRegistryBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(MAX_TRACKED_CHILDREN * ENTRY_SLOTS * Int32Array.BYTES_PER_ELEMENT);
}

/**
 * A view of one worker's registry of child process-group leaders, each with the run that started
 * it. An entry is taken by writing its run id (compare-and-swap from 0, so two writers never take
 * the same entry) and then its pid; it is freed in the reverse order. A reader skips entries whose
 * pid is 0: taken but not yet filled, or being freed.
 */
export class ChildRegistry {
  private readonly slots: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.slots = new Int32Array(buffer);
  }

  /** Records group `pid` of run `runId` (> 0). Returns false when every entry is taken (the group is then not tracked). */
  add(runId: number, pid: number): boolean {
    for (let at = 0; at < this.slots.length; at += ENTRY_SLOTS) {
      if (Atomics.compareExchange(this.slots, at, 0, runId) === 0) {
        Atomics.store(this.slots, at + 1, pid);
        return true;
      }
    }
    return false;
  }

  /** Forgets group `pid` of run `runId` once the whole group is gone. */
  remove(runId: number, pid: number): void {
    for (let at = 0; at < this.slots.length; at += ENTRY_SLOTS) {
      if (Atomics.load(this.slots, at) !== runId) continue;
      if (Atomics.compareExchange(this.slots, at + 1, pid, 0) === pid) Atomics.store(this.slots, at, 0);
    }
  }

  /** The pids recorded now for run `runId`, or for every run when it is omitted. */
  list(runId?: number): number[] {
    const pids: number[] = [];
    for (let at = 0; at < this.slots.length; at += ENTRY_SLOTS) {
      const pid = Atomics.load(this.slots, at + 1);
      if (pid !== 0 && (runId === undefined || Atomics.load(this.slots, at) === runId)) pids.push(pid);
    }
    return pids;
  }
}
