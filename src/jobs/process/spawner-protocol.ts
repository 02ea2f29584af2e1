// The typed messages between a worker thread and its spawner process (spawner-entry.ts), over the
// Node IPC channel with `serialization: 'advanced'` (so output travels as bytes, not JSON).
// Both directions are past-tense events, like the worker protocol; failures travel as data.

/** What a worker asks its spawner for: `/bin/sh -c <command>` as the leader of a new process group. */
export interface ShellSpawnRequested {
  type: 'spawnRequested';
  /** Chosen by the worker; ties the replies to this request. */
  id: number;
  command: string;
  /** Absolute working directory. */
  cwd: string;
  /** Variables set on top of the spawner's environment (which is the worker's, copied at start). */
  env: Record<string, string>;
  /** Inherited variables removed from the shell's environment (API keys, for an LLM agent's tools). */
  removeEnv?: string[];
}

/** Messages a worker sends to its spawner. */
export type SpawnerRequest = ShellSpawnRequested;

/**
 * Messages a spawner sends back: `spawnerReady` once, when it can take requests; then per id, in
 * this order: started, output..., exited; or only spawnFailed.
 */
export type SpawnerEvent =
  | { type: 'spawnerReady' }
  | { type: 'processStarted'; id: number; pid: number }
  /** Bytes from the shell's stdout (fd 1) or stderr (fd 2), in arrival order. */
  | { type: 'outputProduced'; id: number; fd: 1 | 2; chunk: Uint8Array }
  /**
   * The shell exited and its stdio reached end of file (or the drain timeout passed); its process
   * group has been sent SIGKILL, so nothing it started lives on. Exactly one of code and signal is set.
   */
  | { type: 'processExited'; id: number; code: number | null; signal: string | null }
  /** The shell could not be started (a missing cwd, E2BIG, EAGAIN): `code` is the errno name. */
  | { type: 'spawnFailed'; id: number; code: string | null; message: string };
