// The owner's side of requests from other processes (see src/store/job-requests.ts): this
// process's inbox is checked a few times a second, and each request addressed to it for one of
// its jobs is carried out with the manager, exactly as the REPL's own command would be.
import { describeError } from '../../errors.js';
import type { JobManager } from './manager.js';
import { getCurrentOwner } from '../../store/owner.js';
import { inboxPathOf, isAddressedTo, readJobRequests, removeInbox, type JobRequest } from '../../store/job-requests.js';

/** How often the inbox is checked (ms). */
export const INBOX_POLL_MS = 150;

/** Hears of each request carried out (`error` set when the manager refused it). */
export type RequestListener = (jobId: string, request: JobRequest, error: string | null) => void;

/**
 * Serves requests to `manager`'s jobs until the returned function is called; the inbox file is
 * removed then, and when the process exits. The timer never keeps the process alive. Requests
 * are carried out one at a time, in order. Costs one read attempt per tick however many jobs run.
 */
export function serveJobRequests(manager: JobManager, onRequest: RequestListener = () => {}, pollMs = INBOX_POLL_MS): () => void {
  const owner = getCurrentOwner();
  const path = inboxPathOf(manager.store.dir, owner);
  let offset = 0;
  let isBusy = false;
  const poll = async (): Promise<void> => {
    if (isBusy) return;
    isBusy = true;
    try {
      const read = readJobRequests(path, offset);
      offset = read.offset;
      for (const request of read.requests) {
        if (!isAddressedTo(request, owner) || !manager.has(request.jobId)) continue;
        onRequest(request.jobId, request, await carryOut(manager, request));
      }
    } finally {
      isBusy = false;
    }
  };
  const timer = setInterval(() => void poll(), pollMs);
  timer.unref();
  const onExit = (): void => removeInbox(path);
  process.once('exit', onExit);
  return () => {
    clearInterval(timer);
    process.off('exit', onExit);
    removeInbox(path);
  };
}

// Returns null when done, else why the manager refused (the job moved on meanwhile).
async function carryOut(manager: JobManager, request: JobRequest): Promise<string | null> {
  try {
    if (request.type === 'cancel') await manager.cancel(request.jobId);
    else if (request.type === 'approve') await manager.approve(request.jobId);
    else await manager.retry(request.jobId, request.feedback);
    return null;
  } catch (error) {
    return describeError(error);
  }
}
