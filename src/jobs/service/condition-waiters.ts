// Waiting until a condition on the manager's state holds (idle, nothing running, no removal held
// back): the manager calls `check()` after each change, and each waiter is resolved the first
// time its condition is true. One mechanism for every "resolve when quiet" promise.

/** Promises resolved when their condition holds, rechecked on `check()`. */
export class ConditionWaiters {
  private waiters: Array<{ condition: () => boolean; resolve: () => void }> = [];

  /** Resolves at once if `condition()` holds, else at the first `check()` after which it does. */
  wait(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ condition, resolve }));
  }

  /** Resolves every waiter whose condition holds now. Call after any change that may matter. */
  check(): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.condition()) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }
}
