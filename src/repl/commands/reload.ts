// /reload: reads the config again, so a new agent, provider or template is there without a restart.
import type { SlashCommand } from '../session.js';

/** /reload */
export const reloadCommand: SlashCommand = {
  name: 'reload',
  usage: '/reload',
  summary: 're-read the config (new agents, providers and templates apply at once)',
  argument: 'none',
  run(_args, session) {
    for (const line of session.reloadConfig()) session.print(line);
  },
};
