// One job as the manager holds it in memory: its state (a JobLedger: the commit path), and what
// runs it: its runs, the requests they get, and what they report.
import type { AgentSpec, PhaseOutputRecord, RunRouting, TaskContext } from '../../agents/agent.js';
import type { Job } from '../model/job.js';
import type { Run, Task, TaskBoard } from '../model/task.js';
import { findOpenRun, findTask, indexOf, isSharedPhase } from '../model/task-board.js';
import type { RunHandle } from '../ports/executor.js';
import type { PhaseRequest } from '../ports/executor.js';
import { JobLedger } from './job-ledger.js';

export type { JobReporter } from './job-ledger.js';

/** One task of the job being run: its worker index, and its run once the executor has it. */
export interface ActiveRun {
  worker: number;
  handle: RunHandle | null;
}


/**
 * The in-memory side of one job. Only the manager creates and drives these: its state and the way
 * it changes are its JobLedger's; this adds what runs it (its runs, their requests and reports).
 */
export class JobHandle extends JobLedger {
  /** The runs going on, by task id (at most the job's workers). */
  readonly runs = new Map<string, ActiveRun>();
  /** Earlier phases' outputs as described for the current phase's runs (see previousOutputs). */
  private describedOutputs: { phase: number; outputs: PhaseOutputRecord[] } | null = null;

  /**
   * Records output lines from the run of task `taskId`: the last becomes `lastEvent`; all are
   * reported, marked with the task when its phase runs several side by side.
   */
  recordOutput(lines: string[], lineCount: number, taskId?: string): void {
    const last = lines.at(-1);
    if (last !== undefined) this.recordProgress({ lastEvent: last });
    const task = taskId === undefined ? undefined : findTask(this.pending.board, taskId);
    const isShared = task !== undefined && isSharedPhase(this.pending.board, task.phase);
    this.reporter.output(this.pending.job, lines, lineCount, isShared ? taskId : undefined);
  }

  /** Records an agent's notable step: it becomes lastEvent and is reported. */
  recordActivity(icon: string, text: string): void {
    this.recordProgress({ lastEvent: text });
    this.reporter.activity(this.pending.job, icon, text);
  }

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
    return [...this.runs.values()].flatMap((run) => (run.handle ? [run.handle] : []));
  }

  /**
   * Builds the worker request for the open run of task `taskId`: the task's input as the prompt,
   * its phase, the run's attempt; output goes to `outputLogPath`. Retry feedback comes from the
   * job's durable state (`pendingFeedback`), so it survives a restart.
   */
  buildRequest(taskId: string, outputLogPath: string, secretEnvNames: string[] = [], maxOutputBytes = Number.POSITIVE_INFINITY): PhaseRequest {
    const job = this.pending.job;
    const task = findTask(this.pending.board, taskId);
    const run = this.openRunOf(taskId);
    // A task the agent listed (a command agent's phase of tasks) runs its own command, with the
    // job's prompt; any other task's input is the prompt (a batch line, or the job's own).
    const agentPhase = this.agent.phases[task?.phase ?? job.currentPhase];
    const isListedTask = this.agent.type === 'command' && agentPhase !== undefined && 'tasks' in agentPhase;
    // An LLM or module agent's task of a phase of several (a plan's, a batch line's) gets the
    // task, its claims and its neighbours' claims as its TaskContext; a planned task gets the
    // job's prompt (its own input is in the context), any other its input (a batch line).
    const taskContext = task && this.agent.type !== 'command' ? describeTaskContext(this.pending.board, task) : null;
    const routing = describeRouting(this.agent, agentPhase, isListedTask ? task?.title : undefined);
    // A task run before, whose last run was interrupted: an executor that can follows that run.
    const previous = task && run && task.attempts > 1 ? findPreviousRun(this.pending.board, taskId, run.id) : undefined;
    return {
      jobId: job.id,
      ...(run ? { runId: run.id } : {}),
      ...(job.name ? { jobName: job.name } : {}),
      ...(routing.labels && routing.labels.length > 0 ? { labels: routing.labels } : {}),
      ...(routing.workspace ? { workspace: routing.workspace } : {}),
      ...(previous?.state.status === 'interrupted' ? { adoptRunId: previous.id } : {}),
      prompt: isListedTask || task?.isPlanned ? job.description : (task?.input ?? job.description),
      taskId,
      ...(isListedTask && task ? { command: task.input } : {}),
      ...(taskContext ? { task: taskContext } : {}),
      ...(task && isSharedPhase(this.pending.board, task.phase) ? { isWorkspaceRecorded: false } : {}),
      agent: this.agent,
      phaseIndex: task?.phase ?? job.currentPhase,
      attempt: run?.attempt ?? job.phases[job.currentPhase]?.attempts ?? 1,
      feedback: job.pendingFeedback,
      previousOutputs: this.previousOutputs(),
      cwd: this.cwd,
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


// Where a run may go through a queue: its agent's labels and those of its task (a listed task of a
// command agent's phase, by name); `workspace: 'none'` from either.
function describeRouting(agent: AgentSpec, phase: AgentSpec['phases'][number] | undefined, taskName: string | undefined): RunRouting {
  const own = agent.type === 'external' ? undefined : agent.routing;
  const listed = taskName !== undefined && phase && 'tasks' in phase ? phase.tasks.find((candidate) => candidate.name === taskName)?.routing : undefined;
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

// Most tasks of a phase described to a run (its neighbours' claims, an earlier phase's results).
const MAX_LISTED_NEIGHBOURS = 200;

// The task's context when its phase holds several tasks or it claims files (a plan of one task
// is confined too); null for a phase's only, unclaimed task (an agent's plain phase).
function describeTaskContext(board: TaskBoard, task: Task): TaskContext | null {
  if (!isSharedPhase(board, task.phase) && task.claims.length === 0) return null;
  // Only neighbours that claim files can hold one (a batch of 10,000 lines claims none).
  const others = board.tasks.filter((other) => other.phase === task.phase && other.id !== task.id && other.claims.length > 0).slice(0, MAX_LISTED_NEIGHBOURS).map((other) => ({ id: other.id, title: other.title, claims: other.claims }));
  return { id: task.id, title: task.title, description: task.input, claims: task.claims, others };
}

// What earlier phases produced, for the next: a phase's output and, for a phase of several
// tasks, each task's result and files (validate and deliver see every task of implement).
function describePreviousOutputs(job: Job, board: TaskBoard): PhaseOutputRecord[] {
  return job.phases.slice(0, job.currentPhase).map((phase, index) => {
    if (!isSharedPhase(board, index)) return { name: phase.name, output: phase.output };
    const tasks = board.tasks.filter((task) => task.phase === index);
    const lines = tasks.slice(0, MAX_LISTED_NEIGHBOURS).map((task) => `- ${task.id} ${task.title}: ${task.status}${task.result ? ` — ${task.result}` : ''}${task.filesModified.length > 0 ? ` (files: ${task.filesModified.join(', ')})` : ''}`);
    if (tasks.length > lines.length) lines.push(`- … and ${tasks.length - lines.length} more tasks`);
    return { name: phase.name, output: [phase.output, ...lines].filter(Boolean).join('\n') };
  });
}
