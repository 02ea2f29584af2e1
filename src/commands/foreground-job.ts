// Watching one job in the foreground until it ends (`jobline run`, `jobline resume`): its output
// streams to stdout as it is written (with a header per phase), a spinner on stderr shows its
// phase and last event, and (interactive mode, on a terminal) an approval question follows each
// phase. Then a summary: the answer of an LLM job, or why it failed and where its full log is.
import { scrubberOf } from '../text/secrets.js';
import chalk from 'chalk';
import type { AgentSpec } from '../agents/agent.js';
import { isTerminalStatus, type Job } from '../jobs/model/job.js';
import type { JobService } from '../jobs/service/job-service.js';
import { formatApprovalSummary } from '../render/approval-summary.js';
import { CLAIM_WAIT_ICON } from '../jobs/model/scheduler.js';
import { isSharedPhase } from '../jobs/model/task-board.js';
import { OUTPUT_FILE } from '../jobs/model/task.js';
import { formatLogLines } from '../render/log-lines.js';
import { formatJobLabel, formatPhasePosition } from '../render/job-list.js';
import { sanitizeLine, sanitizeText, truncate } from '../render/text.js';
import type { OutputFollower } from '../jobs/ports/job-reader.js';
import { applyApprovalDecision, askApproval, canKeepOnRetry, isLastWorktreePhase } from './ask-approval.js';
import { createAnswerViewer, createDiffViewer } from './phase-diff.js';
import { installExitHandlers } from './exit-signals.js';
import { createStatusLine } from './status-line.js';
import { OwnJobEvents } from './own-job-events.js';

/** Lines of output repeated under a failure, when more than these scrolled by. */
export const FAILURE_TAIL_LINES = 20;

/** How often new output is looked for (ms). */
const STREAM_POLL_MS = 100;

/** How the job is shown. */
export interface ForegroundOptions {
  /** Print the final job as JSON on stdout (output then streams to stderr). */
  json?: boolean;
  /** Pass the job's escape sequences through as it wrote them (default: only its colours). */
  raw?: boolean;
  /** The variables holding API keys (config: getSecretEnvNames): what is shown passes their scrubber. */
  secretEnvNames?: readonly string[];
}

/** Whether this process can ask approval questions (stdin and stderr are terminals). */
export function hasTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * Shows a job of `service` until it ends, then shuts the service's session down. `start` submits
 * or resumes the job once the listeners are in place, and returns its id. Returns 0 if the job
 * completed, 1 otherwise.
 */
export async function superviseInForeground(service: JobService, agent: AgentSpec, start: () => Promise<string>, options: ForegroundOptions): Promise<number> {
  const spinner = await createStatusLine();
  const scrubber = scrubberOf(options.secretEnvNames ?? []);
  const scrub = (text: string): string => scrubber.scrub(text);
  installExitHandlers(service.lifecycle, () => spinner.stop());
  service.on('warning', (message) => spinner.warn(message));
  // Output goes to stdout (stderr with --json, which owns stdout). Terminal or pipe, only its
  // colours pass (a pipe often ends in a terminal: `jobline run … | tee log`); --raw passes all.
  const target = options.json ? process.stderr : process.stdout;
  const safety = options.raw ? 'raw' : 'colours';
  const format = (lines: readonly string[]): string => `${formatLogLines(lines, Boolean(target.isTTY), safety)}\n`;
  // The output is read by one chain of reads, so lines print once and in order: on a timer, and
  // to the end of what is written before an approval question is drawn (a line printed into an
  // open question would garble it). No timer reads while the question is open.
  let follower: OutputFollower | null = null;
  let streamedLines = 0;
  let reading: Promise<void> = Promise.resolve();
  let isAsking = false;
  const catchUp = (): Promise<void> => (reading = reading.then(async () => {
    if (!follower) return;
    for (let lines = await follower.read(); lines.length > 0; lines = await follower.read()) {
      streamedLines += lines.length;
      spinner.printAbove(format(lines), target);
    }
  }));
  let resolveStarted!: () => void;
  const started = new Promise<void>((resolve) => (resolveStarted = resolve));
  const handleApproval = async (job: Job): Promise<void> => {
    await started;
    isAsking = true;
    await catchUp();
    spinner.stop();
    try {
      const { board } = await service.view(job.id);
      process.stderr.write(`${scrub(formatApprovalSummary(job, new Date(), process.stderr.columns ?? 80, board, 'jobline tasks'))}\n`);
      // A budget stop of a job run without a terminal (--yes in a script) waits for an answer from elsewhere.
      if (!hasTerminal()) {
        process.stderr.write(`${job.id} waits: jobline approve ${job.id} to go on, or jobline cancel ${job.id}\n`);
        return;
      }
      const showDiff = createDiffViewer(job, await service.creationFolderOf(job.id), process.stderr, scrub);
      const showAnswer = createAnswerViewer(job, () => service.readPhaseOutput(job.id, job.currentPhase), process.stderr, scrub);
      await applyApprovalDecision(service, job, await askApproval(`${job.id}: what next?`, { allowLater: false, showDiff, ...(showAnswer ? { showAnswer } : {}), failedTasks: job.phases[job.currentPhase]?.failedTasks ?? 0, canMerge: isLastWorktreePhase(job), isBudgetStop: Boolean(job.budgetStop), canKeep: canKeepOnRetry(job, agent.type === 'llm') }));
    } catch {
      // The prompt was aborted (Ctrl+C): treat it like any other interrupt of the foreground job.
      process.kill(process.pid, 'SIGINT');
    } finally {
      isAsking = false;
    }
  };
  // Only the job's own events count: attached to jobline serve, the session hears every job's,
  // and another job ending (or asking for approval) first is not this one's end.
  const own = new OwnJobEvents();
  const ended = new Promise<Job>((resolve) => {
    service.on('jobEvent', (job, event) => own.pass(job.id, () => {
      const phase = event.phase ? `Phase ${event.phase}` : '';
      // A phase's end is said under its output: what it printed is read first.
      if (event.type === 'phase_started') spinner.start(describe(job));
      else if (event.type === 'phase_completed') void catchUp().then(() => spinner.succeed(`${phase} completed`));
      else if (event.type === 'phase_failed') void catchUp().then(() => spinner.fail(`${phase} failed: ${sanitizeLine(event.error ?? '')}`));
      else if (event.type === 'approval_requested') void handleApproval(job);
      // Tasks of a phase of several write files of their own: their failures are said here.
      else if (event.type === 'task_failed') spinner.printAbove(`${event.willRetry ? '↻' : '❌'} ${event.task}: ${sanitizeLine(event.error ?? '')}${event.willRetry ? ' (will retry)' : ''}\n`, process.stderr);
      if (isTerminalStatus(job.status)) resolve(job);
    }));
  });
  service.on('jobProgress', (job) => own.pass(job.id, () => spinner.update(describe(job))));
  // A task held back by another's claim is in no log: said here.
  service.on('jobActivity', (job, icon, text) => own.pass(job.id, () => {
    if (icon === CLAIM_WAIT_ICON) spinner.printAbove(`${icon} ${sanitizeLine(text)}\n`, process.stderr);
  }));
  // Tasks side by side write files of their own (runs/rN.log), not output.log: their latest lines
  // are shown as they come, marked with their task (jobline logs ID has them all).
  service.on('jobOutput', (job, lines, lineCount, taskId) => own.pass(job.id, () => {
    if (!taskId || isAsking) return;
    const skipped = lineCount - lines.length;
    // Blank lines carry nothing worth a marked line (as in the REPL's notifications).
    const marked = [...(skipped > 0 ? [`${taskId} │ … ${skipped} more lines`] : []), ...lines.filter((line) => line.trim() !== '').map((line) => `${taskId} │ ${line}`)];
    if (marked.length === 0) return;
    spinner.printAbove(format(marked), target);
  }));

  // A model's answer in a task side by side streams as text (runs/rN.log has it): its lines are
  // shown as they complete, marked with their task.
  const writing = new Map<string, string>();
  service.on('jobText', (job, text, taskId) => own.pass(job.id, () => {
    if (!taskId || isAsking) return;
    const lines = `${writing.get(taskId) ?? ''}${text}`.split('\n');
    writing.set(taskId, lines.pop() ?? '');
    const marked = lines.filter((line) => line.trim() !== '').map((line) => `${taskId} │ ${line}`);
    if (marked.length > 0) spinner.printAbove(format(marked), target);
  }));

  const id = await start();
  own.open(id);
  const paths = service.pathsOf(id);
  // A resumed job's earlier output is not shown again.
  follower = await service.outputFollower(id);
  resolveStarted();
  const timer = setInterval(() => void (isAsking ? null : catchUp()), STREAM_POLL_MS);
  const job = await ended;
  clearInterval(timer);
  await catchUp();
  const rest = await follower.drain();
  if (rest.length > 0) spinner.printAbove(format(rest), target);
  streamedLines += rest.length;
  spinner.stop();
  await service.lifecycle.whenIdle();
  await service.lifecycle.shutdown();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
  } else if (job.status === 'completed') {
    const answer = agent.type === 'llm' ? job.phases.at(-1)?.output : null;
    if (answer) target.write(`${chalk.bold('── answer ──')}\n${options.raw ? answer : sanitizeText(answer, { keepColours: true })}\n`);
    process.stderr.write(`✅ ${formatJobLabel(job)} completed\n`);
  } else {
    // A long output scrolled the reason away: its last lines come again, next to the failure.
    if (streamedLines > FAILURE_TAIL_LINES) {
      const tail = await service.readOutputTail(id, FAILURE_TAIL_LINES);
      target.write(`${chalk.bold(`── last ${tail.lines.length} lines of output ──`)}\n${format(tail.lines)}`);
    }
    // Runs of a phase of several tasks wrote files of their own: output.log is not all of it then.
    const { board } = await service.view(id).catch(() => ({ board: null }));
    const hasRunFiles = board?.runs.some((run) => run.output.file !== OUTPUT_FILE) ?? false;
    process.stderr.write(`❌ ${formatJobLabel(job)} ${job.status}${job.error ? `: ${sanitizeLine(job.error)}` : ''}\n   full log: ${hasRunFiles ? `jobline logs ${job.id}` : paths.output}\n`);
    const failed = board?.tasks.filter((task) => task.status === 'failed' && isSharedPhase(board, task.phase)) ?? [];
    for (const task of failed.slice(0, 3)) process.stderr.write(`   ${task.id}'s output: jobline logs ${job.id} ${task.id}\n`);
    if (failed.length > 3) process.stderr.write(`   … ${failed.length - 3} more failed tasks (jobline logs ${job.id} --failed)\n`);
  }
  return job.status === 'completed' ? 0 : 1;
}

function describe(job: Job): string {
  const last = job.progress.lastEvent ? ` — ${truncate(sanitizeLine(job.progress.lastEvent), 80)}` : '';
  return `${job.id} ${sanitizeLine(formatPhasePosition(job))}${last}`;
}
