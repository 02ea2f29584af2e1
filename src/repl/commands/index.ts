// The slash commands, in the order /help lists them, and finding one by name.
import { findNearestName } from '../../text/nearest-name.js';
import type { SlashCommand } from '../session.js';
import { agentCommand, agentsCommand } from './agent.js';
import { approveCommand } from './approve.js';
import { cancelCommand } from './cancel.js';
import { cleanCommand } from './clean.js';
import { helpCommand } from './help.js';
import { jobsCommand } from './jobs.js';
import { logsCommand } from './logs.js';
import { backgroundCommand, interactiveCommand } from './mode.js';
import { quitCommand } from './quit.js';
import { resumeCommand } from './resume.js';
import { retryCommand } from './retry.js';
import { tasksCommand } from './tasks.js';
import { batchCommand } from './batch.js';
import { workersCommand } from './workers.js';
import { watchCommand } from './watch.js';
import { followCommand } from './follow.js';
import { runCommand, templatesCommand } from './run.js';
import { reloadCommand } from './reload.js';
import { baseCommand, diffCommand, discardCommand, isolationCommand, mergeCommand } from './worktree.js';
import { modelCommand } from './model.js';

/** Every slash command. */
export const SLASH_COMMANDS: readonly SlashCommand[] = [
  helpCommand, jobsCommand, tasksCommand, cancelCommand, approveCommand, retryCommand, resumeCommand, logsCommand, watchCommand, followCommand,
  diffCommand, mergeCommand, discardCommand,
  batchCommand, runCommand, templatesCommand, agentCommand, agentsCommand, modelCommand, workersCommand, backgroundCommand, interactiveCommand, reloadCommand, isolationCommand, baseCommand, cleanCommand, quitCommand,
];

/** Returns the command named `name` (without the slash), or null. */
export function findCommand(name: string): SlashCommand | null {
  return SLASH_COMMANDS.find((command) => command.name === name) ?? null;
}

/**
 * Names other tools (or jobline's own CLI) give to what a slash command does, with the command
 * that does it here: `/show` is `jobline show`'s, and `/jobs ID` shows a job.
 */
export const COMMAND_ALIASES: Readonly<Record<string, string>> = {
  show: '/jobs <id>',
  list: '/jobs',
  ls: '/jobs',
  ps: '/jobs',
  status: '/jobs',
  stop: '/cancel <id>',
  kill: '/cancel <id>',
  continue: '/resume <id>',
  restart: '/resume <id>',
  tail: '/logs <id> -f',
  output: '/logs <id>',
  land: '/merge <id>',
  exit: '/quit',
  q: '/quit',
};

/**
 * Returns the message for an unknown command (`name`, without the slash), suggesting the command
 * it is another tool's name for (COMMAND_ALIASES), else the nearest name (a typo).
 */
export function describeUnknownCommand(name: string): string {
  const alias = Object.hasOwn(COMMAND_ALIASES, name.toLowerCase()) ? COMMAND_ALIASES[name.toLowerCase()]! : null;
  const nearest = alias === null ? findNearestName(name, SLASH_COMMANDS.map((command) => command.name)) : null;
  const suggestion = alias ?? (nearest ? `/${nearest}` : null);
  return `Unknown command /${name}. Type /help for commands.${suggestion ? ` Did you mean ${suggestion}?` : ''}`;
}
