// Where a remote run works on its worker: the worker's own folder for a run that needs no
// repository (`"workspace": "none"`), else a git worktree of the worker's cache at the job's
// commit, fetched from the queue's git remote (one bare mirror per remote, shared by the runs);
// what the run changed is committed there and pushed back as `jobline/<job name>/<task id>`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOutcome } from '../ports/executor.js';
import type { RunPayload, RunResult } from './run-payload.js';
import { git, serialize } from './git-run.js';
import { commitRef } from './job-commit-push.js';

/** A run's workspace on a worker, ready. */
export interface PreparedWorkspace {
  cwd: string;
  /** True when its changes are recorded (git snapshots) as a local run's are. */
  isRecorded: boolean;
  /** Once the run ended: commits and pushes what it changed (a repository workspace), named in the result. */
  finish(outcome: RunOutcome): Promise<RunResult>;
  /** Removes what was made for the run. */
  release(): Promise<void>;
}

/** Prepares run `payload`'s workspace on this worker (`workdir`: its folder; `cacheDir`: its cache). */
export async function prepareWorkspace(payload: RunPayload, where: { workdir: string; cacheDir: string; name: string }): Promise<PreparedWorkspace> {
  const workspace = payload.workspace;
  if (workspace.kind === 'none') return { cwd: where.workdir, isRecorded: false, finish: async (outcome) => ({ outcome }), release: async () => {} };
  const mirror = join(where.cacheDir, 'repos', `${createHash('sha256').update(workspace.remote).digest('hex').slice(0, 16)}.git`);
  const tree = join(where.cacheDir, 'worktrees', payload.runKey);
  // Git's locks are per repository: the runs of this worker take turns on their mirror.
  await serialize(mirror, async () => {
    if (!existsSync(mirror)) {
      mkdirSync(mirror, { recursive: true, mode: 0o700 });
      await git(mirror, ['init', '--quiet', '--bare']);
    }
    const ref = commitRef(workspace.commit);
    await git(mirror, ['fetch', '--quiet', workspace.remote, `+${ref}:${ref}`]);
    rmSync(tree, { recursive: true, force: true });
    await git(mirror, ['worktree', 'prune']);
    await git(mirror, ['worktree', 'add', '--quiet', '--detach', tree, workspace.commit]);
  });
  const release = (): Promise<void> => serialize(mirror, async () => {
    await git(mirror, ['worktree', 'remove', '--force', tree]).catch(() => rmSync(tree, { recursive: true, force: true }));
  });
  return {
    cwd: workspace.subdir ? join(tree, workspace.subdir) : tree,
    isRecorded: payload.request.isWorkspaceRecorded !== false,
    release,
    async finish(outcome) {
      // Nothing changed: nothing to push.
      if ((await git(tree, ['status', '--porcelain', '--untracked-files=all'])) === '') return { outcome };
      const identity = ['-c', 'user.name=jobline', '-c', `user.email=jobline@${where.name}`];
      await git(tree, ['add', '-A']);
      await git(tree, [...identity, 'commit', '--quiet', '--no-verify', '-m', `${payload.request.jobName ?? payload.request.jobId} ${payload.request.taskId ?? ''}: ${(payload.request.command ?? payload.request.prompt).split('\n')[0]!.slice(0, 72)}\n\nRun ${payload.runKey} on worker ${where.name} (${outcome.kind}).`]);
      const commit = await git(tree, ['rev-parse', 'HEAD']);
      await git(tree, ['push', '--quiet', '--force', workspace.remote, `HEAD:refs/heads/${workspace.branch}`]);
      return { outcome, pushed: { branch: workspace.branch, commit } };
    },
  };
}
