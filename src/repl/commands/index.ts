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

/** Returns the message for an unknown command, suggesting the nearest name. */
export function describeUnknownCommand(name: string): string {
  const nearest = findNearestName(name, SLASH_COMMANDS.map((command) => command.name));
  return `Unknown command /${name}. Type /help for commands.${nearest ? ` Did you mean /${nearest}?` : ''}`;
}
