// Tab completion: command names after '/' (a unique one with its trailing space), then for the
// first argument the jobs the command can act on, agent or template names, or what /follow takes.
import { listAgents } from '../agents/resolve-agent.js';
import type { JoblineConfig } from '../config/schema.js';
import { isActiveStatus, isUnfinishedStatus, type Job } from '../jobs/model/job.js';
import type { JobService } from '../jobs/service/job-service.js';
import type { ArgumentKind, SlashCommand } from './session.js';

/**
 * Builds a readline completer. It is synchronous (it runs on every Tab), so it reads no job
 * file: this session's jobs are known with their status; of the others, any job is a folder
 * name, and the resumable ones are those the ended-jobs index names unfinished.
 */
export function createCompleter(commands: readonly SlashCommand[], service: JobService, currentConfig: JoblineConfig | (() => JoblineConfig)): (line: string) => [string[], string] {
  return (line) => {
    // The config as it is now (a /reload may have brought new agents and templates).
    const config = typeof currentConfig === 'function' ? currentConfig() : currentConfig;
    if (!line.startsWith('/')) return [[], line];
    const space = line.indexOf(' ');
    if (space === -1) {
      const names = commands.map((command) => `/${command.name}`);
      const hits = names.filter((name) => name.startsWith(line));
      // One match is completed with its space, ready for the argument.
      if (hits.length === 1) return [[`${hits[0]} `], line];
      return [hits.length > 0 ? hits : names, line];
    }
    const command = commands.find((candidate) => candidate.name === line.slice(1, space));
    const argument = line.slice(space + 1);
    if (!command || argument.includes(' ')) return [[], line];
    let candidates: string[] = [];
    const isName = command.argument === 'agent' || command.argument === 'template';
    if (command.argument === 'agent') candidates = listAgents(config).map((agent) => agent.name);
    else if (command.argument === 'template') candidates = Object.keys(config.templates).sort();
    else if (command.argument === 'follow') candidates = jobCandidates('job', service);
    else if (command.argument !== 'none') candidates = jobCandidates(command.argument, service);
    // readline inserts completion.slice(typed.length), so offer ids in the form being typed:
    // with `job-` if the user typed it, as bare suffixes otherwise.
    if (!isName && argument !== '' && !'job-'.startsWith(argument) && !argument.startsWith('job-')) {
      candidates = candidates.map((id) => id.slice(4));
    }
    // /follow takes `all` and `mine` besides any job.
    if (command.argument === 'follow') candidates = [...FOLLOW_WORDS, ...candidates];
    return [candidates.filter((candidate) => candidate.startsWith(argument)), argument];
  };
}

const FOLLOW_WORDS = ['all', 'mine'];

function jobCandidates(kind: Exclude<ArgumentKind, 'agent' | 'template' | 'follow' | 'none'>, service: JobService): string[] {
  const session = service.sessionJobs();
  const pick = (test: (job: Job) => boolean): string[] => session.filter(test).map((job) => job.id);
  let ids: string[];
  if (kind === 'active-job') ids = pick((job) => isActiveStatus(job.status));
  else if (kind === 'waiting-job') ids = pick((job) => job.status === 'awaiting_approval');
  else if (kind === 'resumable-job') {
    const sessionIds = new Set(session.map((job) => job.id));
    const stored = service.storedIdsSync(true).filter((id) => !sessionIds.has(id));
    ids = [...pick((job) => isUnfinishedStatus(job.status)), ...stored];
  } else {
    ids = [...session.map((job) => job.id), ...service.storedIdsSync(false)];
  }
  return [...new Set(ids)].sort();
}
