// The shape of .jobrc.json, validated strictly: an unknown key is an error, not silently ignored,
// so a typo like "maxConcurentJobs" is caught. Defaults live here and in .jobrc.example.json.
import * as z from 'zod';
import { findTaskListProblems } from '../task-graph.js';

const phaseName = z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'expected a phase name of 1-40 letters, digits, "_", "." or "-"');

const workers = z.number().int().min(1).max(64).optional();

/**
 * Where an agent's jobs run: `worktree` (a git worktree of their own), `task-worktree` (that, and
 * each task of a phase of several in a worktree of its own), `none` (in place).
 */
const isolation = z.enum(['none', 'worktree', 'task-worktree']).optional();
/** A job's budget: it stops before the next model call past either and asks to go on. */
export const budgetSchema = z.strictObject({
  tokens: z.number().int().min(1).optional(),
  usd: z.number().positive().optional(),
}).refine((budget) => budget.tokens !== undefined || budget.usd !== undefined, 'a budget needs "tokens" or "usd"');
// Where runs may go through a queue (see RunRouting): only to workers with every label, and a run
// that needs no copy of the repository says `"workspace": "none"`.
const labels = z.array(z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,31}$/, 'expected a label of lowercase letters, digits, "_", "." or "-"')).max(16).optional();
const remoteWorkspace = z.literal('none').optional();

// What every listed task has: its name, the tasks before it, the files it may modify.
const taskFields = {
  name: phaseName,
  /** Tasks of the same phase that must be done first, by name. */
  dependsOn: z.array(phaseName).default([]),
  /** Path globs the task may modify: two tasks whose claims overlap never run at once. */
  claims: z.array(z.string().min(1).max(4096)).default([]),
};

const commandTaskSchema = z.strictObject({ ...taskFields, run: z.string().min(1), labels, workspace: remoteWorkspace });

// A phase runs one command (`run`) or several tasks side by side (`tasks`), never both; the tasks'
// names and dependencies must hold together (checked here, so a bad config is refused before any
// job exists). One strict object, so a mistyped key is named as such.
const commandPhaseSchema = z
  .strictObject({ name: phaseName, run: z.string().min(1).optional(), tasks: z.array(commandTaskSchema).min(1).max(1000).optional() })
  .superRefine((phase, context) => {
    if ((phase.run === undefined) === (phase.tasks === undefined)) {
      context.addIssue({ code: 'custom', message: `phase ${phase.name} needs either "run" (one command) or "tasks" (several), not ${phase.run === undefined ? 'neither' : 'both'}` });
      return;
    }
    for (const problem of findTaskListProblems(phase.tasks ?? [], `phase ${phase.name}`)) context.addIssue({ code: 'custom', message: problem });
  });

// A template's task is handed its input (the sh agent runs it).
const templateTaskSchema = z.strictObject({ ...taskFields, input: z.string().min(1) });

// A job template: the prompt and its tasks' inputs may hold {placeholders}.
const templateSchema = z
  .strictObject({
    description: z.string().optional(),
    /** The agent (default: the session's, else defaultAgent). */
    agent: z.string().min(1).optional(),
    prompt: z.string().min(1),
    mode: z.enum(['interactive', 'background']).optional(),
    workers,
    retries: z.number().int().min(0).max(100).optional(),
    keepGoing: z.boolean().optional(),
    /** The tasks of the job's first phase instead of what its agent plans: each handed its input (the sh agent runs it). */
    tasks: z.array(templateTaskSchema).min(1).max(1000).optional(),
    /** The model of an LLM agent's jobs (instead of its provider's). */
    model: z.string().min(1).optional(),
    /** The budget of its jobs (see budgetSchema). */
    budget: budgetSchema.optional(),
  })
  .superRefine((template, context) => {
    for (const problem of findTaskListProblems(template.tasks ?? [], 'the template')) context.addIssue({ code: 'custom', message: problem });
  });

const commandAgentSchema = z.strictObject({
  type: z.literal('command'),
  description: z.string().optional(),
  /** Tasks of one job run at once (default 1; `--workers` overrides). */
  workers,
  isolation,
  labels,
  workspace: remoteWorkspace,
  /** A phase named `resolve` runs only to resolve a merge conflict (`/retry` of a job in conflict), never in order. */
  phases: z.array(commandPhaseSchema).min(1),
});

const moduleAgentSchema = z.strictObject({
  type: z.literal('module'),
  description: z.string().optional(),
  /** Path of an ES module exporting `runPhase`; relative paths are relative to the config file. */
  module: z.string().min(1),
  workers,
  isolation,
  labels,
  phases: z.array(z.strictObject({ name: phaseName })).min(1),
});

/** Tools an LLM phase may be given (see src/agents/llm/tools.ts). */
export const TOOL_NAMES = ['list_files', 'read_file', 'search_code', 'write_file', 'edit_file', 'run_command', 'create_tasks'] as const;

const llmPhaseSchema = z.strictObject({
  name: phaseName,
  /** Model calls the phase may make before it fails with "exceeded N rounds". */
  maxRounds: z.number().int().min(1).max(500),
  instructions: z.string().min(1),
  tools: z.array(z.enum(TOOL_NAMES)),
  /** The tests decide the phase: it never passes while the last test command failed (default: for phases named validate or verify). */
  validates: z.boolean().optional(),
});


const llmAgentSchema = z.strictObject({
  type: z.literal('llm'),
  description: z.string().optional(),
  /** Name of an entry under `providers`. */
  provider: z.string().min(1),
  /** Overrides the provider's model. */
  model: z.string().min(1).optional(),
  /** Phases; default: those of the built-in agent with the same name (build, debug, review). */
  phases: z.array(llmPhaseSchema).min(1).optional(),
  /** Commands run_command may run: exact command lines, `*` matching anything. */
  allowCommands: z.array(z.string().min(1)).optional(),
  workers,
  isolation,
  /** The project's test command (default: npm test, or any command that runs tests): in a phase that validates, its last run decides. */
  validate: z.string().min(1).optional(),
  /** The budget of each of its jobs (`--budget-tokens`, `--budget-usd` override). */
  budget: budgetSchema.optional(),
  /** false: AGENTS.md (or CLAUDE.md) at the workspace root is not read into the system prompt. */
  instructions: z.boolean().optional(),
  labels,
});

/** Schema of one entry under `agents`. */
export const agentConfigSchema = z.discriminatedUnion('type', [commandAgentSchema, moduleAgentSchema, llmAgentSchema]);

/** How long a model may send nothing before its call is abandoned (ms). */
const idleTimeout = z.number().int().min(100).max(3_600_000).optional();
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

/** What a model's tokens cost, in dollars per million tokens (cached input: at the input price unless set). */
export const priceSchema = z.strictObject({
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
  cachedInputPerMTok: z.number().min(0).optional(),
});

// What both provider types may set besides how they are reached.
const providerCommon = {
  idleTimeoutMs: idleTimeout,
  /** First delay before a transient failure is retried (ms; doubling; Retry-After wins). */
  retryDelayMs: z.number().int().min(0).max(60_000).optional(),
  /** The price of the provider's models; `prices` by model name overrides it. */
  price: priceSchema.optional(),
  prices: z.record(z.string().min(1), priceSchema).optional(),
  /** The model's context size (tokens): what a call sends is kept within it, the oldest tool results trimmed first. */
  contextTokens: z.number().int().min(1000).max(10_000_000).optional(),
};

/**
 * Schema of one entry under `providers`. API keys are never in the config: `apiKeyEnv` names the
 * environment variable that holds one.
 */
export const providerConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('openai-compatible'), baseURL: z.url({ protocol: /^https?$/ }), model: z.string().min(1), apiKeyEnv: envName.optional(), ...providerCommon }),
  z.strictObject({ type: z.literal('anthropic'), model: z.string().min(1), apiKeyEnv: envName.default('ANTHROPIC_API_KEY'), baseURL: z.url({ protocol: /^https?$/ }).optional(), ...providerCommon }),
]);

/**
 * Schema of `queue`: runs go to workers on other machines through BullMQ queues on Redis (see
 * src/jobs/queue/ and README *Several machines*). The password is never in the config:
 * `passwordEnv` names the environment variable that holds it.
 */
export const queueConfigSchema = z.strictObject({
  type: z.literal('bullmq').default('bullmq'),
  /** `redis://host:port/db` or `rediss://…` (TLS). */
  url: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'expected a Redis URL such as redis://127.0.0.1:6379/0'),
  /** Prefix of every Redis key jobline makes (several installations can share one Redis). */
  prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'expected 1-40 letters, digits, "_", "." or "-"').default('jobline'),
  passwordEnv: envName.optional(),
  tls: z.boolean().default(false),
  /** Runs at once across the whole fleet (BullMQ's global concurrency); absent: no cap. */
  globalConcurrency: z.number().int().min(1).max(100_000).optional(),
  /** Where workers fetch a job's commit from, and push their tasks' branches to (any URL git can fetch). */
  gitRemote: z.string().min(1).optional(),
});

/** The `queue` settings of the config. */
export type QueueConfig = z.infer<typeof queueConfigSchema>;

/** Schema of the whole config file, with every default applied. */
export const configSchema = z.strictObject({
  /** Free text for people (the JSON Schema `$comment` convention); ignored by jobline. */
  $comment: z.union([z.string(), z.array(z.string())]).optional(),
  /** Folder for job folders; $JOBLINE_JOBS_DIR overrides it. null or absent: <tmpdir>/jobline-<uid>. */
  jobsDir: z.string().min(1).nullable().optional(),
  /** Jobs running at once. */
  maxConcurrentJobs: z.number().int().min(1).max(64).default(3),
  /** Runs at once across all jobs (a job runs at most its workers' worth of tasks at once); see getMaxWorkers. */
  maxWorkers: z.number().int().min(1).max(64).nullable().default(null),
  /** Failed, cancelled and interrupted jobs kept on disk; the oldest beyond this are removed. */
  maxUnfinishedJobs: z.number().int().min(0).default(10),
  /** Completed jobs kept on disk, newest first; 0 removes each as it completes. */
  maxCompletedJobs: z.number().int().min(0).default(20),
  /** Largest output.log of one job (bytes); past it the oldest half is cut, and a line says so. */
  maxOutputBytes: z.number().int().min(4096).default(64 * 1024 * 1024),
  /** What a submission does when every slot is busy: wait in the queue, or be refused. */
  whenBusy: z.enum(['queue', 'reject']).default('queue'),
  /**
   * How the REPL calls for attention when a job needs approval or ends while the user is not
   * typing: the terminal bell, an OSC 9 desktop notification, or nothing.
   */
  notify: z.enum(['bell', 'osc9', 'none']).default('bell'),
  /** Shell command run when a job ends, with the job's JSON on stdin; null or absent: none. */
  notifyCommand: z.string().min(1).nullable().default(null),
  /** Mode of new jobs. */
  mode: z.enum(['interactive', 'background']).default('interactive'),
  /** Agent used when none is named; null or absent: `build` when a provider is configured, else `sh`. */
  defaultAgent: z.string().min(1).nullable().optional(),
  /** Root the LLM tools are confined to; null or absent: the folder jobline was started in. */
  workspace: z.string().min(1).nullable().optional(),
  /** Model providers, by name (see providerConfigSchema). */
  providers: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'expected a provider name of lowercase letters, digits and "-"'), providerConfigSchema).default({}),
  /** Milliseconds a cancelled job gets to stop before its worker and processes are killed. */
  cancelGraceMs: z.number().int().min(0).max(60_000).default(2000),
  /** Milliseconds a worker from outside may stay silent (no heartbeat, no call) before it loses its claims (see `jobline serve`). */
  workerLeaseMs: z.number().int().min(100).max(3_600_000).default(30_000),
  /** Heap limit of each worker thread, in MB (worker `resourceLimits.maxOldGenerationSizeMb`). */
  workerHeapMb: z.number().int().min(16).max(16_384).default(512),
  debug: z.strictObject({ keepTempFiles: z.boolean().default(false) }).default({ keepTempFiles: false }),
  /** Where jobs of agents that do not say run (see isolation above); null: build and debug in a worktree (in a git repository), others in place. */
  isolation: z.enum(['none', 'worktree', 'task-worktree']).nullable().default(null),
  /** How a job's worktree is made (see README, Worktrees and merging). */
  worktree: z.strictObject({
    /** Folder of the worktrees; null: `worktrees` beside the jobs folder. */
    dir: z.string().min(1).nullable().default(null),
    /** Globs of ignored files and folders copied into a new worktree (`.env`, `node_modules`). */
    include: z.array(z.string().min(1).max(4096)).max(100).default([]),
    /** A command run in a new worktree before the job's first phase (`npm ci --prefer-offline`). */
    setup: z.string().min(1).nullable().default(null),
  }).default({ dir: null, include: [], setup: null }),
  /** How a job's work lands (see README, Worktrees and merging). */
  merge: z.strictObject({
    /** Land a job's work as soon as it completes. */
    auto: z.boolean().default(false),
    /** The branch work lands on; null: the branch checked out where the job started. */
    target: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_./+-]{0,199}$/, 'expected a branch name').nullable().default(null),
    /** A merge commit, the job's commits replayed (rebase), or one commit (squash). */
    strategy: z.enum(['merge', 'rebase', 'squash']).default('merge'),
    /** A command that must pass on the merged result before it lands (`npm test`); null: none. */
    check: z.string().min(1).nullable().default(null),
  }).default({ auto: false, target: null, strategy: 'merge', check: null }),
  agents: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'expected an agent name of lowercase letters, digits and "-"'), agentConfigSchema).default({}),
  /** Job templates by name: `/run NAME key=value …`, `jobline run --template NAME`, the dashboard's Run (see config/templates.ts). */
  templates: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'expected a template name of lowercase letters, digits and "-"'), templateSchema).default({}),
  /** Runs go to `jobline worker`s through a queue on Redis (see queueConfigSchema); null or absent: on this machine's threads. */
  queue: queueConfigSchema.nullable().default(null),
}).superRefine((config, context) => {
  for (const [name, agent] of Object.entries(config.agents)) {
    if (agent.type === 'llm' && !(agent.provider in config.providers)) {
      const known = Object.keys(config.providers);
      context.addIssue({ code: 'custom', path: ['agents', name, 'provider'], message: `no provider named "${agent.provider}" under "providers"${known.length > 0 ? ` (have: ${known.join(', ')})` : ''}` });
    }
  }
});

/** A validated config with defaults applied. */
export type JoblineConfig = z.infer<typeof configSchema>;

/** One agent entry of the config. */
export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** One provider entry of the config. */
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

/**
 * The environment variables that hold API keys: every provider's `apiKeyEnv` (anthropic's
 * default included). Their values are scrubbed from everything jobline writes or shows, and
 * withheld from the commands an LLM agent's tools run.
 */
export function getSecretEnvNames(config: JoblineConfig): string[] {
  return [...new Set(Object.values(config.providers).flatMap((provider) => (provider.apiKeyEnv ? [provider.apiKeyEnv] : [])))];
}

/** Returns the agent new jobs use: `defaultAgent`, else `build` with a provider, else `sh`. */
export function getDefaultAgentName(config: JoblineConfig): string {
  return config.defaultAgent ?? (Object.keys(config.providers).length > 0 ? 'build' : 'sh');
}

/** Default of maxWorkers: 3, or maxConcurrentJobs when that is higher (so every running job can run a task). */
export const DEFAULT_MAX_WORKERS = 3;

/** Runs at once across all jobs: the config's maxWorkers, else the larger of 3 and maxConcurrentJobs. */
export function getMaxWorkers(config: { maxConcurrentJobs: number; maxWorkers?: number | null }): number {
  return config.maxWorkers ?? Math.max(DEFAULT_MAX_WORKERS, config.maxConcurrentJobs);
}
