// On the coordinator: where a run sent through the queue will work, and what comes back of it. A
// run that needs the repository gets the commit checked out where it would run here (HEAD of its
// folder as it is sent: a job's worktree has its branch as its earlier phases and tasks left it),
// pushed to the queue's git remote for its worker to fetch; the branch its worker pushes back
// (`jobline/<job name>/<task id>`) is fetched into the job's repository. A run that
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
  let hasWarnedNoRemote = false;
  const checkedJobs = new Set<string>(); // without a remote, each job's folder is looked at once
  return async (request) => {
    if (request.workspace === 'none') return { kind: 'none' };
    if (!settings.gitRemote) {
      if (hasWarnedNoRemote || checkedJobs.has(request.jobId)) return { kind: 'none' };
      checkedJobs.add(request.jobId);
      if (await findCommit(request.cwd)) {
        hasWarnedNoRemote = true;
        warn('runs go to workers\' own folders, not to a copy of the repository: "queue": { "gitRemote": … } is not set.');
      }
      return { kind: 'none' };
    }
    // Each run's own commit: a later phase (or a task sent after another's work was merged into the
    // job's branch) starts from that work. A commit is pushed once.
    const repository = await findCommit(request.cwd);
    if (!repository) return { kind: 'none' };
    const remote = settings.gitRemote;
    await serialize(`push:${repository.root}:${repository.commit}`, () => pushOnce(repository.root, remote, repository.commit));
    const subdir = relative(repository.root, request.cwd);
    return { kind: 'repository', remote, commit: repository.commit, branch: taskBranch(request.jobName ?? request.jobId, request.taskId ?? 't1'), ...(subdir ? { subdir } : {}) };
  };
}

// The repository `cwd` is in and its HEAD, or null outside git (or in one without commits).
async function findCommit(cwd: string): Promise<{ root: string; commit: string } | null> {
  try {
    const [root, commit] = (await git(cwd, ['rev-parse', '--show-toplevel', 'HEAD'])).split('\n');
    return root && commit ? { root, commit } : null;
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
 * The ref a run's pushed branch is fetched into on the coordinator: a branch of the same name for a
 * job that runs in place (the user merges it when they choose); for a job in a worktree of its
 * own, a ref outside refs/heads (`refs/jobline/fetched/<branch>`), which the job service merges
 * into the job's branch (a branch `jobline/<job name>/<task>` could not coexist with the job's
 * branch `jobline/<job name>`).
 */
export function fetchedRefOf(branch: string, isInJobWorktree: boolean): string {
  return isInJobWorktree ? `refs/jobline/fetched/${branch}` : `refs/heads/${branch}`;
}

/**
 * Fetches the branch a worker pushed for a run into the job's repository (the folder `cwd` is
 * in), as ref `into` (see fetchedRefOf). Resolves with the sentence to tell the user.
 * @throws Error (git's words) when it cannot be fetched.
 */
export async function fetchTaskBranch(cwd: string, remote: string, branch: string, commit: string, into = `refs/heads/${branch}`): Promise<string> {
  const root = await git(cwd, ['rev-parse', '--show-toplevel']);
  await serialize(`fetch:${root}`, () => git(root, ['fetch', '--quiet', remote, `+refs/heads/${branch}:${into}`]));
  return `branch ${branch} (${commit.slice(0, 7)}) fetched into ${root}${into.startsWith('refs/heads/') ? '' : ` as ${into}`}`;
}
