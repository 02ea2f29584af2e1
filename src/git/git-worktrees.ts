// The worktree port on the git command line (see src/jobs/ports/worktrees.ts): the adapter the
// composition root hands the job service. Each operation is one of the git modules beside it.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WorktreeError } from '../errors.js';
import { taskWorktreeOf, type JobWorktree, type MergeStrategy } from '../jobs/model/job.js';
import type { Candidate, Move, MoveOptions, OrphanWorktree, PreparedMove, PlannedWorktree, WorktreeContents, WorktreePort, WorktreeSettings } from '../jobs/ports/worktrees.js';
import { gitSync, gitText, runGit, splitNul } from './git-cli.js';
import { copyIncludes } from './include-copy.js';
import { buildCandidate, mergeTargetIn, moveTarget, prepareMove, writeBackupRef } from './landing.js';
import { isLandingHeld, withLandingTurn } from './landing-turn.js';
import { removeScratchWorktree, runCheck, scratchPathOf } from './check-run.js';
import { findRepository, listUncommitted, readRef, snapshotUncommitted } from './repository.js';
import { addWorktree, commitAll, diffWorktree, isSetUp, keepAndReset, listWorktrees, markSetUp, readContents, removeWorktree, type WorktreeRef } from './worktree.js';

/** The branch prefix of job worktrees. */
export const JOB_BRANCH_PREFIX = 'jobline/';

// The ref form the git modules use: the branch starts at the snapshot when there is one.
function refOf(worktree: JobWorktree): WorktreeRef {
  return { path: worktree.path, branch: worktree.branch, repository: worktree.repository, start: worktree.snapshot ?? worktree.base };
}

/** Git worktrees and landings for the job service. */
export class GitWorktrees implements WorktreePort {
  private readonly commonDirs = new Map<string, string>();

  constructor(readonly settings: WorktreeSettings) {}

  async plan(cwd: string, base: 'head' | 'worktree', isolation: 'worktree' | 'task-worktree'): Promise<PlannedWorktree> {
    const repository = await findRepository(cwd);
    if (!repository) throw new WorktreeError('NOT_A_REPOSITORY', `${cwd} is not in a git repository: a job runs in a worktree of its own only in one. Run it with --isolation none (/isolation none), or start jobline in a repository.`);
    const snapshot = base === 'worktree' ? await snapshotUncommitted(repository) : null;
    const leftOut = base === 'head' ? (await listUncommitted(repository.top)).length : 0;
    return { worktree: { base: repository.head, baseBranch: repository.branch, repository: repository.top, snapshot, target: this.settings.merge.target ?? repository.branch, isolation }, leftOut };
  }

  locate(name: string): { path: string; branch: string } {
    const path = join(this.settings.dir, name);
    if (existsSync(path)) throw new WorktreeError('WORKTREE_TAKEN', `The job's worktree ${path} exists already; remove it, or give the job another --name.`);
    return { path, branch: `${JOB_BRANCH_PREFIX}${name}` };
  }

  async isRepository(cwd: string): Promise<boolean> {
    try {
      return (await findRepository(cwd)) !== null;
    } catch {
      return false;
    }
  }

  async create(worktree: JobWorktree): Promise<boolean> {
    if (this.settings.include.length === 0 || existsSync(worktree.path)) {
      const isMade = await addWorktree(refOf(worktree));
      if (isMade) await copyIncludes(worktree.repository, worktree.path, this.settings.include);
      return isMade;
    }
    // The includes are copied beside the worktree while git checks it out (two processes at
    // once), then moved into it: a rename each.
    const staging = `${worktree.path}.includes`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true, mode: 0o700 });
    try {
      const [isMade, copied] = await Promise.all([addWorktree(refOf(worktree)), copyIncludes(worktree.repository, staging, this.settings.include)]);
      if (isMade) {
        for (const { path } of copied) {
          mkdirSync(dirname(join(worktree.path, path)), { recursive: true });
          rmSync(join(worktree.path, path), { recursive: true, force: true });
          renameSync(join(staging, path), join(worktree.path, path));
        }
      }
      return isMade;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  isSetUp(worktree: JobWorktree): Promise<boolean> {
    return isSetUp(worktree.path);
  }

  markSetUp(worktree: JobWorktree): Promise<void> {
    return markSetUp(worktree.path);
  }

  commitPhase(worktree: JobWorktree, job: { id: string; name: string; phase: string; phaseIndex: number }): Promise<string | null> {
    return commitAll(worktree.path, `${job.name}: ${job.phase}\n\nJobline-Job: ${job.id}\nJobline-Phase: ${job.phaseIndex + 1} ${job.phase}\n`, this.settings.include);
  }

  rollBack(worktree: JobWorktree, to: string, attempt: { jobId: string; phase: string; n: number }): Promise<{ ref: string; files: number } | null> {
    return keepAndReset(worktree.path, `refs/jobline/attempts/${attempt.jobId}/${attempt.phase}/${attempt.n}`, to, `attempt ${attempt.n} of ${attempt.phase}, kept when it was retried\n\nJobline-Job: ${attempt.jobId}\n`, this.settings.include);
  }

  inspect(worktree: JobWorktree): Promise<WorktreeContents> {
    return readContents(refOf(worktree), this.settings.include);
  }

  diff(worktree: JobWorktree, options: { isStat: boolean; isColour: boolean }): Promise<string> {
    return diffWorktree(refOf(worktree), options.isStat, options.isColour);
  }

  async remove(worktree: JobWorktree): Promise<void> {
    await removeWorktree(refOf(worktree));
  }

  withLandingTurn<T>(worktree: JobWorktree, jobId: string, onPosition: (position: number) => void, work: () => Promise<T>): Promise<T> {
    return withLandingTurn(this.commonDirOf(worktree.repository), jobId, onPosition, work);
  }

  isLandingHeld(worktree: JobWorktree): boolean {
    try {
      return isLandingHeld(this.commonDirOf(worktree.repository));
    } catch {
      return false;
    }
  }

  buildCandidate(worktree: JobWorktree, job: { id: string; name: string }, target: string, strategy: MergeStrategy, backupRef?: string): Promise<Candidate> {
    return buildCandidate(worktree, job, target, strategy, backupRef);
  }

  runCheck(worktree: JobWorktree, jobId: string, commit: string, command: string, logPath: string, signal?: AbortSignal): Promise<{ isPassed: boolean; tail: string }> {
    return runCheck({ repo: worktree.repository, scratch: scratchPathOf(this.settings.dir, jobId), commit, command, logPath, include: this.settings.include, includeSource: existsSync(worktree.path) ? worktree.path : worktree.repository, ...(signal ? { signal } : {}) });
  }

  async writeBackup(worktree: JobWorktree, jobId: string, commit: string): Promise<void> {
    await writeBackupRef(worktree.repository, `refs/jobline/before/${jobId}`, commit);
  }

  moveTarget(worktree: JobWorktree, target: string, from: string, to: string, message: string, options?: MoveOptions): Promise<Move> {
    return moveTarget(worktree.repository, target, from, to, message, options);
  }

  prepareMove(worktree: JobWorktree, target: string, from: string, to: string, message: string, options: MoveOptions & { checkout: string | null }): PreparedMove {
    return prepareMove(worktree.repository, target, from, to, message, options);
  }

  readTarget(worktree: JobWorktree, target: string): Promise<string | null> {
    return readRef(worktree.repository, `refs/heads/${target}`);
  }

  async removeScratch(worktree: JobWorktree, jobId: string): Promise<void> {
    await removeScratchWorktree(worktree.repository, scratchPathOf(this.settings.dir, jobId));
  }

  mergeTargetIn(worktree: JobWorktree, target: string): Promise<string[]> {
    return mergeTargetIn(worktree.path, worktree.branch, target);
  }

  async findOrphans(cwd: string, isKnown: (jobName: string) => Promise<boolean>): Promise<OrphanWorktree[]> {
    try {
      // One git call at a start (outside git it fails, and there is nothing to find).
      const branches = splitNul(await gitText(cwd, ['for-each-ref', '--format=%(refname:short)%00', `refs/heads/${JOB_BRANCH_PREFIX}`])).map((line) => line.trim()).filter(Boolean);
      if (branches.length === 0) return [];
      const repo = await gitText(cwd, ['rev-parse', '--show-toplevel']);
      const worktrees = await listWorktrees(repo);
      const orphans: OrphanWorktree[] = [];
      for (const branch of branches) {
        // A task's branch (`<job>-t3`) belongs to its job.
        const name = branch.slice(JOB_BRANCH_PREFIX.length);
        if ((await isKnown(name)) || (/-t\d+$/.test(name) && (await isKnown(name.replace(/-t\d+$/, ''))))) continue;
        const checkout = worktrees.find((entry) => entry.branch === branch && !entry.isPrunable);
        const commits = Number(await gitText(repo, ['rev-list', '--count', branch, '--not', `--exclude=${JOB_BRANCH_PREFIX}*`, '--branches']));
        const uncommitted = checkout && existsSync(checkout.path) ? (await listUncommitted(checkout.path)).length : 0;
        orphans.push({ repository: repo, branch, path: checkout?.path ?? null, commits, uncommitted });
      }
      return orphans;
    } catch {
      return [];
    }
  }

  async removeOrphan(orphan: OrphanWorktree): Promise<void> {
    const listed = (await listWorktrees(orphan.repository)).find((entry) => entry.branch === orphan.branch);
    // Git prunes only what it reports prunable (its folder gone); a live worktree is removed as such.
    if (listed?.isPrunable) await runGit(orphan.repository, ['worktree', 'prune']);
    else if (listed) await runGit(orphan.repository, ['worktree', 'remove', '--force', '--force', listed.path]);
    if (await readRef(orphan.repository, `refs/heads/${orphan.branch}`)) await runGit(orphan.repository, ['branch', '--quiet', '-D', orphan.branch]);
  }

  async createTaskWorktree(worktree: JobWorktree, taskId: string): Promise<void> {
    await this.removeTaskWorktree(worktree, taskId);
    const place = taskWorktreeOf(worktree, taskId);
    const tip = await readRef(worktree.repository, `refs/heads/${worktree.branch}`);
    if (!tip) throw new WorktreeError('NOT_LANDABLE', `The job's branch ${worktree.branch} is gone.`);
    await addWorktree({ ...place, repository: worktree.repository, start: tip });
    await copyIncludes(worktree.path, place.path, this.settings.include);
  }

  async landTask(worktree: JobWorktree, taskId: string, message: string): Promise<string[]> {
    const place = taskWorktreeOf(worktree, taskId);
    await commitAll(place.path, message, this.settings.include);
    const files = await this.mergeBranch(worktree, place.branch, taskId);
    if (files.length === 0) await this.removeTaskWorktree(worktree, taskId);
    return files;
  }

  async mergeBranch(worktree: JobWorktree, source: string, taskId: string): Promise<string[]> {
    // Only a merge's commit is built here (never a replay), so the source needs no worktree of its own.
    const from = { repository: worktree.repository, path: worktree.path, branch: source, snapshot: null };
    return this.withLandingTurn(worktree, `${taskId}-of-${worktree.branch.replace(/\//g, '-')}`, () => {}, async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const candidate = await buildCandidate(from, { id: taskId, name: source }, worktree.branch, 'merge');
        if (candidate.kind === 'nothing') return [];
        if (candidate.kind === 'conflict') return candidate.files;
        const move = await moveTarget(worktree.repository, worktree.branch, candidate.oldTarget, candidate.commit, `jobline: merge ${source}`, { checkout: candidate.checkout });
        if (move.kind === 'landed') return [];
        if (move.kind === 'blocked') return move.files;
      }
      throw new WorktreeError('GIT_FAILED', `${worktree.branch} kept moving while ${source} was merged into it.`);
    });
  }

  async removeTaskWorktree(worktree: JobWorktree, taskId: string): Promise<void> {
    const place = taskWorktreeOf(worktree, taskId);
    await removeWorktree({ ...place, repository: worktree.repository, start: worktree.base }).catch(() => {});
  }

  // The common git folder of the repository at `top` (asked once).
  private commonDirOf(top: string): string {
    let dir = this.commonDirs.get(top);
    if (!dir) {
      dir = gitSync(top, ['rev-parse', '--path-format=absolute', '--git-common-dir']).trim();
      this.commonDirs.set(top, dir);
    }
    return dir;
  }
}
