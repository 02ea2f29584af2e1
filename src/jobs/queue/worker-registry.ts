// The workers of a queue as Redis knows them: each `jobline worker` keeps a hash of its name,
// labels, concurrency and current runs fresh (a heartbeat), and anyone (`jobline workers`, the
// API) lists them with the queue's counts. A worker whose heartbeat stopped is listed as gone.
import type { Redis } from 'ioredis';
import type { QueueKeys } from './queue-settings.js';

/** How often a worker says it is alive (ms). */
export const HEARTBEAT_MS = 2000;
/** A worker silent this long is shown as gone (ms). */
export const GONE_AFTER_MS = 3 * HEARTBEAT_MS + 1000;
/** How long a worker's entry stays listed after its last heartbeat (ms). */
const LISTED_FOR_MS = 3600_000;

/** One run a worker executes now. */
export interface WorkerRun {
  key: string;
  jobId: string;
  taskId: string | null;
  title: string;
  startedAt: string;
}

/** A worker as listed: `state` is `gone` when its heartbeat stopped without it saying it stopped. */
export interface WorkerInfo {
  name: string;
  host: string;
  pid: number;
  labels: string[];
  concurrency: number;
  state: 'running' | 'draining' | 'stopped' | 'gone';
  runs: WorkerRun[];
  startedAt: string;
  lastSeen: string;
}

/** What a worker writes of itself at each heartbeat. */
export type WorkerPresence = Omit<WorkerInfo, 'lastSeen' | 'state'> & { state: 'running' | 'draining' | 'stopped' };

/** Writes worker `presence`'s hash and its place in the list (now). */
export async function writePresence(redis: Redis, keys: QueueKeys, presence: WorkerPresence, nowMs = Date.now()): Promise<void> {
  const key = keys.worker(presence.name);
  await redis
    .multi()
    .hset(key, { ...presence, labels: JSON.stringify(presence.labels), runs: JSON.stringify(presence.runs), pid: String(presence.pid), concurrency: String(presence.concurrency), lastSeen: new Date(nowMs).toISOString() })
    .pexpire(key, LISTED_FOR_MS)
    .zadd(keys.workers, nowMs, presence.name)
    .exec();
}

/** The workers seen within the last hour, newest first. */
export async function listWorkers(redis: Redis, keys: QueueKeys, nowMs = Date.now()): Promise<WorkerInfo[]> {
  await redis.zremrangebyscore(keys.workers, 0, nowMs - LISTED_FOR_MS);
  const names = await redis.zrevrange(keys.workers, 0, 999);
  const workers: WorkerInfo[] = [];
  for (const name of names) {
    const hash = await redis.hgetall(keys.worker(name));
    if (!hash.name) continue;
    const lastSeen = hash.lastSeen ?? new Date(0).toISOString();
    const isSilent = nowMs - Date.parse(lastSeen) > GONE_AFTER_MS;
    const state = hash.state === 'stopped' ? 'stopped' : isSilent ? 'gone' : hash.state === 'draining' ? 'draining' : 'running';
    workers.push({
      name: hash.name,
      host: hash.host ?? '',
      pid: Number(hash.pid) || 0,
      labels: parseList<string>(hash.labels),
      concurrency: Number(hash.concurrency) || 0,
      state,
      runs: state === 'gone' || state === 'stopped' ? [] : parseList<WorkerRun>(hash.runs),
      startedAt: hash.startedAt ?? '',
      lastSeen,
    });
  }
  return workers;
}

function parseList<T>(text: string | undefined): T[] {
  try {
    const value = JSON.parse(text ?? '[]') as unknown;
    return Array.isArray(value) ? (value as T[]) : [];
  } catch {
    return [];
  }
}
