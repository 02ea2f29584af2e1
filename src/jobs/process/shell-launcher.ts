// The contract between whoever needs a shell (a command agent, an LLM agent's command tool) and
// the process runtime that starts it: a request, a listener for what happens, and a launcher.
import { closeSync, constants, openSync, writeSync } from 'node:fs';

/**
 * Appends a start mark (ShellRequest.startMark) to its file, never through a symbolic link: for
 * whatever starts a run's work without a shell of jobline's around it. @throws the fs error.
 */
export function appendStartMark(mark: { path: string; line: string }): void {
  const fd = openSync(mark.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${mark.line}\n`);
  } finally {
    closeSync(fd);
  }
}

/** A shell to start: `/bin/sh -c <command>` in `cwd` with `env` set on top of the inherited environment. */
export interface ShellRequest {
  command: string;
  /** Absolute working directory. */
  cwd: string;
  env: Record<string, string>;
  /** Inherited variables the shell must not get (the API keys, for an LLM agent's tools). */
  removeEnv?: string[];
  /**
   * A line appended to the file at `path` right before the command runs, by whatever runs it: the
   * run's start confirmed in its job's journal (see task-log.ts). When it cannot be written the
   * command does not run (it exits 125).
   */
  startMark?: { path: string; line: string };
}

/** What happens to a started shell: `started`, any `output`, then `exited`; or only `failed`. */
export interface ShellListener {
  /** The shell runs as `pid`, the leader of its own process group. */
  started(pid: number): void;
  /** Raw bytes from its stdout (fd 1) or stderr (fd 2). */
  output(chunk: Uint8Array, fd: 1 | 2): void;
  /**
   * The shell exited (`code`, or `signal` if a signal ended it), its stdio is drained and its
   * group has been killed, so nothing it started lives on.
   */
  exited(code: number | null, signal: string | null): void;
  /**
   * The shell could not be started (`code` is the errno name, ENOENT, E2BIG, ..., when known), or,
   * after `started`, it was lost: whatever started it died, and its group has been killed.
   */
  failed(code: string | null, message: string): void;
}

/**
 * Starts shells as leaders of new process groups. jobline's launcher forks them from a small
 * spawner process (src/jobs/process/spawner-client.ts), because forking jobline itself is slow.
 */
export interface ShellLauncher {
  spawnShell(request: ShellRequest, listener: ShellListener): void;
}

