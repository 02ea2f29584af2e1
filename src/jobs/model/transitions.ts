// The job state machine: the only place job.status and phase statuses change. Pure (no I/O, time
// passed in) so every rule is unit-testable; an illegal transition throws instead of corrupting state.
import { TransitionError } from '../../errors.js';
import type { Job, JobMerge, JobWorktree, JobMode, JobProgress, JobStatus, PhaseState, UndoneChange, WorkspaceChanges } from './job.js';
import { ACTIVE_STATUSES, JOB_STATUSES, UNFINISHED_STATUSES, isExternalJob } from './job.js';
import type { JobEvent } from './job-event.js';
import { formatWorkerName, type TaskPlan } from './task.js';
import type { ResumePlan } from './resume-plan.js';
import { approveBudgetStop, stopForBudget, withoutBudgetStop } from './budget-transitions.js';
import { accountRunningTime } from './job-time.js';
import type { TokenUsage } from './usage.js';

/**
 * What can happen to a job. `start` means "given a worker slot"; `approve`/`retry` put the job
 * back in the queue (a job awaiting approval holds no slot); `resume` re-queues an unfinished job
 * at its first phase that did not complete. `startPhase` opens the current phase and claims its
 * task `taskId` (default: its first runnable one) for worker `worker` (default 0); `startTask`
 * claims another task of the running phase; `completeTask` / `failTask` end a task's run, and
 * the last task of a phase to end ends the phase (see job-state.ts). `completePhase` carries the
 * number of the job's failed tasks when a phase completes with some (keepGoing).
 *
 * `runId` and `startedAt`, when given, are the run's id and start time as they were recorded
 * already (a start made again on the state on disk, see JobHandle): the run keeps them.
 * A `worker` is this process's worker `index` (named after the job's agent, see formatWorkerName)
 * or the name of a worker that joined from outside (see JoinedWorker); `files` (an external
 * worker's claim) are added to the task's claims, and `tokenHash` (the hash of its claim token,
 * made by the service) is kept with its run. `startPhase` with `taskId: null` opens the phase
 * without claiming a task (an external job waits for its workers). `joinWorker` / `leaveWorker`
 * add and remove an external worker (leaving ends its runs, interrupted, and their tasks wait
 * again); `renewLease` moves a worker's lease on; `addTasks` appends tasks to the current phase; `close` ends a job as its coordinator
 * says (`jobline job close`); `rename` and `setMode` change what `PUT /api/jobs/{id}` may.
 */
export type JobAction =
  | { type: 'start' }
  | { type: 'startPhase'; taskId?: string | null; worker?: number | string; files?: readonly string[]; runId?: string; startedAt?: string }
  | { type: 'startTask'; taskId: string; worker: number | string; files?: readonly string[]; tokenHash?: string; runId?: string; startedAt?: string }
  | { type: 'joinWorker'; agent: string; leaseExpiresAt?: string }
  | { type: 'renewLease'; worker: string; leaseExpiresAt: string }
  | { type: 'leaveWorker'; worker: string; reason: string }
  | { type: 'addTasks'; tasks: readonly TaskPlan[] }
  | { type: 'close'; status: 'completed' | 'failed' | 'cancelled'; reason?: string | null }
  | { type: 'rename'; name: string | null }
  | { type: 'setMode'; mode: JobMode }
  /** Sets an ended, unfinished job aside (see Job.dismissedAt), or (`isDismissed` false) offers it again. */
  | { type: 'setDismissed'; isDismissed: boolean }
  /**
   * `filesModified`: the paths the run wrote (when the agent knows them better than the
   * workspace's diff, which holds every parallel run's changes); `plannedTasks`: the tasks the
   * run planned for the next phase (see planNextPhase in task-transitions.ts).
   */
  | { type: 'completeTask'; taskId: string; output: string | null; changes?: WorkspaceChanges | null; filesModified?: string[]; plannedTasks?: TaskPlan[]; commit?: string | null; usage?: TokenUsage; outputFile?: string; instructions?: string }
  /**
   * `retry`: whether the task runs again, whatever its retries say (a task worktree's merge conflict: once).
   * `asks`: an interactive job asks about this failure (see PhaseOutcome) instead of failing the phase.
   * `isInterrupted`: what ran it went away (a remote worker): its run is closed `interrupted` with `error` as the reason.
   */
  | { type: 'failTask'; taskId: string; error: string; output?: string | null; changes?: WorkspaceChanges | null; filesModified?: string[]; retry?: boolean; usage?: TokenUsage; outputFile?: string; instructions?: string; asks?: boolean; isInterrupted?: boolean }
  /** A remote worker `host` took task `taskId`'s open run: its name joins the run's worker (`sh[ab12-0]@host`). */
  | { type: 'takeRun'; taskId: string; host: string }
  /** Task `taskId`'s open run waits for a worker that has all of `labels` (no live one has). */
  | { type: 'waitRun'; taskId: string; labels: string[] }
  /**
   * `failedTasks`: the job's tasks that failed for good (a last phase completed with some ends the
   * job failed); `failedInPhase`: this phase's, when an interactive job is to be asked about them.
   */
  | { type: 'completePhase'; output: string | null; changes?: WorkspaceChanges | null; failedTasks?: number; failedInPhase?: number; commit?: string | null; outputFile?: string | null }
  | { type: 'failPhase'; error: string; output?: string | null; changes?: WorkspaceChanges | null; outputFile?: string | null }
  /** `commit`: the worktree's commit of the approved phase (see PhaseState.commit). */
  | { type: 'approve'; commit?: string | null }
  | { type: 'retry'; feedback: string | null; keep?: boolean }
  /** A retry undid phase `phase`'s (default: the current one's) earlier changes (see PhaseState.undone). */
  | { type: 'recordUndone'; undone: UndoneChange; phase?: number }
  /** Records where the job's worktree's work stands (see JobMerge); `merge` null forgets it. */
  | { type: 'setMerge'; merge: JobMerge | null }
  /**
   * Runs a completed job again from a phase `phase` (appended unless its last phase is one of
   * that name): a merge conflict's resolution, with `feedback` naming the conflicted files.
   */
  | { type: 'reopen'; phase: string; feedback: string | null }
  /** Gives a job that ran in place a worktree of its own from now on (a resume with `--isolation worktree`). */
  | { type: 'setWorktree'; worktree: JobWorktree }
  | { type: 'cancel' }
  /** `detectedAt`: when an interruption nobody wrote down was found (its time is the job's last activity). */
  | { type: 'interrupt'; reason: string; detectedAt?: string }
  /**
   * `retryFailed`: failed tasks run again even where the resume is not their retry (see
   * planResume); `plan`: what the resume runs again, computed from the job's board by applyActions
   * (job-state.ts) when absent.
   */
  | { type: 'resume'; mode: JobMode; retryFailed?: boolean; plan?: ResumePlan; model?: string }
  /** `phaseUsage`: the current phase's tokens now (see PhaseState.usage). */
  | { type: 'reportProgress'; progress: Partial<JobProgress>; phaseUsage?: TokenUsage }
  /** A run reached the job's budget with the job's tokens at `usage`: the job waits for approval (see Job.budgetStop). */
  | { type: 'stopForBudget'; usage: TokenUsage };

/**
 * How an external job starts (see EXTERNAL_AGENT): at once, without a slot (no jobline process
 * runs it), its phase opened for its workers' claims.
 */
export const OPEN_EXTERNAL_JOB: readonly JobAction[] = [{ type: 'start' }, { type: 'startPhase', taskId: null }];

/** The result of a transition: the next job (a new object) and the events to log, in order. */
export interface TransitionResult {
  job: Job;
  events: JobEvent[];
}

const ALLOWED_FROM: Record<JobAction['type'], readonly JobStatus[]> = {
  start: ['queued'],
  startPhase: ['running'],
  startTask: ['running'],
  completeTask: ['running'],
  failTask: ['running'],
  takeRun: ['running'],
  waitRun: ['running'],
  completePhase: ['running'],
  failPhase: ['running'],
  approve: ['awaiting_approval'],
  retry: ['awaiting_approval'],
  setMerge: JOB_STATUSES,
  reopen: ['completed'],
  setWorktree: UNFINISHED_STATUSES,
  cancel: ACTIVE_STATUSES,
  interrupt: ACTIVE_STATUSES,
  resume: UNFINISHED_STATUSES,
  reportProgress: ['running'],
  stopForBudget: ['running'],
  // A record of what git did (a retry's undo, a worktree's roll-back), whenever it did it.
  recordUndone: JOB_STATUSES,
  joinWorker: ACTIVE_STATUSES,
  renewLease: ACTIVE_STATUSES,
  leaveWorker: ACTIVE_STATUSES,
  addTasks: ACTIVE_STATUSES,
  close: ACTIVE_STATUSES,
  rename: JOB_STATUSES,
  setMode: ACTIVE_STATUSES,
  setDismissed: UNFINISHED_STATUSES,
};

/**
 * Applies `action` to `job` at time `now` (ISO-8601 UTC) and returns the next job and its events.
 * The input job is not modified.
 * @throws TransitionError (code ILLEGAL_TRANSITION) when the action is not allowed from the job's
 *   status or phase, e.g. approving a running job or completing a phase that is not running.
 */
export function transitionJob(job: Job, action: JobAction, now: string): TransitionResult {
  const result = applyTransition(job, action, now);
  // The time it ran, kept at every change into or out of `running` (one rule for every view).
  accountRunningTime(job, result.job, now);
  return result;
}

function applyTransition(job: Job, action: JobAction, now: string): TransitionResult {
  if (!ALLOWED_FROM[action.type].includes(job.status)) {
    if (action.type === 'setDismissed') throw new TransitionError('ILLEGAL_TRANSITION', `${job.id} is ${job.status}: only a failed, cancelled or interrupted job can be set aside.`);
    throw illegal(job, action, `a job that is ${job.status}`);
  }
  const next: Job = { ...job, phases: job.phases.map((p) => ({ ...p })), progress: { ...job.progress } };
  const phase = next.phases[next.currentPhase];
  const event = (type: JobEvent['type'], details: Omit<JobEvent, 'ts' | 'type'> = {}): JobEvent => ({ ts: now, type, ...details });

  switch (action.type) {
    case 'start':
      next.status = 'running';
      next.startedAt ??= now;
      return { job: next, events: [event('started')] };

    case 'startPhase': {
      if (!phase || phase.status === 'running' || phase.status === 'completed') {
        throw illegal(job, action, phase ? `phase ${phase.name} that is ${phase.status}` : 'a job with no phase left');
      }
      Object.assign(phase, { status: 'running', attempts: phase.attempts + 1, startedAt: now, endedAt: null, error: null });
      next.progress.lastEvent = `Phase ${phase.name} started`;
      return { job: next, events: [event('phase_started', { phase: phase.name, attempt: phase.attempts })] };
    }

    case 'completePhase': {
      const current = requireRunningPhase(job, action, phase);
      Object.assign(current, { status: 'completed', endedAt: now, output: action.output, changes: action.changes ?? null });
      if (action.commit !== undefined) current.commit = action.commit;
      setOutputFile(current, action.outputFile);
      delete current.failedTasks;
      next.progress.lastEvent = `Phase ${current.name} completed`;
      next.pendingFeedback = null; // this attempt used it
      next.pendingRetry = null;
      const events = [event('phase_completed', { phase: current.name })];
      const failedTasks = action.failedTasks ?? 0;
      // The next phase to run: one that has not completed (a resumed job skips those it keeps).
      const following = findNextOpenPhase(next, next.currentPhase);
      if ((action.failedInPhase ?? 0) > 0 && next.mode === 'interactive') {
        // Some of its tasks failed: the person decides (go on anyway, retry them, cancel), even
        // after the last phase, which would otherwise end the job.
        current.failedTasks = action.failedInPhase;
        Object.assign(next, { status: 'awaiting_approval', hasPendingApproval: true });
        events.push(event('approval_requested', { phase: current.name }));
      } else if (following === -1 && failedTasks > 0) {
        // keepGoing: every phase ran to its end, but the job did not do all it was asked to.
        const error = `${failedTasks} task${failedTasks === 1 ? '' : 's'} failed`;
        Object.assign(next, { status: 'failed', endedAt: now, error });
        events.push(event('failed', { error }));
      } else if (following === -1 && !(next.worktree && next.mode === 'interactive')) {
        Object.assign(next, { status: 'completed', endedAt: now, error: null });
        events.push(event('completed'), ...markReady(next, now));
      } else if (next.mode === 'interactive') {
        // A job in a worktree asks after its last phase too: its work is committed once
        // approved, and the box offers to land it.
        next.status = 'awaiting_approval';
        next.hasPendingApproval = true;
        events.push(event('approval_requested', { phase: current.name }));
      } else {
        next.currentPhase = following;
      }
      return { job: next, events };
    }

    case 'takeRun':
    case 'waitRun':
      return { job: next, events: [] };

    // A task of the running phase; its events and the phase's end come from the board
    // (task-transitions.ts, job-state.ts). A task's end may bring the job new instructions.
    case 'completeTask':
    case 'failTask':
      requireRunningPhase(job, action, phase);
      if (action.instructions) next.instructions = action.instructions;
      return { job: next, events: [] };

    case 'startTask':
      requireRunningPhase(job, action, phase);
      return { job: next, events: [] };

    case 'failPhase': {
      const current = requireRunningPhase(job, action, phase);
      Object.assign(current, { status: 'failed', endedAt: now, error: action.error, output: action.output ?? current.output, changes: action.changes ?? null });
      if (action.output) setOutputFile(current, action.outputFile);
      next.progress.lastEvent = `Phase ${current.name} failed`;
      next.pendingFeedback = null; // this attempt used it
      next.pendingRetry = null;
      const error = `Phase ${current.name} failed: ${action.error}`;
      Object.assign(next, { status: 'failed', endedAt: now, error });
      return { job: next, events: [event('phase_failed', { phase: current.name, error: action.error }), event('failed', { error })] };
    }

    case 'recordUndone': {
      const undoing = action.phase === undefined ? phase : next.phases[action.phase];
      if (undoing) undoing.undone = [...(undoing.undone ?? []), action.undone];
      return { job: next, events: [] };
    }

    case 'stopForBudget':
      return stopForBudget(job, next, action.usage, event);

    case 'approve': {
      // A budget stop goes on where it stopped, with more budget (the runs are waiting).
      if (job.budgetStop) return approveBudgetStop(next, event);
      const approved = phase?.name;
      if (phase && action.commit !== undefined) phase.commit = action.commit;
      const following = findNextOpenPhase(next, next.currentPhase);
      const failed = phase?.failedTasks ?? 0;
      if (following === -1 && failed === 0) {
        // The last phase of a job in a worktree, approved: the job is done.
        Object.assign(next, { status: 'completed', endedAt: now, error: null, hasPendingApproval: false });
        return { job: next, events: [event('approved', { phase: approved }), event('completed'), ...markReady(next, now)] };
      }
      if (following === -1) {
        // Only a last phase with failed tasks asks (see completePhase): going on ends the job,
        // failed, since it did not do all it was asked to.
        const error = `${failed} task${failed === 1 ? '' : 's'} failed`;
        Object.assign(next, { status: 'failed', endedAt: now, error, hasPendingApproval: false });
        return { job: next, events: [event('approved', { phase: approved }), event('failed', { error })] };
      }
      Object.assign(next, { status: 'queued', hasPendingApproval: false });
      next.currentPhase = following;
      return { job: next, events: [event('approved', { phase: approved }), event('queued')] };
    }

    case 'retry':
      if (job.budgetStop) throw illegal(job, action, 'a job stopped at its budget (continue or cancel it)');
      // The phase runs again: back to pending (its output stays until the new run replaces it).
      if (phase) phase.status = 'pending';
      Object.assign(next, { status: 'queued', hasPendingApproval: false, pendingFeedback: action.feedback, pendingRetry: { keep: action.keep === true } });
      return {
        job: next,
        events: [event('retried', { phase: phase?.name, ...(action.feedback ? { feedback: action.feedback } : {}) }), event('queued')],
      };

    case 'cancel':
      stopRunningPhase(phase, now, 'cancelled');
      Object.assign(next, { status: 'cancelled', endedAt: now }, dropJoinedWorkers(job), withoutBudgetStop(job));
      next.progress.lastEvent = 'Cancelled';
      return { job: next, events: [event('cancelled')] };

    case 'interrupt':
      stopRunningPhase(phase, now, 'interrupted');
      // External workers' claims end with the process that held them: they join again.
      Object.assign(next, { status: 'interrupted', endedAt: now, error: action.reason }, dropJoinedWorkers(job), withoutBudgetStop(job));
      next.progress.lastEvent = action.reason;
      return { job: next, events: [event('interrupted', { reason: action.reason, ...(action.detectedAt ? { detectedAt: action.detectedAt } : {}) })] };

    case 'resume': {
      // Set aside or not, a resumed job is under way again: a later end is offered anew.
      delete next.dismissedAt;
      // The plan's first phase: one that did not complete, or a completed one whose failed tasks
      // run again (it reopens, as pending; its done tasks keep their results).
      const reopened = action.plan?.phases ?? next.phases.flatMap((p, index) => (p.status !== 'completed' ? [index] : []));
      const firstOpen = reopened[0] ?? -1;
      // A phase that completed but was never approved (a job in a worktree asks after its last one).
      const isUnapproved = next.hasPendingApproval && phase?.status === 'completed';
      if (firstOpen === -1 && !isUnapproved) throw illegal(job, action, 'a job whose phases all completed, with no task left to run');
      if (firstOpen === -1 && action.mode === 'background') {
        // Its last phase waited for an approval: background mode gives it.
        Object.assign(next, { status: 'completed', mode: action.mode, endedAt: now, error: null, hasPendingApproval: false });
        return { job: next, events: [event('resumed', { phase: phase!.name, mode: action.mode }), event('approved', { phase: phase!.name }), event('completed'), ...markReady(next, now)] };
      }
      if (action.model) next.model = action.model; // `resume --model`: the rest of the job runs on it
      // An unapproved phase is asked about again (interactive mode); background mode approves
      // every phase, this one included.
      if (isUnapproved && action.mode === 'interactive') {
        Object.assign(next, { status: 'awaiting_approval', mode: action.mode, endedAt: null, error: null });
        return {
          job: next,
          events: [event('resumed', { phase: phase.name, mode: action.mode }), event('approval_requested', { phase: phase.name })],
        };
      }
      for (const index of reopened) if (next.phases[index]?.status === 'completed') next.phases[index]!.status = 'pending';
      Object.assign(next, { status: 'queued', currentPhase: firstOpen, mode: action.mode, endedAt: null, error: null, hasPendingApproval: false });
      return {
        job: next,
        events: [event('resumed', { phase: next.phases[firstOpen]?.name, mode: action.mode }), event('queued')],
      };
    }

    case 'reportProgress':
      Object.assign(next.progress, action.progress);
      if (action.phaseUsage && phase) phase.usage = action.phaseUsage;
      return { job: next, events: [] };

    case 'setMerge':
      next.merge = action.merge;
      return { job: next, events: action.merge ? [event('merge', { status: action.merge.status, ...(action.merge.step ? { step: action.merge.step } : {}), ...(action.merge.commit ? { commit: action.merge.commit } : {}), ...(action.merge.conflicts.length > 0 ? { files: action.merge.conflicts.slice(0, 50) } : {}), ...(action.merge.error ? { error: action.merge.error } : {}) })] : [] };

    case 'setWorktree':
      next.worktree = action.worktree;
      return { job: next, events: [event('worktree', { path: action.worktree.path })] };

    case 'reopen': {
      // The resolution runs as a phase of its own after the job's others; a second conflict runs it again.
      const last = next.phases.at(-1);
      if (!last || last.name !== action.phase) {
        next.phases.push({ name: action.phase, status: 'pending', attempts: 0, startedAt: null, endedAt: null, output: null, error: null, changes: null });
      } else {
        last.status = 'pending';
      }
      const index = next.phases.length - 1;
      Object.assign(next, { status: 'queued', currentPhase: index, endedAt: null, error: null, hasPendingApproval: false, pendingFeedback: action.feedback });
      return { job: next, events: [event('resumed', { phase: action.phase, mode: next.mode }), event('queued')] };
    }

    case 'joinWorker': {
      // Indexes follow the job's own workers (`build[ab12-0]` …), so no two workers share a name.
      const joins = job.workerJoins ?? 0;
      const index = joins + (isExternalJob(job) ? 0 : job.workers);
      const name = formatWorkerName(action.agent, job.id, index);
      const lease = action.leaseExpiresAt ? { leaseExpiresAt: action.leaseExpiresAt } : {};
      Object.assign(next, { joinedWorkers: [...(job.joinedWorkers ?? []), { name, agent: action.agent, index, joinedAt: now, ...lease }], workerJoins: joins + 1 });
      return { job: next, events: [event('worker_joined', { worker: name, agent: action.agent })] };
    }

    case 'renewLease': {
      // A renewal is no event: the log says when workers come and go, not every heartbeat.
      if (!job.joinedWorkers?.some((worker) => worker.name === action.worker)) throw illegal(job, action, `a worker that is not in the job (${action.worker})`);
      next.joinedWorkers = job.joinedWorkers.map((worker) => (worker.name === action.worker ? { ...worker, leaseExpiresAt: action.leaseExpiresAt } : worker));
      return { job: next, events: [] };
    }

    case 'leaveWorker': {
      if (!job.joinedWorkers?.some((worker) => worker.name === action.worker)) throw illegal(job, action, `a worker that is not in the job (${action.worker})`);
      next.joinedWorkers = job.joinedWorkers.filter((worker) => worker.name !== action.worker);
      return { job: next, events: [event('worker_left', { worker: action.worker, reason: action.reason })] };
    }

    case 'addTasks':
      return { job: next, events: [event('tasks_added', { count: action.tasks.length })] };

    case 'close': {
      if (action.status === 'cancelled') return transitionJob(job, { type: 'cancel' }, now);
      const isCompleted = action.status === 'completed';
      if (phase && phase.status !== 'completed') Object.assign(phase, { status: isCompleted ? 'completed' : 'failed', startedAt: phase.startedAt ?? now, endedAt: now });
      const error = isCompleted ? null : (action.reason ?? 'closed as failed');
      Object.assign(next, { status: action.status, endedAt: now, error, hasPendingApproval: false }, dropJoinedWorkers(job), withoutBudgetStop(job));
      next.progress.lastEvent = isCompleted ? 'Completed' : `Failed: ${error}`;
      return { job: next, events: [isCompleted ? event('completed') : event('failed', { error: error ?? undefined })] };
    }

    case 'rename':
      next.name = action.name;
      return { job: next, events: [event('renamed', action.name ? { name: action.name } : {})] };

    case 'setMode':
      next.mode = action.mode;
      return { job: next, events: [] };

    case 'setDismissed':
      if (!action.isDismissed) {
        delete next.dismissedAt;
        return { job: next, events: [] };
      }
      next.dismissedAt = now;
      return { job: next, events: [event('dismissed')] };
  }
}

// A job in a worktree that completed with commits has work to land: its merge status becomes
// `ready` (after a conflict's resolution too). Mutates `job`; returns the event to log.
function markReady(job: Job, now: string): JobEvent[] {
  if (!job.worktree || !job.phases.some((phase) => phase.commit)) return [];
  if (job.merge?.status === 'landed' || job.merge?.status === 'discarded') return [];
  job.merge = { status: 'ready', target: job.merge?.target ?? job.worktree.target, commit: null, conflicts: [], checkedCommit: null, landedAt: null };
  return [{ ts: now, type: 'merge', status: 'ready' }];
}

/**
 * The index of the first phase of `job` after `index` that has not completed, or -1 when none is
 * left (the job's work is done once phase `index` ends). Phases normally complete in order; a
 * resumed job skips the ones it keeps (see planResume).
 */
export function findNextOpenPhase(job: Job, index: number): number {
  for (let next = index + 1; next < job.phases.length; next++) if (job.phases[next]!.status !== 'completed') return next;
  return -1;
}

// A job's external workers leave with it (its end, or an interruption); absent stays absent.
function dropJoinedWorkers(job: Job): Partial<Job> {
  return job.joinedWorkers ? { joinedWorkers: [] } : {};
}

/** Applies several actions in order, collecting all events. Throws like `transitionJob`. */
export function transitionJobThrough(job: Job, actions: readonly JobAction[], now: string): TransitionResult {
  let current = job;
  const events: JobEvent[] = [];
  for (const action of actions) {
    const result = transitionJob(current, action, now);
    current = result.job;
    events.push(...result.events);
  }
  return { job: current, events };
}

function requireRunningPhase(job: Job, action: JobAction, phase: PhaseState | undefined): PhaseState {
  if (!phase || phase.status !== 'running') {
    throw illegal(job, action, phase ? `phase ${phase.name} that is ${phase.status}` : 'a job with no current phase');
  }
  return phase;
}

// The file that holds the phase's whole answer, when its output is cut (absent otherwise).
function setOutputFile(phase: PhaseState, file: string | null | undefined): void {
  if (file) phase.outputFile = file;
  else delete phase.outputFile;
}

// A running phase stops as the job does: cancelled by the user, or interrupted by jobline's end.
function stopRunningPhase(phase: PhaseState | undefined, now: string, status: 'cancelled' | 'interrupted'): void {
  if (phase?.status === 'running') Object.assign(phase, { status, endedAt: now });
}

function illegal(job: Job, action: JobAction, what: string): TransitionError {
  return new TransitionError('ILLEGAL_TRANSITION', `Cannot ${action.type} ${what} (${job.id}).`);
}
