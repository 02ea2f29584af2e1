// No key and nothing of the coordinator's environment ever reaches Redis: after a run whose
// coordinator and worker both hold a planted API key (the command even prints the worker's),
// every key of the Redis database is read back, whatever its type, and none holds either key nor
// a variable only the coordinator has.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { FAST_QUEUE_ENV, startWorker, type TestWorker } from '../helpers/queue.js';
import { makeTempDir } from '../helpers/temp.js';

let redis: TestRedis;
let worker: TestWorker;
const COORDINATOR_KEY = 'sk-planted-coordinator-0123456789abcdef';
const WORKER_KEY = 'sk-planted-worker-fedcba9876543210xyz';
const COORDINATOR_ONLY = 'coordinator-environment-marker-42';

beforeAll(async () => {
  redis = await startRedis();
  worker = await startWorker(redis.url, { name: 'keyholder', concurrency: 1, env: { PLANTED_API_KEY: WORKER_KEY } });
});

afterAll(async () => {
  await worker?.stop();
  await redis?.stop(true);
});

// Every value in the database, as text: strings, hashes, lists, sets, sorted sets and streams.
async function dumpDatabase(url: string): Promise<string> {
  const client = new Redis(url);
  try {
    const parts: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await client.type(key);
        const value =
          type === 'string' ? await client.getBuffer(key).then((buffer) => buffer?.toString('latin1'))
          : type === 'hash' ? await client.hgetall(key)
          : type === 'list' ? await client.lrange(key, 0, -1)
          : type === 'set' ? await client.smembers(key)
          : type === 'zset' ? await client.zrange(key, 0, -1)
          : type === 'stream' ? await client.xrange(key, '-', '+')
          : null;
        parts.push(`${key} ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
    return parts.join('\n');
  } finally {
    client.disconnect();
  }
}

describe('secrets and the queue', () => {
  it('a planted API key is never in Redis, nor the coordinator\'s environment', async () => {
    const cwd = makeTempDir();
    // The provider's key variable makes PLANTED_API_KEY a secret on both sides (the worker's config has it too).
    const config = { providers: { local: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: 'PLANTED_API_KEY' } }, defaultAgent: 'sh' };
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify(config));
    writeFileSync(join(worker.home, '.jobrc.json'), JSON.stringify(config));
    const env = { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs'), JOBLINE_QUEUE_URL: redis.url, PLANTED_API_KEY: COORDINATOR_KEY, COORDINATOR_ONLY_VARIABLE: COORDINATOR_ONLY, ...FAST_QUEUE_ENV };
    const result = await runCli(['run', '-y', '--json', 'echo "key: $PLANTED_API_KEY"; echo "coordinator: $COORDINATOR_ONLY_VARIABLE"; env | sort'], { cwd, env });
    expect(result.code, result.stderr).toBe(0);
    const output = (JSON.parse(result.stdout) as { phases: Array<{ output: string }> }).phases[0]!.output;
    expect(output).toContain('key: ***');
    expect(output).toContain('coordinator: \n');
    const dump = await dumpDatabase(redis.url);
    expect(dump).toContain('key: ***'); // the run's stream was read
    for (const secret of [COORDINATOR_KEY, WORKER_KEY, COORDINATOR_ONLY, COORDINATOR_KEY.slice(10, 30), WORKER_KEY.slice(10, 30)]) expect(dump).not.toContain(secret);
  }, 60_000);
});
