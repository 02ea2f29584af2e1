// `jobline run`: one job in the foreground, with a spinner showing its phase and last event, and
// (interactive mode, on a terminal) an approval question after each phase.
import { resolveAgent } from '../agents/resolve-agent.js';
import { getDefaultAgentName } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { isTerminalStatus, type Job } from '../jobs/job.js';
import { formatApprovalSummary } from '../render/approval-summary.js';
import { formatPhasePosition } from '../render/job-list.js';
import { sanitizeLine, truncate } from '../render/text.js';
import { applyApprovalDecision, askApproval } from './ask-approval.js';
import { createManager, type AppContext } from './context.js';
import { installExitHandlers } from './exit-signals.js';
import { createStatusLine } from './status-line.js';

/** Options of `jobline run`. */
export interface RunOptions {
  agent?: string;
  /** Run every phase without asking (background mode). */
  background?: boolean;
  /** Same effect as `background`: approve every phase up front. */
  yes?: boolean;
  json?: boolean;
}

/**
 * Runs `prompt` as one job and waits for it. Returns 0 if it completed, 1 otherwise.
 * @throws UsageError USAGE for an empty prompt or interactive mode without a terminal; AgentError; StoreError.
 */
export async function runCommand(context: AppContext, prompt: string, options: RunOptions): Promise<number> {
  if (prompt.trim() === '') throw new UsageError('USAGE', "The prompt is empty: say what to run, for example: jobline run -y 'npm test'");
  const agent = resolveAgent(options.agent ?? getDefaultAgentName(context.config), context.config, context.cwd);
  const mode = options.background || options.yes ? 'background' : context.config.mode;
  const hasTerminal = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  if (mode === 'interactive' && !hasTerminal) {
    throw new UsageError('USAGE', 'Interactive mode asks for approval after each phase, which needs a terminal, and stdin is not one. Pass --background (or --yes) to run every phase without asking.');
  }
  const manager = createManager(context);
  const spinner = createStatusLine();
  installExitHandlers(manager, () => spinner.stop());
  manager.on('warning', (message) => spinner.warn(message));

  const ended = new Promise<Job>((resolve) => {
    manager.on('jobEvent', (job, event) => {
      const phase = event.phase ? `Phase ${event.phase}` : '';
      if (event.type === 'phase_started') spinner.start(describe(job));
      else if (event.type === 'phase_completed') spinner.succeed(`${phase} completed`);
      else if (event.type === 'phase_failed') spinner.fail(`${phase} failed: ${sanitizeLine(event.error ?? '')}`);
      else if (event.type === 'approval_requested') void handleApproval(job);
      if (isTerminalStatus(job.status)) resolve(job);
    });
  });
  manager.on('jobProgress', (job) => {
    spinner.update(describe(job));
  });

  const handleApproval = async (job: Job): Promise<void> => {
    spinner.stop();
    process.stderr.write(`${formatApprovalSummary(job, new Date(), process.stderr.columns ?? 80)}\n`);
    try {
      await applyApprovalDecision(manager, job.id, await askApproval(`${job.id}: what next?`, { allowLater: false }));
    } catch {
      // The prompt was aborted (Ctrl+C): treat it like any other interrupt of the foreground job.
      process.kill(process.pid, 'SIGINT');
    }
  };

  await manager.submit({ agent, prompt, mode, cwd: context.cwd });
  const job = await ended;
  spinner.stop();
  await manager.whenIdle();
  await manager.shutdown();
  const paths = context.store.pathsOf(job.id);
  if (options.json) process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
  else if (job.status === 'completed') process.stderr.write(`✅ ${job.id} completed\n`);
  else process.stderr.write(`❌ ${job.id} ${job.status}${job.error ? `: ${sanitizeLine(job.error)}` : ''}\n   output: ${paths.output}\n`);
  return job.status === 'completed' ? 0 : 1;
}

function describe(job: Job): string {
  const last = job.progress.lastEvent ? ` — ${truncate(sanitizeLine(job.progress.lastEvent), 80)}` : '';
  return `${job.id} ${sanitizeLine(formatPhasePosition(job))}${last}`;
}
