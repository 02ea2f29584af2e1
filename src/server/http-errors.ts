// How a refusal reads over HTTP: every JoblineError code maps to one status, and every error body
// is `{ "error": { "code", "message" } }` (plus details such as a claim conflict's files).
import { JoblineError, describeError } from '../errors.js';

/** The body of every error response. `details`: extra fields of some codes (CLAIM_CONFLICT: files, holder). */
export interface ErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
}

// By code; a code not listed is a server-side failure (500).
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  USAGE: 400,
  JOB_ID_AMBIGUOUS: 400,
  TASK_AMBIGUOUS: 400,
  AGENT_UNKNOWN: 400,
  AGENT_INVALID: 400,
  JOB_NAME_INVALID: 400,
  TEMPLATE_UNKNOWN: 400,
  TEMPLATE_INVALID: 400,
  FILES_INVALID: 400,
  API_KEY_MISSING: 422,
  UNAUTHORIZED: 401,
  LOGIN_LINK_REFUSED: 401,
  CROSS_ORIGIN: 403,
  NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  WORKER_NOT_IN_JOB: 404,
  METHOD_NOT_ALLOWED: 405,
  JOB_NOT_AWAITING_APPROVAL: 409,
  APPROVAL_STALE: 409,
  JOB_NOT_ACTIVE: 409,
  JOB_ACTIVE: 409,
  JOB_NOT_RESUMABLE: 409,
  JOB_OWNED_ELSEWHERE: 409,
  JOB_PROCESSES_ALIVE: 409,
  JOB_NOT_EXTERNAL: 409,
  JOB_NAME_TAKEN: 409,
  ILLEGAL_TRANSITION: 409,
  CLAIM_CONFLICT: 409,
  TASK_NOT_CLAIMED: 409,
  NOT_LANDABLE: 409,
  JOB_NOT_RESOLVABLE: 409,
  WORKTREE_DIRTY: 409,
  WORKTREE_TAKEN: 409,
  NO_TARGET: 409,
  NOT_A_REPOSITORY: 400,
  NO_WORKTREE: 409,
  NO_WORKTREES: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MISDIRECTED_REQUEST: 421,
  SERVER_LISTEN: 409,
  JOBS_BUSY: 503,
  OWNER_DID_NOT_ACT: 504,
  MANAGER_CLOSED: 503,
  CLAIM_BUSY: 503,
  QUEUE_UNREACHABLE: 503,
  QUEUE_AUTH: 503,
};

/** The HTTP status of error code `code` (500 for one that is not the client's doing). */
export function statusOfCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** The status and body for `error`: a JoblineError keeps its code and message; anything else is INTERNAL. */
export function describeHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof JoblineError) {
    const details = (error as { details?: Record<string, unknown> }).details ?? {};
    // A change refused because the disk is full: 507, so a client knows to retry once there is room.
    const status = isDiskFull(error) ? 507 : statusOfCode(error.code);
    return { status, body: { error: { code: error.code, message: error.message, ...details } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: describeError(error) } } };
}

// True for an error caused, at any depth, by a full disk (ENOSPC).
function isDiskFull(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    if ((cause as { code?: unknown }).code === 'ENOSPC' || /ENOSPC/.test(String((cause as Error).message))) return true;
  }
  return false;
}

/** A request the API refuses before it reaches the job service (a bad body, no token, an unknown route). */
export class HttpError extends JoblineError {
  constructor(code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(code, message);
  }
}
