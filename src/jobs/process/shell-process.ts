// One job shell: `/bin/sh -c <command>` as the leader of a new process group, its output read
// from pipes, and its end reported only once its stdio is drained and its group is killed.
// Used by the spawner process (spawner-entry.ts) and, while a spawner boots, by a worker itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { signalProcessGroup } from './process-group.js';
import type { ShellListener, ShellRequest } from './shell-launcher.js';
import { withoutVariables } from '../../text/secrets.js';
import { buildShellCommand, detectContainment, normalizeExit } from './process-containment.js';

// After the shell exits, its stdio may still be held open by a process that left the group
// (setsid); stop waiting for EOF after this long so the phase can end.
const STDIO_DRAIN_TIMEOUT_MS = 1000;

/** A started shell: its pid, and flow control of its output. */
export interface ShellProcess {
  readonly pid: number;
  /** Stops reading its output (the shell blocks once the pipe is full) until `resume`. */
  pause(): void;
  resume(): void;
}

/**
 * Starts `request` with `baseEnv` under its variables. Returns the shell, or null when it could
 * not start (then `listener.failed` has been called or will be, with the errno name).
 */
export function startShell(request: ShellRequest, baseEnv: NodeJS.ProcessEnv, listener: ShellListener): ShellProcess | null {
  let child: ChildProcess;
  // In its own PID namespace where the system allows (see process-containment.ts): then nothing
  // the shell starts can outlive it, whatever it does to its session or process group.
  const containment = detectContainment();
  const shell = buildShellCommand(request.command, containment);
  try {
    child = spawn(shell.file, shell.args, {
      cwd: request.cwd,
      env: withoutVariables({ ...baseEnv, ...request.env }, request.removeEnv ?? []),
      detached: true, // a new process group, so the whole tree can be signalled at once
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // Some spawn failures (E2BIG: an environment too large for execve) throw instead of emitting.
    const failure = error as NodeJS.ErrnoException;
    listener.failed(failure.code ?? null, failure.message);
    return null;
  }
  let hasEnded = false;
  // Only a failed start emits 'error' here (nothing else signals or writes to the child).
  child.on('error', (error: NodeJS.ErrnoException) => {
    if (hasEnded) return;
    hasEnded = true;
    listener.failed(error.code ?? null, error.message);
  });
  const pid = child.pid;
  if (pid === undefined) return null; // 'error' follows
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  listener.started(pid);
  stdout.on('data', (chunk: Buffer) => listener.output(chunk, 1));
  stderr.on('data', (chunk: Buffer) => listener.output(chunk, 2));
  child.on('exit', (code, signal) => {
    // The shell is gone; anything it left running in its group is an orphan-to-be. Kill it.
    signalProcessGroup(pid, 'SIGKILL');
    const timer = setTimeout(() => {
      stdout.destroy();
      stderr.destroy();
      finish();
    }, STDIO_DRAIN_TIMEOUT_MS);
    child.on('close', finish);
    function finish(): void {
      clearTimeout(timer);
      if (hasEnded) return;
      hasEnded = true;
      const exit = normalizeExit(code, signal, containment);
      listener.exited(exit.code, exit.signal);
    }
  });
  return {
    pid,
    pause: () => {
      stdout.pause();
      stderr.pause();
    },
    resume: () => {
      stdout.resume();
      stderr.resume();
    },
  };
}
