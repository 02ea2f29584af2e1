// What a `jobline worker` prints of its runs (one line as it takes a run, one as the run ends), and
// the slots of its concurrency, shared by the loops that take runs from its queues.
import type { RunOutcome } from '../ports/executor.js';
import { sanitizeLine } from '../../text/inert-text.js';
import type { RunPayload } from './run-payload.js';

/** The icon a run's end is printed with, by outcome. */
export const OUTCOME_ICONS: Record<RunOutcome['kind'], string> = { completed: '✔', failed: '✖', cancelled: '■', interrupted: '⚠' };

/** `done`, `failed: <reason>`, `cancelled`, `interrupted: <reason>`. */
export function describeOutcome(outcome: RunOutcome): string {
  if (outcome.kind === 'completed') return 'done';
  if (outcome.kind === 'failed') return `failed: ${outcome.error.split('\n')[0]!.slice(0, 200)}`;
  if (outcome.kind === 'interrupted') return `interrupted: ${outcome.reason}`;
  return 'cancelled';
}

/** `t3 (sh): make test`: what a run does, one line of at most ~100 characters, safe for a terminal. */
export function describeRun(payload: RunPayload | undefined): string {
  const request = payload?.request;
  if (!request) return '';
  const what = sanitizeLine((request.command ?? request.prompt ?? '').replace(/\s+/g, ' ').trim());
  return `${request.taskId ?? ''} (${request.agent?.name ?? '?'}): ${what.length > 80 ? `${what.slice(0, 79)}…` : what}`;
}

/** `4.2s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * The worker's concurrency as slots: a loop takes one before it takes a run from a queue, and frees
 * it when the run ends (or no run came); waiters are served in order.
 */
export class RunSlots {
  private readonly waiters: Array<() => void> = [];

  constructor(private freeCount: number) {}

  /** Resolves once a slot is this caller's. */
  take(): Promise<void> {
    if (this.freeCount > 0) {
      this.freeCount--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Frees a slot taken (to the first waiter, if any). */
  free(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.freeCount++;
  }

  /** Lets every waiter go (the worker stops taking runs: each gives its slot back at once). */
  releaseWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
