// Turns among a job's runs on one worker thread: runs taken ahead (issue 28 §6) wait here, first
// come first served, with their starts already durable, until one of the job's `workers` places is
// free; a run that ends hands its place to the next at once, on this thread, without a round trip
// to the main thread or an fsync.

/** A waiting run: what to call when its turn comes, and the cancel it listens to. */
interface Waiter {
  begin(): void;
  signal: AbortSignal;
  onAbort(): void;
}

/** The runs of one key (a job) going now, and those waiting, in order. */
interface Line {
  going: number;
  waiting: Waiter[];
}

/** Places per key (a job id): at most `limit` runs of a key go at once, the rest wait in order. */
export class RunGate {
  private readonly lines = new Map<string, Line>();

  /**
   * Resolves true once a run of `key` may begin (fewer than `limit` go; those that waited before
   * it went first), or false when `signal` is aborted first (it never began, and holds no place).
   * A run that got its place gives it back with `leave`, once.
   */
  enter(key: string, limit: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    let line = this.lines.get(key);
    if (!line) {
      line = { going: 0, waiting: [] };
      this.lines.set(key, line);
    }
    if (line.going < limit && line.waiting.length === 0) {
      line.going++;
      return Promise.resolve(true);
    }
    const waiting = line;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        signal,
        begin: () => {
          signal.removeEventListener('abort', waiter.onAbort);
          resolve(true);
        },
        onAbort: () => {
          const index = waiting.waiting.indexOf(waiter);
          if (index !== -1) waiting.waiting.splice(index, 1);
          this.dropIfIdle(key, waiting);
          resolve(false);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      waiting.waiting.push(waiter);
    });
  }

  /** A run of `key` ended: its place goes to the first waiting run, if any. */
  leave(key: string): void {
    const line = this.lines.get(key);
    if (!line) return;
    const next = line.waiting.shift();
    if (next) next.begin();
    else line.going--;
    this.dropIfIdle(key, line);
  }

  /** Runs of `key` waiting their turn now. */
  waitingOf(key: string): number {
    return this.lines.get(key)?.waiting.length ?? 0;
  }

  private dropIfIdle(key: string, line: Line): void {
    if (line.going <= 0 && line.waiting.length === 0 && this.lines.get(key) === line) this.lines.delete(key);
  }
}
