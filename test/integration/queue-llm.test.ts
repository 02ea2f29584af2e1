// An LLM agent's run on a worker on another machine (BullMQ on a real redis-server; a real HTTP
// model server on 127.0.0.1 in the OpenAI format): the worker calls the model with its own key,
// its tools work in the worker's folder, and the run's progress (model calls, rounds) and
// activity (tool calls) reach the coordinator's job and output.log; a budget stops the remote run
// before its next model call, and approving the raise lets it go on.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
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

describe('a budget on a worker\'s LLM run', () => {
  it('stops the job before the run\'s next model call, and approving the raise lets the run go on there', async () => {
    // 120 tokens a call: the second call reaches the budget of 200 (240 used), and the third waits for
    // the raise (by half the budget past what was used: 340).
    const budgeted = await FakeModelServer.start('openai', [
      { toolCalls: [{ name: 'read_file', args: { path: 'notes.txt' } }] },
      { toolCalls: [{ name: 'read_file', args: { path: 'notes.txt' } }] },
      { text: 'Read twice: ship it.' },
    ]);
    try {
      const cwd = makeTempDir();
      writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({
        providers: { local: { type: 'openai-compatible', baseURL: budgeted.baseURL, model: 'm', apiKeyEnv: 'MODEL_KEY' } },
        agents: { reader: { type: 'llm', provider: 'local', phases: [{ name: 'read', maxRounds: 5, instructions: 'Read the notes.', tools: ['read_file'] }] } },
      }));
      const env = { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs'), JOBLINE_QUEUE_URL: redis.url, MODEL_KEY: '', ...FAST_QUEUE_ENV };
      const run = startCli(['run', '-y', '--json', '--agent', 'reader', '--budget-tokens', '200', 'read the notes'], { cwd, env });
      const stopped = async (): Promise<{ id: string; status: string; budgetStop?: { reason: string } | null } | undefined> => {
        const listed = JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as Array<{ id: string; status: string; budgetStop?: { reason: string } | null }>;
        return listed.find((job) => job.status === 'awaiting_approval');
      };
      let waiting: Awaited<ReturnType<typeof stopped>>;
      await waitFor(async () => (waiting = await stopped()) !== undefined, 'the job to stop at its budget');
      expect(waiting!.budgetStop?.reason).toMatch(/budget reached/);
      // The run waits on the worker: no third call until the raise.
      expect(budgeted.calls).toHaveLength(2);
      const approved = await runCli(['approve', waiting!.id], { cwd, env });
      expect(approved.code, approved.stderr).toBe(0);
      const result = await run.result;
      expect(result.code, result.stderr).toBe(0);
      const job = JSON.parse(result.stdout) as { status: string; budget: { tokens: number }; progress: { llmCalls: number }; phases: Array<{ output: string }> };
      expect(job.status).toBe('completed');
      expect(job.budget.tokens).toBe(340);
      expect(job.progress.llmCalls).toBe(3);
      expect(job.phases[0]!.output).toBe('Read twice: ship it.');
    } finally {
      await budgeted.close();
    }
  }, 60_000);
});
