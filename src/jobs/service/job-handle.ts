// One job as the manager holds it in memory: its state (a JobLedger: the commit path), and what
// runs it: its runs, the requests they get, what they report (output, counters, tokens against
// its budget), and the workspace each phase attempt starts from.
import { isAbsolute, join, relative } from 'node:path';
import type { AgentSpec, PhaseOutputRecord, RunRouting } from '../../agents/agent.js';
import { RESOLVE_PHASE, createResolvePhase } from './resolve-phase.js';
import { taskWorktreeOf, type Job, type JobProgress, type TokenUsage } from '../model/job.js';
import { NO_USAGE, addUsage, findReachedLimits, subtractUsage } from '../model/usage.js';
import type { Run, Task, TaskBoard } from '../model/task.js';
import { countPhase, findOpenRun, findTask, indexOf, isSharedPhase } from '../model/task-board.js';
import { transitionJob } from '../model/transitions.js';
import { PhaseWorkspace, type PreparedPhase } from './phase-workspace.js';
import { countRunProgress, describePreviousOutputs, describeTaskContext } from './run-context.js';
import type { RunHandle } from '../ports/executor.js';
import type { PhaseRequest } from '../ports/executor.js';
import { JobLedger } from './job-ledger.js';

/** Where a job's handle reports what it commits (defined with the ledger; re-exported for the job service's callers). */
export type { JobReporter } from './job-ledger.js';

/**
 * One task of the job being run: its worker index, its run once the executor has it, and its
 * counters as it last reported them (from the job's when it started: runs side by side each
 * count on from the same start, so the job adds what each reports anew, not what it says).
 */
export interface ActiveRun {
  worker: number;
  handle: RunHandle | null;
  reported?: JobProgress;
  /** The job's tokens when it started (what it adds counts from them). */
  started?: TokenUsage;
  /** Characters of model text it streamed (see recordText). */
  written?: number;
  /** Its outcome, held while the job is stopped at its budget (see holdOutcome). */
  heldOutcome?: () => void;
}

/**
 * Tasks of a plan's phase past which it is not diffed: a phase of 1,000 tasks in a git project
 * would start several git processes per task. A batch's lines never are; a plan's few tasks are.
 */
export const MAX_RECORDED_TASKS = 64;

/** What a job's lastEvent starts with while its model streams an answer (`/jobs` shows it). */
export const WRITING = '✍ writing';

/**
 * The in-memory side of one job. Only the manager creates and drives these: its state and the way
 * it changes are its JobLedger's; this adds what runs it (its runs, their requests and reports).
 */
export class JobHandle extends JobLedger {
  /** The runs going on, by task id (at most the job's workers). */
  readonly runs = new Map<string, ActiveRun>();
  /**
   * The making of the job's worktree and its setup, once under way (see worktree-jobs.ts): every
   * run of the job waits for it. Resolves with why it failed, or null.
   */
  preparing: Promise<string | null> | null = null;
  /** Runs of the job that are not a task's (its worktree's setup command): cancel and kill reach them too. */
  readonly otherRuns = new Set<RunHandle>();
  /** Feedback for a task's next run, by task id (a task worktree's merge conflict: said to the run that tries again). */
  readonly taskFeedback = new Map<string, string>();
  /**
   * The merges of its tasks' own worktrees, one after the other: each outcome is decided (and
   * applied) once the one before it was, so the last task of a phase knows it is the last.
   */
  taskLandings: Promise<unknown> = Promise.resolve();
  /** Earlier phases' outputs as described for the current phase's runs (see previousOutputs). */
  private describedOutputs: { phase: number; outputs: PhaseOutputRecord[] } | null = null;

  /**
   * Records output lines from the run of task `taskId`: the last becomes `lastEvent`; all are
   * reported, marked with the task when its phase runs several side by side.
   */
  recordOutput(lines: string[], lineCount: number, taskId?: string): void {
    const last = lines.at(-1);
    if (last !== undefined) this.recordProgress({ lastEvent: last });
    this.reporter.output(this.pending.job, lines, lineCount, this.sharedTaskOf(taskId));
  }

  /**
   * Records an agent's notable step (of task `taskId`'s run): it becomes lastEvent and is
   * reported, marked with the task when its phase runs several side by side.
   */
  recordActivity(icon: string, text: string, taskId?: string): void {
    this.recordProgress({ lastEvent: text });
    this.reporter.activity(this.pending.job, icon, text, this.sharedTaskOf(taskId));
  }

  /**
   * Records a model's answer as it streams (of task `taskId`'s run): the job is `writing` (its
   * lastEvent says so, with what it wrote so far), and the text is reported.
   */
  recordText(text: string, taskId?: string): void {
    const run = taskId === undefined ? undefined : this.runs.get(taskId);
    const written = (run?.written ?? 0) + text.length;
    if (run) run.written = written;
    // split gives at least one string (an empty text: '').
    const tail = text.trim().split('\n').at(-1)!;
    this.recordProgress({ lastEvent: `${WRITING} (${written} characters)${tail ? `: ${tail.length > 60 ? `…${tail.slice(-60)}` : tail}` : ''}` });
    this.reporter.text(this.pending.job, text, this.sharedTaskOf(taskId));
  }

  // `taskId` when its phase runs several tasks (output and activity are marked with it), else undefined.
  private sharedTaskOf(taskId: string | undefined): string | undefined {
    const task = taskId === undefined ? undefined : findTask(this.pending.board, taskId);
    return task !== undefined && isSharedPhase(this.pending.board, task.phase) ? taskId : undefined;
  }

  /**
   * Records counter changes while running (live telemetry: never acknowledged to anyone, so it is
   * not a commit): applied to the pending state by the state machine, reported at once, and
   * written coalesced, with the next change or within the flush interval (see scheduleProgress).
   * A run of task `taskId` reports its counters as it counts them from the job's at its start:
   * what it added since its last report is added to the job's (and tokens to its phase's), so runs
   * side by side all count. The other runs hear of the job's new tokens (budget-gate.ts).
   */
  recordProgress(progress: Partial<JobProgress>, taskId?: string): void {
    if (this.pending.job.status !== 'running') return;
    const run = taskId === undefined ? undefined : this.runs.get(taskId);
    const counted = run?.reported ? countRunProgress(this.pending.job, run.reported, progress) : { progress, phaseUsage: undefined, reported: undefined };
    if (run && counted.reported) run.reported = counted.reported;
    const { progress: update, phaseUsage } = counted;
    this.pending = { ...this.pending, job: transitionJob(this.pending.job, { type: 'reportProgress', progress: update, ...(phaseUsage ? { phaseUsage } : {}) }, this.now()).job };
    this.writer.scheduleProgress(this.id, () => this.pending.job);
    this.reporter.progress(this.pending.job);
    if (progress.usage) this.shareUsage(taskId);
  }

  // Tells the job's runs (but `except`'s) the job's tokens outside each and its budget.
  private shareUsage(except?: string): void {
    const job = this.pending.job;
    if (!job.budget) return;
    for (const [taskId, run] of this.runs) {
      if (taskId === except || !run.handle || !run.reported) continue;
      // The job's tokens less what this run added since it started.
      const own = subtractUsage(run.reported.usage, run.started);
      run.handle.updateUsage(subtractUsage(job.progress.usage, own), job.budget ?? null);
    }
  }

  /**
   * A run of this job reached its budget, with the job's tokens at `usage`: the job stops for
   * approval (once; a run that heard of a raise late is told the budget again instead).
   */
  async stopForBudget(usage: TokenUsage): Promise<void> {
    const job = this.pending.job;
    if (job.status !== 'running' || job.budgetStop || findReachedLimits(usage, job.budget).length === 0) {
      this.shareUsage();
      return;
    }
    await this.commit([{ type: 'stopForBudget', usage: addUsage(usage, NO_USAGE) }]);
  }

  /**
   * Holds the outcome of task `taskId`'s run while the job is stopped at its budget (its write
   * would find the job not running): `record` runs once the stop is answered.
   */
  holdOutcome(taskId: string, record: () => void): void {
    const run = this.runs.get(taskId);
    if (run) run.heldOutcome = record;
    else record();
  }

  // After a change landed: the runs hear the budget (a raise lets them go on), and outcomes held
  // during a budget stop are recorded once it is answered.
  protected override afterLanded(job: Job): void {
    this.shareUsage();
    if (job.budgetStop) return;
    for (const [taskId, run] of this.runs) {
      const record = run.heldOutcome;
      if (!record) continue;
      delete run.heldOutcome;
      this.runs.delete(taskId);
      record();
    }
  }

  /**
   * The workspace of task `taskId`'s phase attempt, prepared before its run starts (see
   * phase-workspace.ts): at once when there is nothing to prepare (a phase's only task, first
   * attempt: its run snapshots the files itself), else once for all the attempt's runs.
   * `jobsFolder`: left out of every snapshot and undo.
   */
  preparePhase(taskId: string, jobsFolder: string): PreparedPhase | Promise<PreparedPhase> {
    const job = this.pending.job;
    const task = findTask(this.pending.board, taskId);
    const index = task?.phase ?? job.currentPhase;
    const phase = job.phases[index];
    const isShared = isSharedPhase(this.pending.board, index);
    // A plan's tasks (planned, or claiming files) are diffed as one phase; a batch's lines are
    // not, nor the tasks of a phase each in a worktree of its own (the job's worktree diff shows
    // their work once merged).
    const isPlan = task !== undefined && (task.isPlanned === true || task.claims.length > 0);
    const isOwnWorktree = task !== undefined && isTaskWorktreeRun(job, this.pending.board, task);
    const isRetry = Boolean(job.pendingRetry) && this.agent.type === 'llm' && (phase?.attempts ?? 0) > 1;
    if (!phase || (isShared && (!isPlan || isOwnWorktree || countPhase(this.pending.board, index).total > MAX_RECORDED_TASKS))) return { baseline: null, previous: null, isRecorded: false };
    if (!isShared && !isRetry) return { baseline: phase.changes?.before ?? null, previous: null, isRecorded: true };
    // The phase's files are where its runs work: the job's worktree when it has one (given at a resume, perhaps).
    const folder = placeInWorktree(job, this.cwd, this.agent).cwd;
    if (this.workspace?.cwd !== folder) this.workspace = new PhaseWorkspace(folder, jobsFolder);
    return this.workspace.prepare(job, index, isShared, this.agent.type === 'llm', {
      recordUndone: (undone) => this.commit([{ type: 'recordUndone', undone }]),
      say: (icon, text) => this.recordActivity(icon, text),
      now: this.now,
    });
  }

  /** Prepares the job's phases' workspaces (see preparePhase), once it is asked to. */
  private workspace: PhaseWorkspace | null = null;

  /** Reserves the lowest worker index of this job not in use, for task `taskId` (see ActiveRun). */
  reserveWorker(taskId: string): number {
    const used = new Set([...this.runs.values()].map((run) => run.worker));
    let worker = 0;
    while (used.has(worker)) worker++;
    this.runs.set(taskId, { worker, handle: null });
    return worker;
  }

  /** Every run handle of the job (cancel and kill reach them all). */
  get runHandles(): RunHandle[] {
    return [...[...this.runs.values()].flatMap((run) => (run.handle ? [run.handle] : [])), ...this.otherRuns];
  }

  /**
   * Takes `job` (as another writer just committed it under the job's claim: a landing recorded
   * on the jobs folder) as this handle's job, when it is newer. Only for a job with
   * nothing of it running or on its way to disk here (an ended one).
   */
  adoptStoredJob(job: Job): void {
    if (job.eventSeq <= this.saved.state.job.eventSeq || this.runs.size > 0) return;
    // Its board is as it was: a landing changes no task.
    this.saved = { ...this.saved, state: { ...this.saved.state, job } };
    this.pending = { ...this.pending, job };
  }

  /**
   * Builds the worker request for the open run of task `taskId`: the task's input as the prompt,
   * its phase, the run's attempt; output goes to `outputLogPath`. Retry feedback comes from the
   * job's durable state (`pendingFeedback`), so it survives a restart.
   */
  buildRequest(taskId: string, outputLogPath: string, secretEnvNames: string[] = [], maxOutputBytes = Number.POSITIVE_INFINITY, prepared: PreparedPhase | null = null): PhaseRequest {
    const job = this.pending.job;
    const task = findTask(this.pending.board, taskId);
    const run = this.openRunOf(taskId);
    // A task the agent listed (a command agent's phase of tasks) runs its own command, with the
    // job's prompt; any other task's input is the prompt (a batch line, or the job's own).
    const ownWorktree = task && isTaskWorktreeRun(job, this.pending.board, task) ? taskWorktreeOf(job.worktree!, task.id).path : undefined;
    const place = placeInWorktree(job, this.cwd, this.agent, ownWorktree);
    const agentPhase = place.agent.phases[task?.phase ?? job.currentPhase];
    // Only a command agent's phases list tasks.
    const isListedTask = agentPhase !== undefined && 'tasks' in agentPhase;
    // An LLM or module agent's task of a phase of several (a plan's, a batch line's) gets the
    // task, its claims and its neighbours' claims as its TaskContext; a planned task gets the
    // job's prompt (its own input is in the context), any other its input (a batch line).
    const taskContext = task && this.agent.type !== 'command' ? describeTaskContext(this.pending.board, task) : null;
    const listed = isListedTask && task ? agentPhase.tasks.find((candidate) => candidate.name === task.title) : undefined;
    const routing = describeRouting(this.agent, listed?.routing);
    // A task run before, whose last run was interrupted: an executor that can follows that run.
    const previous = task && run && task.attempts > 1 ? findPreviousRun(this.pending.board, taskId, run.id) : undefined;
    // The run counts on from the job's counters now (see recordProgress).
    const active = this.runs.get(taskId);
    if (active) {
      active.reported = { ...job.progress };
      active.started = job.progress.usage;
    }
    return {
      jobId: job.id,
      ...(job.budget ? { budget: job.budget } : {}),
      ...(run ? { runId: run.id } : {}),
      ...(job.name ? { jobName: job.name } : {}),
      // describeRouting gives labels only when there are some.
      ...(routing.labels ? { labels: routing.labels } : {}),
      ...(routing.workspace ? { workspace: routing.workspace } : {}),
      ...(previous?.state.status === 'interrupted' ? { adoptRunId: previous.id } : {}),
      prompt: isListedTask || task?.isPlanned ? job.description : (task?.input ?? job.description),
      taskId,
      ...(isListedTask && task ? { command: task.input } : {}),
      ...(taskContext ? { task: taskContext } : {}),
      ...(prepared?.isRecorded === false ? { isWorkspaceRecorded: false } : {}),
      ...(prepared?.baseline ? { phaseBaseline: prepared.baseline } : {}),
      ...(prepared?.previous ? { previousAttempt: prepared.previous } : {}),
      agent: place.agent,
      ...(job.worktree ? { worktree: ownWorktree ?? job.worktree.path } : {}),
      phaseIndex: task?.phase ?? job.currentPhase,
      attempt: run?.attempt ?? job.phases[job.currentPhase]?.attempts ?? 1,
      feedback: (task ? this.taskFeedback.get(task.id) : undefined) ?? job.pendingFeedback,
      previousOutputs: this.previousOutputs(),
      cwd: place.cwd,
      progress: { ...job.progress },
      outputLogPath,
      secretEnvNames,
      maxOutputBytes,
    };
  }

  // Earlier phases do not change while a later one runs: described once per phase, not per task
  // (a second phase of 10,000 tasks after a first of 10,000 would otherwise cost O(n²)).
  private previousOutputs(): PhaseOutputRecord[] {
    const phase = this.pending.job.currentPhase;
    if (this.describedOutputs?.phase !== phase) this.describedOutputs = { phase, outputs: describePreviousOutputs(this.pending.job, this.pending.board) };
    return this.describedOutputs.outputs;
  }

  /** True when a run of this process holds task `taskId` (an external worker's claim is not one). */
  isRunningHere(taskId: string): boolean {
    return this.runs.has(taskId);
  }

  /**
   * Tasks whose open runs belong to workers from outside (no run of this process is going for
   * them): their claims hold the scheduler's tasks back. O(open runs).
   */
  externallyHeldTaskIds(): string[] {
    const held: string[] = [];
    for (const taskId of indexOf(this.pending.board).openRuns.keys()) if (!this.runs.has(taskId)) held.push(taskId);
    return held;
  }

  /** The open run of task `taskId`, if it has one. O(1) (see task-board.ts). */
  openRunOf(taskId: string): Run | undefined {
    return findOpenRun(this.pending.board, taskId);
  }
}

/**
 * Where job `job`'s runs work and with what agent: in its worktree when it has one (the folder it
 * was started in, and the LLM tools' workspace, mapped to the same place in the worktree), else
 * `cwd` as it is. The agent's phases follow the job's (a phase `resolve` added to resolve a merge
 * conflict is the agent's `resolve` phase, or for an LLM agent one made for it; see resolve-phase.ts).
 */
export function placeInWorktree(job: Job, cwd: string, agent: AgentSpec, taskWorktree?: string): { cwd: string; agent: AgentSpec } {
  const phases = alignPhases(job, agent);
  const worktree = job.worktree;
  if (!worktree) return { cwd, agent: phases };
  const root = taskWorktree ?? worktree.path;
  const mapped = (folder: string): string => {
    const inside = relative(worktree.repository, folder);
    // The repository itself ('') maps to join(root, ''), which is root.
    return inside.startsWith('..') || isAbsolute(inside) ? root : join(root, inside);
  };
  return { cwd: mapped(cwd), agent: phases.type === 'llm' ? { ...phases, workspace: mapped(phases.workspace) } : phases };
}

// Where a run may go through a queue: its agent's labels and those of its task (`listed`: a listed
// task's of a command agent's phase); `workspace: 'none'` from either.
function describeRouting(agent: AgentSpec, listed: RunRouting | undefined): RunRouting {
  const own = agent.type === 'external' ? undefined : agent.routing;
  const labels = [...new Set([...(own?.labels ?? []), ...(listed?.labels ?? [])])];
  const workspace = own?.workspace ?? listed?.workspace;
  return { ...(labels.length > 0 ? { labels } : {}), ...(workspace ? { workspace } : {}) };
}

// The run of task `taskId` before run `runId` (its latest earlier attempt). O(runs): only asked
// for a task that ran before.
function findPreviousRun(board: TaskBoard, taskId: string, runId: string): Run | undefined {
  let previous: Run | undefined;
  for (const run of board.runs) {
    if (run.id === runId) break;
    if (run.taskId === taskId) previous = run;
  }
  return previous;
}

/** True when task `task` of `job` runs in a worktree of its own (`task-worktree`, a phase of several tasks). */
export function isTaskWorktreeRun(job: Job, board: TaskBoard, task: Task): boolean {
  return job.worktree?.isolation === 'task-worktree' && isSharedPhase(board, task.phase);
}

// `agent` with its phases in the job's order, when they differ (a resolve phase appended).
function alignPhases(job: Job, agent: AgentSpec): AgentSpec {
  if (job.phases.length === agent.phases.length && job.phases.every((phase, index) => agent.phases[index]!.name === phase.name)) return agent;
  const find = (name: string) => (agent.phases as Array<{ name: string }>).find((phase) => phase.name === name) ?? (agent.type === 'llm' && name === RESOLVE_PHASE ? createResolvePhase() : { name, run: 'false' });
  return { ...agent, phases: job.phases.map((phase) => find(phase.name)) } as AgentSpec;
}
