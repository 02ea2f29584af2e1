// Where a remote run works on its worker: the worker's own folder for a run that needs no
// repository (`"workspace": "none"`), else a git worktree of the worker's cache at the job's
// commit, fetched from the queue's git remote; its changes go back as a branch of that remote.
import type { RunOutcome } from '../ports/executor.js';
import type { RunPayload } from './run-payload.js';

/** A run's workspace on a worker, ready. */
export interface PreparedWorkspace {
  cwd: string;
  /** True when its changes are recorded (git snapshots) as a local run's are. */
  isRecorded: boolean;
  /** Once the run ended: pushes what it changed, and says so in its outcome. */
  finish(outcome: RunOutcome): Promise<RunOutcome>;
  /** Removes what was made for the run. */
  release(): Promise<void>;
}

/** Prepares run `payload`'s workspace on this worker (`workdir`: its folder; `cacheDir`: its cache). */
export async function prepareWorkspace(payload: RunPayload, where: { workdir: string; cacheDir: string; name: string }): Promise<PreparedWorkspace> {
  if (payload.workspace.kind === 'none') return { cwd: where.workdir, isRecorded: false, finish: async (outcome) => outcome, release: async () => {} };
  throw new Error('runs that need the repository are not supported by this worker yet');
}
