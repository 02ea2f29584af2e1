// /model [name]: the model new LLM jobs of this REPL run (instead of their agent's), and the
// models each configured provider offers (`GET /models`, where the provider has it).
import chalk from 'chalk';
import { resolveAgent } from '../../agents/resolve-agent.js';
import type { ProviderSpec } from '../../agents/agent.js';
import { ProviderError, listModels } from '../../agents/llm/provider.js';
import { UsageError } from '../../errors.js';
import { sanitizeLine } from '../../render/text.js';
import type { ReplSession } from '../session.js';
import type { SlashCommand } from '../session.js';

/** /model [name | default] */
export const modelCommand: SlashCommand = {
  name: 'model',
  usage: '/model [name | default]',
  summary: 'show the model of new LLM jobs and list the providers\' models, or pick one (default: the agent\'s)',
  argument: 'none',
  async run(args, session) {
    const name = args.trim();
    if (name === 'default') {
      session.setModel(null);
      session.print(`Model: the agent's (${describeAgentModel(session)})`);
      return;
    }
    if (name !== '') {
      if (/\s|[\x00-\x1f]/.test(name)) throw new UsageError('USAGE', 'Usage: /model [name | default]: a model name is one word.');
      session.setModel(name);
      session.print(`Model: ${chalk.bold(sanitizeLine(name))} for new LLM jobs (/model default goes back to the agent's)`);
      return;
    }
    session.print(`Model: ${session.model ? chalk.bold(sanitizeLine(session.model)) : `the agent's (${describeAgentModel(session)})`}`);
    const providers = Object.entries(session.config.providers);
    if (providers.length === 0) {
      session.print(chalk.dim('No providers are configured (add one under "providers" in the config).'));
      return;
    }
    for (const [providerName, provider] of providers) {
      const spec = { name: providerName, type: provider.type, baseURL: provider.baseURL ?? null, apiKeyEnv: provider.apiKeyEnv ?? null } as ProviderSpec;
      try {
        const models = await listModels(spec);
        session.print(`${providerName}: ${models.length === 0 ? chalk.dim('no models listed') : models.map((model) => (model === (session.model ?? provider.model) ? chalk.bold(`▸ ${sanitizeLine(model)}`) : sanitizeLine(model))).join(', ')}`);
      } catch (error) {
        session.print(`${providerName}: ${chalk.dim(`${sanitizeLine(provider.model)} (configured; ${error instanceof ProviderError ? sanitizeLine(error.message) : 'the models cannot be listed'})`)}`);
      }
    }
  },
};

// The model the session's agent runs by itself, or why there is none.
function describeAgentModel(session: ReplSession): string {
  try {
    const agent = resolveAgent(session.agentName, session.config, session.cwd);
    return agent.type === 'llm' ? sanitizeLine(agent.model) : `${session.agentName} runs no model`;
  } catch {
    return 'unknown';
  }
}
