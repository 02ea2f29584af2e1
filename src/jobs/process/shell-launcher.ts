// The contract between whoever needs a shell (a command agent, an LLM agent's command tool) and
// the process runtime that starts it: a request, a listener for what happens, and a launcher.
/** A shell to start: `/bin/sh -c <command>` in `cwd` with `env` set on top of the inherited environment. */
export interface ShellRequest {
  command: string;
  /** Absolute working directory. */
  cwd: string;
  env: Record<string, string>;
  /** Inherited variables the shell must not get (the API keys, for an LLM agent's tools). */
  removeEnv?: string[];
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

