// Asking a person at a terminal what to do with a phase that just completed, with enquirer.
import enquirer from 'enquirer';
import type { JobManager } from '../jobs/manager.js';

/** What the user decided for a job awaiting approval. `later` leaves it waiting. */
export type ApprovalDecision = { action: 'continue' } | { action: 'retry'; feedback: string | null } | { action: 'cancel' } | { action: 'later' };

/** Options of `askApproval`. */
export interface AskApprovalOptions {
  /** Offer "later" (the REPL does; a single foreground `run` does not). */
  allowLater: boolean;
  /** Where the prompt draws (default stderr, so stdout stays clean for --json). */
  output?: NodeJS.WriteStream;
}

/**
 * Asks continue (the default) / retry (then optional feedback) / cancel / later.
 * Rejects when the user aborts the prompt (Ctrl+C / Esc), as enquirer does.
 */
export async function askApproval(message: string, options: AskApprovalOptions): Promise<ApprovalDecision> {
  const stdout = options.output ?? process.stderr;
  const choices = [
    { name: 'continue', message: 'Continue to the next phase' },
    { name: 'retry', message: 'Retry this phase (with optional feedback)' },
    { name: 'cancel', message: 'Cancel the job' },
    ...(options.allowLater ? [{ name: 'later', message: 'Decide later (/approve, /retry, /cancel)' }] : []),
  ];
  const { action } = await enquirer.prompt<{ action: ApprovalDecision['action'] }>({ type: 'select', name: 'action', message, choices, initial: 0, stdout } as never);
  if (action !== 'retry') return { action } as ApprovalDecision;
  const { feedback } = await enquirer.prompt<{ feedback: string }>({ type: 'input', name: 'feedback', message: 'Feedback for the retry (Enter for none)', stdout } as never);
  return { action: 'retry', feedback: feedback.trim() === '' ? null : feedback };
}

/**
 * Carries out `decision` for job `id`: approve, retry with the feedback, or cancel. `later` does
 * nothing. @throws ManagerError from the manager (e.g. the job is no longer awaiting approval).
 */
export async function applyApprovalDecision(manager: JobManager, id: string, decision: ApprovalDecision): Promise<void> {
  if (decision.action === 'continue') await manager.approve(id);
  else if (decision.action === 'retry') await manager.retry(id, decision.feedback);
  else if (decision.action === 'cancel') await manager.cancel(id);
}
