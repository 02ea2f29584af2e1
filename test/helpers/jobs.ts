// Building jobs and managers for tests with real stores in temp folders.
import { spawnSync } from 'node:child_process';
import type { AgentSpec } from '../../src/agents/agent.js';
import { createJob, type Job } from '../../src/jobs/model/job.js';
import { JobManager, type JobManagerOptions } from '../../src/jobs/service/manager.js';
import { JobStore } from '../../src/store/job-store.js';
import { getCurrentOwner } from '../../src/store/owner.js';
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

/** A manager on a fresh store, with test-friendly defaults; remember to `shutdown()` it. */
export function makeManager(options: Partial<JobManagerOptions> = {}): JobManager {
  const store = options.store ?? JobStore.open(makeTempDir('jobline-jobs-'));
  return new JobManager({
    store,
    maxConcurrentJobs: 3,
    whenBusy: 'queue',
    maxUnfinishedJobs: 10,
    keepTempFiles: true,
    cancelGraceMs: 2000,
    workerHeapMb: 256,
    progressFlushMs: 50,
    ...options,
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
