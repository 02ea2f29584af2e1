// Inside a worker: a run's check of the job's budget before each model call. The job's tokens
// outside the run (earlier phases, runs beside it) arrive from the main thread as they change;
// the run adds its own. Past the budget it says so once and waits, never in the middle of a tool
// call, until the main thread sends a budget it is within (an approval raised it) or the run is
// cancelled.
import type { JobBudget, TokenUsage } from '../model/job.js';
import { addUsage, findReachedLimits } from '../model/usage.js';

/** One run's budget check (see PhaseContext.budget). */
export class BudgetGate {
  private wake: (() => void) | null = null;

  /**
   * `others`: the job's tokens outside the run when it starts; `report(usage)`: tell the main
   * thread the budget is reached, with the job's tokens at `usage`.
   */
  constructor(
    private others: TokenUsage | undefined,
    private budget: JobBudget | null,
    private readonly signal: AbortSignal,
    private readonly report: (usage: TokenUsage) => void,
  ) {
    signal.addEventListener('abort', () => this.wake?.(), { once: true });
  }

  /** The job's tokens outside the run and its budget changed. */
  update(others: TokenUsage, budget: JobBudget | null): void {
    this.others = others;
    this.budget = budget;
    this.wake?.();
  }

  /** Resolves once a model call may be made with the run's own tokens at `own` (see PhaseContext.budget). */
  async beforeModelCall(own: TokenUsage): Promise<void> {
    let reported: JobBudget | null | undefined;
    while (!this.signal.aborted) {
      const usage = addUsage(this.others, own);
      if (findReachedLimits(usage, this.budget).length === 0) return;
      // Said once per budget: the main thread stops the job once, and a raise that is still not
      // enough (runs beside it used more meanwhile) is said again.
      if (reported !== this.budget) {
        reported = this.budget;
        this.report(usage);
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}
