// Tasks and runs: a phase holds tasks (work items), and each attempt at a task is a run. Pure
// types and constructors; how they change is in task-transitions.ts. The task states are the
// work-item states of the parallel-execution design (../shared/designs/, README).
import type { TokenUsage } from './usage.js';

/** Every task status: waiting (`todo`), taken by a worker (`claimed`), and the three ends. */
export const TASK_STATUSES = ['todo', 'claimed', 'done', 'failed', 'cancelled'] as const;

/** Status of one task. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * One work item of a phase. `id` is unique in its job (`t1`, `t2`, …). `dependsOn` lists task ids
 * that must be `done` first; `claims` lists path globs (picomatch syntax, relative to the job's
 * folder) the task may modify: two tasks whose claims overlap never run at once.
 */
export interface Task {
  id: string;
  /** Index into the job's `phases` of the phase the task belongs to. */
  phase: number;
  title: string;
  /** What the task is to do (for a phase's only task: the job's prompt). */
  input: string;
  status: TaskStatus;
  dependsOn: string[];
  claims: string[];
  /** Runs started so far (retries and resumes count). */
  attempts: number;
  /** A short summary of the last run's result (its answer or the end of its output), or null. */
  result: string | null;
  /** Workspace paths the last successful run changed (from its git snapshot; empty when unknown). */
  filesModified: string[];
  /**
   * True for a task an agent planned (see planNextPhase): its run gets the job's prompt, with the
   * task as its TaskContext; any other task's input is its prompt (a batch line, the job's own).
   */
  isPlanned?: boolean;
}

/**
 * How a run stands. Each variant carries its own fields, as pueue's TaskStatus does: only a
 * finished run has an end time, only a failed one an error. Times are ISO-8601 UTC.
 * `interrupted`: jobline exited or died during the run; `cancelled`: the user stopped it.
 */
export type RunState =
  | { status: 'running' }
  | { status: 'succeeded'; endedAt: string }
  | { status: 'failed'; endedAt: string; error: string }
  | { status: 'cancelled'; endedAt: string }
  | { status: 'interrupted'; endedAt: string; reason: string };

/**
 * One attempt at a task. `id` is unique in its job (`r1`, `r2`, …); `attempt` counts the task's
 * runs from 1. `worker` names what ran it (see formatWorkerName). `output` says where its output
 * is: the section of the job's output.log that opens with the header `phase 2/5 plan · attempt 1`.
 */
export interface Run {
  id: string;
  taskId: string;
  attempt: number;
  worker: string;
  startedAt: string;
  state: RunState;
  output: { file: string; section: string };
  /** Workspace paths the run wrote (an LLM task's write_file and edit_file calls), when known. */
  filesModified?: string[];
  /**
   * An external worker's run: the SHA-256 (hex) of the claim token its claim returned, which its
   * task's end (and its worker's heartbeat) must show. Only the hash is kept: a leaked
   * tasks.jsonl hands out no live token.
   */
  tokenHash?: string;
  /** Tokens (and cost) of the run's model calls, when its agent counts them. */
  usage?: TokenUsage;
  /**
   * A queued run no live worker can take: the labels it needs that no worker has all of (said
   * in /tasks as `waits for a worker with labels gpu`; none: no worker is connected). Cleared when
   * a worker takes it.
   */
  waitingFor?: string[];
}

/** Counts of a job's tasks by how they stand (kept in job.json, so listings need not read tasks). */
export interface TaskCounts {
  total: number;
  done: number;
  /** Claimed: a run is going. */
  running: number;
  failed: number;
  /** Cancelled: not run because the job was cancelled, or a task it needed failed. */
  notRun: number;
}

/** Counts `tasks` by status. */
export function countTasks(tasks: readonly Task[]): TaskCounts {
  const counts: TaskCounts = { total: tasks.length, done: 0, running: 0, failed: 0, notRun: 0 };
  for (const task of tasks) {
    if (task.status === 'done') counts.done++;
    else if (task.status === 'claimed') counts.running++;
    else if (task.status === 'failed') counts.failed++;
    else if (task.status === 'cancelled') counts.notRun++;
  }
  return counts;
}

/** A job's tasks and runs, each in creation order. */
export interface TaskBoard {
  tasks: Task[];
  runs: Run[];
}

/**
 * One changed task or run, as appended to a job's tasks.jsonl: the whole record, and `seq`, the
 * job's eventSeq once the change was made (a record whose seq is beyond job.json's eventSeq
 * belongs to a write that never completed, and is ignored). `removed`: the task left the board
 * (a planned phase's placeholder, replaced by the tasks the plan created; see planNextPhase).
 */
export type TaskRecord = { kind: 'task'; seq: number; task: Task; removed?: true } | { kind: 'run'; seq: number; run: Run };

/** The file a job's output goes to, in its folder. */
export const OUTPUT_FILE = 'output.log';

/** Names of the files runs of a phase of several tasks write, in the job's folder (`runs/r12.log`). */
export const RUN_OUTPUT_FILE_PATTERN = /^runs\/r\d{1,9}\.log$/;

/** The file run `runId` writes when it shares its phase with other tasks (see RUN_OUTPUT_FILE_PATTERN). */
export function formatRunOutputFile(runId: string): string {
  return `runs/${runId}.log`;
}

/**
 * The name of a job's worker `index` running agent `agent`: `<agent>[<first 4 characters of the
 * id's suffix>-<index>]`, e.g. `build[ab12-0]` for job-ab12cd34 (the parallel-agents design's
 * naming of job workers).
 */
export function formatWorkerName(agent: string, jobId: string, index: number): string {
  return `${agent}[${jobId.replace(/^job-/, '').slice(0, 4)}-${index}]`;
}

/** The header text, without its time, that opens a phase attempt's section of output.log. */
export function formatRunSection(phaseIndex: number, phaseCount: number, phaseName: string, attempt: number): string {
  return `phase ${phaseIndex + 1}/${phaseCount} ${phaseName} · attempt ${attempt}`;
}

/** Matches a phase header line of output.log (see formatPhaseHeader). */
export const PHASE_HEADER_PATTERN = /^── phase \d+\/\d+ .* ──$/;

/**
 * The line that opens each phase attempt in output.log, e.g.
 * `── phase 2/5 plan · attempt 1 · 2026-12-01 17:45:02 UTC ──` (`index` counts from 0).
 */
export function formatPhaseHeader(phase: { index: number; count: number; name: string; attempt: number }, now: Date): string {
  const time = `${now.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return `── ${formatRunSection(phase.index, phase.count, phase.name, phase.attempt)} · ${time} ──`;
}

/** A task an agent lists for a phase: its title, its input (a command agent's: its command line), and by title the tasks of the same phase it waits for. */
export interface TaskPlan {
  title: string;
  input: string;
  dependsOn: readonly string[];
  claims: readonly string[];
}

/**
 * A new job's tasks: for each phase, the tasks its agent lists (`plans[i]`, dependencies turned
 * from titles into ids), or else one task holding the prompt. Ids run `t1`, `t2`, … across phases.
 */
export function createJobTasks(phaseNames: readonly string[], prompt: string, plans: ReadonlyArray<readonly TaskPlan[] | undefined> = []): Task[] {
  const tasks: Task[] = [];
  phaseNames.forEach((name, phase) => {
    const listed = plans[phase];
    if (!listed || listed.length === 0) {
      tasks.push({ id: `t${tasks.length + 1}`, phase, title: name, input: prompt, status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] });
      return;
    }
    const idOf = new Map(listed.map((plan, index) => [plan.title, `t${tasks.length + index + 1}`]));
    for (const plan of listed) {
      tasks.push({ id: idOf.get(plan.title)!, phase, title: plan.title, input: plan.input, status: 'todo', dependsOn: plan.dependsOn.flatMap((title) => idOf.get(title) ?? []), claims: [...plan.claims], attempts: 0, result: null, filesModified: [] });
    }
  });
  return tasks;
}

/**
 * The tasks of a batch: in each phase of `phaseNames`, one task per input (`t1`, `t2`, … across
 * phases, in order), titled and fed with its input. A phase starts once the previous one ended.
 */
export function createInputTasks(phaseNames: readonly string[], inputs: readonly string[]): Task[] {
  const tasks: Task[] = [];
  phaseNames.forEach((_name, phase) => {
    for (const input of inputs) {
      tasks.push({ id: `t${tasks.length + 1}`, phase, title: input, input, status: 'todo', dependsOn: [], claims: [], attempts: 0, result: null, filesModified: [] });
    }
  });
  return tasks;
}

/** The tasks of a new job: one per phase (`t1` for the first), whose input is the job's prompt. */
export function createPhaseTasks(phaseNames: readonly string[], prompt: string): Task[] {
  return phaseNames.map((name, index) => ({
    id: `t${index + 1}`,
    phase: index,
    title: name,
    input: prompt,
    status: 'todo',
    dependsOn: [],
    claims: [],
    attempts: 0,
    result: null,
    filesModified: [],
  }));
}

/** Returns true for a task that will not run again unless the job is resumed or retried. */
export function isTaskEnded(task: Task): boolean {
  return task.status === 'done' || task.status === 'failed' || task.status === 'cancelled';
}

/**
 * The task of `tasks` that `reference` names: its id (`t3`), its title, or a prefix of one title
 * only (case-insensitive). Returns the task, or the candidates (none, or several).
 */
export function findTaskByReference(tasks: readonly Task[], reference: string): { task: Task } | { candidates: Task[] } {
  const wanted = reference.trim().toLowerCase();
  const exact = tasks.find((task) => task.id === wanted) ?? tasks.find((task) => task.title.toLowerCase() === wanted);
  if (exact) return { task: exact };
  const candidates = wanted === '' ? [] : tasks.filter((task) => task.title.toLowerCase().startsWith(wanted));
  return candidates.length === 1 ? { task: candidates[0]! } : { candidates };
}
