// The fleet as anyone can see it: the workers of the queue (worker-registry.ts) and the counts of
// each of its queues (the plain one and each label set's). Read by `jobline workers`, the API's
// GET /api/workers and the dashboard's Workers panel.
import { Queue } from 'bullmq';
import { checkQueue, openRedis } from './redis-connection.js';
import { QueueKeys, type QueueSettings } from './queue-settings.js';
import { listWorkers, type WorkerInfo } from './worker-registry.js';

/** Counts of one queue's runs by state. */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** What `jobline workers` shows. */
export interface FleetView {
  workers: WorkerInfo[];
  /** Each queue (`runs`, `runs@gpu`), its labels and counts. */
  queues: Array<{ name: string; labels: string[]; counts: QueueCounts }>;
  /** Sums over the queues. */
  counts: QueueCounts;
}

/** Reads the fleet once (`jobline workers`). @throws QueueError QUEUE_UNREACHABLE, QUEUE_AUTH. */
export async function readFleet(settings: QueueSettings): Promise<FleetView> {
  await checkQueue(settings);
  const reader = new FleetReader(settings);
  try {
    return await reader.read();
  } finally {
    reader.close();
  }
}

/** Reads the fleet again and again on one connection (the server's GET /api/workers). */
export class FleetReader {
  private readonly redis;
  private readonly keys: QueueKeys;

  constructor(private readonly settings: QueueSettings) {
    // A read fails (rather than waits) while Redis is away: the caller says so.
    this.redis = openRedis(settings, { maxRetriesPerRequest: 1 });
    this.redis.on('error', () => {});
    this.keys = new QueueKeys(settings.prefix);
  }

  /** The fleet now. @throws the connection's error while Redis is away. */
  async read(): Promise<FleetView> {
    const { redis, keys, settings } = this;
    const workers = await listWorkers(redis, keys);
    const names = [...new Set([keys.queueName([]), ...(await redis.smembers(keys.queues))])].sort();
    const queues: FleetView['queues'] = [];
    const counts: QueueCounts = { waiting: 0, active: 0, delayed: 0, failed: 0 };
    for (const name of names) {
      const queue = new Queue(name, { connection: redis, prefix: settings.prefix });
      queue.on('error', () => {});
      const raw = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      await queue.close().catch(() => {});
      const own = { waiting: (raw.waiting ?? 0) + (raw.prioritized ?? 0), active: raw.active ?? 0, delayed: raw.delayed ?? 0, failed: raw.failed ?? 0 };
      for (const key of Object.keys(counts) as Array<keyof QueueCounts>) counts[key] += own[key];
      queues.push({ name, labels: name.startsWith('runs@') ? name.slice(5).split('+') : [], counts: own });
    }
    return { workers, queues, counts };
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** Whether a live worker has every one of `labels` (for a task that waits for one). */
export function hasWorkerWith(workers: readonly WorkerInfo[], labels: readonly string[]): boolean {
  return workers.some((worker) => (worker.state === 'running' || worker.state === 'draining') && labels.every((label) => worker.labels.includes(label)));
}
