// Building jobs and managers for tests with real stores in temp folders.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentSpec } from '../../src/agents/agent.js';
import { createJob, type Job } from '../../src/jobs/model/job.js';
import { JobManager, type JobManagerOptions } from '../../src/jobs/service/manager.js';
import { JobStore } from '../../src/store/job-store.js';
import { ThreadExecutor } from '../../src/jobs/runtime/thread-executor.js';
import { getCurrentOwner } from '../../src/jobs/process/owner.js';
import { makeTempDir } from './temp.js';

/** A fixed instant for pure tests. */
export const FIXED_NOW = '2026-11-22T10:00:00.000Z';

/** A queued job with the given phases, owned by this process, created at FIXED_NOW. */
export function makeJob(overrides: Partial<Job> = {}, phaseNames: string[] = ['analyze', 'plan', 'implement']): Job {
  return { ...createJob({ id: 'job-abcd1234', agent: 'build', description: 'add auth', mode: 'interactive', phaseNames, owner: getCurrentOwner(), now: FIXED_NOW }), ...overrides };
}

/** A command agent whose phases run the given shell lines. */
export function commandAgent(name: string, phases: Record<string, string>): AgentSpec {
  return { type: 'command', name, summary: name, phases: Object.entries(phases).map(([phase, run]) => ({ name: phase, run })) };
}

/** Settings of a test manager: the manager's, and its worker threads' (see ThreadExecutor). */
export type TestManagerOptions = Partial<JobManagerOptions<JobStore>> & { workerHeapMb?: number; spareWorkers?: number };

/** A manager on a fresh store, running jobs on worker threads, with test-friendly defaults; remember to `shutdown()` it. */
export function makeManager(options: TestManagerOptions = {}): JobManager<JobStore> {
  const { workerHeapMb = 256, spareWorkers = 1, ...managerOptions } = options;
  const store = options.store ?? JobStore.open(makeTempDir('jobline-jobs-'));
  const maxConcurrentJobs = options.maxConcurrentJobs ?? 3;
  return new JobManager({
    store,
    executor: new ThreadExecutor({ workerHeapMb, spareWorkers, maxIdleWorkers: maxConcurrentJobs + spareWorkers }),
    maxConcurrentJobs,
    whenBusy: 'queue',
    maxUnfinishedJobs: 10,
    keepTempFiles: true,
    cancelGraceMs: 2000,
    progressFlushMs: 50,
    ...managerOptions,
  });
}

/** An owner record of a process that has exited (on this host): a jobline that was SIGKILLed. */
export function deadOwner(): Job['owner'] {
  return { ...getCurrentOwner(), pid: spawnSync('true').pid! };
}

/** The text of an output.log without its phase header lines (see formatPhaseHeader). */
export function withoutPhaseHeaders(log: string): string {
  return log.split('\n').filter((line) => !/^── phase \d+\/\d+ .* ──$/.test(line)).join('\n');
}

/**
 * Runs `count` jobs of the `sh` agent running `prompt`, one at a time, in a folder holding
 * euro.txt: 100,000 three-byte characters, more than several 64 KiB pipe reads, so some read
 * ends inside a character. Returns the file's text and each job's status and output.log (without
 * phase headers).
 */
export async function runMultiByteJobs(count: number, prompt: string): Promise<{ text: string; results: { status: string; output: string }[] }> {
  const cwd = makeTempDir();
  const text = `${'€'.repeat(100_000)}\n`;
  writeFileSync(join(cwd, 'euro.txt'), text);
  const manager = makeManager({ maxConcurrentJobs: 1 });
  const agent = commandAgent('sh', { run: 'eval "$JOB_PROMPT"' });
  try {
    const jobs = [];
    for (let i = 0; i < count; i++) jobs.push((await manager.submit({ agent, prompt, mode: 'background', cwd })).job);
    await manager.whenIdle();
    return { text, results: jobs.map((job) => ({ status: manager.get(job.id).status, output: withoutPhaseHeaders(readFileSync(JobStore.open(manager.store.dir).pathsOf(job.id).output, 'utf8')) })) };
  } finally {
    await manager.shutdown();
  }
}
