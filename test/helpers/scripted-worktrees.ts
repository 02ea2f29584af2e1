// A worktree port whose git answers the test scripts, for the job service's own decisions about
// worktrees and landings (what it records, in what order, what it says) in fast tests without
// git. What git itself does is tested on real repositories (test/integration/task-worktrees,
// merge-queue, merge-crash): this port only answers as git would, and records what it was asked.
import type { JobWorktree } from '../../src/jobs/model/job.js';
import type { Candidate, Move, MoveOptions, OrphanWorktree, PreparedMove, PlannedWorktree, WorktreeContents, WorktreePort, WorktreeSettings } from '../../src/jobs/ports/worktrees.js';

/** A commit id made of `n` (40 hex digits). */
export function commitId(n: number): string {
  return n.toString(16).padStart(40, '0');
}

/** The port (see the header). Each field is an answer the test may change; `calls` lists what was asked, in order. */
export class ScriptedWorktrees implements WorktreePort {
  settings: WorktreeSettings = { dir: '/worktrees', include: [], setup: null, merge: { auto: false, target: null, strategy: 'merge', check: null } };
  readonly calls: string[] = [];
  /** Folders that are git repositories. */
  repositories = new Set(['/work']);
  /** The planned worktree's target branch, and how many of the user's files it leaves out. */
  target: string | null = 'main';
  leftOut = 0;
  /** Worktrees made, and those set up, by path. */
  readonly made = new Set<string>();
  readonly setUp = new Set<string>();
  /** Whether create() throws (the worktree cannot be made). */
  createError: Error | null = null;
  /** What a phase's commit makes: a new commit (true), nothing (false), or an error. */
  phaseCommits: boolean | Error = true;
  private nextCommit = 100;
  /** Where branches are (readTarget). */
  readonly branches = new Map<string, string | null>([['main', commitId(1)]]);
  /** What inspect says, beside whether the worktree exists. */
  contents: Omit<WorktreeContents, 'exists'> = { commits: 1, uncommitted: [] };
  inspectError: Error | null = null;
  /** What a roll back keeps (null: nothing to keep). */
  kept: { ref: string; files: number } | null = { ref: 'refs/jobline/attempts/x', files: 2 };
  /** Landings: the positions said while waiting, the candidates and moves in order (then the defaults). */
  waitPositions: number[] = [];
  candidates: Array<Candidate | Error> = [];
  moves: Move[] = [];
  check = { isPassed: true, tail: '' };
  landingHeld = false;
  /** Where the target is checked out, as a built candidate says (null: nowhere, moved by compare-and-swap). */
  checkout: string | null = '/work';
  /** Files in conflict when a task lands, or when the target is merged in. */
  taskConflicts: string[] = [];
  mergeInConflicts: string[] = [];
  orphans: OrphanWorktree[] = [];

  private newCommit(): string {
    return commitId(this.nextCommit++);
  }

  async plan(cwd: string, base: 'head' | 'worktree', isolation: 'worktree' | 'task-worktree'): Promise<PlannedWorktree> {
    this.calls.push(`plan ${cwd} ${base} ${isolation}`);
    return { worktree: { base: commitId(1), baseBranch: 'main', repository: cwd, snapshot: base === 'worktree' ? commitId(2) : null, target: this.target, isolation }, leftOut: this.leftOut };
  }

  locate(name: string): { path: string; branch: string } {
    return { path: `${this.settings.dir}/${name}`, branch: `jobline/${name}` };
  }

  async isRepository(cwd: string): Promise<boolean> {
    return this.repositories.has(cwd);
  }

  async create(worktree: JobWorktree): Promise<boolean> {
    this.calls.push(`create ${worktree.path}`);
    if (this.createError) throw this.createError;
    if (this.made.has(worktree.path)) return false;
    this.made.add(worktree.path);
    this.branches.set(worktree.branch, worktree.snapshot ?? worktree.base);
    return true;
  }

  async isSetUp(worktree: JobWorktree): Promise<boolean> {
    return this.setUp.has(worktree.path);
  }

  async markSetUp(worktree: JobWorktree): Promise<void> {
    this.calls.push(`markSetUp ${worktree.path}`);
    this.setUp.add(worktree.path);
  }

  async commitPhase(worktree: JobWorktree, job: { id: string; name: string; phase: string; phaseIndex: number }): Promise<string | null> {
    this.calls.push(`commitPhase ${job.phase}`);
    if (this.phaseCommits instanceof Error) throw this.phaseCommits;
    if (!this.phaseCommits) return null;
    const commit = this.newCommit();
    this.branches.set(worktree.branch, commit);
    return commit;
  }

  async rollBack(worktree: JobWorktree, to: string, attempt: { jobId: string; phase: string; n: number }): Promise<{ ref: string; files: number } | null> {
    this.calls.push(`rollBack ${to.slice(-3)} ${attempt.phase} ${attempt.n}`);
    this.branches.set(worktree.branch, to);
    return this.kept;
  }

  async inspect(worktree: JobWorktree): Promise<WorktreeContents> {
    if (this.inspectError) throw this.inspectError;
    return { exists: this.made.has(worktree.path), ...this.contents };
  }

  async diff(worktree: JobWorktree, options: { isStat: boolean; isColour: boolean }): Promise<string> {
    return `diff of ${worktree.branch}${options.isStat ? ' (stat)' : ''}${options.isColour ? ' (colour)' : ''}\n`;
  }

  async remove(worktree: JobWorktree): Promise<void> {
    this.calls.push(`remove ${worktree.path}`);
    this.made.delete(worktree.path);
  }

  async withLandingTurn<T>(_worktree: JobWorktree, jobId: string, onPosition: (position: number) => void, work: () => Promise<T>): Promise<T> {
    this.calls.push(`turn ${jobId}`);
    for (const position of this.waitPositions) onPosition(position);
    return work();
  }

  isLandingHeld(): boolean {
    return this.landingHeld;
  }

  async buildCandidate(worktree: JobWorktree, job: { id: string; name: string }, target: string, strategy: string, backupRef?: string): Promise<Candidate> {
    this.calls.push(`build ${job.name} on ${target} by ${strategy}${backupRef ? ` backup ${backupRef}` : ''}`);
    const next = this.candidates.shift();
    if (next instanceof Error) throw next;
    return next ?? { kind: 'built', commit: this.newCommit(), oldTarget: this.branches.get(target) ?? commitId(1), checkout: this.checkout, ...(backupRef && !this.checkout ? { pendingBackup: backupRef } : {}) };
  }

  async runCheck(_worktree: JobWorktree, jobId: string, commit: string, command: string, logPath: string): Promise<{ isPassed: boolean; tail: string }> {
    this.calls.push(`check ${command} on ${commit.slice(-3)} log ${logPath}`);
    return this.check;
  }

  async writeBackup(_worktree: JobWorktree, jobId: string, commit: string): Promise<void> {
    this.calls.push(`backup ${jobId} ${commit.slice(-3)}`);
  }

  async moveTarget(_worktree: JobWorktree, target: string, from: string, to: string, message: string, options: MoveOptions = {}): Promise<Move> {
    this.calls.push(`move ${target} ${from.slice(-3)}→${to.slice(-3)} "${message}"${options.checkout !== undefined ? ` checkout ${options.checkout}` : ''}${options.backupRef ? ` with backup ${options.backupRef}` : ''}`);
    const move = this.moves.shift() ?? { kind: 'landed', through: 'ref', checkout: null };
    if (move.kind === 'landed') this.branches.set(target, to);
    return move;
  }

  prepareMove(worktree: JobWorktree, target: string, from: string, to: string, message: string, options: MoveOptions & { checkout: string | null }): PreparedMove {
    return { move: () => this.moveTarget(worktree, target, from, to, message, options), cancel: () => {} };
  }

  async readTarget(_worktree: JobWorktree, target: string): Promise<string | null> {
    return this.branches.get(target) ?? null;
  }

  async removeScratch(_worktree: JobWorktree, jobId: string): Promise<void> {
    this.calls.push(`removeScratch ${jobId}`);
  }

  async mergeTargetIn(worktree: JobWorktree, target: string): Promise<string[]> {
    this.calls.push(`mergeIn ${target} into ${worktree.branch}`);
    return this.mergeInConflicts;
  }

  async findOrphans(_cwd: string, isKnown: (jobName: string) => Promise<boolean>): Promise<OrphanWorktree[]> {
    const found: OrphanWorktree[] = [];
    for (const orphan of this.orphans) if (!(await isKnown(orphan.branch.replace(/^jobline\//, '')))) found.push(orphan);
    return found;
  }

  async removeOrphan(orphan: OrphanWorktree): Promise<void> {
    this.calls.push(`removeOrphan ${orphan.branch}`);
  }

  async createTaskWorktree(_worktree: JobWorktree, taskId: string): Promise<void> {
    this.calls.push(`taskWorktree ${taskId}`);
  }

  async landTask(_worktree: JobWorktree, taskId: string): Promise<string[]> {
    this.calls.push(`landTask ${taskId}`);
    return this.taskConflicts;
  }

  /** Files in conflict when a remote run's branch is merged in. */
  branchConflicts: string[] = [];

  async mergeBranch(_worktree: JobWorktree, source: string, taskId: string): Promise<string[]> {
    this.calls.push(`mergeBranch ${source} for ${taskId}`);
    return this.branchConflicts;
  }

  async removeTaskWorktree(_worktree: JobWorktree, taskId: string): Promise<void> {
    this.calls.push(`removeTaskWorktree ${taskId}`);
  }
}
