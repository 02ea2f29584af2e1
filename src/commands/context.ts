// The composition root: the loaded config, the jobs folder (the file store), and the job service
// built on them. Front ends get the service; only this file wires the adapters to it.
import { loadConfig } from '../config/load-config.js';
import { getMaxWorkers, getSecretEnvNames, type JoblineConfig } from '../config/schema.js';
import { isTerminalStatus } from '../jobs/model/job.js';
import { JobManager } from '../jobs/service/manager.js';
import { JobService, type AdoptJob, type JobServiceOptions } from '../jobs/service/job-service.js';
import { resolveAgent } from '../agents/resolve-agent.js';
import { runNotifyCommand } from './notify-command.js';
import { serveOwnerRequests, type RequestListener } from './request-inbox.js';
import { ThreadExecutor } from '../jobs/runtime/thread-executor.js';
import { JobStore } from '../store/job-store.js';
import { JobFolderReader } from '../store/job-folder-reader.js';
import { resolveJobsDir } from '../store/jobs-dir.js';
import { findServer, type ServerInfo } from '../store/server-presence.js';
import { ServerClient } from '../client/server-client.js';
import { RemoteSession } from '../client/remote-session.js';
import { FailoverSession, type SessionChange } from '../client/failover-session.js';
import { createServerReader } from '../client/server-reader.js';
import { FolderWorkers } from '../jobs/service/folder-workers.js';
import { systemClock } from '../jobs/ports/clock.js';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { GitWorktrees } from '../git/git-worktrees.js';
import { MergeQueue } from '../jobs/service/merge-queue.js';
import { createWorktreeGuard } from '../jobs/service/worktree-guard.js';
import type { Executor } from '../jobs/ports/executor.js';
import { describeQueue, readTimingOverrides, resolveQueueSettings, type QueueSettings } from '../jobs/queue/queue-settings.js';

/**
 * The config, where it came from, and the opened store. `jobs` is a read-only service over the
 * jobs folder, for commands that only look (list, show, logs, wait); commands that run jobs get a
 * service with a session from createJobService.
 */
export interface AppContext {
  config: JoblineConfig;
  configPath: string | null;
  /** The file store: for this file's wiring only; front ends go through `jobs`. */
  store: JobStore;
  jobs: JobService;
  cwd: string;
  /** The `jobline serve` running on the jobs folder when the context was loaded, or null (looked for once). */
  server: ServerClient | null;
  /** Git worktrees of jobs, and their landings (the config's `worktree` and `merge`). */
  worktrees: GitWorktrees;
  /** Where runs go when they run on other machines (`queue`, --queue, $JOBLINE_QUEUE_URL), or null: this machine's threads. */
  queue: QueueSettings | null;
}

/**
 * The folder of the jobs' worktrees: the config's `worktree.dir`, else `worktrees` beside the jobs
 * folder (for the default jobs folder, which lies in the shared temp folder, `<jobs folder>-worktrees`).
 */
export function resolveWorktreesDir(config: JoblineConfig, jobsDir: string): string {
  if (config.worktree.dir) return resolve(config.worktree.dir);
  return dirname(jobsDir) === tmpdir() ? `${jobsDir}-worktrees` : join(dirname(jobsDir), 'worktrees');
}

// The worktree port of `config`, with its folder for jobs of `jobsDir`.
function createWorktrees(config: JoblineConfig, jobsDir: string): GitWorktrees {
  return new GitWorktrees({ dir: resolveWorktreesDir(config, jobsDir), include: config.worktree.include, setup: config.worktree.setup, merge: config.merge });
}

// Services built on `context` share these: the worktree port, and (for a service without a
// session) the settling of landings nobody carries on.
function worktreeOptions(context: Pick<AppContext, 'store' | 'worktrees'>): Pick<JobServiceOptions, 'worktrees' | 'landings'> {
  const landings = new MergeQueue({ port: context.worktrees, repository: context.store, now: () => new Date().toISOString(), committed: () => {}, activity: () => {} });
  return { worktrees: context.worktrees, landings };
}

/**
 * Loads the config (`explicitConfigPath` is --config) and opens the jobs folder.
 * @throws ConfigError, StoreError (see loadConfig and JobStore.open).
 */
export function loadAppContext(explicitConfigPath?: string, cwd = process.cwd(), queueUrl?: string): AppContext {
  const { config, path } = loadConfig({ explicitPath: explicitConfigPath, cwd });
  const queue = resolveQueueSettings(config.queue, queueUrl);
  // A queue given by --queue or $JOBLINE_QUEUE_URL is the config's too (agents are resolved knowing
  // their runs go to workers: an LLM agent's key is then the workers', see resolveAgent).
  if (queue && !config.queue) config.queue = { type: 'bullmq', url: queue.url, prefix: queue.prefix, tls: queue.tls };
  const jobsDir = resolveJobsDir(config.jobsDir);
  const worktrees = createWorktrees(config, jobsDir);
  const store = JobStore.open(jobsDir, { secretEnvNames: getSecretEnvNames(config), worktreeGuard: createWorktreeGuard(worktrees) });
  // While a server runs on the jobs folder, listings and jobs come from it (see createServerReader).
  const folderReader = new JobFolderReader(store);
  const found = findServer(store.dir);
  const server = found ? new ServerClient(found.info, found.token) : null;
  const reader = server ? createServerReader(server, folderReader) : folderReader;
  const jobs = new JobService({ repository: store, reader, manager: null, cwd, adopt: adoptFromConfig({ config, configPath: path }), ...worktreeOptions({ store, worktrees }) });
  return { config, configPath: path, store, jobs, cwd, server, worktrees, queue };
}

/** Settings of a session that differ between front ends. */
export interface SessionOverrides extends Partial<Pick<JoblineConfig, 'whenBusy'>> {
  /**
   * True for a script command (run, batch, resume), which exits once its jobs are done: the
   * storage policy's pass after a job ends runs at once instead of a moment later (the moment
   * keeps it off the path of the REPL's next prompt; a script has none, and would wait for it).
   */
  isScript?: boolean;
  /** True for `jobline serve` itself: it runs the jobs, and never attaches to a server. */
  isServer?: boolean;
  /**
   * Set by a command that starts runs (run, batch, resume): when the server on the jobs folder
   * does not send runs to the queue this command was given (--queue, $JOBLINE_QUEUE_URL, the
   * config), the command runs its job itself, through that queue, and this hears why (the job is
   * in the folder: the server, its dashboard and an attached REPL see it).
   */
  notice?: (message: string) => void;
}

/**
 * A job service with a session. When `jobline serve` runs on the jobs folder, the session is the
 * server's (a RemoteSession: jobs run there and outlive this process); otherwise jobs run on
 * worker threads of this process, and `overrides` adjust single settings (e.g. whenBusy for
 * batch). A local session serves requests from other processes to its jobs (jobline cancel,
 * approve, retry); `onRequest` hears of each. Jobs taken over from the jobs folder get their
 * agent from the config. @throws ServerError SERVER_UNREACHABLE (a server that does not answer).
 */
export async function createJobService(context: AppContext, overrides: SessionOverrides = {}, onRequest?: RequestListener): Promise<JobService> {
  let client = overrides.isServer ? null : connectToServer(context);
  const mismatch = client && overrides.notice ? describeQueueMismatch(context, client.info) : null;
  if (mismatch) {
    overrides.notice!(`${mismatch}: this command runs its job itself, through that queue.`);
    client = null;
  }
  if (client) {
    const remote = await RemoteSession.attach(client, { get ownConfig() { return ownConfigOf(context); }, folder: new JobFolderReader(context.store) });
    return new JobService({ repository: context.store, reader: new JobFolderReader(context.store), manager: remote, cwd: context.cwd, adopt: adoptFromConfig(context), ...worktreeOptions(context) });
  }
  const openExecutor = await prepareExecutor(context);
  const manager = createManager(context, overrides, openExecutor);
  const service = new JobService({ repository: context.store, reader: new JobFolderReader(context.store), manager, cwd: context.cwd, adopt: adoptFromConfig(context), ...worktreeOptions(context) });
  serveOwnerRequests(service, onRequest);
  return service;
}

/**
 * Why the server `info` describes would not send the runs of `context` where they were asked to
 * go (the context names a queue the server does not use), or null. A context without a queue
 * asked for nothing: the server's way is fine.
 */
export function describeQueueMismatch(context: Pick<AppContext, 'queue'>, info: Pick<ServerInfo, 'pid' | 'queue'>): string | null {
  if (!context.queue) return null;
  const wanted = describeQueue(context.queue);
  if (info.queue === wanted) return null;
  return `jobline serve (pid ${info.pid}) on this jobs folder sends runs ${info.queue ? `to ${info.queue}` : 'to its own threads'}, not to ${wanted}`;
}

/** Opens the executor of a session, telling `warn` what the user should hear of it. */
type ExecutorFactory = (warn: (message: string) => void) => Executor;

/**
 * The executor of the context's sessions: with a queue, runs go to `jobline worker`s through it
 * (checked reachable now: an unreachable queue is a clear error at start, never a hang);
 * without, worker threads of this process (null here: createManager makes them). The queue's code
 * (BullMQ, ioredis) is loaded only then.
 * @throws QueueError QUEUE_UNREACHABLE, QUEUE_AUTH.
 */
async function prepareExecutor(context: AppContext): Promise<ExecutorFactory | null> {
  const settings = context.queue;
  if (!settings) return null;
  const [{ QueueExecutor }, { checkQueue }, { createWorkspaceResolver }] = await Promise.all([import('../jobs/queue/queue-executor.js'), import('../jobs/queue/redis-connection.js'), import('../jobs/queue/job-commit-push.js')]);
  await checkQueue(settings);
  return (warn) => QueueExecutor.create(settings, { warn, workspaceOf: createWorkspaceResolver(settings, warn), ...readTimingOverrides() });
}

/**
 * The REPL's job service: its session is `jobline serve`'s while one runs on the jobs folder, and
 * this process's while none does, switching as servers go and come (see FailoverSession, which
 * says when: `onChange` hears each switch). Requests from other processes to the jobs it runs
 * itself are served (`onRequest`). Never throws for a server that does not answer: it runs
 * without it.
 */
export async function createReplJobService(context: AppContext, onRequest: RequestListener, onChange: (change: SessionChange) => void): Promise<JobService> {
  const folder = new JobFolderReader(context.store);
  // The jobs of a server that went are read through a service of the folder alone: it records
  // their interruption (the first reader does), so the REPL says what the disk says.
  const stored = new JobService({ repository: context.store, reader: folder, manager: null, cwd: context.cwd, adopt: adoptFromConfig(context), ...worktreeOptions(context) });
  const reads = { load: (id: string) => stored.get(id), readEvents: (id: string) => folder.readEvents(id) };
  const openExecutor = await prepareExecutor(context);
  const session = await FailoverSession.start({
    findServer: () => findServer(context.store.dir)?.info.pid ?? null,
    attach: async (onGone) => {
      const found = findServer(context.store.dir);
      if (!found) return null;
      return RemoteSession.attach(new ServerClient(found.info, found.token), { get ownConfig() { return ownConfigOf(context); }, folder: reads, onGone }).catch(() => null);
    },
    startLocal: () => createManager(context, {}, openExecutor),
    // Attached, the REPL's jobs run as the server runs them: said when that is not as it was asked.
    onChange: (change) => {
      const info = change.type === 'attached' ? findServer(context.store.dir)?.info : undefined;
      const mismatch = info ? describeQueueMismatch(context, info) : null;
      onChange(mismatch && change.type === 'attached' ? { ...change, note: `${mismatch}: jobs started here run there while this REPL is attached (start jobline serve with --queue to send them to workers).` } : change);
    },
  });
  const service = new JobService({ repository: context.store, reader: folder, manager: session, cwd: context.cwd, adopt: adoptFromConfig(context), ...worktreeOptions(context) });
  serveOwnerRequests(service, onRequest);
  return service;
}

// A stored job's agent, rebuilt from the config as it is then (the REPL's /reload replaces
// `context.config`), run in the folder it was created in.
// @throws AgentError when the agent is no longer configured.
function adoptFromConfig(context: Pick<AppContext, 'config' | 'configPath'>): AdoptJob {
  return (stored, folder) => ({ agent: resolveAgent(stored.agent, context.config, folder, context.configPath), cwd: folder });
}

// The client's own agents and providers a server resolves its jobs' agents from: read from the
// context at each submission (through a getter: a /reload may have changed them since the session attached).
function ownConfigOf(context: Pick<AppContext, 'config' | 'configPath'>): { config: JoblineConfig; path: string } | null {
  return context.configPath ? { config: context.config, path: context.configPath } : null;
}

// The session's manager, from the config, with its executor: worker threads of this process, or
// the queue's (`openExecutor`, see prepareExecutor).
function createManager(context: AppContext, overrides: SessionOverrides, openExecutor: ExecutorFactory | null = null): JobManager {
  const { config } = context;
  const spareWorkers = 1;
  // The executor's warnings go out as the manager's, once it exists.
  const warned: { manager?: JobManager } = {};
  const manager = new JobManager({
    store: context.store,
    executor: openExecutor ? openExecutor((message) => warned.manager?.emit('warning', message)) : new ThreadExecutor({ workerHeapMb: config.workerHeapMb, spareWorkers, maxIdleWorkers: Math.max(config.maxConcurrentJobs, getMaxWorkers(config)) + spareWorkers, maxRuns: getMaxWorkers(config) }),
    maxConcurrentJobs: config.maxConcurrentJobs,
    maxWorkers: getMaxWorkers(config),
    whenBusy: overrides.whenBusy ?? config.whenBusy,
    maxUnfinishedJobs: config.maxUnfinishedJobs,
    maxCompletedJobs: config.maxCompletedJobs,
    keepTempFiles: config.debug.keepTempFiles,
    cancelGraceMs: config.cancelGraceMs,
    secretEnvNames: getSecretEnvNames(config),
    maxOutputBytes: config.maxOutputBytes,
    workerLeaseMs: config.workerLeaseMs,
    worktrees: context.worktrees,
    defaultIsolation: config.isolation,
    ...(overrides.isScript ? { policyPassDelayMs: 0 } : {}),
  });
  warned.manager = manager;
  const { notifyCommand } = config;
  if (notifyCommand) {
    manager.on('jobEvent', (job, event) => {
      if (isTerminalStatus(job.status) && event.type === job.status) runNotifyCommand(notifyCommand, job, context.cwd, getSecretEnvNames(config), (message) => manager.emit('warning', message));
    });
  }
  return manager;
}

/** A client of the `jobline serve` running on the context's jobs folder, or null when none runs (as found when the context was loaded). */
export function connectToServer(context: AppContext): ServerClient | null {
  return context.server;
}

/** External jobs in the context's jobs folder, without a server (`jobline job …` when none runs). */
export function createFolderWorkers(context: AppContext): FolderWorkers {
  return new FolderWorkers(context.store, new JobFolderReader(context.store), systemClock, context.config.workerLeaseMs);
}
