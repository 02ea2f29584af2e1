// On the coordinator: where a run sent through the queue will work, and what comes back of it. A
// run that needs the repository gets the job's commit (HEAD of the job's repository at its first
// remote run), pushed to the queue's git remote for its worker to fetch; the branch its worker
// pushes back (`jobline/<job name>/<task id>`) is fetched into the job's repository. A run that
// needs none (`"workspace": "none"`), or whose job is not in a git repository, or without a
// `queue.gitRemote`, runs in its worker's own folder.
import { relative } from 'node:path';
import type { PhaseRequest } from '../ports/executor.js';
import type { RemoteWorkspace } from './run-payload.js';
import type { QueueSettings } from './queue-settings.js';
import { git, serialize } from './git-run.js';

/** The ref a job's commit is pushed to on the queue's git remote (workers fetch it from there). */
export function commitRef(commit: string): string {
  return `refs/jobline/commits/${commit}`;
}

/** The branch a remote run of task `taskId` pushes its changes to (`jobline/<job name>/<task id>`). */
export function taskBranch(jobName: string, taskId: string): string {
  return `jobline/${jobName}/${taskId}`;
}

/** Resolves each run's workspace (see QueueExecutorOptions.workspaceOf). */
export function createWorkspaceResolver(settings: QueueSettings, warn: (message: string) => void): (request: PhaseRequest) => Promise<RemoteWorkspace> {
  const commits = new Map<string, Promise<{ root: string; commit: string } | null>>();
  let hasWarnedNoRemote = false;
  return async (request) => {
    if (request.workspace === 'none') return { kind: 'none' };
    // The job's commit, found and pushed once per job (its later runs work on the same commit).
    let found = commits.get(request.jobId);
    if (!found) {
      found = findCommit(request.cwd);
      commits.set(request.jobId, found);
    }
    const repository = await found;
    if (!repository) return { kind: 'none' };
    if (!settings.gitRemote) {
      if (!hasWarnedNoRemote) warn('runs go to workers\' own folders, not to a copy of the repository: "queue": { "gitRemote": … } is not set.');
      hasWarnedNoRemote = true;
      return { kind: 'none' };
    }
    const remote = settings.gitRemote;
    await serialize(`push:${repository.root}:${repository.commit}`, () => pushOnce(repository.root, remote, repository.commit));
    const subdir = relative(repository.root, request.cwd);
    return { kind: 'repository', remote, commit: repository.commit, branch: taskBranch(request.jobName ?? request.jobId, request.taskId ?? 't1'), ...(subdir ? { subdir } : {}) };
  };
}

// The repository `cwd` is in and its HEAD, or null outside git (or in one without commits).
async function findCommit(cwd: string): Promise<{ root: string; commit: string } | null> {
  try {
    const root = await git(cwd, ['rev-parse', '--show-toplevel']);
    const commit = await git(cwd, ['rev-parse', 'HEAD']);
    return { root, commit };
  } catch {
    return null;
  }
}

const pushed = new Set<string>();

// Pushes `commit` to `remote` as its commit ref, once per process.
async function pushOnce(root: string, remote: string, commit: string): Promise<void> {
  const key = `${remote} ${commit}`;
  if (pushed.has(key)) return;
  await git(root, ['push', '--quiet', remote, `${commit}:${commitRef(commit)}`]);
  pushed.add(key);
}

/**
 * Fetches the branch a worker pushed for a run into the job's repository (the folder `cwd` is
 * in), as the branch of the same name. Resolves with the sentence to tell the user.
 */
export async function fetchTaskBranch(cwd: string, remote: string, branch: string, commit: string): Promise<string> {
  const root = await git(cwd, ['rev-parse', '--show-toplevel']);
  await serialize(`fetch:${root}`, () => git(root, ['fetch', '--quiet', remote, `+refs/heads/${branch}:refs/heads/${branch}`]));
  return `branch ${branch} (${commit.slice(0, 7)}) fetched into ${root}`;
}
