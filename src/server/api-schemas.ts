// What the API accepts: one zod schema per request body and query, strict (an unknown field is a
// mistake worth saying), with limits on every string and list. The OpenAPI document is built from
// these (see openapi.ts), so the contract and the checks cannot drift apart.
import * as z from 'zod';
import { JOB_NAME_PATTERN, JOB_STATUSES, MAX_RETRIES, MAX_WORKERS, WORKER_AGENT_PATTERN, WORKER_NAME_PATTERN } from '../jobs/model/job.js';
import { findClaimPathProblem } from '../jobs/model/claims.js';
import { configSchema } from '../config/schema.js';

/** Longest prompt, task input, summary or reason (characters). */
export const MAX_TEXT_CHARS = 100_000;
/** Most tasks in one request. */
export const MAX_TASKS_PER_REQUEST = 10_000;
/** Most files or claims named in one request. */
export const MAX_FILES = 1_000;

const text = z.string().max(MAX_TEXT_CHARS);
const path = z.string().min(1).max(4096).refine((value) => !value.includes('\0'), 'a path may not hold a NUL byte');
/** A task's file or glob: relative to the job's folder and inside it (see findClaimPathProblem). */
const claimPath = path.superRefine((value, context) => {
  const problem = findClaimPathProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});
const files = z.array(claimPath).max(MAX_FILES);
const mode = z.enum(['interactive', 'background']);
const jobName = z.string().regex(JOB_NAME_PATTERN, 'a name is letters, digits, _ . - (up to 80), starting with a letter or digit');

/** One task to create: a title, what to do (default: the title), dependencies (titles of tasks in the same request, or ids), and files it may modify. */
export const taskInputSchema = z.strictObject({
  title: z.string().min(1).max(500),
  input: text.optional(),
  dependsOn: z.array(z.string().min(1).max(500)).max(MAX_FILES).optional(),
  files: files.optional(),
});

/**
 * The agents of a client's own config, as its config file defines them (the same schema), with
 * the providers its llm agents use: what a submission resolves its agent from instead of the
 * server's config. Module paths and the workspace are absolute (the client resolved them).
 */
export const agentDefinitionsSchema = z.strictObject({
  agents: configSchema.shape.agents,
  providers: configSchema.shape.providers,
  /** The agent of a submission that names none (null or absent: as a config without one). */
  defaultAgent: z.string().min(1).max(64).nullable().optional(),
  workspace: z.string().min(1).max(4096).startsWith('/', 'workspace must be an absolute path').nullable().optional(),
  /** Where the definitions come from, named in messages only (never read). */
  configFile: z.string().min(1).max(4096).nullable().optional(),
}).superRefine((definitions, context) => {
  for (const [name, agent] of Object.entries(definitions.agents)) {
    if (agent.type === 'llm' && !(agent.provider in definitions.providers)) context.addIssue({ code: 'custom', path: ['agents', name, 'provider'], message: `no provider named "${agent.provider}" under "providers"` });
    if (agent.type === 'module' && !agent.module.startsWith('/')) context.addIssue({ code: 'custom', path: ['agents', name, 'module'], message: 'a module must be an absolute path' });
  }
});

/** The agents and providers a client sent (see agentDefinitionsSchema). */
export type AgentDefinitions = z.infer<typeof agentDefinitionsSchema>;

/** POST /api/jobs. */
export const submitJobSchema = z.strictObject({
  prompt: text.default(''),
  agent: z.string().min(1).max(64).optional(),
  /** Default: the template's mode, else background. */
  mode: mode.optional(),
  workers: z.number().int().min(1).max(MAX_WORKERS).optional(),
  retries: z.number().int().min(0).max(MAX_RETRIES).optional(),
  keepGoing: z.boolean().optional(),
  /** Stop before the next model call past these many tokens or dollars, and ask (see Job.budget). */
  budget: z.strictObject({ tokens: z.number().int().min(1).optional(), usd: z.number().positive().optional() }).optional(),
  /** The model of an LLM agent's job (default: the agent's, or the template's). */
  model: z.string().min(1).max(200).regex(/^[^\s\x00-\x1f]+$/, 'expected a model name').optional(),
  name: jobName.optional(),
  /** The folder the job runs in (absolute; default: the server's). */
  cwd: z.string().min(1).max(4096).startsWith('/', 'cwd must be an absolute path').optional(),
  tasks: z.array(taskInputSchema).max(MAX_TASKS_PER_REQUEST).optional(),
  /** A batch: one task per input in each phase (see SubmitRequest.taskInputs). */
  inputs: z.array(text.min(1)).min(1).max(1_000_000).optional(),
  /** The agents (and their providers) of the client's own config, the agent is resolved from instead of the server's: a REPL attached from another project sends its own. Definitions, never a path the server would read. */
  definitions: agentDefinitionsSchema.optional(),
  /** Make the job from this template of the server's config, with `values` for its placeholders (fields given beside it win). */
  template: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'expected a template name').optional(),
  values: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'expected a placeholder name'), z.string().max(65_536)).optional(),
  /** The template a client made the job from itself (recorded as the job's template; nothing is expanded). */
  templateRef: z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/), values: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/), z.string().max(65_536)) }).optional(),
  /** Where the job runs: a git worktree of its own, or in place (default: its agent's, else the config's). */
  isolation: z.enum(['none', 'worktree', 'task-worktree']).optional(),
  /** What a job in a worktree starts from: the last commit (head), or with the uncommitted changes too (worktree). */
  base: z.enum(['head', 'worktree']).optional(),
}).refine((body) => !(body.tasks && body.inputs), { message: 'give tasks or inputs, not both', path: ['inputs'] });

/** PUT /api/jobs/{id}. */
export const updateJobSchema = z.strictObject({
  name: jobName.nullable().optional(),
  mode: mode.optional(),
  /** Set a failed, cancelled or interrupted job aside (true), or offer it again (false). */
  dismissed: z.boolean().optional(),
});

/** GET /api/jobs/{id}/diff. */
export const diffQuerySchema = z.strictObject({ stat: z.enum(['true', 'false']).optional() });

/** POST /api/jobs/{id}/approve. */
export const approveSchema = z.strictObject({ requestId: z.string().max(200).optional() });
/** POST /api/jobs/{id}/retry. */
export const retrySchema = z.strictObject({ feedback: text.nullable().optional(), requestId: z.string().max(200).optional(), keep: z.boolean().optional() });
/** POST /api/jobs/{id}/resume. */
export const resumeSchema = z.strictObject({ mode: mode.default('background'), retryFailed: z.boolean().optional(), isolation: z.enum(['none', 'worktree', 'task-worktree']).optional(), model: z.string().min(1).max(200).regex(/^[^\s\x00-\x1f]+$/, 'expected a model name').optional() });
/** POST /api/jobs/{id}/close. */
export const closeSchema = z.strictObject({ status: z.enum(['completed', 'failed', 'cancelled']).default('completed'), reason: text.optional() });
/** POST /api/jobs/{id}/tasks. */
export const addTasksSchema = z.strictObject({ tasks: z.array(taskInputSchema).min(1).max(MAX_TASKS_PER_REQUEST) });
/** POST /api/jobs/{id}/workers. */
export const joinSchema = z.strictObject({ agent: z.string().regex(WORKER_AGENT_PATTERN, 'an agent name is letters, digits, _ . - (up to 32)') });
/** A worker's name in a body. */
export const workerName = z.string().regex(WORKER_NAME_PATTERN, 'expected a worker name such as dev[ab12-0]');
/** POST /api/jobs/{id}/tasks/claim. */
export const claimSchema = z.strictObject({ worker: workerName, files: files.optional() });
/**
 * A claim token in a body, as a claim returned it. Optional in the schema: a call without it is
 * refused by the job service as TASK_NOT_CLAIMED (409), as one with a stale token is.
 */
const claimToken = z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'expected the claim token a claim returned');
/** POST /api/tasks/{id}/complete. */
export const completeSchema = z.strictObject({ token: claimToken.optional(), worker: workerName.optional(), summary: text.nullable().optional(), filesModified: files.optional() });
/** POST /api/tasks/{id}/fail. */
export const failSchema = z.strictObject({ token: claimToken.optional(), worker: workerName.optional(), reason: text.min(1) });
/** POST /api/jobs/{id}/workers/{worker}/heartbeat: the token of a claim the worker holds (none holding none). */
export const heartbeatSchema = z.strictObject({ token: claimToken.optional() });

/** GET /api/jobs query: `status` is a comma-separated list of statuses. */
export const listQuerySchema = z.strictObject({
  status: z.string().max(200).optional().transform((value, context) => {
    if (!value) return undefined;
    const statuses = value.split(',').map((status) => status.trim());
    const unknown = statuses.filter((status) => !(JOB_STATUSES as readonly string[]).includes(status));
    if (unknown.length > 0) context.addIssue({ code: 'custom', message: `unknown status ${unknown.join(', ')} (statuses: ${JOB_STATUSES.join(', ')})` });
    return statuses as Array<(typeof JOB_STATUSES)[number]>;
  }),
});

/** GET /api/jobs/{id}/logs query. */
export const logsQuerySchema = z.strictObject({
  task: z.string().min(1).max(500).optional(),
  /** One run of the task (`r3`) instead of its latest. */
  run: z.string().regex(/^r\d{1,9}$/, 'expected a run id such as r3').optional(),
  lines: z.coerce.number().int().min(1).max(100_000).default(200),
  follow: z.enum(['true', 'false']).default('false'),
  /** Only the failed runs' output (without task). */
  failed: z.enum(['true', 'false']).default('false'),
});

/** DELETE /api/jobs/{id} query. */
export const deleteQuerySchema = z.strictObject({ force: z.enum(['true', 'false']).default('false') });

/** GET /api/events query. */
export const eventsQuerySchema = z.strictObject({
  job: z.string().min(1).max(64).optional(),
  /** A single-use ticket (POST /api/event-tickets) in place of the Authorization header: an EventSource cannot send one. */
  ticket: z.string().max(200).optional(),
  /** Resume after this event, as the Last-Event-ID header would (which wins): a page that reopens its stream with a new ticket sends it so. */
  lastEventId: z.string().max(200).optional(),
  /** `true`: also output lines, activity, progress and warnings as they happen (events without ids: they are not replayed). */
  live: z.enum(['true', 'false']).default('false'),
});

/** POST /api/login: the code of a one-time login link. */
export const loginSchema = z.strictObject({ code: z.string().min(1).max(200) });

/** A body with nothing in it (or none). */
export const emptySchema = z.strictObject({});

/** GET /api/board query: one job's card (job=ID), or every job's. */
export const boardQuerySchema = z.strictObject({ job: z.string().min(1).max(100).optional() });

/** GET /api/jobs/{id}/task-page query. */
export const tasksPageQuerySchema = z.strictObject({
  phase: z.coerce.number().int().min(0).max(1000).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(0).max(1000).default(100),
  /** Only tasks of these statuses: `failed,running` (see parseTaskStatuses). */
  status: z.string().min(1).max(100).optional(),
  /** Only tasks whose id, title or input contains this (any case). */
  q: z.string().max(500).optional(),
});

/** POST /api/listen. */
export const listenSchema = z.strictObject({ port: z.number().int().min(0).max(65_535).optional() });
