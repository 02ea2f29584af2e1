// The merge queue: lands a job's worktree work on its target branch, one landing at a time per
// repository (across processes), each step recorded in the job (job.json and its events) before
// the next starts: queued (when it waits), built (the candidate, and the backup of the target in
// refs/jobline/before/<id>), checked (merge.check passed on exactly that commit), landed. After a kill -9 at any step the
// target is at the old commit or the new one, and recoverLanding says which (see the README's
// "Worktrees and merging"). The job's record is changed on the jobs folder under its claim
// (commitSync), so any process may land any ended job.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ManagerError, WorktreeError, describeError } from '../../errors.js';
import { isActiveStatus, type Job, type JobMerge, type JobWorktree } from '../model/job.js';
import type { JobEvent } from '../model/job-event.js';
import type { JobAction } from '../model/transitions.js';
import type { JobRepository } from '../ports/repository.js';
import type { Move, WorktreePort } from '../ports/worktrees.js';
import { commitSync, settleStoredJob, type StoredJob } from './job-commit.js';

/** Most times a landing is built again because its target moved meanwhile. */
export const MAX_LANDING_TRIES = 3;

/** The environment variable that pauses a landing at a named step (tests only: they kill -9 it there). */
export const PAUSE_ENV = 'JOBLINE_TEST_PAUSE_LANDING';

/** What the merge queue needs of the job service. */
export interface MergeQueueDeps {
  port: WorktreePort;
  repository: JobRepository;
  /** The current time (ISO-8601 UTC). */
  now(): string;
  /** A change of a job landed on disk: the session takes it (if it holds the job) and reports its events. */
  committed(job: Job, events: JobEvent[]): void;
  /** Says how a landing goes (its queue position), as an activity of the job. */
  activity(job: Job, icon: string, text: string): void;
  /** A landing of this process ended (whoever waits for the session to be idle looks again). */
  settled?(): void;
}

/** The merge queue of one process (see the header). */
export class MergeQueue {
  /** Landings under way in this process, by job id. */
  private readonly landings = new Map<string, Promise<Job>>();

  constructor(private readonly deps: MergeQueueDeps) {}

  /** True while this process lands some job. */
  get isBusy(): boolean {
    return this.landings.size > 0;
  }

  /** Resolves once every landing under way here has ended. */
  async whenIdle(): Promise<void> {
    while (this.landings.size > 0) await Promise.allSettled([...this.landings.values()]);
  }

  /**
   * Lands job `id`'s work (see the header) and resolves with the job as it ends: `landed`, or
   * `conflict`, `check failed`, `blocked`, or `ready` with an error (the target kept moving).
   * @throws ManagerError NOT_LANDABLE (no worktree, not completed, already landed or discarded,
   *   landing already), WorktreeError NO_TARGET, WORKTREE_DIRTY, GIT_FAILED (the job says why);
   *   StoreError CLAIM_BUSY, JOB_IO.
   */
  land(id: string): Promise<Job> {
    const under = this.landings.get(id);
    if (under) return under;
    const landing = this.runLanding(id).finally(() => {
      this.landings.delete(id);
      this.deps.settled?.();
    });
    this.landings.set(id, landing);
    return landing;
  }

  private async runLanding(id: string): Promise<Job> {
    const { port } = this.deps;
    // Read without the job's claim (nothing is written on it here): a landing without a check
    // takes the claim once its turn comes, and holds it to its end.
    const start = await this.deps.repository.load(id);
    const refusal = whyNotLandable(start, port);
    if (refusal) throw new ManagerError('NOT_LANDABLE', refusal);
    const target = start.merge?.target ?? start.worktree!.target;
    if (!target) throw new WorktreeError('NO_TARGET', `${id} has no branch to land on (it started on a detached HEAD): set merge.target in the config.`);
    const worktree = start.worktree!;
    let isQueued = false;
    try {
      return await port.withLandingTurn(worktree, id, (position) => {
        // Waiting behind another landing: recorded (the job is checking, queued) and said.
        if (!isQueued) {
          isQueued = true;
          void this.record(id, { ...this.landing(target), step: 'queued' }, false).catch(() => {});
        }
        this.deps.activity(start, '⏳', `waiting to land on ${target}: position ${position}`);
      }, () => this.landInTurn(id, worktree, target, isQueued ? null : start));
    } catch (error) {
      // Whatever stopped it, nothing landed unless the target says so: the job says why.
      await this.settleInterrupted(id, `the landing stopped: ${describeError(error)}`).catch(() => {});
      throw error;
    }
  }

  // A landing's merge record as it starts (its conflicts are cleared by setMerge: it is not in conflict).
  private landing(target: string): Partial<JobMerge> {
    return { status: 'checking', target, commit: null, checkedCommit: null, landedAt: null, strategy: this.deps.port.settings.merge.strategy, error: null };
  }

  // The steps, holding the repository's landing turn. Without a check a landing lasts
  // milliseconds: it holds the job's claim throughout and records each step on the state it holds
  // (nothing else changes the job meanwhile, so it is not read again). With one (minutes), each
  // record takes the claim and reads the job afresh.
  private async landInTurn(id: string, worktree: JobWorktree, target: string, read: Job | null): Promise<Job> {
    if (this.deps.port.settings.merge.check) {
      // A landing that waited reads the job again (another may have landed it meanwhile).
      return this.landSteps(id, worktree, target, read ?? (await this.read(id)), (patch, isDurable) => this.record(id, patch, isDurable));
    }
    return this.deps.repository.withJobClaim(id, async () => {
      let stored = await this.readStored(id);
      return this.landSteps(id, worktree, target, stored.state.job, async (patch, isDurable = true) => {
        stored = this.commitStored(stored, (job) => [setMerge({ ...(job.merge ?? freshMerge()), ...patch })], isDurable);
        return stored.state.job;
      });
    });
  }

  // The steps: the candidate (the backup of the target written with it, or with the move), the
  // check, the move. Each is recorded (`record`) before the next starts; the records before the
  // last are fsynced but not their rename (a crash of the process keeps them; the last, durable,
  // says how it ended).
  private async landSteps(id: string, worktree: JobWorktree, target: string, read: Job, record: (patch: Partial<JobMerge>, isDurable?: boolean) => Promise<Job>): Promise<Job> {
    const { port } = this.deps;
    const { strategy, check } = port.settings.merge;
    let job = read;
    // Landed (or discarded) by another process while this one waited its turn.
    if (job.merge?.status === 'landed' || job.merge?.status === 'discarded') return job;
    for (let attempt = 1; attempt <= MAX_LANDING_TRIES; attempt++) {
      const candidate = await port.buildCandidate(worktree, { id, name: job.name ?? id }, target, strategy, `refs/jobline/before/${id}`);
      if (candidate.kind === 'nothing') {
        const now = await port.readTarget(worktree, target);
        return record({ ...this.landing(target), status: 'landed', commit: now, landedAt: this.deps.now(), step: 'landed', error: 'nothing to land: the target has all of its work already' });
      }
      if (candidate.kind === 'conflict') {
        return record({ ...this.landing(target), status: 'conflict', conflicts: candidate.files, oldTarget: candidate.oldTarget, step: 'built', error: `merging into ${target} conflicts in ${candidate.files.length} file${candidate.files.length === 1 ? '' : 's'}: ${candidate.files.slice(0, 10).join(', ')}` });
      }
      const message = `jobline: land ${job.name ?? id} (${id})`;
      // Where the target is checked out, as the candidate found it, decides how it moves; where it
      // moves by compare-and-swap, the backup is written by the same git, first.
      const moveOptions = { checkout: candidate.checkout, ...(candidate.pendingBackup ? { backupRef: candidate.pendingBackup } : {}) };
      // Without a check, the move's git starts while the candidate is recorded: it moves nothing
      // before it is told to, once the record is on disk (a crash meanwhile ends it unused).
      const prepared = check ? null : port.prepareMove(worktree, target, candidate.oldTarget, candidate.commit, message, moveOptions);
      let move: Move;
      try {
        job = await record({ ...this.landing(target), commit: candidate.commit, oldTarget: candidate.oldTarget, step: 'built' }, false);
        // The backup exists from the built step on (written while the step was recorded).
        await prepared?.backedUp;
        await pauseIfAsked('built', this.folderOf(id));
        if (check) {
          const result = await port.runCheck(worktree, id, candidate.commit, check, join(this.folderOf(id), 'merge-check.log'));
          if (!result.isPassed) {
            return record({ status: 'check failed', step: 'checked', error: `merge.check \`${check}\` failed on ${candidate.commit.slice(0, 12)} (full log: ${join(this.folderOf(id), 'merge-check.log')}); its last lines:\n${result.tail}` });
          }
          job = await record({ checkedCommit: candidate.commit, step: 'checked' }, false);
          await pauseIfAsked('checked', this.folderOf(id));
        }
        move = await (prepared ?? port.prepareMove(worktree, target, candidate.oldTarget, candidate.commit, message, moveOptions)).move();
      } finally {
        prepared?.cancel();
      }
      if (move.kind === 'landed') {
        await pauseIfAsked('moved', this.folderOf(id));
        return record({ status: 'landed', landedAt: this.deps.now(), step: 'landed', error: null });
      }
      if (move.kind === 'blocked') {
        return record({ status: 'blocked', conflicts: move.files, step: 'moving', error: `nothing landed: your uncommitted changes in ${move.checkout} to ${move.files.slice(0, 10).join(', ')} would be overwritten. Commit or stash them, then jobline merge ${id}.` });
      }
      job = await record({ step: 'moved', error: `${target} moved while the landing was built; building it again` }, false);
    }
    return record({ status: 'ready', step: null, error: `${target} moved ${MAX_LANDING_TRIES} times while the landing was being built and checked; nothing landed. Try again: jobline merge ${id}.` });
  }

  /**
   * Settles a landing of `job` that no live process carries on (a crash, a kill -9): the target
   * at the candidate means it landed; anywhere else, nothing landed (ready again, saying so). Its
   * scratch worktree is removed. Returns the job as it then is (unchanged when there was nothing
   * to settle, or the landing is still under way somewhere). Never throws for a git failure.
   */
  async recoverLanding(job: Job): Promise<Job> {
    if (job.merge?.status !== 'checking' || !job.worktree || this.landings.has(job.id) || this.deps.port.isLandingHeld(job.worktree)) return job;
    return this.settleInterrupted(job.id, 'the landing was interrupted (its jobline stopped)');
  }

  // Settles job `id`'s landing from where its target is (see recoverLanding).
  private async settleInterrupted(id: string, why: string): Promise<Job> {
    const job = await this.read(id);
    const { merge, worktree } = job;
    if (merge?.status !== 'checking' || !worktree) return job;
    await this.deps.port.removeScratch(worktree, id);
    // Stryker disable next-line ArrowFunction: undefined for null is the same here: neither is a commit that equals merge.commit
    const now = merge.target ? await this.deps.port.readTarget(worktree, merge.target).catch(() => null) : null;
    if (merge.commit && now === merge.commit) return this.record(id, { status: 'landed', landedAt: this.deps.now(), step: 'landed', error: null });
    return this.record(id, { status: 'ready', step: null, error: `${why}; nothing landed (${merge.target} is where it was). jobline merge ${id} lands it.` });
  }

  /**
   * Removes job `id`'s worktree and branch (its work is gone; the job stays, `discarded`).
   * @throws ManagerError NOT_LANDABLE for a job without a worktree, an active job, or one landing.
   */
  async discard(id: string): Promise<Job> {
    const job = await this.read(id);
    if (!job.worktree) throw new ManagerError('NOT_LANDABLE', `${id} runs in place: it has no worktree to discard.`);
    if (isActiveStatus(job.status)) throw new ManagerError('NOT_LANDABLE', `${id} is ${job.status.replace('_', ' ')}: cancel it first, then discard its work.`);
    if (this.landings.has(id) || (job.merge?.status === 'checking' && this.deps.port.isLandingHeld(job.worktree))) throw new ManagerError('NOT_LANDABLE', `${id} is being landed; discard it once that ended.`);
    await this.deps.port.removeScratch(job.worktree, id);
    await this.deps.port.remove(job.worktree);
    if (job.merge?.status === 'landed') return job;
    return this.record(id, { status: 'discarded', step: null, error: null, target: job.merge?.target ?? job.worktree.target });
  }

  // Job `id`'s merge record changed by `patch` (a job without one gets a fresh record), on disk
  // and reported before this resolves.
  private record(id: string, patch: Partial<JobMerge>, isDurable = true): Promise<Job> {
    return this.change(id, (job) => [setMerge({ ...(job.merge ?? freshMerge()), ...patch })], isDurable);
  }

  // Reads job `id` as stored.
  private async read(id: string): Promise<Job> {
    return this.deps.repository.withJobClaim(id, async () => (await this.readStored(id)).state.job);
  }

  // Job `id` as stored, for a change under its claim. A landing changes only the job's merge
  // record, never its tasks: an ended job's board is not read (a landing's steps stay cheap).
  private async readStored(id: string): Promise<StoredJob> {
    const { job } = this.deps.repository.readForUpdate(id);
    if (isActiveStatus(job.status)) return settleStoredJob(this.deps.repository, id, this.deps.now());
    return { state: { job, board: { tasks: [], runs: [] } }, isBoardRecorded: true };
  }

  // One change of job `id`, decided on a fresh read under its claim, written, then reported.
  private change(id: string, decide: (job: Job) => JobAction[], isDurable: boolean): Promise<Job> {
    return this.deps.repository.withJobClaim(id, async () => this.commitStored(await this.readStored(id), decide, isDurable).state.job);
  }

  // One change of a job as stored (its claim held), written, then reported; returns it as stored then.
  private commitStored(stored: StoredJob, decide: (job: Job) => JobAction[], isDurable: boolean): StoredJob {
    const result = commitSync(this.deps.repository, stored, decide(stored.state.job), this.deps.now(), [], isDurable);
    this.deps.committed(result.stored.state.job, result.events);
    return result.stored;
  }

  private folderOf(id: string): string {
    return dirname(this.deps.repository.outputPathOf(id));
  }
}

/** Why job `job`'s work cannot be landed now (a sentence), or null. */
export function whyNotLandable(job: Job, port: Pick<WorktreePort, 'isLandingHeld'>): string | null {
  if (!job.worktree) return `${job.id} ran in place, not in a worktree of its own: there is nothing to land.`;
  if (job.status !== 'completed') return `${job.id} is ${job.status.replace('_', ' ')}: only a completed job's work lands${job.status === 'awaiting_approval' ? ' (approve its last phase, or press m in its box)' : ''}.`;
  const status = job.merge?.status;
  if (!job.merge && !job.phases.some((phase) => phase.commit)) return `${job.id} changed nothing: there is nothing to land.`;
  if (status === 'landed') return `${job.id} has landed already (${job.merge!.commit?.slice(0, 12) ?? ''} on ${job.merge!.target}).`;
  if (status === 'discarded') return `${job.id}'s work was discarded.`;
  if (status === 'checking' && port.isLandingHeld(job.worktree)) return `${job.id} is being landed already.`;
  return null;
}

// A job's merge record before its first one: every first record names its status and target (a
// landing's start, or a discard), and setMerge clears the conflicts of any but a conflict or a block.
function freshMerge(): JobMerge {
  // Stryker disable next-line StringLiteral,ArrayDeclaration: the status and the conflicts are always replaced (see above)
  return { status: 'ready', target: null, commit: null, conflicts: [], checkedCommit: null, landedAt: null };
}

function setMerge(merge: JobMerge): JobAction {
  return { type: 'setMerge', merge: { ...merge, conflicts: merge.status === 'conflict' || merge.status === 'blocked' ? merge.conflicts : [] } };
}

// Tests only: the landing stops at step `step` (a file in the job's folder says it got there),
// so a test can kill -9 the process exactly there.
async function pauseIfAsked(step: string, folder: string): Promise<void> {
  if (process.env[PAUSE_ENV] !== step) return;
  writeFileSync(join(folder, `landing-paused-at-${step}`), `${process.pid}\n`);
  // Held there (a timer keeps the process alive) until the test kills it.
  await new Promise(() => setInterval(() => {}, 60_000));
}
