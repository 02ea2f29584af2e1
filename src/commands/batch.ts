// `jobline batch`: one background job per non-empty input line, all through the queue and the
// cap; prints a summary and fails if any job failed.
import { readFile } from 'node:fs/promises';
import { resolveAgent } from '../agents/resolve-agent.js';
import { getDefaultAgentName } from '../config/schema.js';
import type { Job } from '../jobs/model/job.js';
import { UsageError, describeError } from '../errors.js';
import { formatDuration, sanitizeLine, truncate } from '../render/text.js';
import { createJobService, type AppContext } from './context.js';
import { installExitHandlers } from './exit-signals.js';

/** Submissions `batch` keeps in flight at once. */
const SUBMISSIONS_IN_FLIGHT = 32;

/** Options of `jobline batch`. */
export interface BatchOptions {
  agent?: string;
}

/**
 * Reads prompts from `source` (a file path, or `-`/undefined for stdin), runs them, and returns
 * 0 when every job completed, 1 otherwise. Always queues, whatever `whenBusy` says.
 * @throws UsageError USAGE for a prompts file that cannot be read; AgentError; StoreError.
 */
export async function batchCommand(context: AppContext, source: string | undefined, options: BatchOptions): Promise<number> {
  const text = !source || source === '-' ? await readStdin() : await readPromptsFile(source);
  const prompts = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const agent = resolveAgent(options.agent ?? getDefaultAgentName(context.config), context.config, context.cwd, context.configPath);
  const service = createJobService(context, { whenBusy: 'queue' });
  installExitHandlers(service.lifecycle);
  service.on('warning', (message) => process.stderr.write(`warning: ${message}\n`));
  // The batch's own record of its jobs' latest states: the storage policy may remove a failed
  // job's files (and the manager forget it) while the batch runs, but the summary and the exit
  // code count what every job did, not what is left on disk.
  const outcomes = new Map<string, Job>();
  service.on('jobEvent', (job, event) => {
    outcomes.set(job.id, job);
    if (event.type === 'completed') process.stderr.write(`✅ ${job.id} ${truncate(sanitizeLine(job.description), 60)}\n`);
    else if (event.type === 'failed') process.stderr.write(`❌ ${job.id} ${truncate(sanitizeLine(job.description), 60)}: ${sanitizeLine(job.error ?? '')}\n`);
  });
  const started = Date.now();
  // Submissions overlap (each waits for its own durable write), a bounded number at a time; the
  // queue keeps their order because ids are claimed synchronously in submission order.
  const inFlight = new Set<Promise<unknown>>();
  for (const prompt of prompts) {
    const submitted = service.dispatch({ type: 'submit', agent, prompt, mode: 'background', cwd: context.cwd, isBulk: true });
    inFlight.add(submitted);
    void submitted.then(() => inFlight.delete(submitted), () => inFlight.delete(submitted));
    if (inFlight.size >= SUBMISSIONS_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await service.lifecycle.whenIdle();
  await service.lifecycle.shutdown();
  // Jobs still in the session carry their freshest state (an interruption at shutdown is not an event).
  for (const job of service.sessionJobs()) outcomes.set(job.id, job);
  const jobs = [...outcomes.values()];
  const count = (status: Job['status']): number => jobs.filter((job) => job.status === status).length;
  const failed = jobs.filter((job) => job.status !== 'completed');
  process.stdout.write(
    `Batch: ${jobs.length} jobs in ${formatDuration(Date.now() - started)}: ${count('completed')} completed, ${count('failed')} failed, ${count('cancelled')} cancelled\n`,
  );
  for (const job of failed) process.stdout.write(`  ${job.id} ${job.status}: ${truncate(sanitizeLine(job.description), 60)}${job.error ? ` (${sanitizeLine(job.error)})` : ''}\n`);
  if (failed.length > 0) process.stdout.write(`Unfinished jobs are kept in ${service.jobsDir}, the newest ${context.config.maxUnfinishedJobs} of them (see jobline show <id>).\n`);
  return failed.length === 0 ? 0 : 1;
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
