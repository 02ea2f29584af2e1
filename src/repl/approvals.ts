// Phase-by-phase approval in the REPL. Jobs waiting for approval are presented one at a time, and
// only when the user is not typing: the input line is empty and no key was pressed for a second
// (keys typed as a box opened would otherwise answer it, or become a job); and a box that opens
// just as the user starts typing hands the typing back to the prompt line. The question runs
// while the REPL's readline interface is suspended; other jobs' updates wait, counted in its
// footer, and it closes by itself when its job moves on elsewhere (`jobline approve`).
import chalk from 'chalk';
import { applyApprovalDecision, askApproval, canKeepOnRetry, isLastWorktreePhase } from '../commands/ask-approval.js';
import { describeMerge } from '../render/merge-status.js';
import type { KeyedSelect } from '../commands/keyed-select.js';
import { createAnswerViewer, createDiffViewer } from '../commands/phase-diff.js';
import { describeError } from '../errors.js';
import type { JobService } from '../jobs/service/job-service.js';
import { formatApprovalSummary } from '../render/approval-summary.js';
import type { Terminal } from './terminal.js';

/** How long after the last keystroke a box may open (ms). */
export const QUIET_BEFORE_BOX_MS = 1000;
/**
 * How long an opened box takes no answer (ms): a key typed then was meant for the prompt line
 * (the person began typing as it opened), and goes there, as does a key after it that names no
 * choice (see KeyedSelectOptions.handsTypingBack).
 */
export const BOX_GUARD_MS = 600;
// While the user types, look again this often.
const RECHECK_MS = 250;

/** Presents waiting jobs to the user, one after another. */
export class ApprovalPresenter {
  private readonly waiting: string[] = [];
  private isPresenting = false;
  private recheck: NodeJS.Timeout | null = null;

  /** `onAnswered(id)` hears of each job the user continued or retried here (it follows them then). */
  constructor(
    private readonly service: JobService,
    private readonly terminal: Terminal,
    private readonly print: (text: string) => void,
    private readonly onAnswered: (id: string) => void = () => {},
    private readonly scrub: (text: string) => string = (text) => text,
  ) {}

  /** Queues job `id` for presentation and presents it as soon as the user is not typing. */
  enqueue(id: string): void {
    if (!this.waiting.includes(id)) this.waiting.push(id);
    this.presentWhenIdle();
  }

  /** Presents the next waiting job if the user is not typing; otherwise looks again shortly. */
  presentWhenIdle(): void {
    if (this.isPresenting || this.waiting.length === 0) return;
    const quietFor = this.terminal.msSinceLastKey;
    if (this.terminal.line !== '' || this.terminal.suspended || quietFor < QUIET_BEFORE_BOX_MS) {
      this.recheck ??= setTimeout(() => {
        this.recheck = null;
        this.presentWhenIdle();
      }, this.terminal.line === '' && quietFor < QUIET_BEFORE_BOX_MS ? QUIET_BEFORE_BOX_MS - quietFor : RECHECK_MS);
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
    const asked = this.service.sessionJob(id);
    if (asked?.status !== 'awaiting_approval') {
      this.presentWhenIdle();
      return;
    }
    this.isPresenting = true;
    let question: KeyedSelect | null = null;
    // The job moved on elsewhere (another terminal, a script, or its server went): the question is moot.
    let movedTo: string | null = null;
    const onEvent = (job: { id: string; status: string }): void => {
      if (job.id !== id || job.status === 'awaiting_approval') return;
      movedTo = job.status;
      question?.close();
    };
    const onHeld = (): void => question?.refresh();
    this.service.on('jobEvent', onEvent);
    this.terminal.on('outputHeld', onHeld);
    try {
      const showDiff = createDiffViewer(asked, await this.service.creationFolderOf(id), process.stdout, this.scrub);
      const showAnswer = createAnswerViewer(asked, () => this.service.readPhaseOutput(id, asked.currentPhase), process.stdout, this.scrub);
      const { board } = await this.service.view(id);
      await this.terminal.suspend(async () => {
        if (movedTo) return; // moved on before the box opened
        const job = this.service.sessionJob(id) ?? asked;
        process.stdout.write(`${this.scrub(formatApprovalSummary(job, new Date(), process.stdout.columns ?? 80, board))}\n`);
        let decision;
        try {
          decision = await askApproval(`${job.id}: what next?`, {
            allowLater: true,
            failedTasks: job.phases[job.currentPhase]?.failedTasks ?? 0,
            canMerge: isLastWorktreePhase(job),
            isBudgetStop: Boolean(job.budgetStop),
            canKeep: canKeepOnRetry(job, this.service.agentOf(id)?.type === 'llm'),
            output: process.stdout,
            showDiff,
            ...(showAnswer ? { showAnswer } : {}),
            footer: () => {
              const count = this.terminal.heldCount;
              return count > 0 ? chalk.dim(`${count} update${count === 1 ? '' : 's'} waiting`) : '';
            },
            onOpen: (opened) => (question = opened),
            handsTypingBack: { guardMs: BOX_GUARD_MS },
          });
        } catch {
          decision = { action: 'later' as const }; // Ctrl+C or Esc on the prompt: decide later
        }
        if (decision.action === 'closed') {
          // Said once, so the withdrawn question does not read as a refusal.
          const now = this.service.sessionJob(id)?.status ?? movedTo;
          process.stdout.write(chalk.dim(now === 'interrupted' ? `${job.id} was interrupted: /resume ${job.id} when you want it to go on.\n` : `${job.id} was answered elsewhere${now ? ` (it is ${now.replace('_', ' ')} now)` : ''}.\n`));
          return;
        }
        if (this.service.sessionJob(id)?.status !== 'awaiting_approval') return;
        // The answer names the approval it answers (see applyApprovalDecision).
        if (decision.action === 'continue' || decision.action === 'retry' || decision.action === 'merge') this.onAnswered(job.id);
        if (decision.action === 'merge') process.stdout.write(`⏳ Landing ${job.id}…\n`);
        const landed = await applyApprovalDecision(this.service, job, decision);
        if (landed) process.stdout.write(`${describeMerge(landed, await this.service.whyCannotResolve(landed))}\n`);
        if (decision.action === 'later') process.stdout.write(`${job.id} waits${decision.isTypedOver ? ' (you were typing)' : ''}: /approve, /retry or /cancel it when you are ready.\n`);
      });
    } catch (error) {
      this.print(`error: ${describeError(error)}`);
    } finally {
      this.service.off('jobEvent', onEvent);
      this.terminal.off('outputHeld', onHeld);
      this.isPresenting = false;
    }
    this.presentWhenIdle();
  }
}
