// The REPL's config while it runs: /reload reads it again (new agents, providers and templates
// are then there without a restart; settings of the session say they wait for the next start),
// and a change to the config file is said once, with the hint, until the next /reload.
import { statSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { join } from 'node:path';
import { listAgents } from '../agents/resolve-agent.js';
import { loadConfig } from '../config/load-config.js';
import type { AppContext } from '../commands/context.js';

/**
 * Settings the session was built with (its jobs folder, slots, limits, workers' heap, the notify
 * command): a reload reads them, but they apply from the next start.
 */
export const SETTINGS_OF_THE_SESSION = ['jobsDir', 'maxConcurrentJobs', 'maxWorkers', 'whenBusy', 'maxUnfinishedJobs', 'maxCompletedJobs', 'maxOutputBytes', 'cancelGraceMs', 'workerLeaseMs', 'workerHeapMb', 'notifyCommand', 'debug'] as const;

/** How often the config file is looked at for a change (ms). */
const WATCH_INTERVAL_MS = 500;

/**
 * Reads the config again, as the REPL was started (`context.configPath`: that file; none: the
 * search of ./.jobrc.json, then ~/.jobrc.json), and makes it the context's: what reads
 * `context.config` (new jobs' agents, /agent, /run, completion, an attached server's agent
 * definitions) sees it at once. Returns the lines that say what changed.
 * @throws ConfigError as loadConfig (the config in use stays).
 */
export function reloadConfig(context: AppContext): string[] {
  const before = context.config;
  const { config, path } = loadConfig({ cwd: context.cwd, ...(context.configPath ? { explicitPath: context.configPath } : {}) });
  context.config = config;
  context.configPath = path;
  const agentsBefore = new Set(listAgents(before).map((agent) => agent.name));
  const agents = listAgents(config).map((agent) => agent.name);
  const added = agents.filter((name) => !agentsBefore.has(name));
  const removed = [...agentsBefore].filter((name) => !agents.includes(name));
  const lines = [`Reloaded ${path ?? 'the defaults (no .jobrc.json)'}: agents ${agents.join(', ')}${added.length > 0 ? ` (new: ${added.join(', ')})` : ''}${removed.length > 0 ? ` (gone: ${removed.join(', ')})` : ''}; ${Object.keys(config.templates).length} template(s).`];
  const waiting = SETTINGS_OF_THE_SESSION.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(config[key]));
  if (waiting.length > 0) lines.push(`${waiting.join(', ')} changed: ${waiting.length === 1 ? 'it applies' : 'they apply'} from the next start.`);
  return lines;
}

/** The file a running REPL watches: its config file, or ./.jobrc.json when it started without one (creating it is a change). */
export function watchedConfigPath(context: Pick<AppContext, 'configPath' | 'cwd'>): string {
  return context.configPath ?? join(context.cwd, '.jobrc.json');
}

/** What tells one version of a file from another: its modification time and size (`absent` when there is none). */
export function stampOf(path: string): string {
  try {
    const { mtimeMs, size } = statSync(path);
    return `${mtimeMs}:${size}`;
  } catch {
    return 'absent';
  }
}

// The same stamp, from the stats watchFile hands over (a missing file has both 0).
function stampOfStats(stats: Stats): string {
  return stats.mtimeMs === 0 && stats.size === 0 ? 'absent' : `${stats.mtimeMs}:${stats.size}`;
}

/**
 * Calls `onChange` with the file's new stamp (see stampOf) when the file at `path` changes (its
 * time or size; created or removed too), looking every WATCH_INTERVAL_MS without keeping the
 * process alive. Returns the stop.
 */
export function watchConfigFile(path: string, onChange: (stamp: string) => void): () => void {
  const listener = (current: Stats, previous: Stats): void => {
    if (stampOfStats(current) !== stampOfStats(previous)) onChange(stampOfStats(current));
  };
  watchFile(path, { interval: WATCH_INTERVAL_MS, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}

/** The line that says the config file changed: once, until /reload. */
export function formatConfigChanged(path: string): string {
  return `⚙️  ${path} changed: /reload to use it (new agents, providers and templates; no restart).`;
}
