// An LLM agent's run on a worker on another machine (BullMQ on a real redis-server; a real HTTP
// model server on 127.0.0.1 in the OpenAI format): the worker calls the model with its own key,
// its tools work in the worker's folder, and the run's progress (model calls, rounds) and
// activity (tool calls) reach the coordinator's job and output.log.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FakeModelServer } from '../helpers/fake-model-servers.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { FAST_QUEUE_ENV, startWorker, type TestWorker } from '../helpers/queue.js';
import { makeTempDir } from '../helpers/temp.js';

let redis: TestRedis;
let worker: TestWorker;
let model: FakeModelServer;
const WORKER_KEY = 'sk-worker-own-key-0123456789';

beforeAll(async () => {
  redis = await startRedis();
  model = await FakeModelServer.start('openai', [
    { text: 'Reading the notes.', toolCalls: [{ name: 'read_file', args: { path: 'notes.txt' } }] },
    { text: 'The notes say: ship it.' },
  ]);
  worker = await startWorker(redis.url, { name: 'thinker', concurrency: 1, env: { MODEL_KEY: WORKER_KEY } });
  writeFileSync(join(worker.workdir, 'notes.txt'), 'ship it\n');
});

afterAll(async () => {
  await worker?.stop();
  await model?.close();
  await redis?.stop(true);
});

describe('an LLM agent on a worker', () => {
  it('calls the model with the worker\'s own key, works in the worker\'s folder, and its progress and activity reach the coordinator', async () => {
    const cwd = makeTempDir();
    const config = {
      providers: { local: { type: 'openai-compatible', baseURL: model.baseURL, model: 'm', apiKeyEnv: 'MODEL_KEY' } },
      agents: { reader: { type: 'llm', provider: 'local', phases: [{ name: 'read', maxRounds: 5, instructions: 'Read the notes.', tools: ['read_file'] }] } },
    };
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify(config));
    const jobsDir = join(makeTempDir(), 'jobs');
    // The coordinator has no key of its own: the worker calls the model.
    const env = { JOBLINE_JOBS_DIR: jobsDir, JOBLINE_QUEUE_URL: redis.url, MODEL_KEY: '', ...FAST_QUEUE_ENV };
    const result = await runCli(['run', '-y', '--json', '--agent', 'reader', 'what do the notes say?'], { cwd, env });
    expect(result.code, result.stderr).toBe(0);
    const job = JSON.parse(result.stdout) as { id: string; status: string; progress: { llmCalls: number; toolCalls: number; round: number }; phases: Array<{ output: string }> };
    expect(job.phases[0]!.output).toContain('ship it');
    expect(job.progress.llmCalls).toBe(2);
    expect(job.progress.toolCalls).toBe(1);
    expect(model.requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${WORKER_KEY}`, `Bearer ${WORKER_KEY}`]);
    const log = readFileSync(join(jobsDir, job.id, 'output.log'), 'utf8');
    expect(log).toContain('🔧 read_file(path="notes.txt")\nThe notes say: ship it.\n');
    expect(log).not.toContain(WORKER_KEY);
  }, 60_000);
});
