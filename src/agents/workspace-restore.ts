// Undoing what a phase changed in a git workspace, for its retry: the files go back to a tree
// recorded before the phase (workspace-snapshot.ts), and what is undone is kept first, as a commit
// under a ref of jobline's, so nothing is lost (`git diff <tree> <ref>`, `git checkout <ref> --
// <path>`). The user's index and HEAD are untouched: files are written from a temporary index,
// ignored files are never touched, and neither is the jobs folder. `git show <ref>` shows what was
// undone. Runs git asynchronously.
import { mkdtempSync, rmSync, rmdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gitAsync, snapshotWorkspace } from './workspace-snapshot.js';

/** What an undo did: the ref keeping the undone files, and how many files went back. */
export interface UndoneFiles {
  ref: string;
  files: number;
}

// Paths handed to one git command at most (an argument list stays far below the system's limit).
const PATHS_PER_COMMAND = 200;

// An identity for jobline's own commits, so that one is made where the user set none.
const JOBLINE_IDENTITY = { GIT_AUTHOR_NAME: 'jobline', GIT_AUTHOR_EMAIL: 'jobline@localhost', GIT_COMMITTER_NAME: 'jobline', GIT_COMMITTER_EMAIL: 'jobline@localhost' };

/**
 * Puts the working tree of the repository holding `cwd` back to tree `target`, keeping the files
 * as they are now under `ref` (a commit whose message is `message`). `excluded` (absolute): a
 * folder left alone (the jobs folder). Resolves null when there is nothing to undo (the files are
 * as `target` already) or no snapshot could be taken (see snapshotWorkspace).
 * @throws the git failure when the undo itself fails (the ref then still keeps the files).
 */
export async function undoChanges(cwd: string, target: string, excluded: string | null, ref: string, message: string): Promise<UndoneFiles | null> {
  const current = await snapshotWorkspace(cwd, excluded);
  if (current === null || current === target) return null;
  const top = (await gitAsync(cwd, ['rev-parse', '--show-toplevel'])).trim();
  // The undone files as a commit on top of one of the files before: `git show <ref>` is the undone change.
  const identity = { ...process.env, ...JOBLINE_IDENTITY };
  const parent = (await gitAsync(top, ['commit-tree', target, '-m', 'jobline: the files before the phase'], identity)).trim();
  const commit = (await gitAsync(top, ['commit-tree', current, '-p', parent, '-m', message], identity)).trim();
  await gitAsync(top, ['update-ref', ref, commit]);
  const fields = (await gitAsync(top, ['diff', '--name-status', '-z', '--no-renames', target, current])).split('\0');
  const added: string[] = [];
  const restored: string[] = [];
  for (let index = 0; index + 1 < fields.length; index += 2) (fields[index] === 'A' ? added : restored).push(fields[index + 1]!);
  if (restored.length > 0) {
    // The target's files, written from a temporary index that holds the target tree.
    const scratch = mkdtempSync(join(tmpdir(), 'jobline-undo-'));
    try {
      const env = { ...process.env, GIT_INDEX_FILE: join(scratch, 'index') };
      await gitAsync(top, ['read-tree', target], env);
      for (let start = 0; start < restored.length; start += PATHS_PER_COMMAND) await gitAsync(top, ['checkout-index', '-f', '--', ...restored.slice(start, start + PATHS_PER_COMMAND)], env);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  for (const path of added) removeWithEmptyParents(top, path);
  return { ref, files: added.length + restored.length };
}

// Removes the file `path` (relative to `top`) the phase added, and the folders it leaves empty.
function removeWithEmptyParents(top: string, path: string): void {
  try {
    unlinkSync(join(top, path));
  } catch {
    return; // gone already
  }
  for (let folder = dirname(path); folder !== '.' && folder !== ''; folder = dirname(folder)) {
    try {
      rmdirSync(join(top, folder));
    } catch {
      return; // not empty (or not ours)
    }
  }
}

/** The ref that keeps the changes of attempt `attempt` of phase `phase` of job `jobId` a retry undid. */
export function undoneRefOf(jobId: string, phase: string, attempt: number): string {
  return `refs/jobline/undone/${jobId}/${phase}-${attempt}`;
}
