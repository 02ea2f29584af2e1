// Asking a person at a terminal what to do with a phase that just completed: one key each for
// continue (c), retry (r, then the feedback; k keeps the phase's changes), cancel (x), later (l),
// the full diff (d) and the whole answer (o).
import type { Job } from '../jobs/model/job.js';
import { approvalIdOf } from '../jobs/service/job-commands.js';
import type { JobService } from '../jobs/service/job-service.js';
import { openKeyedSelect, type KeyedChoice, type KeyedSelect } from './keyed-select.js';

/**
 * What the user decided for a job awaiting approval. `later` leaves it waiting (`isTypedOver`: the
 * user was typing something else, which closed the question); `closed` means the question was
 * closed by its owner (the job moved on meanwhile) before the user answered.
 */
export type ApprovalDecision = { action: 'continue' } | { action: 'merge' } | { action: 'retry'; feedback: string | null; keep?: boolean } | { action: 'cancel' } | { action: 'later'; isTypedOver?: boolean } | { action: 'closed' };

/** Options of `askApproval`. */
export interface AskApprovalOptions {
  /** Offer "later" (the REPL does; a single foreground `run` does not). */
  allowLater: boolean;
  /** Where the prompt draws (default stderr, so stdout stays clean for --json). */
  output?: NodeJS.WriteStream;
  /** Offers `d`, which calls this (to show the phase's diff) and then asks again. */
  showDiff?: () => Promise<void>;
  /** Offers `o` (or `v`), which calls this (to show the phase's whole answer) and then asks again. */
  showAnswer?: () => Promise<void>;
  /** A line under the choices, read at every redraw. */
  footer?: () => string;
  /** Hears of each question opened (to redraw it, or to close it when it became moot). */
  onOpen?: (question: KeyedSelect) => void;
  /** Tasks of the phase that failed (PhaseState.failedTasks): the choices say what they do about them. */
  failedTasks?: number;
  /** The question may open under typing: see KeyedSelectOptions.handsTypingBack (typing over it means later). */
  handsTypingBack?: { guardMs: number };
  /** The last phase of a job in a worktree: continue finishes it, and `m` finishes it and lands its work now. */
  canMerge?: boolean;
  /** The job stopped at its budget (Job.budgetStop): continue raises it, and there is nothing to retry. */
  isBudgetStop?: boolean;
  /** The phase changed files its retry would undo (see canKeepOnRetry): `k` retries keeping them. */
  canKeep?: boolean;
}

/**
 * Whether a retry of `job`'s current phase would undo the files it changed, so the box offers to
 * keep them (`k`, `/retry --keep`): a job in a worktree goes back to the commit before the phase
 * (WorktreeJobs.rollBack), and an LLM agent's job in place to the files before it
 * (phase-workspace.ts); a command agent's job in place runs its commands again on the files as
 * they are. `isLlm`: the job's agent calls a model.
 */
export function canKeepOnRetry(job: Job, isLlm: boolean): boolean {
  const changes = job.phases[job.currentPhase]?.changes;
  const hasChanges = Boolean(changes && changes.files.length + changes.moreFiles > 0);
  return hasChanges && (Boolean(job.worktree) || isLlm);
}

/** Whether `job`'s approval box offers `m` (see AskApprovalOptions.canMerge): the last phase of a job in a worktree. */
export function isLastWorktreePhase(job: Job): boolean {
  return Boolean(job.worktree) && job.currentPhase === job.phases.length - 1 && !job.phases[job.currentPhase]?.failedTasks;
}

/** The choices, in the order shown. */
export function getApprovalChoices(options: Pick<AskApprovalOptions, 'allowLater' | 'showDiff' | 'showAnswer' | 'failedTasks' | 'canMerge' | 'isBudgetStop' | 'canKeep'>): KeyedChoice[] {
  const failed = options.failedTasks ?? 0;
  const them = failed === 1 ? 'the failed task' : `the ${failed} failed tasks`;
  if (options.isBudgetStop) {
    return [
      { name: 'continue', message: 'Continue with +50% budget', key: 'c' },
      { name: 'cancel', message: 'Cancel the job', key: 'x' },
      ...(options.allowLater ? [{ name: 'later', message: 'Decide later (/approve, /cancel)', key: 'l' }] : []),
    ];
  }
  return [
    { name: 'continue', message: failed > 0 ? `Continue anyway, without ${them}` : options.canMerge ? 'Continue: finish the job (its work stays on its branch, ready to land)' : 'Continue to the next phase', key: 'c' },
    ...(options.canMerge ? [{ name: 'merge', message: 'Merge now: finish the job and land its work', key: 'm' }] : []),
    { name: 'retry', message: failed > 0 ? `Retry ${them} (with optional feedback)` : options.canKeep ? 'Retry this phase from the files before it (with optional feedback)' : 'Retry this phase (with optional feedback)', key: 'r' },
    // A retry of failed tasks keeps the done tasks' work anyway: only a whole phase's retry undoes.
    ...(options.canKeep && failed === 0 ? [{ name: 'retry-keep', message: 'Retry keeping its changes (with optional feedback)', key: 'k' }] : []),
    { name: 'cancel', message: 'Cancel the job', key: 'x' },
    ...(options.allowLater ? [{ name: 'later', message: 'Decide later (/approve, /retry, /cancel)', key: 'l' }] : []),
    ...(options.showDiff ? [{ name: 'diff', message: 'Show the full diff', key: 'd' }] : []),
    ...(options.showAnswer ? [{ name: 'answer', message: 'Read the whole answer', key: 'o', aliases: ['v'] }] : []),
  ];
}

/**
 * Asks continue (the default) / retry (then optional feedback) / cancel / later / diff.
 * Rejects when the user aborts the question (Ctrl+C / Esc), as enquirer does.
 */
export async function askApproval(message: string, options: AskApprovalOptions): Promise<ApprovalDecision> {
  const stdout = options.output ?? process.stderr;
  for (;;) {
    const question = await openKeyedSelect({ message, choices: getApprovalChoices(options), stdout, footer: options.footer, ...(options.handsTypingBack ? { handsTypingBack: options.handsTypingBack } : {}) });
    options.onOpen?.(question);
    const action = await question.answer;
    if (action === null) return question.isTypedOver ? { action: 'later', isTypedOver: true } : { action: 'closed' };
    if (action === 'diff') {
      await options.showDiff?.();
      continue;
    }
    if (action === 'answer') {
      await options.showAnswer?.();
      continue;
    }
    if (action !== 'retry' && action !== 'retry-keep') return { action } as ApprovalDecision;
    const { default: enquirer } = await import('enquirer');
    const { feedback } = await enquirer.prompt<{ feedback: string }>({ type: 'input', name: 'feedback', message: 'Feedback for the retry (Enter for none)', stdout } as never);
    return { action: 'retry', feedback: feedback.trim() === '' ? null : feedback, ...(action === 'retry-keep' ? { keep: true } : {}) };
  }
}

/**
 * Answers the approval `asked` (the job as it was when the question opened) with `decision`:
 * approve, approve and land (`merge`: resolves with the job as its landing ended), retry with
 * the feedback, or cancel. Approve and retry carry the approval's
 * correlation id, so an answer to an approval settled meanwhile elsewhere is refused instead of
 * applying to the next one. `later` and `closed` do nothing.
 * @throws ManagerError APPROVAL_STALE, JOB_NOT_AWAITING_APPROVAL, JOB_NOT_ACTIVE (see JobService.dispatch).
 */
export async function applyApprovalDecision(service: JobService, asked: Job, decision: ApprovalDecision): Promise<Job | void> {
  const requestId = approvalIdOf(asked) ?? undefined;
  if (decision.action === 'continue') await service.dispatch({ type: 'approve', jobId: asked.id, requestId });
  else if (decision.action === 'merge') {
    // The approval commits the last phase and completes the job; then its work lands.
    await service.dispatch({ type: 'approve', jobId: asked.id, requestId });
    return service.dispatch({ type: 'merge', jobId: asked.id });
  }
  else if (decision.action === 'retry') await service.dispatch({ type: 'retry', jobId: asked.id, feedback: decision.feedback, requestId, ...(decision.keep ? { keep: true } : {}) });
  else if (decision.action === 'cancel') await service.dispatch({ type: 'cancel', jobId: asked.id });
}
