// Turning an agent name into an AgentSpec: agents from the config first (they may shadow a
// built-in), then the built-ins.
import { AgentError } from '../errors.js';
import type { JoblineConfig } from '../config/schema.js';
import type { AgentSpec } from './agent.js';
import { BUILTIN_AGENT_SUMMARIES, createCheckAgent, createShAgent } from './builtin-agents.js';

/** Name and summary of an available agent. */
export interface AgentListing {
  name: string;
  summary: string;
  source: 'built-in' | 'config';
}

/** Lists every agent available with `config`, config agents first, sorted by name within each group. */
export function listAgents(config: JoblineConfig): AgentListing[] {
  const fromConfig = Object.entries(config.agents).map(([name, agent]) => ({
    name,
    summary: agent.description ?? `${agent.type} agent: ${agent.phases.map((p) => p.name).join(', ')}`,
    source: 'config' as const,
  }));
  const builtins = Object.entries(BUILTIN_AGENT_SUMMARIES)
    .filter(([name]) => !(name in config.agents))
    .map(([name, summary]) => ({ name, summary, source: 'built-in' as const }));
  const byName = (a: AgentListing, b: AgentListing): number => a.name.localeCompare(b.name);
  return [...fromConfig.sort(byName), ...builtins.sort(byName)];
}

/**
 * Builds the spec of agent `name` for a job in `cwd`.
 * @throws AgentError AGENT_UNKNOWN (the message lists the available agents) or AGENT_INVALID
 *   (e.g. `check` outside an npm project).
 */
export function resolveAgent(name: string, config: JoblineConfig, cwd: string): AgentSpec {
  const configured = config.agents[name];
  if (configured) {
    const summary = configured.description ?? name;
    return configured.type === 'command'
      ? { type: 'command', name, summary, phases: configured.phases.map((p) => ({ ...p })) }
      : { type: 'module', name, summary, module: configured.module, phases: configured.phases.map((p) => ({ ...p })) };
  }
  if (name === 'sh') return createShAgent();
  if (name === 'check') return createCheckAgent(cwd);
  const names = listAgents(config).map((agent) => agent.name).join(', ');
  throw new AgentError('AGENT_UNKNOWN', `Unknown agent '${name}'. Available agents: ${names}.`);
}
