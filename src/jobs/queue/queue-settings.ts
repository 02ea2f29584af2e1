// Where the queue is and how it is tuned: the `queue` config key, `--queue URL` and
// $JOBLINE_QUEUE_URL resolved into one QueueSettings; the Redis keys jobline makes under its
// prefix; and BullMQ's crash-detection timings, chosen so that a dead worker's run is found once.
import type { QueueConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';

/** Environment variable naming the queue's URL (beaten by `--queue`, beats the config's `queue.url`). */
export const QUEUE_URL_ENV = 'JOBLINE_QUEUE_URL';

/** Everything needed to reach the queue. `password` is read from the environment, never from a file. */
export interface QueueSettings {
  url: string;
  prefix: string;
  password: string | null;
  /** Name of the environment variable the password came from (said in messages), or null. */
  passwordEnv: string | null;
  tls: boolean;
  globalConcurrency: number | null;
  gitRemote: string | null;
}

/**
 * The queue settings in force: `flagUrl` (--queue), else $JOBLINE_QUEUE_URL, else the config's
 * `queue`; null when none is set (runs stay on this machine). A URL given by flag or environment
 * keeps the config's other settings. @throws ConfigError CONFIG_INVALID for a URL that is not a Redis URL.
 */
export function resolveQueueSettings(config: QueueConfig | null | undefined, flagUrl?: string, env: NodeJS.ProcessEnv = process.env): QueueSettings | null {
  const url = flagUrl ?? (env[QUEUE_URL_ENV] || undefined) ?? config?.url;
  if (!url) return null;
  if (!/^rediss?:\/\/\S+$/.test(url)) throw new ConfigError('CONFIG_INVALID', `The queue URL ${describeQueueUrl(url)} is not a Redis URL (expected redis://host:port/db or rediss://…).`);
  const passwordEnv = config?.passwordEnv ?? null;
  return {
    url,
    prefix: config?.prefix ?? 'jobline',
    password: passwordEnv ? (env[passwordEnv] ?? null) : null,
    passwordEnv,
    tls: (config?.tls ?? false) || url.startsWith('rediss://'),
    globalConcurrency: config?.globalConcurrency ?? null,
    gitRemote: config?.gitRemote ?? null,
  };
}

/**
 * The queue `settings` name, fit for a message and to tell two queues apart: its URL without a
 * password, and its prefix (`redis://host:6379/0 (prefix jobline)`).
 */
export function describeQueue(settings: Pick<QueueSettings, 'url' | 'prefix'>): string {
  return `${describeQueueUrl(settings.url)} (prefix ${settings.prefix})`;
}

/** `url` fit for a message: a password written into it (`redis://:secret@host`) is left out. */
export function describeQueueUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)[^@/]*@/, '$1');
}

/**
 * How long a worker's hold on a run lasts without being renewed (ms; BullMQ's lockDuration). A
 * worker renews it every LOCK_DURATION_MS / 2; one that stops (killed, frozen, cut off) loses it.
 */
export const LOCK_DURATION_MS = 10_000;
/** How often workers (and coordinators) look for runs whose hold lapsed (ms; BullMQ's stalledInterval). */
export const STALLED_INTERVAL_MS = 5_000;
/**
 * How many times BullMQ may hand a stalled run to another worker itself (maxStalledCount): 0. A
 * run whose worker stopped answering is failed at the first stall check, and jobline records it
 * interrupted and starts the task again as a new run (while its retries last), whose start it
 * writes first: a command never starts on a run jobline has not recorded.
 */
export const MAX_STALLED_COUNT = 0;

/** The Redis keys of one installation (everything under its prefix). */
export class QueueKeys {
  constructor(readonly prefix: string) {}

  /** The BullMQ queue of runs that need `labels` (sorted, unique; none: the plain queue). */
  queueName(labels: readonly string[]): string {
    return labels.length === 0 ? 'runs' : `runs@${[...labels].sort().join('+')}`;
  }

  /** A run's stream: its output, progress, activity and end, in order (see run-stream.ts). */
  runStream(runKey: string): string {
    return `${this.prefix}:run:${runKey}:stream`;
  }

  /** A run's cancel flag: set by a coordinator, read by the worker that takes it. */
  cancelFlag(runKey: string): string {
    return `${this.prefix}:run:${runKey}:cancel`;
  }

  /** The pub/sub channel on which worker `name` hears cancels. */
  cancelChannel(worker: string): string {
    return `${this.prefix}:worker:${worker}:cancel`;
  }

  /** The hash of worker `name`'s presence (see worker-registry.ts). */
  worker(name: string): string {
    return `${this.prefix}:worker:${name}`;
  }

  /** The sorted set of workers by last heartbeat (ms). */
  get workers(): string {
    return `${this.prefix}:workers`;
  }

  /** The set of label-queue names workers listen on, for the coordinator's listings. */
  get queues(): string {
    return `${this.prefix}:queues`;
  }
}

/**
 * The id of run `runId` of job `jobId` in BullMQ (`job-ab12cd34.r3`): a job's runs are unique in
 * it, so the pair is unique in the installation; a later coordinator finds the run by it.
 */
export function formatRunKey(jobId: string, runId: string): string {
  return `${jobId}.${runId}`;
}

/**
 * BullMQ's timings from $JOBLINE_QUEUE_LOCK_MS and $JOBLINE_QUEUE_STALLED_MS, which only the
 * tests set (a stalled run found in seconds rather than LOCK_DURATION_MS + STALLED_INTERVAL_MS).
 */
export function readTimingOverrides(env: NodeJS.ProcessEnv = process.env): { lockDurationMs?: number; stalledIntervalMs?: number } {
  const lock = Number(env.JOBLINE_QUEUE_LOCK_MS);
  const stalled = Number(env.JOBLINE_QUEUE_STALLED_MS);
  return { ...(lock > 0 ? { lockDurationMs: lock } : {}), ...(stalled > 0 ? { stalledIntervalMs: stalled } : {}) };
}
