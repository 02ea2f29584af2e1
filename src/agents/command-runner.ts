// Runs one command-agent phase inside a worker: `/bin/sh -c <run>` as the leader of a new process
// group, so the whole tree (grandchildren included) can be signalled at once and none is orphaned.
import { constants } from 'node:os';
import type { PhaseContext, PhaseOutcome } from './agent.js';
import type { ShellLauncher, ShellRequest } from '../jobs/process/shell-launcher.js';
import { signalProcessGroup } from '../jobs/process/process-group.js';

/** Characters of a phase's output kept as its `output` in job.json (the full text is in output.log). */
export const PHASE_OUTPUT_TAIL_CHARS = 4000;

/**
 * Turns a shell's output bytes into text with one streaming decoder per stream, so a multi-byte
 * character split across two reads of a pipe stays whole.
 */
export class ShellOutputDecoder {
  private readonly streams = { 1: new TextDecoder(), 2: new TextDecoder() };

  /** The text of `chunk` from stream `fd`; an incomplete last character waits for the next chunk. */
  decode(chunk: Uint8Array, fd: 1 | 2): string {
    return this.streams[fd].decode(chunk, { stream: true });
  }

  /** What is left once the shell has ended (an incomplete character becomes U+FFFD). */
  end(): string {
    return this.streams[1].decode() + this.streams[2].decode();
  }
}

/**
 * Runs `command` for the phase described by `context`, started by `launcher` (with `startMark`,
 * the run's start confirmed right before the command runs: ShellRequest.startMark). The prompt is passed
 * in $JOB_PROMPT and retry feedback in $JOB_FEEDBACK, never spliced into the command line.
 * Resolves to completed (exit 0), failed (non-zero exit, signal, or a start failure) or cancelled
 * (context.signal aborted: the group gets SIGTERM; the manager escalates to SIGKILL after its grace period).
 */
export function runCommandPhase(command: string, context: PhaseContext, launcher: ShellLauncher, startMark?: ShellRequest['startMark']): Promise<PhaseOutcome> {
  return new Promise((resolve) => {
    if (context.signal.aborted) return resolve({ kind: 'cancelled' });
    let tail = '';
    let pid: number | null = null;
    const decoder = new ShellOutputDecoder();
    const append = (text: string): void => {
      if (text === '') return;
      tail = (tail + text).slice(-PHASE_OUTPUT_TAIL_CHARS);
      context.report.output(text);
    };
    const onAbort = (): void => {
      if (pid !== null) signalProcessGroup(pid, 'SIGTERM');
    };
    const finish = (outcome: PhaseOutcome): void => {
      context.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    launcher.spawnShell(
      {
        command,
        cwd: context.cwd,
        env: {
          JOB_ID: context.jobId,
          JOB_PROMPT: context.prompt,
          JOB_PHASE: context.phaseName,
          JOB_ATTEMPT: String(context.attempt),
          JOB_FEEDBACK: context.feedback ?? '',
          ...(context.worktree ? { JOBLINE_WORKTREE: context.worktree } : {}),
        },
        ...(startMark ? { startMark } : {}),
      },
      {
        started(startedPid) {
          pid = startedPid;
          context.report.childStarted(startedPid);
          // A cancel that came while the shell was being started applies now.
          if (context.signal.aborted) signalProcessGroup(startedPid, 'SIGTERM');
        },
        output: (chunk, fd) => append(decoder.decode(chunk, fd)),
        exited(code, signal) {
          append(decoder.end());
          if (pid !== null) context.report.childExited(pid);
          const output = tail.trimEnd() || null;
          const shown = `\`${abbreviate(describeCommand(command, context.prompt))}\``;
          // A command that exited 0 did its work, even as a cancel arrived (a shutdown records it, so
          // it is not run again); any other end during a cancel is the cancel's doing.
          if (code === 0) finish({ kind: 'completed', output });
          else if (context.signal.aborted) finish({ kind: 'cancelled' });
          else if (code !== null) finish({ kind: 'failed', error: `${shown} exited with code ${code}${describeExitCode(code)}`, output });
          else finish({ kind: 'failed', error: `${shown} was killed by ${signal}`, output });
        },
        failed: (code, message) => {
          if (pid !== null) context.report.childExited(pid);
          finish({ kind: 'failed', error: pid === null ? describeStartFailure(code, message, context.cwd) : `\`${abbreviate(describeCommand(command, context.prompt))}\`: ${message}` });
        },
      },
    );
  });
}

// Matches a phase command that only evaluates the prompt (the sh agent's `eval "$JOB_PROMPT"`).
const EVAL_PROMPT = /^eval\s+("\$JOB_PROMPT"|"\$\{JOB_PROMPT\}"|\$JOB_PROMPT|\$\{JOB_PROMPT\})$/;

/**
 * The command as its user knows it: a phase that only evaluates the prompt (`eval "$JOB_PROMPT"`)
 * is named by the prompt itself (`npm tset`), not by the wrapper; any other command as written.
 */
export function describeCommand(command: string, prompt: string): string {
  return EVAL_PROMPT.test(command.trim()) ? prompt : command;
}

/**
 * What a shell's exit code says beyond the number, from POSIX sh: 127 the command was not found,
 * 126 it was found but could not be run, 128+N a command ended by signal N. '' for the rest.
 */
export function describeExitCode(code: number): string {
  if (code === 127) return ' (command not found)';
  if (code === 126) return ' (not executable: permission denied)';
  if (code > 128 && code < 160) {
    const name = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
    return ` (a command was killed by ${name ?? `signal ${code - 128}`})`;
  }
  return '';
}

function describeStartFailure(code: string | null, message: string, cwd: string): string {
  // Linux caps one environment string at 128 KiB (MAX_ARG_STRLEN).
  const hint = code === 'E2BIG' ? ' (the prompt is too large to pass in $JOB_PROMPT; the limit is 128 KiB)' : '';
  return `cannot start /bin/sh in ${cwd}: ${message}${hint}`;
}

function abbreviate(command: string): string {
  const oneLine = command.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
