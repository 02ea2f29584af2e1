// Phase-by-phase approval in the REPL. Jobs waiting for approval are presented one at a time, and
// only when the input line is empty: never in the middle of what the user is typing. The prompt
// is an enquirer select, run while the REPL's readline interface is suspended.
import type { JobManager } from '../jobs/manager.js';
import { applyApprovalDecision, askApproval } from '../commands/ask-approval.js';
import { formatApprovalSummary } from '../render/approval-summary.js';
import { describeError } from '../errors.js';
import type { Terminal } from './terminal.js';

// While the user has typed something, look again this often for an empty line.
const RECHECK_MS = 500;

/** Presents waiting jobs to the user, one after another. */
export class ApprovalPresenter {
  private readonly waiting: string[] = [];
  private isPresenting = false;
  private recheck: NodeJS.Timeout | null = null;

  constructor(
    private readonly manager: JobManager,
    private readonly terminal: Terminal,
    private readonly print: (text: string) => void,
  ) {}

  /** Queues job `id` for presentation and presents it now if the line is empty. */
  enqueue(id: string): void {
    if (!this.waiting.includes(id)) this.waiting.push(id);
    this.presentWhenIdle();
  }

  /** Presents the next waiting job if the user is not typing; otherwise looks again shortly. */
  presentWhenIdle(): void {
    if (this.isPresenting || this.waiting.length === 0) return;
    if (this.terminal.line !== '' || this.terminal.suspended) {
      this.recheck ??= setTimeout(() => {
        this.recheck = null;
        this.presentWhenIdle();
      }, RECHECK_MS);
      this.recheck.unref();
      return;
    }
    void this.presentNext();
  }

  /** Stops looking (on exit). */
  dispose(): void {
    if (this.recheck) clearTimeout(this.recheck);
    this.waiting.length = 0;
  }

  private async presentNext(): Promise<void> {
    const id = this.waiting.shift();
    if (!id) return;
    // It may have been approved, retried or cancelled with a command meanwhile.
    if (!this.manager.has(id) || this.manager.get(id).status !== 'awaiting_approval') {
      this.presentWhenIdle();
      return;
    }
    this.isPresenting = true;
    try {
      await this.terminal.suspend(async () => {
        const job = this.manager.get(id);
        process.stdout.write(`${formatApprovalSummary(job, new Date(), process.stdout.columns ?? 80)}\n`);
        let decision;
        try {
          decision = await askApproval(`${job.id}: what next?`, { allowLater: true, output: process.stdout });
        } catch {
          decision = { action: 'later' as const }; // Ctrl+C or Esc on the prompt: decide later
        }
        if (this.manager.get(id).status !== 'awaiting_approval') return;
        await applyApprovalDecision(this.manager, id, decision);
        if (decision.action === 'later') process.stdout.write(`${job.id} waits: /approve, /retry or /cancel it when you are ready.\n`);
      });
    } catch (error) {
      this.print(`error: ${describeError(error)}`);
    } finally {
      this.isPresenting = false;
    }
    this.presentWhenIdle();
  }
}
