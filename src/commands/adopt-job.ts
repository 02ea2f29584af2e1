// Taking over a job another (dead) jobline left: its agent is rebuilt from the config and it runs
// in the folder it was created in. Used by the REPL's /resume and `jobline resume`.
import { resolveAgent } from '../agents/resolve-agent.js';
import type { JoblineConfig } from '../config/schema.js';
import type { Job } from '../jobs/model/job.js';
import type { AdoptedRun } from '../jobs/service/manager-api.js';
import { readEvents } from '../store/event-log.js';
import type { JobStore } from '../store/job-store.js';

/**
 * Returns the `adopt` callback of JobManager.resume: the stored job's agent from `config` and the
 * folder of its `created` event (`fallbackCwd` when the log does not say).
 * The callback throws AgentError when the agent is no longer configured.
 */
export function adoptFromConfig(store: JobStore, config: JoblineConfig, fallbackCwd: string, configFile: string | null = null): (stored: Job) => Promise<AdoptedRun> {
  return async (stored) => {
    const cwd = await readCreationFolder(store, stored.id, fallbackCwd);
    return { agent: resolveAgent(stored.agent, config, cwd, configFile), cwd };
  };
}

/** The folder job `id` was created in (its `created` event), or `fallbackCwd` when the log does not say. */
export async function readCreationFolder(store: JobStore, id: string, fallbackCwd: string): Promise<string> {
  const { events } = await readEvents(store.pathsOf(id).events);
  return events.find((event) => event.type === 'created')?.cwd ?? fallbackCwd;
}
