// Program errors: every failure jobline reports to a user is a JoblineError with a stable string
// `code`, so callers branch on the code and the CLI prints the message without a stack trace.

/** Options accepted by every JoblineError constructor. */
export interface JoblineErrorOptions {
  /** The lower-level error this one wraps (kept for debugging; never shown as a stack to users). */
  cause?: unknown;
}

/**
 * Base class of every error jobline raises on purpose. `code` is stable and machine-readable
 * (e.g. `CONFIG_INVALID`); `message` is a complete sentence meant for the user.
 */
export class JoblineError extends Error {
  /** Stable, upper-snake-case identifier of the failure, e.g. `JOB_ID_AMBIGUOUS`. */
  readonly code: string;

  constructor(code: string, message: string, options: JoblineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** A `.jobrc.json` that cannot be read, parsed or validated. Codes: CONFIG_NOT_FOUND, CONFIG_PARSE, CONFIG_INVALID. */
export class ConfigError extends JoblineError {}

/**
 * The jobs folder or a job's files cannot be used. Codes: JOBS_DIR_UNSAFE, JOBS_DIR_IO, JOB_FILE_CORRUPT, JOB_IO,
 * JOB_NOT_CREATED (a job whose creation could not be written), JOB_NAME_TAKEN / JOB_NAME_INVALID
 * (a name another job holds, or one that is not a name), JOB_STALE (a write older than the
 * stored state, refused: another writer changed the job), CLAIM_BUSY (another process holds a
 * job's claim too long), CLAIM_TARGET_GONE (the job was removed while being claimed).
 */
export class StoreError extends JoblineError {}

/** A job id or prefix that matches no job (JOB_NOT_FOUND) or several (JOB_ID_AMBIGUOUS). */
export class JobLookupError extends JoblineError {
  /** The ids that matched an ambiguous prefix; empty for JOB_NOT_FOUND. */
  readonly matches: readonly string[];

  constructor(code: 'JOB_NOT_FOUND' | 'JOB_ID_AMBIGUOUS', message: string, matches: readonly string[] = []) {
    super(code, message);
    this.matches = matches;
  }
}

/** A task reference (an id such as `t3`, a title, or a title's unique prefix) that matches no task of the job (TASK_NOT_FOUND) or several (TASK_AMBIGUOUS). */
export class TaskLookupError extends JoblineError {}

/** A change the job model does not allow. Codes: ILLEGAL_TRANSITION (a status change), FILES_INVALID (a task's files that are not relative paths inside the job's folder). */
export class TransitionError extends JoblineError {}

/** An agent that is unknown or cannot be built. Codes: AGENT_UNKNOWN, AGENT_INVALID, API_KEY_MISSING. */
export class AgentError extends JoblineError {}

/** The job service refused a command. Codes: JOBS_BUSY, JOB_NOT_ACTIVE, JOB_NOT_AWAITING_APPROVAL, APPROVAL_STALE (answered already), JOB_AT_BUDGET (a retry of a job stopped at its budget), JOB_NOT_RESUMABLE, JOB_OWNED_ELSEWHERE, OWNER_DID_NOT_ACT (another jobline runs the job and did not act on a request sent to it), JOB_PROCESSES_ALIVE, MANAGER_CLOSED, READ_ONLY (a service without a session), UNKNOWN_COMMAND. */
export class ManagerError extends JoblineError {}

/**
 * A git worktree or a landing that cannot be made. Codes: NOT_A_REPOSITORY (isolation asked for
 * outside git), GIT_FAILED (a git command failed; the message quotes git's last line),
 * WORKTREE_TAKEN (the worktree's folder or branch exists already), NOTHING_TO_LAND, NO_TARGET
 * (no branch to land on), NOT_LANDABLE (a job whose work cannot be landed as it is),
 * WORKTREE_DIRTY (uncommitted changes in the job's worktree where they would be lost).
 */
export class WorktreeError extends JoblineError {}

/** The command line was used wrongly. Code: USAGE. */
export class UsageError extends JoblineError {}

/** A job template that does not exist (TEMPLATE_UNKNOWN) or was given wrong values (TEMPLATE_INVALID). */
export class TemplateError extends JoblineError {}

/** Returns a one-line description of any thrown value, for messages that cross a boundary. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
