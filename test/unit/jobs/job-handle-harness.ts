// A JobHandle as the manager makes and drives it, for the fast tests of job-handle*.test.ts: a
// job on a real writer over an in-memory repository, a reporter that records what it hears, and
// run handles that record what the job tells them of its tokens.
import type { AgentSpec, LlmAgentSpec } from '../../../src/agents/agent.js';
import { createJob, type Job, type JobBudget, type TokenUsage } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import { createJobTasks, type Task, type TaskPlan } from '../../../src/jobs/model/task.js';
import type { RunHandle } from '../../../src/jobs/ports/executor.js';
import { JobHandle, type JobReporter } from '../../../src/jobs/service/job-handle.js';
import { JobWriter } from '../../../src/jobs/service/job-writer.js';
import { getCurrentOwner } from '../../../src/jobs/process/owner.js';
import { InMemoryRepository } from '../../helpers/fakes.js';
import { commandAgent } from '../../helpers/jobs.js';

/** The handle's clock: every change happens at this instant. */
export const NOW = '2026-12-06T12:00:00.000Z';

/** What the handle reported, in order, as the manager's listeners would hear it. */
export interface Heard {
  outputs: Array<{ lines: string[]; lineCount: number; taskId: string | undefined }>;
  activities: Array<{ icon: string; text: string; taskId: string | undefined }>;
  texts: Array<{ text: string; taskId: string | undefined }>;
  progress: Job[];
  events: string[];
}

/** A reporter that records what it hears (see Heard). */
export function makeReporter(): { reporter: JobReporter; heard: Heard } {
  const heard: Heard = { outputs: [], activities: [], texts: [], progress: [], events: [] };
  const reporter: JobReporter = {
    changed: () => {},
    event: (_job: Job, event: JobEvent) => void heard.events.push(event.type),
    output: (_job, lines, lineCount, taskId) => void heard.outputs.push({ lines, lineCount, taskId }),
    activity: (_job, icon, text, taskId) => void heard.activities.push({ icon, text, taskId }),
    text: (_job, text, taskId) => void heard.texts.push({ text, taskId }),
    progress: (job) => void heard.progress.push(job),
    warning: () => {},
  };
  return { reporter, heard };
}

/** A run handle that records what the job tells it of its tokens and budget. */
export class HeardRun implements RunHandle {
  readonly outcome = new Promise<never>(() => {});
  readonly told: Array<{ others: TokenUsage; budget: JobBudget | null }> = [];
  cancel(): void {}
  kill(): void {}
  updateUsage(others: TokenUsage, budget: JobBudget | null): void {
    this.told.push({ others, budget });
  }
}

/** A test job: its agent (default: a command agent of its phases), folder, board, and fields set over a new job's. */
export interface HandleOptions {
  agent?: AgentSpec;
  cwd?: string;
  tasks?: Task[];
  phaseNames?: string[];
  job?: Partial<Job>;
  /** Changes the new job further (its phases' states, say) before the handle takes it. */
  shape?: (job: Job) => Job;
}

// The writers of the handles made during the current test (see settleWriters).
const writers: JobWriter[] = [];

/**
 * Drops the progress and checkpoint writes the current test's handles scheduled, and waits for
 * their writes: nothing of a test runs after it (Stryker counts code run outside any test as static).
 * Each test file calls it after each test.
 */
export async function settleWriters(): Promise<void> {
  for (const writer of writers.splice(0)) await writer.settle();
}

/** A job of `phaseNames` (queued, saved) under a handle on a real writer; its board `tasks` (default: one per phase). */
export function makeHandle(options: HandleOptions = {}) {
  const phaseNames = options.phaseNames ?? ['a', 'b'];
  const agent = options.agent ?? commandAgent('two', Object.fromEntries(phaseNames.map((name) => [name, 'true'])));
  const made = { ...createJob({ id: 'job-handle01', agent: agent.name, description: 'the prompt', mode: 'background', phaseNames, owner: getCurrentOwner(), now: NOW, workers: 4 }), ...options.job };
  const job = options.shape ? options.shape(made) : made;
  const store = new InMemoryRepository();
  store.writeSync(job);
  const writer = new JobWriter(store, 60_000, { writeFailed: () => {}, recovered: () => {} });
  writers.push(writer);
  const { reporter, heard } = makeReporter();
  const tasks = options.tasks ?? createJobTasks(phaseNames, job.description);
  const handle = new JobHandle(job, { board: { tasks, runs: [] }, isRecorded: false }, agent, options.cwd ?? '/project', writer, reporter, () => NOW, true);
  return { handle, heard, store };
}

/** Starts the job's first phase with `taskIds` claimed (workers 0, 1, …), each with a run of this process. */
export async function startRuns(handle: JobHandle, taskIds: string[]): Promise<Map<string, HeardRun>> {
  const [first, ...others] = taskIds;
  await handle.commit([{ type: 'start' }, { type: 'startPhase', taskId: first!, worker: 0 }, ...others.map((taskId, index) => ({ type: 'startTask' as const, taskId, worker: index + 1 }))]);
  const runs = new Map<string, HeardRun>();
  for (const taskId of taskIds) {
    handle.reserveWorker(taskId);
    const run = new HeardRun();
    handle.runs.get(taskId)!.handle = run;
    handle.buildRequest(taskId, '/logs/output.log');
    runs.set(taskId, run);
  }
  return runs;
}

/** `count` tasks an agent planned for a phase, each claiming `claims`. */
export const plans = (count: number, claims: string[] = []): TaskPlan[] => Array.from({ length: count }, (_, index) => ({ title: `part ${index + 1}`, input: `do part ${index + 1}`, dependsOn: [], claims }));

/** An LLM agent working in `workspace` (its phases `phaseNames`); it never reaches a model here. */
export function llmAgentIn(workspace: string, phaseNames: string[] = ['a', 'b'], extra: Partial<LlmAgentSpec> = {}): LlmAgentSpec {
  return {
    type: 'llm', name: 'writer', summary: 'writer', model: 'm1', workspace, allowCommands: [], secretEnvNames: [],
    provider: { name: 'p', type: 'openai-compatible', baseURL: 'http://127.0.0.1:9', apiKeyEnv: null },
    phases: phaseNames.map((name) => ({ name, maxRounds: 5, instructions: `do ${name}`, tools: [] })),
    ...extra,
  };
}
