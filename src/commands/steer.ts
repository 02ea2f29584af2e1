// `jobline cancel|approve|retry ID`: steering a job that another jobline (a REPL, a `run`, the
// server) owns. A job of `jobline serve` is steered through its API (the answer is immediate);
// any other request goes to the inbox of the job's owner (see jobs/service/owner-steering.ts).
import type { Job } from '../jobs/model/job.js';
import { ManagerError } from '../errors.js';
import { checkSteerable, steerOwner } from '../jobs/service/owner-steering.js';
import { sanitizeLine } from '../render/text.js';
import { formatPhasePosition } from '../render/job-list.js';
import { connectToServer, createJobService, type AppContext } from './context.js';
import { describeMerge } from '../render/merge-status.js';
import type { OwnerRequest } from '../jobs/ports/job-reader.js';

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
  // A retry of a job whose landing conflicted: its agent resolves the conflict, here (or in the
  // server), and the job lands again; the command waits for that (see resolveInForeground).
  if (action.type === 'retry' && before.status === 'completed' && before.merge?.status === 'conflict') return resolveInForeground(context, id, action.feedback, options);
  const refusal = checkSteerable(before, action);
  if (refusal) {
    process.stderr.write(`jobline: ${refusal}\n`);
    return 1;
  }
  const server = connectToServer(context);
  if (server && server.info.pid === before.owner.pid) {
    const body = action.type === 'retry' ? { feedback: action.feedback ?? null, ...(action.keep ? { keep: true } : {}) } : {};
    const { body: answer } = await server.request<{ job: Job }>('POST', `/api/jobs/${encodeURIComponent(id)}/${action.type}`, body);
    print(answer.job, action, options);
    return 0;
  }
  try {
    print(await steerOwner({ sendToOwner: (job, request) => jobs.forwardToOwner(job, request), read: (jobId) => jobs.get(jobId) }, before, action), action, options);
    return 0;
  } catch (error) {
    if (!(error instanceof ManagerError)) throw error;
    process.stderr.write(`jobline: ${error.message}\n`);
    return 1;
  }
}

// Runs the resolution of job `id`'s conflict and its landing after it, then says how it ended.
async function resolveInForeground(context: AppContext, id: string, feedback: string | null, options: SteerOptions): Promise<number> {
  const service = await createJobService(context, { isScript: true });
  try {
    service.on('jobActivity', (job, icon, text) => {
      if (job.id === id) process.stderr.write(`${icon} ${sanitizeLine(text)}\n`);
    });
    service.on('warning', (message) => process.stderr.write(`warning: ${sanitizeLine(message)}\n`));
    const retried = await service.dispatch({ type: 'retry', jobId: id, feedback });
    process.stderr.write(`↻ Resolving ${id}'s conflict (${sanitizeLine(formatPhasePosition(retried))})\n`);
    await service.lifecycle.whenIdle();
    const job = await service.get(id);
    if (options.json) process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    else (job.merge?.status === 'landed' ? process.stdout : process.stderr).write(`${job.status === 'completed' ? describeMerge(job, await service.whyCannotResolve(job)) : `${id} ${job.status}${job.error ? `: ${sanitizeLine(job.error)}` : ''}`}\n`);
    return job.status === 'completed' && job.merge?.status === 'landed' ? 0 : 1;
  } finally {
    await service.lifecycle.shutdown();
  }
}

function print(job: Job, action: SteerAction, options: SteerOptions): void {
  if (options.json) process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
  else process.stdout.write(`${describeDone(job, action)}\n`);
}

function describeDone(job: Job, action: SteerAction): string {
  if (action.type === 'cancel') return job.status === 'cancelled' ? `🚫 Cancelled ${job.id}` : `${job.id} ended meanwhile: ${job.status}`;
  if (action.type === 'approve') return `✅ Approved ${job.id}: now ${job.status.replace('_', ' ')} at ${sanitizeLine(formatPhasePosition(job))}`;
  return `↻ Retrying ${job.id} at ${sanitizeLine(formatPhasePosition(job))}${action.feedback ? ' with your feedback' : ''}${action.type === 'retry' && action.keep ? ', keeping its changes' : ''}`;
}
