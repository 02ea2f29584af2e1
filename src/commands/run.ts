// `jobline run`: one job in the foreground (see foreground-job.ts); exits 0 only if it completes.
import { resolveAgent } from '../agents/resolve-agent.js';
import { getDefaultAgentName, getSecretEnvNames } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { expandTemplate, findTemplate, parseTemplateValues } from '../config/templates.js';
import { findShellTexts, type AgentSpec } from '../agents/agent.js';
import { createJobService, type AppContext } from './context.js';
import { hasTerminal, superviseInForeground } from './foreground-job.js';
import type { Isolation } from '../jobs/model/job.js';

/** Options of `jobline run`. */
export interface RunOptions {
  agent?: string;
  /** Run every phase without asking (background mode). */
  background?: boolean;
  /** Same effect as `background`: approve every phase up front. */
  yes?: boolean;
  json?: boolean;
  /** Pass the job's escape sequences through (default: only its colours). */
  raw?: boolean;
  /** Tasks of the job run at once (default: the agent's workers, else 1). */
  workers?: number;
  /** The job's name (default: a generated one). */
  name?: string;
  /** Make the job from this template of the config; the words are then its `key=value`s. */
  template?: string;
  /** Where the job runs (see SubmitRequest.isolation). */
  isolation?: Isolation;
  /** What a job in a worktree starts from (see SubmitRequest.base). */
  base?: 'head' | 'worktree';
  /** The job's budget in tokens (input + output) and in dollars (see Job.budget). */
  budgetTokens?: number;
  budgetUsd?: number;
  /** The model of an LLM agent's job (see Job.model). */
  model?: string;
}

/**
 * The model `--model` names for a job of `agent`, or null when none is named.
 * @throws UsageError USAGE for a model named for an agent that runs no model.
 */
export function modelFor(agent: AgentSpec, model: string | null | undefined): string | null {
  if (!model) return null;
  if (agent.type !== 'llm') throw new UsageError('USAGE', `--model is for LLM agents: ${agent.name} runs no model.`);
  return model;
}

/** The budget `--budget-tokens` and `--budget-usd` give, or null when neither is. */
export function budgetOf(options: { budgetTokens?: number; budgetUsd?: number }): { tokens?: number; usd?: number } | null {
  if (options.budgetTokens === undefined && options.budgetUsd === undefined) return null;
  return { ...(options.budgetTokens !== undefined ? { tokens: options.budgetTokens } : {}), ...(options.budgetUsd !== undefined ? { usd: options.budgetUsd } : {}) };
}

/** The message for interactive mode without a terminal (run and resume). */
export const NEEDS_TERMINAL = 'Interactive mode asks for approval after each phase, which needs a terminal, and stdin is not one. Pass --background (or --yes) to run every phase without asking.';

/**
 * Runs `prompt` as one job and waits for it. Returns 0 if it completed, 1 otherwise.
 * @throws UsageError USAGE for an empty prompt or interactive mode without a terminal; AgentError; StoreError.
 */
export async function runCommand(context: AppContext, words: readonly string[], options: RunOptions): Promise<number> {
  const template = options.template ? findTemplate(context.config, options.template) : null;
  const resolve = () => resolveAgent(options.agent ?? template?.agent ?? getDefaultAgentName(context.config), context.config, context.cwd, context.configPath);
  // With a template, the agent first: whether its values go into shell commands (quoted) depends on it.
  const templateAgent = template ? resolve() : null;
  const made = options.template && templateAgent ? expandTemplate(context.config, options.template, parseTemplateValues(words), findShellTexts(templateAgent)) : null;
  const prompt = made ? made.prompt : words.join(' ');
  if (prompt.trim() === '') throw new UsageError('USAGE', "The prompt is empty: say what to run, for example: jobline run -y 'npm test'");
  const agent = templateAgent ?? resolve();
  const mode = options.background || options.yes ? 'background' : made?.mode ?? context.config.mode;
  if (mode === 'interactive' && !hasTerminal()) throw new UsageError('USAGE', NEEDS_TERMINAL);
  const workers = options.workers ?? made?.workers ?? undefined;
  const budget = budgetOf(options) ?? made?.budget ?? null;
  const model = modelFor(agent, options.model ?? made?.model);
  const service = await createJobService(context, { isScript: true, notice: sayWarning });
  return superviseInForeground(service, agent, async () => sayNotice(await service.dispatch({
    type: 'submit', agent, prompt, mode, cwd: context.cwd, name: options.name ?? null,
    ...(options.isolation ? { isolation: options.isolation } : {}), ...(options.base ? { base: options.base } : {}),
    ...(workers ? { workers } : {}),
    ...(budget ? { budget } : {}),
    ...(model ? { model } : {}),
    ...(made ? { template: made.template, ...(made.tasks ? { tasks: made.tasks } : {}), ...(made.retries !== null ? { retries: made.retries } : {}), ...(made.keepGoing !== null ? { keepGoing: made.keepGoing } : {}) } : {}),
  })), { ...options, secretEnvNames: getSecretEnvNames(context.config) });
}

/** Says `message` on stderr as a warning of a script command (`warning: …`). */
export function sayWarning(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** Says a submission's notice (the user's changes left out of its worktree) on stderr; returns the job's id. */
export function sayNotice(result: { job: { id: string }; notice?: string }): string {
  if (result.notice) process.stderr.write(`ℹ️  ${result.notice}\n`);
  return result.job.id;
}
