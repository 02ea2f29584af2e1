// /help: every command with its usage and summary, from the commands themselves.
import chalk from 'chalk';
import type { SlashCommand } from '../session.js';

/** /help */
export const helpCommand: SlashCommand = {
  name: 'help',
  usage: '/help',
  summary: 'show the commands',
  argument: 'none',
  run(_args, session) {
    const width = Math.max(...session.commands.map((command) => command.usage.length));
    const lines = [chalk.bold('Type a prompt to start a job with the current agent, or a command:')];
    for (const command of session.commands) lines.push(`  ${command.usage.padEnd(width)}  ${chalk.dim(command.summary)}`);
    lines.push(chalk.dim('Ids may be any unique prefix (ab12 or job-ab12). Tab completes commands, agents and ids.'));
    session.print(lines.join('\n'));
  },
};
