// A phase's workspace as the job service prepares it before its runs start: the tree its changes
// count from (taken before the first run when several tasks share the phase: each run's diff is
// then the whole phase's so far), and, for an LLM phase's retry, the files put back to how they
// were before the phase (unless the user kept them), with what the retry is told of the attempt
// before. Once per attempt of a phase, whatever number of its runs ask.
import { isGitWorkspace, snapshotWorkspace } from '../../agents/workspace-snapshot.js';
import { undoChanges, undoneRefOf } from '../../agents/workspace-restore.js';
import { describeError } from '../../errors.js';
import type { Job, UndoneChange } from '../model/job.js';
import type { PhaseRequest } from '../ports/executor.js';

/** What the runs of a phase attempt get: see PhaseRequest.phaseBaseline and previousAttempt. */
export interface PreparedPhase {
  baseline: string | null;
  previous: PhaseRequest['previousAttempt'] | null;
  /** False: the phase is not diffed at all (a batch of many tasks; see MAX_RECORDED_TASKS). */
  isRecorded?: boolean;
}

/** What preparing needs of its job. */
export interface PhaseWorkspaceHost {
  /** Records an undo in the job (durably: see PhaseState.undone). */
  recordUndone(undone: UndoneChange): Promise<void>;
  /** Says what happened, as an activity of the job. */
  say(icon: string, text: string): void;
  now(): string;
}

/** Prepares the attempts of one job's phases (see the file comment). */
export class PhaseWorkspace {
  private readonly prepared = new Map<string, Promise<PreparedPhase>>();

  /** `cwd`: the job's folder (in its worktree, when it has one); `excluded`: the jobs folder (never a change, never undone). */
  constructor(
    readonly cwd: string,
    private readonly excluded: string | null,
  ) {}

  /**
   * The preparation of the current attempt of phase `index` of `job`, made at its first call.
   * `isShared`: several tasks share the phase; `isLlm`: its agent is an LLM's (only its retries
   * undo). Never rejects: an undo that fails is said, and the retry runs on the files as they are.
   */
  prepare(job: Job, index: number, isShared: boolean, isLlm: boolean, host: PhaseWorkspaceHost): Promise<PreparedPhase> {
    const phase = job.phases[index];
    const key = `${index}/${phase?.attempts ?? 0}`;
    let prepared = this.prepared.get(key);
    if (!prepared) {
      prepared = this.make(job, index, isShared, isLlm, host);
      this.prepared.set(key, prepared);
    }
    return prepared;
  }

  private async make(job: Job, index: number, isShared: boolean, isLlm: boolean, host: PhaseWorkspaceHost): Promise<PreparedPhase> {
    const phase = job.phases[index]!;
    const earlier = phase.changes;
    let previous: PreparedPhase['previous'] = null;
    if (job.pendingRetry && isLlm && phase.attempts > 1 && index === job.currentPhase) {
      // A retry of some failed tasks keeps the work of those done: only a whole phase is undone.
      const keep = job.pendingRetry.keep || (phase.failedTasks ?? 0) > 0;
      const hasChanges = earlier !== null && earlier.files.length + earlier.moreFiles > 0;
      let undoneRef: string | null = null;
      // The attempt's changes are still in the files (an undo that failed, or none was made).
      let isLeftInPlace = false;
      const attempt = phase.attempts - 1;
      if (job.worktree) {
        // A job in a worktree was rolled back before its retry, unless kept (WorktreeJobs.rollBack,
        // recorded in PhaseState.undone): the files are as the retry should start from.
        undoneRef = phase.undone?.find((undone) => undone.attempt === attempt)?.ref ?? null;
        isLeftInPlace = hasChanges && undoneRef === null;
      } else if (!keep && hasChanges && isGitWorkspace(this.cwd)) {
        const ref = undoneRefOf(job.id, phase.name, attempt);
        try {
          const undone = await undoChanges(this.cwd, earlier.before, this.excluded, ref, `jobline: ${job.id} ${phase.name} attempt ${attempt}, undone by its retry`);
          if (undone) {
            undoneRef = ref;
            await host.recordUndone({ attempt, ref, files: undone.files, at: host.now() });
            host.say('↩', `Undid ${phase.name} attempt ${attempt}'s changes to ${undone.files} file${undone.files === 1 ? '' : 's'} (kept as ${ref}); the retry starts from the files as they were before the phase`);
          }
        } catch (error) {
          isLeftInPlace = true;
          host.say('⚠', `Could not undo ${phase.name}'s earlier changes (${describeError(error)}); the retry starts from the files as they are`);
        }
      }
      previous = { output: phase.output, changes: earlier ? { before: earlier.before, after: earlier.after } : null, keep: keep || isLeftInPlace, undoneRef };
    }
    const baseline = earlier?.before ?? (isShared ? await snapshotWorkspace(this.cwd, this.excluded) : null);
    return { baseline, previous };
  }
}
