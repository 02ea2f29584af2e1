// The worktree port: what the job service needs of git to give a job its own worktree, commit its
// phases, roll a retried phase back, and land its work through the merge queue, without knowing
// git. Implemented by src/git/git-worktrees.ts on the git command line (real repositories only:
// tests use temp repositories, never a fake).
import type { Job, JobWorktree, MergeStrategy } from '../model/job.js';

/** The settings of worktrees and landings (config `worktree` and `merge`). */
export interface WorktreeSettings {
  /** Absolute folder holding the worktrees. */
  dir: string;
  /** Globs of ignored paths copied into a new worktree. */
  include: string[];
  /** Command run in a new worktree before the first phase, or null. */
  setup: string | null;
  merge: { auto: boolean; target: string | null; strategy: MergeStrategy; check: string | null };
}

/** A job's worktree about to be made: the record but its place (see locate), and how many of the user's files are left out of it. */
export interface PlannedWorktree {
  worktree: Omit<JobWorktree, 'path' | 'branch'>;
  /** Uncommitted files of the checkout the job starts in that the worktree does not have (base head). */
  leftOut: number;
}

/** What a job's worktree holds (see WorktreeContents in src/git/worktree.ts). */
export interface WorktreeContents {
  exists: boolean;
  /** Commits of the job's branch since its start (the snapshot of the user's changes not counted). */
  commits: number;
  /** Uncommitted files in the worktree (the includes not counted). */
  uncommitted: string[];
}

/**
 * The result of building a landing's candidate. A built one says where the target was checked
 * out as it was built (`checkout`: a folder, or null for nowhere), and which
 * backup ref is still to write with the move (`pendingBackup`: the target is checked out nowhere,
 * so the git of its compare-and-swap writes the backup first, see PreparedMove.backedUp).
 */
export type Candidate =
  | { kind: 'built'; commit: string; oldTarget: string; checkout: string | null; pendingBackup?: string }
  | { kind: 'conflict'; files: string[]; oldTarget: string }
  | { kind: 'nothing' };

/** What a move of the target knows already (see WorktreePort.moveTarget). */
export interface MoveOptions {
  /** Where the target is checked out (a folder), or null for nowhere; absent: not known. */
  checkout?: string | null;
  /** A backup ref to write at `from` before the compare-and-swap, by the same git (see prepareMove). */
  backupRef?: string;
}

/** A move of the target prepared ahead (see WorktreePort.prepareMove). */
export interface PreparedMove {
  /**
   * Settles once the backup ref (MoveOptions.backupRef) is written, ahead of the move; rejects
   * with WorktreeError GIT_FAILED when it could not be. Absent: written with the move, or earlier.
   */
  backedUp?: Promise<void>;
  /** Moves the target (see WorktreePort.moveTarget). @throws WorktreeError GIT_FAILED. */
  move(): Promise<Move>;
  /** Gives the move up (after `move`, a no-op): nothing moves. */
  cancel(): void;
}

/** The result of moving the target to a candidate. */
export type Move =
  | { kind: 'landed'; through: 'checkout' | 'ref'; checkout: string | null }
  /** The target is no longer at the commit the candidate was built on: build again. */
  | { kind: 'moved'; now: string | null }
  /** The checkout where the target is checked out has uncommitted changes to `files`. */
  | { kind: 'blocked'; files: string[]; checkout: string };

/** A leftover of a crash: a worktree whose job folder is gone, or a jobline branch without its worktree. */
export interface OrphanWorktree {
  repository: string;
  branch: string;
  /** The worktree's folder, or null when only the branch is left. */
  path: string | null;
  /** Commits on the branch not on the branch it started from (what would be lost). */
  commits: number;
  uncommitted: number;
}

/** Git, as the job service uses it for worktrees and landings. */
export interface WorktreePort {
  readonly settings: WorktreeSettings;
  /**
   * Plans a job's worktree in the repository holding `cwd`, starting from the commit checked out
   * there (`base: 'worktree'`: with the user's uncommitted changes as a snapshot commit on it).
   * Changes nothing of the user's. @throws WorktreeError NOT_A_REPOSITORY outside git (or a
   * repository without commits), GIT_FAILED.
   */
  plan(cwd: string, base: 'head' | 'worktree', isolation: 'worktree' | 'task-worktree'): Promise<PlannedWorktree>;
  /**
   * Where job `name`'s worktree goes (`<dir>/<name>`) and its branch (`jobline/<name>`).
   * @throws WorktreeError WORKTREE_TAKEN when that folder exists already.
   */
  locate(name: string): { path: string; branch: string };
  /** True when `cwd` is inside a git work tree with a commit. Never throws. */
  isRepository(cwd: string): Promise<boolean>;
  /**
   * Makes the worktree if it does not exist yet and copies the includes into it. Returns true
   * when it was made now. @throws WorktreeError WORKTREE_TAKEN, GIT_FAILED.
   */
  create(worktree: JobWorktree): Promise<boolean>;
  /** True once the worktree's setup command succeeded (or it has none to run). */
  isSetUp(worktree: JobWorktree): Promise<boolean>;
  markSetUp(worktree: JobWorktree): Promise<void>;
  /**
   * Commits what the worktree holds beyond HEAD as `<job name>: <phase>` with the job id in a
   * trailer; returns the commit, or null when the phase changed nothing. @throws WorktreeError.
   */
  commitPhase(worktree: JobWorktree, job: { id: string; name: string; phase: string; phaseIndex: number }): Promise<string | null>;
  /**
   * Keeps what the worktree holds beyond `to` under refs/jobline/attempts/<job id>/<phase>/<n>
   * and moves it back to `to` (the previous phase's commit). Returns the ref and the number of
   * files it holds changed, or null when there was nothing to keep. @throws WorktreeError.
   */
  rollBack(worktree: JobWorktree, to: string, attempt: { jobId: string; phase: string; n: number }): Promise<{ ref: string; files: number } | null>;
  /** What the worktree holds. @throws WorktreeError GIT_FAILED. */
  inspect(worktree: JobWorktree): Promise<WorktreeContents>;
  /** The job's change against its start, as a diffstat or a patch. @throws WorktreeError. */
  diff(worktree: JobWorktree, options: { isStat: boolean; isColour: boolean }): Promise<string>;
  /** Removes the worktree and its branch (and any scratch worktree of the job). @throws WorktreeError. */
  remove(worktree: JobWorktree): Promise<void>;
  /**
   * Runs `work` holding the landing claim of the worktree's repository (one landing at a time
   * per repository, across processes), telling `onPosition` its place in the queue while it
   * waits (1: next). @throws StoreError, and whatever `work` throws.
   */
  withLandingTurn<T>(worktree: JobWorktree, jobId: string, onPosition: (position: number) => void, work: () => Promise<T>): Promise<T>;
  /** True while some live process holds the landing claim of the worktree's repository. */
  isLandingHeld(worktree: JobWorktree): boolean;
  /**
   * Builds the candidate of landing the job's commits on `target` with `strategy`, touching no
   * checkout but the job's own worktree (where its commits may be replayed onto the target).
   * `backupRef`: the backup of the target (at the commit it is at), written no later than the
   * target moves: while the candidate is built where the target is checked out (it then moves
   * through that checkout), else with the move, in the compare-and-swap's own transaction (see
   * the candidate's `pendingBackup`).
   * @throws WorktreeError NO_TARGET, WORKTREE_DIRTY, GIT_FAILED.
   */
  buildCandidate(worktree: JobWorktree, job: { id: string; name: string }, target: string, strategy: MergeStrategy, backupRef?: string): Promise<Candidate>;
  /**
   * Runs `command` in a scratch worktree at `commit` (the includes copied from the job's
   * worktree), its output to `logPath`; the scratch worktree is removed after. Resolves with
   * whether it passed and its last 20 lines. `signal` aborts it (killed).
   */
  runCheck(worktree: JobWorktree, jobId: string, commit: string, command: string, logPath: string, signal?: AbortSignal): Promise<{ isPassed: boolean; tail: string }>;
  /** Writes refs/jobline/before/<job id> at `commit` (what the target was before). @throws WorktreeError. */
  writeBackup(worktree: JobWorktree, jobId: string, commit: string): Promise<void>;
  /**
   * Moves branch `target` from `from` to `to`: through the checkout where it is checked out
   * (`merge --ff-only`, which moves files and branch together and refuses to overwrite the user's
   * changes), else by compare-and-swap of the ref. Never resets, stashes or overwrites anything
   * of the user's. `options.checkout`: where the target is checked out, as the candidate found
   * it (absent: asked here); `options.backupRef`: a backup ref written at `from` before a
   * compare-and-swap, by the same git. @throws WorktreeError GIT_FAILED.
   */
  moveTarget(worktree: JobWorktree, target: string, from: string, to: string, message: string, options?: MoveOptions): Promise<Move>;
  /**
   * The same move as moveTarget, where the candidate said where the target is checked out,
   * prepared ahead: git may be started now, but nothing moves before `move` (the landing records
   * its step first, and starting git overlaps that). `cancel` once it is not needed.
   */
  prepareMove(worktree: JobWorktree, target: string, from: string, to: string, message: string, options: MoveOptions & { checkout: string | null }): PreparedMove;
  /** The commit branch `target` is at now, or null. @throws WorktreeError GIT_FAILED. */
  readTarget(worktree: JobWorktree, target: string): Promise<string | null>;
  /** Removes what a landing of job `jobId` left behind (scratch worktrees). Never throws. */
  removeScratch(worktree: JobWorktree, jobId: string): Promise<void>;
  /**
   * Merges `target` into the job's branch in its worktree, leaving conflict markers; returns the
   * files in conflict (empty: it merged cleanly, and the merge is committed). @throws WorktreeError.
   */
  mergeTargetIn(worktree: JobWorktree, target: string): Promise<string[]>;
  /**
   * The job worktrees and `jobline/*` branches of the repository at `cwd` whose job `isKnown`
   * says is gone (a crash took its folder); `isKnown` gets the job name the branch is named
   * after. Never throws: none then.
   */
  findOrphans(cwd: string, isKnown: (jobName: string) => Promise<boolean>): Promise<OrphanWorktree[]>;
  /** Removes an orphan's worktree and branch. @throws WorktreeError. */
  removeOrphan(orphan: OrphanWorktree): Promise<void>;
  /**
   * Makes task `taskId`'s own worktree (see taskWorktreeOf) off the job branch as it is now, the
   * includes copied from the job's worktree (a leftover of an earlier run goes first).
   * @throws WorktreeError.
   */
  createTaskWorktree(worktree: JobWorktree, taskId: string): Promise<void>;
  /**
   * Commits what task `taskId`'s worktree holds (`message`) and merges it into the job's branch,
   * through the job's worktree, under the repository's landing turn; the task's worktree goes
   * once merged. Returns the files of a conflict (none: merged). @throws WorktreeError.
   */
  landTask(worktree: JobWorktree, taskId: string, message: string): Promise<string[]>;
  /**
   * Merges `source` (a branch name, or a full ref such as `refs/jobline/fetched/…`) into the job's
   * branch, through the job's worktree, under the repository's landing turn (`taskId` names the
   * turn): a run's work committed elsewhere (a worker on another machine). Returns the files of a
   * conflict (none: merged, or nothing to merge). @throws WorktreeError.
   */
  mergeBranch(worktree: JobWorktree, source: string, taskId: string): Promise<string[]>;
  /** Removes task `taskId`'s worktree and branch, if any. Never throws. */
  removeTaskWorktree(worktree: JobWorktree, taskId: string): Promise<void>;
}

/**
 * What the jobs folder asks before it removes a job (`/clean`, delete, the storage policy): a job
 * whose worktree holds work not landed is kept, and one that may go takes its worktree with it.
 */
export interface WorktreeGuard {
  /** Why job `job` must be kept (a sentence), or null: it may be removed. Never throws (kept when git cannot say). */
  whyKeep(job: Job): Promise<string | null>;
  /** Removes job `job`'s worktree and branch, before its folder goes. @throws WorktreeError. */
  remove(job: Job): Promise<void>;
}
