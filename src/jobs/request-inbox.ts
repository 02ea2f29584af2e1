// The owner's side of requests from other processes (see src/store/job-requests.ts): while this
// process owns active jobs, their inboxes are checked a few times a second and each request
// addressed to this process is carried out with the manager, exactly as the REPL's own command.
import { describeError } from '../errors.js';
import { isActiveStatus } from './job.js';
import type { JobManager } from './manager.js';
import { getCurrentOwner } from '../store/owner.js';
import { isAddressedTo, readJobRequests, type JobRequest } from '../store/job-requests.js';

/** How often the inboxes of active jobs are checked (ms). */
export const INBOX_POLL_MS = 150;

/** Hears of each request carried out (`error` set when the manager refused it). */
export type RequestListener = (jobId: string, request: JobRequest, error: string | null) => void;

/**
 * Serves the requests to `manager`'s active jobs until the returned function is called. The
 * timer never keeps the process alive. Requests are carried out one at a time, in order.
 */
export function serveJobRequests(manager: JobManager, onRequest: RequestListener = () => {}, pollMs = INBOX_POLL_MS): () => void {
  // Read position per job; an inbox is read from its start the first time, since requests
  // addressed to a dead owner are skipped by address, not by position.
  const offsets = new Map<string, number>();
  let isBusy = false;
  const poll = async (): Promise<void> => {
    if (isBusy) return;
    isBusy = true;
    try {
      const owner = getCurrentOwner();
      for (const job of manager.list()) {
        if (!isActiveStatus(job.status)) continue;
        const { requests, offset } = readJobRequests(manager.store.pathsOf(job.id).dir, offsets.get(job.id) ?? 0);
        offsets.set(job.id, offset);
        for (const request of requests) {
          if (!isAddressedTo(request, owner)) continue;
          onRequest(job.id, request, await carryOut(manager, job.id, request));
        }
      }
    } finally {
      isBusy = false;
    }
  };
  const timer = setInterval(() => void poll(), pollMs);
  timer.unref();
  return () => clearInterval(timer);
}

// Returns null when done, else why the manager refused (the job moved on meanwhile).
async function carryOut(manager: JobManager, id: string, request: JobRequest): Promise<string | null> {
  try {
    if (request.type === 'cancel') await manager.cancel(id);
    else if (request.type === 'approve') await manager.approve(id);
    else await manager.retry(id, request.feedback);
    return null;
  } catch (error) {
    return describeError(error);
  }
}
