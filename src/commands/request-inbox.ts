// The owner's side of requests from other processes (jobline cancel, approve, retry): this
// process's inbox is checked a few times a second, and each request for one of its jobs is
// dispatched to the job service, exactly as the REPL's own command would be.
import { describeError } from '../errors.js';
import type { OwnerRequest } from '../jobs/ports/job-reader.js';
import type { JobService } from '../jobs/service/job-service.js';

/** How often the inbox is checked (ms). */
export const INBOX_POLL_MS = 150;

/** Hears of each request carried out (`error` set when the service refused it). */
export type RequestListener = (jobId: string, request: OwnerRequest, error: string | null) => void;

/**
 * Serves requests to the jobs of `service`'s session until the returned function is called; the
 * inbox is closed then, and when the process exits. The timer never keeps the process alive.
 * Requests are carried out one at a time, in order. Costs one read attempt per tick however
 * many jobs run.
 */
export function serveOwnerRequests(service: JobService, onRequest: RequestListener = () => {}, pollMs = INBOX_POLL_MS): () => void {
  const inbox = service.openOwnerInbox();
  let isBusy = false;
  const poll = async (): Promise<void> => {
    if (isBusy) return;
    isBusy = true;
    try {
      for (const { jobId, request } of inbox.take()) {
        if (!service.isInSession(jobId)) continue;
        onRequest(jobId, request, await carryOut(service, jobId, request));
      }
    } finally {
      isBusy = false;
    }
  };
  const timer = setInterval(() => void poll(), pollMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    inbox.close();
  };
}

// Returns null when done, else why the service refused (the job moved on meanwhile).
async function carryOut(service: JobService, jobId: string, request: OwnerRequest): Promise<string | null> {
  try {
    if (request.type === 'retry') await service.dispatch({ type: 'retry', jobId, feedback: request.feedback, ...(request.keep ? { keep: true } : {}) });
    else await service.dispatch({ type: request.type, jobId });
    return null;
  } catch (error) {
    return describeError(error);
  }
}
