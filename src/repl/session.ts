// What a slash command can see and do. Commands render views and dispatch commands to the job
// service; they never edit a job, or touch the store, themselves.
import type { JoblineConfig } from '../config/schema.js';
import type { Isolation, JobBudget, JobMode, JobTemplateRef } from '../jobs/model/job.js';
import type { TaskPlan } from '../jobs/model/task.js';
import type { JobService } from '../jobs/service/job-service.js';
import type { FollowTarget, OwnJobReason } from './follow.js';

/**
 * What the first argument of a command completes to on Tab: any job, only the jobs it can act on
 * (active ones to cancel, ones awaiting approval to approve or retry, unfinished ones to resume),
 * an agent, a template, what /follow takes (`all`, `mine` or any job), or nothing.
 */
export type ArgumentKind = 'job' | 'active-job' | 'waiting-job' | 'resumable-job' | 'agent' | 'template' | 'follow' | 'none';

/** One slash command: its own name, usage and summary (used by /help and completion) and code. */
export interface SlashCommand {
  /** Name without the slash, e.g. `jobs`. */
  name: string;
  /** e.g. `/retry <id> [feedback]`. */
  usage: string;
  summary: string;
  argument: ArgumentKind;
  /** Runs the command with the text after its name (trimmed). May throw JoblineError (printed as an error). */
  run(args: string, session: ReplSession): Promise<void> | void;
}

/** What a submission may set beyond its prompt (see ReplSession.submit); unset fields: the session's. */
export interface SubmitExtras {
  taskInputs?: readonly string[];
  keepGoing?: boolean;
  retries?: number;
  tasks?: readonly TaskPlan[];
  agentName?: string;
  mode?: JobMode;
  workers?: number;
  template?: JobTemplateRef;
  budget?: JobBudget | null;
  model?: string | null;
}

/** The REPL as commands see it. */
export interface ReplSession {
  readonly service: JobService;
  readonly config: JoblineConfig;
  readonly commands: readonly SlashCommand[];
  /** Agent and mode that new jobs get. */
  readonly agentName: string;
  readonly mode: JobMode;
  /** True on a real terminal (prompts may be opened); false when stdin is piped. */
  readonly isInteractive: boolean;
  /** Tasks of a new job run at once (/workers); null: the agent's workers, else 1. */
  readonly workers: number | null;
  setAgent(name: string): void;
  setMode(mode: JobMode): void;
  setWorkers(workers: number | null): void;
  /** Where new jobs run (/isolation); null: their agent's, else the config's. */
  readonly isolation: Isolation | null;
  setIsolation(isolation: Isolation | null): void;
  /** What new jobs in a worktree start from (/base). */
  readonly base: 'head' | 'worktree';
  setBase(base: 'head' | 'worktree'): void;
  /** The model new LLM jobs run (/model); null: their agent's. */
  readonly model: string | null;
  setModel(model: string | null): void;
  /**
   * Submits a job with the session's agent, mode and workers (unless `extra` says otherwise), and
   * says it started or queued: `prompt` alone, a batch whose tasks are `extra.taskInputs` (each
   * run with the agent), or a template's job.
   * @throws JoblineError (AgentError, ManagerError JOBS_BUSY, StoreError).
   */
  submit(prompt: string, extra?: SubmitExtras): Promise<void>;
  /** The folder new jobs run in (relative paths typed in commands are relative to it). */
  readonly cwd: string;
  /** Prints above the prompt. */
  print(text: string): void;
  /** Shows a long text in the user's pager (printed when not on a terminal). */
  showPaged(text: string): Promise<void>;
  /**
   * Asks yes/no (default no). On a non-interactive session, resolves to `fallback` without asking.
   * `isLeaving`: a Yes leaves jobline, so the prompt is not drawn again after it.
   */
  confirm(message: string, fallback: boolean, options?: { isLeaving?: boolean }): Promise<boolean>;
  /**
   * Runs a foreground task that owns the screen until it ends or the user presses Ctrl+C, which
   * aborts `signal`. It prints with `write`; notifications wait until it ends.
   */
  runForeground(task: (signal: AbortSignal, write: (text: string) => void) => Promise<void>): Promise<void>;
  /**
   * Stops notifying output lines and activities of job `id` (a command is showing them itself)
   * until the returned function is called. Lifecycle events still show.
   */
  muteOutputOf(id: string): () => void;
  /** Whose events and output print in full (/follow; see FollowFilter). */
  readonly following: FollowTarget;
  setFollowing(target: FollowTarget): void;
  /** Counts job `id` as this REPL's own (it resumed or answered it): under /follow mine it prints in full. */
  adoptJob(id: string, reason: OwnJobReason): void;
  /** Leaves the REPL (jobs still active are marked interrupted). */
  quit(): Promise<void>;
  /**
   * Reads the config again (see reloadConfig): `config` is then the new one. Returns the lines
   * that say what changed. @throws ConfigError (the config in use stays).
   */
  reloadConfig(): string[];
}
