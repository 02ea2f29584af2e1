// Which process groups a worker has started, in memory shared between the worker and the main
// thread. A message could arrive too late (or never, if the worker is stuck or terminated); shared
// memory written with Atomics is visible to the main thread at once and survives the worker.

/** Process groups one worker can have alive at once (a command phase uses one). */
export const MAX_TRACKED_CHILDREN = 64;

/** Creates the shared buffer of one worker's registry (pass it in `workerData`). */
export function createChildRegistryBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(MAX_TRACKED_CHILDREN * Int32Array.BYTES_PER_ELEMENT);
}

/** A view of one worker's registry of child process-group leaders (pids; 0 marks a free slot). */
export class ChildRegistry {
  private readonly slots: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.slots = new Int32Array(buffer);
  }

  /** Records `pid`. Returns false when every slot is taken (the group is then not tracked). */
  add(pid: number): boolean {
    for (let i = 0; i < this.slots.length; i++) {
      if (Atomics.compareExchange(this.slots, i, 0, pid) === 0) return true;
    }
    return false;
  }

  /** Forgets `pid` once its whole group is gone. */
  remove(pid: number): void {
    for (let i = 0; i < this.slots.length; i++) Atomics.compareExchange(this.slots, i, pid, 0);
  }

  /** Returns the pids recorded now. */
  list(): number[] {
    const pids: number[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const pid = Atomics.load(this.slots, i);
      if (pid !== 0) pids.push(pid);
    }
    return pids;
  }
}
