// Running git for the queue's repository workspaces: asynchronously (a worker's event loop keeps
// serving its other runs), with a timeout, and its error as one line.
import { execFile } from 'node:child_process';

/** Longest a git command of the queue may take (ms): a fetch of a big repository included. */
const GIT_TIMEOUT_MS = 10 * 60_000;

/** Runs `git args` in `cwd`; resolves with its stdout trimmed. @throws Error with git's first line of stderr. */
export function git(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', [...args], { cwd, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (error, stdout, stderr) => {
      if (error) {
        const reason = String(stderr).split('\n').find((line) => line.trim() !== '') ?? error.message;
        reject(new Error(`git ${args[0]} failed: ${reason.trim()}`));
      } else resolve(String(stdout).trim());
    });
  });
}

/** Runs `work` after every earlier call with the same `key` has ended (git's locks are per repository). */
export function serialize<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.then(() => {}, () => {});
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

const queues = new Map<string, Promise<void>>();
