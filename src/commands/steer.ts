// `jobline cancel|approve|retry ID`: steering a job that another jobline (a REPL, a `run`, the
// server) owns. A job of `jobline serve` is steered through its API (the answer is immediate);
// any other request goes to the inbox of the job's owner (see src/store/job-requests.ts) and this
// waits until the job shows it was carried out: only the owner changes a job it runs.
import { isActiveStatus, type Job } from '../jobs/model/job.js';
import { sanitizeLine } from '../render/text.js';
import { formatPhasePosition } from '../render/job-list.js';
import { connectToServer, type AppContext } from './context.js';
import type { OwnerRequest } from '../jobs/ports/job-reader.js';

/** How long the owner gets to act on a request before the command gives up (ms). */
export const STEER_TIMEOUT_MS = 10_000;
const POLL_MS = 100;

/** What to ask of the owner. */
export type SteerAction = OwnerRequest;

/** Options of the steering commands. */
export interface SteerOptions {
  json?: boolean;
}

/**
 * Asks the owner of job `idOrPrefix` to carry out `action` and waits until it has (at most
 * STEER_TIMEOUT_MS). Prints one line (or the job as JSON). Returns 0 when done, 1 when the job
 * is not in a state for it or its owner did not act.
 * @throws JobLookupError; StoreError (JOB_FILE_CORRUPT, JOB_IO); ApiError (the server refused:
 *   the job moved on meanwhile), ServerError SERVER_UNREACHABLE.
 */
export async function steerCommand(context: AppContext, idOrPrefix: string, action: SteerAction, options: SteerOptions): Promise<number> {
  const { jobs } = context;
  const id = await jobs.resolve(idOrPrefix);
  const before = await jobs.get(id);
  const refusal = checkState(before, action);
  if (refusal) {
    process.stderr.write(`jobline: ${refusal}\n`);
    return 1;
  }
  const server = connectToServer(context);
  if (server && server.info.pid === before.owner.pid) {
    const body = action.type === 'retry' ? { feedback: action.feedback ?? null } : {};
    const { body: answer } = await server.request<{ job: Job }>('POST', `/api/jobs/${encodeURIComponent(id)}/${action.type}`, body);
    print(answer.job, action, options);
    return 0;
  }
  jobs.forwardToOwner(before, action);
  const after = await waitForChange(context, id, before, action);
  if (!after) {
    process.stderr.write(`jobline: ${id}'s owner (pid ${before.owner.pid}) did not act on the ${action.type} within ${STEER_TIMEOUT_MS / 1000} s. Is it an older jobline? Use its REPL (/${action.type} ${id}), or see jobline show ${id}.\n`);
    return 1;
  }
  print(after, action, options);
  return 0;
}

function print(job: Job, action: SteerAction, options: SteerOptions): void {
  if (options.json) process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
  else process.stdout.write(`${describeDone(job, action)}\n`);
}

// Why `action` cannot apply to `job` as it is now, or null. The owner checks again under the
// job's claim; this only spares a request that cannot succeed.
function checkState(job: Job, action: SteerAction): string | null {
  if (action.type === 'cancel') {
    return isActiveStatus(job.status) ? null : `${job.id} is already ${job.status}; only queued, running or waiting jobs can be cancelled.`;
  }
  if (job.status === 'awaiting_approval') return null;
  const hint = job.status === 'interrupted' ? ` Resume it first: jobline resume ${job.id}.` : '';
  return `${job.id} is ${job.status.replace('_', ' ')}, not awaiting approval: there is nothing to ${action.type}.${hint}`;
}

async function waitForChange(context: AppContext, id: string, before: Job, action: SteerAction): Promise<Job | null> {
  const deadline = Date.now() + STEER_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const job = await context.jobs.get(id).catch(() => null);
    if (!job) continue; // being rewritten, or removed: the deadline decides
    if (action.type === 'cancel' ? !isActiveStatus(job.status) : hasMovedOn(before, job)) return job;
  }
  return null;
}

// An approved or retried job has left the approval it waited in: it runs, or has already reached
// the next approval (a later phase, or another attempt) or its end.
function hasMovedOn(before: Job, job: Job): boolean {
  if (job.eventSeq <= before.eventSeq) return false;
  const attemptsOf = (of: Job): number | undefined => of.phases[before.currentPhase]?.attempts;
  return job.status !== 'awaiting_approval' || job.currentPhase !== before.currentPhase || attemptsOf(job) !== attemptsOf(before);
}

function describeDone(job: Job, action: SteerAction): string {
  if (action.type === 'cancel') return job.status === 'cancelled' ? `🚫 Cancelled ${job.id}` : `${job.id} ended meanwhile: ${job.status}`;
  if (action.type === 'approve') return `✅ Approved ${job.id}: now ${job.status.replace('_', ' ')} at ${sanitizeLine(formatPhasePosition(job))}`;
  return `↻ Retrying ${job.id} at ${sanitizeLine(formatPhasePosition(job))}${action.feedback ? ' with your feedback' : ''}`;
}
