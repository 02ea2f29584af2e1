// The concurrency core: at most `capacity` jobs hold a slot; the rest wait in FIFO order. Pure
// bookkeeping (no I/O, no timers), so the cap and the order are unit-testable on their own.

/** A FIFO queue of job ids in front of a fixed number of slots. */
export class SlotQueue {
  private readonly waiting: string[] = [];
  private readonly holders = new Set<string>();

  /** @param capacity slots available (maxConcurrentJobs), at least 1. */
  constructor(readonly capacity: number) {}

  /** Number of jobs holding a slot. */
  get slotsInUse(): number {
    return this.holders.size;
  }

  /** Ids waiting for a slot, in the order they will get one. */
  get waitingIds(): readonly string[] {
    return this.waiting;
  }

  /** Returns true when no slot is free. */
  get isFull(): boolean {
    return this.holders.size >= this.capacity;
  }

  /** Returns true when `id` holds a slot. */
  holds(id: string): boolean {
    return this.holders.has(id);
  }

  /**
   * Gives `id` a slot at once if one is free and nobody is waiting (never jumping the queue).
   * Returns true when it did.
   */
  tryTakeSlot(id: string): boolean {
    if (this.isFull || this.waiting.length > 0) return false;
    this.holders.add(id);
    return true;
  }

  /** Puts `id` at the back of the queue; returns its 1-based position. */
  enqueue(id: string): number {
    this.waiting.push(id);
    return this.waiting.length;
  }

  /** Puts `id` at the front of the queue (work already under way goes first). */
  enqueueFirst(id: string): void {
    this.waiting.unshift(id);
  }

  /** Removes `id` from the queue if it waits there. */
  remove(id: string): void {
    const index = this.waiting.indexOf(id);
    if (index !== -1) this.waiting.splice(index, 1);
  }

  /** Frees the slot of `id` (no effect if it holds none). */
  releaseSlot(id: string): void {
    this.holders.delete(id);
  }

  /**
   * Moves waiting ids into free slots, in queue order, and returns them. `isStartable` lets the
   * caller drop ids that no longer want to run (e.g. cancelled while waiting). An id whose
   * previous run still holds its slot (approved or resumed before that run wound down) keeps its
   * place and is skipped: one job never holds two slots.
   */
  fillSlots(isStartable: (id: string) => boolean): string[] {
    const started: string[] = [];
    let index = 0;
    while (!this.isFull && index < this.waiting.length) {
      const id = this.waiting[index]!;
      if (this.holders.has(id)) {
        index++;
        continue;
      }
      this.waiting.splice(index, 1);
      if (!isStartable(id)) continue;
      this.holders.add(id);
      started.push(id);
    }
    return started;
  }

  /** Empties the queue (slots stay as they are). */
  clearWaiting(): void {
    this.waiting.length = 0;
  }
}
