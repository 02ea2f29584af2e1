// Tab completion: command names after '/', then job ids or agent names for the first argument.
import { readdirSync } from 'node:fs';
import { listAgents } from '../agents/resolve-agent.js';
import type { JoblineConfig } from '../config/schema.js';
import { isJobId } from '../jobs/job-id.js';
import type { JobManager } from '../jobs/manager.js';
import type { SlashCommand } from './session.js';

/** Builds a readline completer (synchronous: it runs on every Tab, so it reads only folder names). */
export function createCompleter(commands: readonly SlashCommand[], manager: JobManager, config: JoblineConfig): (line: string) => [string[], string] {
  return (line) => {
    if (!line.startsWith('/')) return [[], line];
    const space = line.indexOf(' ');
    if (space === -1) {
      const names = commands.map((command) => `/${command.name}`);
      const hits = names.filter((name) => name.startsWith(line));
      return [hits.length > 0 ? hits : names, line];
    }
    const command = commands.find((candidate) => candidate.name === line.slice(1, space));
    const argument = line.slice(space + 1);
    if (!command || argument.includes(' ')) return [[], line];
    let candidates: string[] = [];
    if (command.argument === 'agent') candidates = listAgents(config).map((agent) => agent.name);
    if (command.argument === 'job') {
      let stored: string[] = [];
      try {
        stored = readdirSync(manager.store.dir).filter(isJobId);
      } catch {
        // An unreadable folder just completes nothing from disk.
      }
      candidates = [...new Set([...manager.list().map((job) => job.id), ...stored])].sort();
    }
    // readline inserts completion.slice(typed.length), so offer ids in the form being typed:
    // with `job-` if the user typed it, as bare suffixes otherwise.
    if (command.argument === 'job' && argument !== '' && !'job-'.startsWith(argument) && !argument.startsWith('job-')) {
      candidates = candidates.map((id) => id.slice(4));
    }
    return [candidates.filter((candidate) => candidate.startsWith(argument)), argument];
  };
}
