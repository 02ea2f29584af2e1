// merge.check: the command a landing's candidate must pass, run in a scratch worktree checked out
// at exactly that commit (with the includes copied in), so what lands is what was tested. The
// scratch worktree is jobline's, beside the job worktrees, and is removed afterwards (or, after a
// crash, by the next landing of the job or the next start).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runGit } from './git-cli.js';
import { copyIncludes } from './include-copy.js';
import { listWorktrees } from './worktree.js';

/** Lines of a failed check's output kept in the job's record (the whole is in the log). */
export const CHECK_TAIL_LINES = 20;

/** The scratch worktree of job `jobId`'s landing check, in `dir` (the worktrees folder). */
export function scratchPathOf(dir: string, jobId: string): string {
  return join(dir, `.check-${jobId}`);
}

/** Removes the scratch worktree at `path` of the repository at `repo`, if any. Never throws. */
export async function removeScratchWorktree(repo: string, path: string): Promise<void> {
  try {
    const registered = (await listWorktrees(repo)).find((entry) => entry.path === path);
    if (registered && !registered.isPrunable) await runGit(repo, ['worktree', 'remove', '--force', '--force', path]);
    else if (registered) await runGit(repo, ['worktree', 'prune']);
  } catch {
    // Removed below, and git prunes an entry whose folder is gone.
  }
  rmSync(path, { recursive: true, force: true });
}

/**
 * Runs `command` with /bin/sh in a scratch worktree of the repository at `repo` checked out at
 * `commit` (detached), the `include` globs copied from `includeSource`; its output (both streams)
 * goes to `logPath`. Resolves with whether it exited 0 and the last CHECK_TAIL_LINES lines. The
 * command runs in a process group of its own, killed when `signal` aborts.
 */
export async function runCheck(options: { repo: string; scratch: string; commit: string; command: string; logPath: string; include: readonly string[]; includeSource: string | null; signal?: AbortSignal }): Promise<{ isPassed: boolean; tail: string }> {
  const { repo, scratch } = options;
  await removeScratchWorktree(repo, scratch);
  await runGit(repo, ['worktree', 'add', '--quiet', '--detach', scratch, options.commit]);
  try {
    if (options.includeSource && existsSync(options.includeSource)) await copyIncludes(options.includeSource, scratch, options.include);
    const log = openSync(options.logPath, 'w', 0o600);
    let code: number | null;
    try {
      code = await new Promise<number | null>((resolve) => {
        const child = spawn('/bin/sh', ['-c', options.command], { cwd: scratch, detached: true, stdio: ['ignore', log, log], env: { ...process.env, JOBLINE_WORKTREE: scratch, JOBLINE_CHECK_COMMIT: options.commit } });
        const kill = (): void => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // Gone.
          }
        };
        options.signal?.addEventListener('abort', kill, { once: true });
        child.on('error', () => resolve(null));
        child.on('close', (exit) => {
          options.signal?.removeEventListener('abort', kill);
          resolve(exit);
        });
      });
    } finally {
      closeSync(log);
    }
    const lines = readFileSync(options.logPath, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { isPassed: code === 0, tail: lines.slice(-CHECK_TAIL_LINES).join('\n') };
  } finally {
    await removeScratchWorktree(repo, scratch);
  }
}
