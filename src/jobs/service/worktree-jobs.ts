// A job in a worktree of its own, as the job service runs it: which jobs get one (isolation), the
// worktree planned at submit and made (with its includes and setup command) before the job's
// first run, a commit per completed phase, and a retried phase started again from the commit of
// the phase before it, its attempt kept under a ref. Git itself is behind the worktree port.
import { ManagerError, describeError } from '../../errors.js';
import type { AgentSpec, PhaseOutcome } from '../../agents/agent.js';
import type { Isolation, Job, JobMode, JobWorktree } from '../model/job.js';
import { planResume } from '../model/resume-plan.js';
import type { JobEvent } from '../model/job-event.js';
import type { JobAction } from '../model/transitions.js';
import { countPhase, findTask } from '../model/task-board.js';
import type { Task, TaskBoard } from '../model/task.js';
import type { Executor } from '../ports/executor.js';
import type { JobRepository } from '../ports/repository.js';
import type { PlannedWorktree, WorktreePort } from '../ports/worktrees.js';
import { isTaskWorktreeRun, type JobHandle } from './job-handle.js';

/** How a task run's error starts when its work conflicted with its job's branch (task worktrees, runs on other machines). */
export const CONFLICT_PREFIX = 'merge conflict';

/** What prepare resolves with when the job was cancelled while its worktree was being set up. */
export const PREPARE_CANCELLED = 'cancelled';

/** Lines of a failed setup command's output quoted in the job's error. */
const SETUP_TAIL_LINES = 10;

/**
 * Where a job of `agent` runs: `requested` (--isolation, /isolation) first, then the agent's own
 * `isolation`, then the config's default, then the built-in writers' (build, debug: a worktree).
 * `isExplicit` is false only for that last default, which applies only inside a git repository
 * (an explicit worktree outside one is refused, never dropped silently). An external job never
 * has one (no jobline process works on it).
 */
export function chooseIsolation(agent: AgentSpec, requested: Isolation | null | undefined, configDefault: Isolation | null): { isolation: Isolation; isExplicit: boolean } {
  if (agent.type === 'external') return { isolation: 'none', isExplicit: true };
  if (requested) return { isolation: requested, isExplicit: true };
  if (agent.isolation) return { isolation: agent.isolation, isExplicit: true };
  if (configDefault) return { isolation: configDefault, isExplicit: true };
  if (agent.type === 'llm' && agent.isWriter) return { isolation: 'worktree', isExplicit: false };
  return { isolation: 'none', isExplicit: true };
}

/** What the job service gives WorktreeJobs: the executor (the setup command runs as a run) and the repository. */
export interface WorktreeJobsDeps {
  port: WorktreePort;
  executor: Executor;
  store: JobRepository;
  defaultIsolation: Isolation | null;
  secretEnvNames: string[];
  maxOutputBytes: number;
}

/** The job service's side of jobs in worktrees (see the header). */
export class WorktreeJobs {
  constructor(private readonly deps: WorktreeJobsDeps) {}

  get port(): WorktreePort {
    return this.deps.port;
  }

  /**
   * The worktree a new job of `agent` in `cwd` gets (its place still to be given, see place), or
   * null when it runs in place. @throws WorktreeError NOT_A_REPOSITORY for an explicit worktree
   * outside git; GIT_FAILED.
   */
  async plan(agent: AgentSpec, cwd: string, requested: Isolation | null | undefined, base: 'head' | 'worktree' | undefined): Promise<PlannedWorktree | null> {
    const { isolation, isExplicit } = chooseIsolation(agent, requested, this.deps.defaultIsolation);
    if (isolation === 'none') return null;
    if (!isExplicit && !(await this.deps.port.isRepository(cwd))) return null;
    return this.deps.port.plan(cwd, base ?? 'head', isolation);
  }

  /** The record of planned worktree `planned` for job `name`. @throws WorktreeError WORKTREE_TAKEN. */
  place(planned: PlannedWorktree, name: string): JobWorktree {
    return { ...this.deps.port.locate(name), ...planned.worktree };
  }

  /**
   * Makes job `entry`'s worktree and runs its setup, once for all its runs (they wait for it).
   * Resolves with why it failed (the runs fail with it, before any agent ran), PREPARE_CANCELLED,
   * or null. A failure is tried again by the next run (a resume).
   */
  prepare(entry: JobHandle, taskId?: string): Promise<string | null> {
    entry.preparing ??= this.makeAndSetUp(entry).then((error) => {
      if (error !== null) entry.preparing = null;
      return error;
    });
    const task = taskId === undefined ? undefined : findTask(entry.board, taskId);
    if (!task || !isTaskWorktreeRun(entry.job, entry.board, task)) return entry.preparing;
    // A task of a phase of several, in a worktree of its own off the job's branch as it is now
    // (the tasks it depends on merged already: they ended first).
    return entry.preparing.then(async (error) => {
      if (error !== null) return error;
      try {
        await this.deps.port.createTaskWorktree(entry.job.worktree!, task.id);
        return null;
      } catch (failure) {
        return `its task worktree could not be made: ${describeError(failure)}`;
      }
    });
  }

  private async makeAndSetUp(entry: JobHandle): Promise<string | null> {
    const worktree = entry.job.worktree!;
    const { port } = this.deps;
    try {
      if (await port.create(worktree)) entry.recordActivity('🌳', `worktree ${worktree.path} on branch ${worktree.branch}`);
      const setup = port.settings.setup;
      if (!setup || (await port.isSetUp(worktree))) return null;
      entry.recordActivity('🔧', `setting up the worktree: ${setup}`);
      const outcome = await this.runSetup(entry, worktree, setup);
      if (outcome.kind === 'cancelled') return PREPARE_CANCELLED;
      if (outcome.kind === 'failed') {
        const tail = (outcome.output ?? '').split('\n').filter((line) => line.trim() !== '').slice(-SETUP_TAIL_LINES);
        return `the worktree's setup failed (${outcome.error})${tail.length > 0 ? `; its last lines:\n${tail.join('\n')}` : ''}`;
      }
      await port.markSetUp(worktree);
      return null;
    } catch (error) {
      return `its worktree could not be made: ${describeError(error)}`;
    }
  }

  // The setup command runs like a phase's command (in a contained shell, its output in the job's
  // log), as a run of its own that cancel and exit reach.
  private async runSetup(entry: JobHandle, worktree: JobWorktree, setup: string): Promise<PhaseOutcome> {
    const handle = this.deps.executor.start({
      jobId: entry.id, prompt: entry.job.description, agent: { type: 'command', name: 'setup', summary: 'worktree setup', phases: [{ name: 'worktree-setup', run: setup }] },
      phaseIndex: 0, attempt: 1, feedback: null, previousOutputs: [], cwd: worktree.path, worktree: worktree.path, progress: { ...entry.job.progress },
      outputLogPath: this.deps.store.outputPathOf(entry.id), secretEnvNames: this.deps.secretEnvNames, maxOutputBytes: this.deps.maxOutputBytes, isWorkspaceRecorded: false,
    }, {
      output: (lines, lineCount) => entry.recordOutput(lines, lineCount),
      progress: () => {},
      activity: (icon, text) => entry.recordActivity(icon, text),
      // A shell command calls no model: it streams no answer and has no budget to reach.
      text: () => {},
      budgetReached: () => {},
    });
    entry.otherRuns.add(handle);
    try {
      const outcome = await handle.outcome;
      // A remote executor's worker that went away ran the setup partly: it failed here.
      return outcome.kind === 'interrupted' ? { kind: 'failed', error: outcome.reason } : outcome;
    } finally {
      entry.otherRuns.delete(handle);
    }
  }

  /**
   * Commits what the current phase of `job` changed in its worktree (`<name>: <phase>`), for its
   * approval; returns the commit (null: nothing changed) and the event saying so.
   * @throws WorktreeError when it cannot be committed (nothing is approved then).
   */
  async commitPhase(job: Job, phaseIndex = job.currentPhase, now = new Date().toISOString()): Promise<{ commit: string | null; events: JobEvent[] }> {
    const worktree = job.worktree!;
    const phase = job.phases[phaseIndex]!;
    if (!(await this.deps.port.inspect(worktree)).exists) return { commit: null, events: [] };
    // A phase whose tasks merged their own worktrees' work has moved the branch already: that is its commit.
    const made = await this.deps.port.commitPhase(worktree, { id: job.id, name: job.name ?? job.id, phase: phase.name, phaseIndex });
    const previous = job.phases.slice(0, phaseIndex).findLast((earlier) => earlier.commit)?.commit ?? worktree.snapshot ?? worktree.base;
    const tip = made ?? (await this.deps.port.readTarget(worktree, worktree.branch));
    const commit = made ?? (tip && tip !== previous ? tip : null);
    return { commit, events: commit ? [{ ts: now, type: 'phase_committed', phase: phase.name, commit }] : [] };
  }

  /**
   * When run `taskId` of job `entry` completed the last open task of its phase in background mode
   * (nothing asks for approval, so the phase is committed now, before its end is recorded and
   * the next phase starts): the phase's commit, or the failure to make it. Null otherwise.
   */
  commitOnOutcome(entry: JobHandle, taskId: string, outcome: PhaseOutcome): Promise<{ outcome: PhaseOutcome; commit?: string | null; events: JobEvent[]; retry?: boolean }> | null {
    const { job, board } = entry;
    const task = findTask(board, taskId);
    if (!job.worktree || !task) return null;
    // A run that worked elsewhere (a worker on another machine) brings its work as a branch; a
    // task of its own worktree has it there. Either is merged into the job's branch, one at a time.
    const branch = outcome.kind === 'completed' ? outcome.branch : undefined;
    if (branch !== undefined || isTaskWorktreeRun(job, board, task)) {
      const landed = entry.taskLandings.then(() => this.landTask(entry, task, outcome, branch));
      entry.taskLandings = landed.catch(() => {});
      return landed;
    }
    return this.commitPhaseOnOutcome(entry, task, outcome);
  }

  // A task's completed work, in its own worktree or on `branch` (a remote run's), is merged into
  // the job's branch (one merge at a time per repository); a conflict sends it back to wait once,
  // with the conflict as its next run's feedback, on the job's branch as it is then, and fails it
  // the second time. Then, as any run, the phase is committed if it ended (background mode).
  private async landTask(entry: JobHandle, task: Task, outcome: PhaseOutcome, branch: string | undefined): Promise<{ outcome: PhaseOutcome; commit?: string | null; events: JobEvent[]; retry?: boolean }> {
    const worktree = entry.job.worktree!;
    if (outcome.kind !== 'completed') return { outcome, events: [] };
    const hasOwnWorktree = isTaskWorktreeRun(entry.job, entry.board, task);
    let files: string[];
    try {
      files = branch === undefined
        ? await this.deps.port.landTask(worktree, task.id, `${entry.job.name ?? entry.id}: ${task.id} ${task.title}\n\nJobline-Job: ${entry.id}\nJobline-Task: ${task.id}\n`)
        : await this.deps.port.mergeBranch(worktree, branch, task.id);
    } catch (error) {
      return { outcome: { kind: 'failed', error: `its work could not be merged into ${worktree.branch}: ${describeError(error)}`, output: outcome.output }, events: [] };
    }
    // Its work is in the job's branch now (or conflicts): a task worktree it did not use goes too.
    if (hasOwnWorktree && (branch !== undefined || files.length > 0)) await this.deps.port.removeTaskWorktree(worktree, task.id);
    if (files.length > 0) {
      const earlier = entry.board.runs.filter((run) => run.taskId === task.id && run.state.status === 'failed' && run.state.error.startsWith(CONFLICT_PREFIX)).length;
      const error = `${CONFLICT_PREFIX} with ${worktree.branch} in ${files.slice(0, 10).join(', ')}`;
      entry.taskFeedback.set(task.id, `Your last attempt conflicted with the work merged meanwhile into ${worktree.branch}, in: ${files.join(', ')}. This attempt starts from that work: build on it.`);
      return { outcome: { kind: 'failed', error, output: outcome.output }, events: [], retry: earlier === 0 };
    }
    entry.taskFeedback.delete(task.id);
    const committed = this.commitPhaseOnOutcome(entry, task, outcome);
    return committed ? committed : { outcome, events: [] };
  }

  private commitPhaseOnOutcome(entry: JobHandle, task: Task, outcome: PhaseOutcome): Promise<{ outcome: PhaseOutcome; commit?: string | null; events: JobEvent[] }> | null {
    const { job, board } = entry;
    if (outcome.kind !== 'completed' || job.mode !== 'background') return null;
    const counts = countPhase(board, task.phase);
    if (counts.done + counts.failed + counts.notRun !== counts.total - 1 || (counts.failed > 0 && !job.keepGoing)) return null;
    return this.commitPhase(job, task.phase).then(
      ({ commit, events }) => ({ outcome, commit, events }),
      (error: unknown) => ({ outcome: { kind: 'failed', error: `the phase's work could not be committed in its worktree: ${describeError(error)}`, output: outcome.output }, events: [] }),
    );
  }

  /**
   * Moves `job`'s worktree back to the commit of the phase before phase `phaseIndex` (the
   * branch's start for the first), keeping what the worktree held under
   * refs/jobline/attempts/<id>/<phase>/<n> (n: the attempt being replaced). Nothing when the
   * phase keeps work of tasks that succeeded (a retry of its failed tasks only), or the worktree
   * does not exist yet. Returns the action recording the undone attempt (PhaseState.undone: the
   * same record as a retry in place, see phase-workspace.ts) and the event saying where it was
   * kept, when anything was.
   * @throws WorktreeError.
   */
  async rollBack(job: Job, board: TaskBoard, phaseIndex: number, now = new Date().toISOString()): Promise<{ actions: JobAction[]; events: JobEvent[] }> {
    const worktree = job.worktree;
    const phase = job.phases[phaseIndex];
    const nothing = { actions: [], events: [] };
    if (!worktree || !phase) return nothing;
    const counts = countPhase(board, phaseIndex);
    if (counts.done > 0 && counts.done < counts.total) return nothing;
    if (!(await this.deps.port.inspect(worktree)).exists) return nothing;
    const previous = job.phases.slice(0, phaseIndex).findLast((earlier) => earlier.commit)?.commit ?? worktree.snapshot ?? worktree.base;
    const attempt = Math.max(1, phase.attempts);
    const kept = await this.deps.port.rollBack(worktree, previous, { jobId: job.id, phase: phase.name, n: attempt });
    if (!kept) return nothing;
    return {
      actions: [{ type: 'recordUndone', phase: phaseIndex, undone: { attempt, ref: kept.ref, files: kept.files, at: now } }],
      events: [{ ts: now, type: 'attempt_kept', phase: phase.name, attempt, ref: kept.ref }],
    };
  }

  /**
   * What a resume of `handle` does to its worktree before the job runs again, as actions to commit
   * before the resume and events to report with it: a job in a worktree runs its first unfinished
   * phase again from the commit of the phase before it (what the stopped attempt left is kept
   * under a ref and recorded as undone, see rollBack), unless it waits for an approval
   * (interactive) or its phase keeps its done tasks' work; `isolation` `worktree` gives a job that
   * ran in place a worktree of its own from now on (its branch starts at the commit checked out
   * now), while a job in a worktree stays in it (its work is there).
   * @throws ManagerError JOB_NOT_RESUMABLE (`isolation` none for a job in a worktree); WorktreeError.
   */
  async prepareResume(handle: JobHandle, mode: JobMode, retryFailed: boolean, isolation: Isolation | undefined, now: string): Promise<{ actions: JobAction[]; events: JobEvent[] }> {
    const { job, board } = handle;
    if (isolation === 'none' && job.worktree) throw new ManagerError('JOB_NOT_RESUMABLE', `${handle.id} runs in its worktree ${job.worktree.path}, where its work is: resume it without --isolation none, or discard its work first (jobline discard ${handle.id}).`);
    if (!job.worktree) {
      if (!isolation || isolation === 'none') return { actions: [], events: [] };
      const planned = await this.plan(handle.agent, handle.cwd, isolation, 'head');
      return { actions: planned ? [{ type: 'setWorktree', worktree: this.place(planned, job.name ?? handle.id) }] : [], events: [] };
    }
    if (job.hasPendingApproval && mode === 'interactive') return { actions: [], events: [] };
    const first = planResume(job, board, retryFailed).phases[0];
    return first === undefined ? { actions: [], events: [] } : this.rollBack(job, board, first, now);
  }
}
