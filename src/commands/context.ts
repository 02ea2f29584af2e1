// What every command needs: the loaded config, the jobs folder, and a manager built from both.
import { loadConfig } from '../config/load-config.js';
import { getSecretEnvNames, type JoblineConfig } from '../config/schema.js';
import { JobManager } from '../jobs/manager.js';
import { JobStore } from '../store/job-store.js';
import { resolveJobsDir } from '../store/jobs-dir.js';

/** The config, where it came from, and the opened store. */
export interface AppContext {
  config: JoblineConfig;
  configPath: string | null;
  store: JobStore;
  cwd: string;
}

/**
 * Loads the config (`explicitConfigPath` is --config) and opens the jobs folder.
 * @throws ConfigError, StoreError (see loadConfig and JobStore.open).
 */
export function loadAppContext(explicitConfigPath?: string, cwd = process.cwd()): AppContext {
  const { config, path } = loadConfig({ explicitPath: explicitConfigPath, cwd });
  const store = JobStore.open(resolveJobsDir(config.jobsDir), { secretEnvNames: getSecretEnvNames(config) });
  return { config, configPath: path, store, cwd };
}

/** Builds a JobManager from the config; `overrides` adjust single settings (e.g. whenBusy for batch). */
export function createManager(context: AppContext, overrides: Partial<Pick<JoblineConfig, 'whenBusy'>> = {}): JobManager {
  const { config } = context;
  return new JobManager({
    store: context.store,
    maxConcurrentJobs: config.maxConcurrentJobs,
    whenBusy: overrides.whenBusy ?? config.whenBusy,
    maxUnfinishedJobs: config.maxUnfinishedJobs,
    keepTempFiles: config.debug.keepTempFiles,
    cancelGraceMs: config.cancelGraceMs,
    workerHeapMb: config.workerHeapMb,
    secretEnvNames: getSecretEnvNames(config),
    maxOutputBytes: config.maxOutputBytes,
  });
}
