// Turning an agent name into an AgentSpec: agents from the config first (they may shadow a
// built-in), then the built-ins: sh and check always, build, debug and review with a provider.
import { resolve } from 'node:path';
import { AgentError } from '../errors.js';
import { getSecretEnvNames, type JoblineConfig, type ProviderConfig } from '../config/schema.js';
import type { AgentSpec, CommandPhaseSpec, LlmAgentSpec, LlmPhaseSpec, ProviderSpec, RunRouting } from './agent.js';
import { BUILTIN_AGENT_SUMMARIES, createCheckAgent, createExternalAgent, createShAgent } from './builtin-agents.js';
import { EXTERNAL_AGENT, type Isolation } from '../jobs/model/job.js';
import { BUILTIN_LLM_AGENTS, DEFAULT_ALLOWED_COMMANDS } from './llm/builtin-llm-agents.js';
import { findNearestName } from '../text/nearest-name.js';
import { readApiKey } from './llm/api-key.js';

// An agent's or a task's `labels` and `workspace` from the config, as its spec's routing (absent when neither is set).
function routingOf(labels: string[] | undefined, workspace?: 'none'): { routing?: RunRouting } {
  if ((!labels || labels.length === 0) && !workspace) return {};
  return { routing: { ...(labels && labels.length > 0 ? { labels: [...labels] } : {}), ...(workspace ? { workspace } : {}) } };
}

/** Name and summary of an available agent. */
export interface AgentListing {
  name: string;
  summary: string;
  source: 'built-in' | 'config';
}

function builtinSummaries(config: JoblineConfig): Record<string, string> {
  const llm = Object.keys(config.providers).length > 0 ? Object.fromEntries(Object.entries(BUILTIN_LLM_AGENTS).map(([name, agent]) => [name, agent.summary])) : {};
  return { ...BUILTIN_AGENT_SUMMARIES, ...llm };
}

/** Lists every agent available with `config`, config agents first, sorted by name within each group. */
export function listAgents(config: JoblineConfig): AgentListing[] {
  const fromConfig = Object.entries(config.agents).map(([name, agent]) => ({
    name,
    summary: agent.description ?? (agent.type === 'llm' ? `llm agent on ${agent.provider}` : `${agent.type} agent: ${agent.phases.map((p) => p.name).join(', ')}`),
    source: 'config' as const,
  }));
  const builtins = Object.entries(builtinSummaries(config))
    .filter(([name]) => !(name in config.agents))
    .map(([name, summary]) => ({ name, summary, source: 'built-in' as const }));
  const byName = (a: AgentListing, b: AgentListing): number => a.name.localeCompare(b.name);
  return [...fromConfig.sort(byName), ...builtins.sort(byName)];
}

function toProviderSpec(name: string, provider: ProviderConfig, configFile: string | null): ProviderSpec {
  const idle = {
    ...(provider.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: provider.idleTimeoutMs }),
    ...(provider.retryDelayMs === undefined ? {} : { retryDelayMs: provider.retryDelayMs }),
    ...(provider.price ? { price: { ...provider.price } } : {}),
    ...(provider.prices ? { prices: structuredClone(provider.prices) } : {}),
    ...(provider.contextTokens === undefined ? {} : { contextTokens: provider.contextTokens }),
  };
  return provider.type === 'anthropic'
    ? { name, type: 'anthropic', baseURL: provider.baseURL ?? null, apiKeyEnv: provider.apiKeyEnv, configFile, ...idle }
    : { name, type: 'openai-compatible', baseURL: provider.baseURL, apiKeyEnv: provider.apiKeyEnv ?? null, configFile, ...idle };
}

// A phase named validate or verify is decided by the tests unless its config says otherwise.
function withValidates(phase: LlmPhaseSpec): LlmPhaseSpec {
  return { ...phase, validates: phase.validates ?? /^(validate|verify)$/.test(phase.name) };
}

// A job of an llm agent whose key is not in the environment could only fail at its first model
// call: it is refused before it is created, naming the variable and where it is configured. With a
// queue (`config.queue`), its runs call the model from workers, with their own keys: not checked here.
function withApiKey(agent: LlmAgentSpec, config: JoblineConfig): LlmAgentSpec {
  const { provider } = agent;
  if (provider.apiKeyEnv && !config.queue && !readApiKey(provider)) {
    throw new AgentError('API_KEY_MISSING', `The ${agent.name} agent's provider "${provider.name}" reads its API key from $${provider.apiKeyEnv}, which is not set here (apiKeyEnv in ${provider.configFile ?? 'the config'}). Export it and try again.`);
  }
  return agent;
}

/** The error for an agent `name` that `config` does not have: it names the nearest agent and lists them all. */
function unknownAgentError(name: string, config: JoblineConfig): AgentError {
  const names = listAgents(config).map((agent) => agent.name);
  const nearest = findNearestName(name, names);
  const hint = name in BUILTIN_LLM_AGENTS ? ` (${name} needs a model: add one under "providers" in the config)` : '';
  return new AgentError('AGENT_UNKNOWN', `Unknown agent '${name}'${hint}.${nearest ? ` Did you mean ${nearest}?` : ''} Available agents: ${names.join(', ')}.`);
}

/**
 * Checks that agent `name` exists with `config`, without building it (`check` needs a project).
 * @throws AgentError AGENT_UNKNOWN naming the nearest agent, if one is close, and listing them all.
 */
export function assertAgentExists(name: string, config: JoblineConfig): void {
  if (!listAgents(config).some((agent) => agent.name === name)) throw unknownAgentError(name, config);
}

// How the built-in LLM agents are isolated: build and debug write (a worktree when the workspace
// is a git repository), review only reads (in place, whatever the default); the config's word wins.
function writerIsolation(name: string, isBuiltin: boolean, configured: Isolation | undefined): Pick<LlmAgentSpec, 'isolation' | 'isWriter'> {
  if (configured) return { isolation: configured };
  if (!isBuiltin) return {};
  if (name === 'review') return { isolation: 'none' };
  return name === 'build' || name === 'debug' ? { isWriter: true } : {};
}

/**
 * Builds the spec of agent `name` for a job in `cwd`.
 * `configFile` is the config's path, named in messages about it.
 * @throws AgentError AGENT_UNKNOWN (see assertAgentExists), AGENT_INVALID (e.g. `check` outside an
 *   npm project, an llm agent without phases) or API_KEY_MISSING (the provider's key variable is unset).
 */
export function resolveAgent(name: string, config: JoblineConfig, cwd: string, configFile: string | null = null): AgentSpec {
  const configured = config.agents[name];
  if (configured?.type === 'command') {
    const phases = configured.phases.map((p): CommandPhaseSpec => (p.tasks ? { name: p.name, tasks: p.tasks.map(({ labels, workspace, ...t }) => ({ ...t, dependsOn: [...t.dependsOn], claims: [...t.claims], ...routingOf(labels, workspace) })) } : { name: p.name, run: p.run! }));
    return { type: 'command', name, summary: configured.description ?? name, phases, ...(configured.workers ? { workers: configured.workers } : {}), ...(configured.isolation ? { isolation: configured.isolation } : {}), ...routingOf(configured.labels, configured.workspace) };
  }
  if (configured?.type === 'module') return { type: 'module', name, summary: configured.description ?? name, module: configured.module, phases: configured.phases.map((p) => ({ ...p })), ...(configured.workers ? { workers: configured.workers } : {}), ...(configured.isolation ? { isolation: configured.isolation } : {}), ...routingOf(configured.labels) };
  const builtinLlm = BUILTIN_LLM_AGENTS[name as keyof typeof BUILTIN_LLM_AGENTS];
  const workspace = resolve(config.workspace ?? cwd);
  if (configured?.type === 'llm') {
    const phases = configured.phases ?? builtinLlm?.phases;
    if (!phases) throw new AgentError('AGENT_INVALID', `agents.${name} needs "phases": only build, debug and review have built-in ones.`);
    const provider = config.providers[configured.provider]!;
    return withApiKey({
      type: 'llm', name, summary: configured.description ?? builtinLlm?.summary ?? name,
      provider: toProviderSpec(configured.provider, provider, configFile), model: configured.model ?? provider.model,
      phases: phases.map((p) => withValidates({ ...p, tools: [...p.tools] })), workspace, allowCommands: configured.allowCommands ?? DEFAULT_ALLOWED_COMMANDS,
      secretEnvNames: getSecretEnvNames(config), ...(configured.workers ? { workers: configured.workers } : {}), ...routingOf(configured.labels),
      ...writerIsolation(name, builtinLlm !== undefined && !configured.phases, configured.isolation),
      ...(configured.validate ? { validateCommand: configured.validate } : {}),
      ...(configured.budget ? { budget: { ...configured.budget } } : {}),
      ...(configured.instructions === false ? { instructions: false } : {}),
    }, config);
  }
  const [providerName, provider] = Object.entries(config.providers)[0] ?? [];
  if (builtinLlm && providerName && provider) {
    return withApiKey({
      type: 'llm', name, summary: builtinLlm.summary, provider: toProviderSpec(providerName, provider, configFile), model: provider.model,
      phases: builtinLlm.phases.map((p) => withValidates({ ...p, tools: [...p.tools] })), workspace, allowCommands: DEFAULT_ALLOWED_COMMANDS,
      secretEnvNames: getSecretEnvNames(config), ...writerIsolation(name, true, undefined),
    }, config);
  }
  if (name === 'sh') return createShAgent();
  if (name === 'check') return createCheckAgent(cwd);
  if (name === EXTERNAL_AGENT) return createExternalAgent();
  throw unknownAgentError(name, config);
}
