// `jobline batch`: one background job whose tasks are the input's non-empty lines, run by its
// workers side by side; prints every task that fails, a progress line at most once a second, and
// a summary, and fails if any task did not get done. Every line runs whatever others do, unless
// --fail-fast.
import { sayNotice } from './run.js';
import type { Isolation } from '../jobs/model/job.js';
import { readFile } from 'node:fs/promises';
import { resolveAgent } from '../agents/resolve-agent.js';
import { getDefaultAgentName, getMaxWorkers } from '../config/schema.js';
import { isTerminalStatus } from '../jobs/model/job.js';
import { describeBatch, parseBatchLines } from './batch-input.js';
import type { JobView } from '../jobs/service/job-commands.js';
import { UsageError, describeError } from '../errors.js';
import { formatBatchSummary } from '../render/batch-summary.js';
import { sanitizeLine } from '../render/text.js';
import { createJobService, type AppContext } from './context.js';
import { budgetOf, modelFor, sayWarning } from './run.js';
import { installExitHandlers } from './exit-signals.js';
import { OwnJobEvents } from './own-job-events.js';

/** Longest time between two progress lines (ms). */
const PROGRESS_EVERY_MS = 1000;

/** Options of `jobline batch`. */
export interface BatchOptions {
  agent?: string;
  /** Tasks run at once (default: the config's maxWorkers). */
  workers?: number;
  /** Runs of a failed task beyond its first. */
  retries?: number;
  /** Stop the tasks not yet started at the first that fails for good (default: every line runs). */
  failFast?: boolean;
  /** Accepted for scripts written when fail fast was the default; every line runs anyway. */
  keepGoing?: boolean;
  /** Where the job runs (see SubmitRequest.isolation). */
  isolation?: Isolation;
  /** What a job in a worktree starts from (see SubmitRequest.base). */
  base?: 'head' | 'worktree';
  /** The job's budget (see budgetOf in run.ts). */
  budgetTokens?: number;
  budgetUsd?: number;
  /** The model of an LLM agent's job (see modelFor in run.ts). */
  model?: string;
  /** The job's name (default: a generated one), as `run --name`. */
  name?: string;
  /** Print the final job as JSON on stdout instead of the summary (which goes to stderr then). */
  json?: boolean;
}

/**
 * Reads lines from `source` (a file path, or `-`/undefined for stdin) and runs them as the tasks
 * of one background job; returns 0 when every task got done, 1 otherwise (2 is the caller's, for
 * usage errors). Always queues, whatever `whenBusy` says.
 * @throws UsageError USAGE for a file that cannot be read; AgentError; StoreError.
 */
export async function batchCommand(context: AppContext, source: string | undefined, options: BatchOptions): Promise<number> {
  const text = !source || source === '-' ? await readStdin() : await readPromptsFile(source);
  const inputs = parseBatchLines(text);
  const from = !source || source === '-' ? 'stdin' : source;
  if (inputs.length === 0) {
    process.stdout.write(`Batch: no lines in ${from}; nothing to run.\n`);
    return 0;
  }
  const agent = resolveAgent(options.agent ?? getDefaultAgentName(context.config), context.config, context.cwd, context.configPath);
  const service = await createJobService(context, { whenBusy: 'queue', isScript: true, notice: sayWarning });
  installExitHandlers(service.lifecycle);
  service.on('warning', (message) => process.stderr.write(`warning: ${message}\n`));
  const started = Date.now();
  let doneCount = 0;
  let lastProgressAt = started;
  const total = inputs.length * agent.phases.length;
  // Every task that fails for good is said at once; the rest is one line a second at most.
  // The job's final view is taken as it ends: the storage policy may remove its files right after.
  // Only this batch's job counts: attached to jobline serve, the session hears every job's events.
  let finalView: Promise<JobView | null> | null = null;
  const own = new OwnJobEvents();
  service.on('jobEvent', (job, event) => own.pass(job.id, () => {
    if (event.type === job.status && isTerminalStatus(job.status)) finalView ??= service.view(job.id).catch(() => null);
    if (event.type === 'task_failed' && !event.willRetry) process.stderr.write(`❌ ${job.id} ${event.task ?? ''}: ${sanitizeLine(event.error ?? '')}\n`);
    // A budget stop waits for a person: said with how to answer it.
    if (event.type === 'approval_requested' && event.reason) process.stderr.write(`⏸️  ${job.id} ${sanitizeLine(event.reason)} (jobline approve ${job.id}, or cancel it)\n`);
    if (event.type !== 'task_completed') return;
    doneCount++;
    if (Date.now() - lastProgressAt < PROGRESS_EVERY_MS) return;
    lastProgressAt = Date.now();
    process.stderr.write(`[${job.id}] ${doneCount}/${total} done\n`);
  }));
  const submitted = await service.dispatch({
    type: 'submit',
    agent,
    prompt: describeBatch(inputs.length, from),
    name: options.name ?? null,
    mode: 'background',
    cwd: context.cwd,
    workers: options.workers ?? getMaxWorkers(context.config),
    retries: options.retries ?? 0,
    // Unset: the service's default for a batch, every line runs (see buildNewJob).
    ...(options.failFast ? { keepGoing: false } : {}),
    taskInputs: inputs,
    ...(options.isolation ? { isolation: options.isolation } : {}), ...(options.base ? { base: options.base } : {}),
    ...(budgetOf(options) ? { budget: budgetOf(options)! } : {}),
    ...(modelFor(agent, options.model) ? { model: options.model! } : {}),
  });
  const { job } = submitted;
  sayNotice(submitted);
  own.open(job.id);
  await service.lifecycle.whenIdle();
  const view = await (finalView ?? service.view(job.id).catch(() => null));
  await service.lifecycle.shutdown();
  const final = view?.job ?? service.sessionJobs().find((candidate) => candidate.id === job.id) ?? job;
  const summary = `${formatBatchSummary(final, view?.board.tasks ?? [], view?.board.runs ?? [], Date.now() - started).join('\n')}\n`;
  // With --json, stdout holds the job alone (as run --json), and the summary goes to stderr.
  if (options.json) {
    process.stderr.write(summary);
    process.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
  } else process.stdout.write(summary);
  return final.status === 'completed' ? 0 : 1;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readPromptsFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError('USAGE', `Cannot read prompts from ${path}: ${describeError(error)}`, { cause: error });
  }
}
