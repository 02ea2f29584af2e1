// What every command needs: the loaded config, the jobs folder, and a manager built from both.
import { loadConfig } from '../config/load-config.js';
import { getSecretEnvNames, type JoblineConfig } from '../config/schema.js';
import { isTerminalStatus } from '../jobs/model/job.js';
import { JobManager } from '../jobs/service/manager.js';
import { runNotifyCommand } from './notify-command.js';
import { serveJobRequests, type RequestListener } from '../jobs/service/request-inbox.js';
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

/**
 * Builds a JobManager from the config; `overrides` adjust single settings (e.g. whenBusy for
 * batch). It serves requests from other processes to its jobs (jobline cancel, approve, retry);
 * `onRequest` hears of each.
 */
export function createManager(context: AppContext, overrides: Partial<Pick<JoblineConfig, 'whenBusy'>> = {}, onRequest?: RequestListener): JobManager {
  const { config } = context;
  const manager = new JobManager({
    store: context.store,
    maxConcurrentJobs: config.maxConcurrentJobs,
    whenBusy: overrides.whenBusy ?? config.whenBusy,
    maxUnfinishedJobs: config.maxUnfinishedJobs,
    maxCompletedJobs: config.maxCompletedJobs,
    keepTempFiles: config.debug.keepTempFiles,
    cancelGraceMs: config.cancelGraceMs,
    workerHeapMb: config.workerHeapMb,
    secretEnvNames: getSecretEnvNames(config),
    maxOutputBytes: config.maxOutputBytes,
  });
  serveJobRequests(manager, onRequest);
  const { notifyCommand } = config;
  if (notifyCommand) {
    manager.on('jobEvent', (job, event) => {
      if (isTerminalStatus(job.status) && event.type === job.status) runNotifyCommand(notifyCommand, job, context.cwd, getSecretEnvNames(config), (message) => manager.emit('warning', message));
    });
  }
  return manager;
}
