// What an agent is, on both sides of the thread boundary: a serialisable AgentSpec that the main
// thread builds from the config, and the AgentRunner contract that code inside a worker fulfils.
import type { Isolation, JobProgress, TokenUsage, WorkspaceChanges } from '../jobs/model/job.js';

/**
 * One task of a command agent's phase: `run` is its shell command line; `dependsOn` names tasks of
 * the same phase that must be done first; `claims` are path globs it may modify (two tasks whose
 * claims overlap never run at once).
 */
export interface CommandTaskSpec {
  name: string;
  run: string;
  dependsOn: string[];
  claims: string[];
  /** Where its runs may go through a queue (added to its agent's; see RunRouting). */
  routing?: RunRouting;
}

/**
 * Where runs of an agent (or of one of its tasks) may go when they run through a queue on other
 * machines: only to workers that have every one of `labels`, and with `workspace: 'none'` they
 * need no copy of the repository (a worker runs them in its own folder).
 */
export interface RunRouting {
  labels?: string[];
  workspace?: 'none';
}

/**
 * One phase of a command agent: `run` is a shell command line for `/bin/sh -c`, or `tasks` run
 * side by side (as many at once as the job has workers) and the phase ends with the last.
 */
export type CommandPhaseSpec = { name: string; run: string } | { name: string; tasks: CommandTaskSpec[] };

/** Names of the tools an LLM phase can use (schemas in src/agents/llm/tools.ts). */
export type ToolName = 'list_files' | 'read_file' | 'search_code' | 'write_file' | 'edit_file' | 'run_command' | 'create_tasks';

/**
 * One phase of an LLM agent: its instructions, its tools, and how many model calls it may make.
 * `validates`: the tests decide it (a phase whose last test command failed does not pass).
 */
export interface LlmPhaseSpec {
  name: string;
  maxRounds: number;
  instructions: string;
  tools: ToolName[];
  validates?: boolean;
}

/** What a model's tokens cost, in dollars per million tokens (config `price`). */
export interface TokenPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Cached input tokens; absent: the input price. */
  cachedInputPerMTok?: number;
}

/**
 * How to reach a model. Holds no secret: the key is read from the environment variable
 * `apiKeyEnv` inside the worker, when the request is made.
 */
export type ProviderSpec = (
  | { name: string; type: 'openai-compatible'; baseURL: string; apiKeyEnv: string | null; configFile?: string | null }
  | { name: string; type: 'anthropic'; baseURL: string | null; apiKeyEnv: string; configFile?: string | null }
) & {
  /** A model call that sends nothing for this long is abandoned (ms); default 120,000. */
  idleTimeoutMs?: number;
  /** First delay before a transient failure is retried (ms, doubling); default 1,000. */
  retryDelayMs?: number;
  /** The price of its models, and by model name (`prices` wins); absent: tokens only, no cost. */
  price?: TokenPrice;
  prices?: Record<string, TokenPrice>;
  /** The model's context size (tokens); absent: not bounded by jobline. */
  contextTokens?: number;
};

/** An LLM agent, resolved: provider, model, phases, the workspace its tools are confined to. */
export interface LlmAgentSpec {
  type: 'llm';
  name: string;
  summary: string;
  provider: ProviderSpec;
  model: string;
  phases: LlmPhaseSpec[];
  /** Absolute path of the workspace root. */
  workspace: string;
  /** Command patterns run_command accepts (`*` matches anything). */
  allowCommands: string[];
  /** Variables holding API keys (every provider's apiKeyEnv): never passed to run_command's commands. */
  secretEnvNames: string[];
  /** Tasks of one job run at once, unless the submission says (config `workers`; default 1). */
  workers?: number;
  /** Where its jobs run (config `isolation`); absent: the config's default. */
  isolation?: Isolation;
  /** True for the built-in writers (build, debug): in a git repository they run in a worktree unless told otherwise. */
  isWriter?: boolean;
  /** The project's test command (config `validate`); absent: npm test, or any command that runs tests. */
  validateCommand?: string;
  /** The default budget of its jobs (config `budget`). */
  budget?: { tokens?: number; usd?: number };
  /** False: AGENTS.md / CLAUDE.md is not read into the system prompt (config `instructions`). */
  instructions?: boolean;
  routing?: RunRouting;
}

/**
 * A fully resolved, structured-cloneable description of an agent (it is posted to workers).
 * `workers`: how many tasks of one of its jobs run at once, unless the submission says (default 1).
 * - `command`: each phase runs a shell command line (the prompt arrives in $JOB_PROMPT).
 * - `module`: an ES module (absolute path) whose `runPhase` export implements `AgentRunner`.
 * - `llm`: a model working through phases with tools (src/agents/llm/).
 * - `external`: nothing of jobline runs its tasks; workers from outside join the job and claim
 *   them (`jobline job create`, see EXTERNAL_AGENT).
 */
export type AgentSpec =
  | { type: 'command'; name: string; summary: string; phases: CommandPhaseSpec[]; workers?: number; isolation?: Isolation; routing?: RunRouting }
  | { type: 'module'; name: string; summary: string; module: string; phases: { name: string }[]; workers?: number; isolation?: Isolation; routing?: RunRouting }
  | { type: 'external'; name: string; summary: string; phases: { name: string }[]; workers?: number }
  | LlmAgentSpec;

/**
 * Returns the names of `spec`'s phases that run in order. A command agent's phase named `resolve`
 * is not one of them: it runs only to resolve a merge conflict (see resolve-phase.ts).
 */
export function getPhaseNames(spec: AgentSpec): string[] {
  return orderedPhases(spec).map((phase) => phase.name);
}

// The phases of `spec` that run in order (see getPhaseNames).
function orderedPhases(spec: AgentSpec): Array<{ name: string }> {
  return spec.type === 'command' ? spec.phases.filter((phase) => phase.name !== 'resolve') : spec.phases;
}

/**
 * The tasks `spec` lists for each of its phases (a command agent's `tasks`; undefined for a
 * phase that runs one command or an agent of another type). Shaped for createJobTasks.
 */
export function getTaskPlans(spec: AgentSpec): Array<Array<{ title: string; input: string; dependsOn: string[]; claims: string[] }> | undefined> {
  if (spec.type !== 'command') return [];
  return (orderedPhases(spec) as CommandPhaseSpec[]).map((phase) => ('tasks' in phase ? phase.tasks.map((task) => ({ title: task.name, input: task.run, dependsOn: task.dependsOn, claims: task.claims })) : undefined));
}

// A command line that hands $JOB_PROMPT to a shell as code: `eval "$JOB_PROMPT"` (the sh agent's
// phase), `sh -c "$JOB_PROMPT"`, `bash -lc "$JOB_PROMPT"`.
const EVALUATES_PROMPT = /(?:\beval|\b(?:ba|da|z|k)?sh(?:\s+-\w+)*?\s+-\w*c\w*)\s[^\n]*\$\{?JOB_PROMPT\b/;

/**
 * Which texts of a job `spec` runs as shell command lines (see ShellTexts in config/templates.ts):
 * its prompt, when a phase or task of a command agent evaluates $JOB_PROMPT (the sh agent does);
 * a task's input of its first phase, when that phase lists tasks (each input is its command) or
 * evaluates its prompt (each task's input is its prompt). A prompt a command only reads as data
 * (`echo "$JOB_PROMPT"`), and every text of another agent, are not commands.
 */
export function findShellTexts(spec: AgentSpec): { prompt: boolean; taskInputs: boolean } {
  if (spec.type !== 'command') return { prompt: false, taskInputs: false };
  const evaluates = (command: string): boolean => EVALUATES_PROMPT.test(command);
  const prompt = spec.phases.some((phase) => ('tasks' in phase ? phase.tasks.some((task) => evaluates(task.run)) : evaluates(phase.run)));
  const first = spec.phases[0];
  return { prompt, taskInputs: first !== undefined && ('tasks' in first || evaluates(first.run)) };
}

/** The output of an earlier phase, handed to later phases. */
export interface PhaseOutputRecord {
  name: string;
  output: string | null;
}

/** Callbacks an agent uses to report while a phase runs. Cheap to call often: reports are batched. */
export interface PhaseReporter {
  /** Raw text the agent produced (UTF-8); appended to output.log, complete lines become events. */
  output(text: string): void;
  /**
   * A model's answer as it streams: appended to output.log like output, and reported as text as
   * it arrives (front ends print it wrapped, whole, unlimited), not as lines. Optional: a runner
   * without it reports model text as output.
   */
  text?(delta: string): void;
  /** Counter or lastEvent changes. */
  progress(update: Partial<JobProgress>): void;
  /**
   * A notable step, e.g. ('🔧', 'search_code(pattern="auth")') or ('💭', 'LLM response received'):
   * becomes the job's lastEvent, a line in output.log and a notification.
   */
  activity(icon: string, text: string): void;
  /**
   * A child process was started as the leader of its own process group. Call it synchronously
   * right after spawning: the group is then killed on cancel, shutdown or a worker crash.
   */
  childStarted(pid: number): void;
  /** Every process of the group led by `pid` is gone (it is no longer tracked). */
  childExited(pid: number): void;
}

/**
 * The task a run is an attempt at, when its phase holds several (a plan's tasks): what it is to
 * do, the files it may modify (`claims`, globs relative to the workspace), and the other tasks
 * of its phase with their claims (so a refused write can name the task that holds the file).
 */
export interface TaskContext {
  id: string;
  title: string;
  description: string;
  claims: string[];
  others: Array<{ id: string; title: string; claims: string[] }>;
}

/**
 * A task an agent plans for the next phase (an LLM's create_tasks call, a module agent's
 * returned `tasks`): `description` (or `input`) says what to do; `files` (or `claims`) are the
 * globs it will modify; `dependsOn` names other tasks of the plan by title. Checked by
 * parseTaskPlans (src/jobs/model/task-plans.ts); a plan that fails the check fails the phase.
 */
export interface PlannedTask {
  title: string;
  description?: string;
  input?: string;
  files?: string[];
  claims?: string[];
  dependsOn?: string[];
}

/** Everything a phase run needs. `signal` aborts when the job is cancelled. */
export interface PhaseContext {
  jobId: string;
  /** The user's prompt. */
  prompt: string;
  phaseName: string;
  phaseIndex: number;
  /** 1 for the first run of the phase, 2 after one retry or resume, and so on. */
  attempt: number;
  /** Retry feedback from the user, or null. */
  feedback: string | null;
  previousOutputs: PhaseOutputRecord[];
  /** Working directory of the job (absolute): its worktree, when it has one. */
  cwd: string;
  /** The job's own git worktree (absolute), when it runs in one; commands see it as $JOBLINE_WORKTREE. */
  worktree?: string;
  /** The job's folder (absolute): its `answers/` hold answers too long for job.json (see answers.ts). */
  jobFolder?: string;
  /** The job's counters when the phase starts (agents that count continue from them). */
  progress: JobProgress;
  signal: AbortSignal;
  report: PhaseReporter;
  /** The task this run does, when its phase holds several tasks (see TaskContext). */
  task?: TaskContext;
  /**
   * For a retry: the previous attempt's answer, its diff (null: none, or outside git), whether its
   * changes are still in the files (`isKept`: `/retry --keep`) or were undone (kept in git under
   * `undoneRef`). Absent for a first attempt or a resume.
   */
  previousAttempt?: { output: string | null; diff: string | null; isKept: boolean; undoneRef: string | null };
  /**
   * The job's budget, for agents that call models: awaited before each model call with the run's
   * own tokens so far, it returns at once within the budget, and otherwise stops the job for
   * approval and returns once it goes on (or the run is cancelled: `signal` aborts). Absent: no budget.
   */
  budget?: { beforeModelCall(own: TokenUsage): Promise<void> };
}

/**
 * How a phase ended. A failure is data (`kind: 'failed'`), never a thrown exception. `tasks`:
 * the next phase's work, planned by this run (see PlannedTask); `filesModified`: the workspace
 * paths this run wrote, when the agent tracks them (the workspace diff holds every parallel run's);
 * `usage`: the tokens of the run's model calls, when the agent counts them; `outputFile`: set by
 * the worker when `output` was too long for job.json (see answers.ts): the file that holds it whole;
 * `instructions`: the project instructions the run's model was given (`AGENTS.md (1234 characters)`);
 * `asks`: a failure an interactive job asks about rather than failing on (the tests failed: go on
 * anyway, and the job ends failed; retry; or cancel); `branch`: where the run's work was committed
 * when it ran elsewhere (a worker on another machine; a branch or a full ref of the job's
 * repository), to be merged into the job's branch when the job has a worktree.
 */
export type PhaseOutcome =
  | { kind: 'completed'; output: string | null; changes?: WorkspaceChanges | null; tasks?: PlannedTask[]; filesModified?: string[]; usage?: TokenUsage; outputFile?: string; instructions?: string; branch?: string }
  | { kind: 'failed'; error: string; output?: string | null; changes?: WorkspaceChanges | null; filesModified?: string[]; usage?: TokenUsage; outputFile?: string; instructions?: string; asks?: boolean }
  | { kind: 'cancelled' };

/** The contract of agent code that runs inside a worker thread. */
export interface AgentRunner {
  /** Runs one phase to its end. Should honour `context.signal`; may throw (treated as a failure). */
  runPhase(context: PhaseContext): Promise<PhaseOutcome>;
}
