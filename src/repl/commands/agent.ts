// /agent [name] shows or switches the agent new jobs use; /agents lists them.
import chalk from 'chalk';
import { assertAgentExists, listAgents } from '../../agents/resolve-agent.js';
import type { SlashCommand } from '../session.js';

/** /agent [name] */
export const agentCommand: SlashCommand = {
  name: 'agent',
  usage: '/agent [name]',
  summary: 'show or switch the agent for new jobs',
  argument: 'agent',
  run(args, session) {
    const agents = listAgents(session.config);
    if (!args) {
      const current = agents.find((agent) => agent.name === session.agentName);
      session.print(`Agent: ${chalk.bold(session.agentName)}${current ? chalk.dim(` — ${current.summary}`) : ''}`);
      return;
    }
    assertAgentExists(args, session.config);
    session.setAgent(args);
    session.print(`Agent: ${chalk.bold(args)}`);
  },
};

/** /agents */
export const agentsCommand: SlashCommand = {
  name: 'agents',
  usage: '/agents',
  summary: 'list the agents',
  argument: 'none',
  run(_args, session) {
    const agents = listAgents(session.config);
    const width = Math.max(...agents.map((agent) => agent.name.length));
    session.print(agents.map((agent) => `${agent.name === session.agentName ? '▸' : ' '} ${agent.name.padEnd(width)}  ${chalk.dim(`${agent.summary} (${agent.source})`)}`).join('\n'));
  },
};
