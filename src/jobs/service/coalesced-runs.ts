// Running a task once for many requests: while a run is in progress, every new request shares
// one next run, which starts when the current one ends. Used for the storage policy's passes:
// one pass covers every job that ended before it started, so a batch of thousands of jobs needs
// far fewer passes than jobs, and they never contend for the policy's claim among themselves.

/** Coalesces requests to run `task`; see `request`. */
export class CoalescedRuns {
  private current: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  /** `task` must not throw (it reports its own failures). */
  constructor(private readonly task: () => Promise<void>) {}

  /** Resolves after a run of `task` that started after this call has ended. */
  request(): Promise<void> {
    if (!this.current) {
      this.current = this.task().finally(() => (this.current = null));
      return this.current;
    }
    this.next ??= this.current.then(() => {
      this.next = null;
      return this.request();
    });
    return this.next;
  }
}
