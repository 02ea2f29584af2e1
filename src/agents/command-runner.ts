// Runs one command-agent phase inside a worker: `/bin/sh -c <run>` as the leader of a new process
// group, so the whole tree (grandchildren included) can be signalled at once and none is orphaned.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { PhaseContext, PhaseOutcome } from './agent.js';

/** Characters of a phase's output kept as its `output` in job.json (the full text is in output.log). */
export const PHASE_OUTPUT_TAIL_CHARS = 4000;
// After the shell exits, its stdio may still be held open by a process that left the group
// (setsid); stop waiting for EOF after this long so the phase can end.
const STDIO_DRAIN_TIMEOUT_MS = 1000;

/**
 * Sends `signal` to every process in the group led by `pid`. Returns false when the group no
 * longer exists (ESRCH); other errors are swallowed as well, since callers use this as cleanup.
 */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `command` for the phase described by `context`. The prompt is passed in $JOB_PROMPT and
 * retry feedback in $JOB_FEEDBACK, never spliced into the command line. Resolves to completed
 * (exit 0), failed (non-zero exit, signal, or spawn error) or cancelled (context.signal aborted).
 */
export function runCommandPhase(command: string, context: PhaseContext): Promise<PhaseOutcome> {
  return new Promise((resolve) => {
    if (context.signal.aborted) return resolve({ kind: 'cancelled' });
    let tail = '';
    let settled = false;
    const env = {
      ...process.env,
      JOB_ID: context.jobId,
      JOB_PROMPT: context.prompt,
      JOB_PHASE: context.phaseName,
      JOB_ATTEMPT: String(context.attempt),
      JOB_FEEDBACK: context.feedback ?? '',
    };
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn('/bin/sh', ['-c', command], { cwd: context.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }) as unknown as ChildProcessWithoutNullStreams;
    } catch (error) {
      // Some spawn failures (E2BIG: an environment too large for execve) throw instead of emitting.
      return resolve({ kind: 'failed', error: describeSpawnError(error as NodeJS.ErrnoException, context.cwd) });
    }
    const finish = (outcome: PhaseOutcome): void => {
      if (settled) return;
      settled = true;
      context.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => {
      // Cooperative cancel: SIGTERM the whole group; the manager escalates to SIGKILL after its grace period.
      if (child.pid !== undefined) signalProcessGroup(child.pid, 'SIGTERM');
    };
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-PHASE_OUTPUT_TAIL_CHARS);
      context.report.output(text);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'failed', error: describeSpawnError(error, context.cwd) }));
    if (child.pid !== undefined) context.report.childStarted(child.pid);
    context.signal.addEventListener('abort', onAbort, { once: true });

    child.on('exit', (code, signal) => {
      // The shell is gone; anything it left running in its group is now an orphan-to-be. Kill it.
      if (child.pid !== undefined) signalProcessGroup(child.pid, 'SIGKILL');
      const drained = new Promise<void>((done) => {
        const timer = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          done();
        }, STDIO_DRAIN_TIMEOUT_MS);
        child.on('close', () => {
          clearTimeout(timer);
          done();
        });
      });
      void drained.then(() => {
        if (child.pid !== undefined) context.report.childExited(child.pid);
        const output = tail.trimEnd() || null;
        if (context.signal.aborted) finish({ kind: 'cancelled' });
        else if (code === 0) finish({ kind: 'completed', output });
        else if (code !== null) finish({ kind: 'failed', error: `\`${abbreviate(command)}\` exited with code ${code}`, output });
        else finish({ kind: 'failed', error: `\`${abbreviate(command)}\` was killed by ${signal}`, output });
      });
    });
  });
}

function describeSpawnError(error: NodeJS.ErrnoException, cwd: string): string {
  // Linux caps one environment string at 128 KiB (MAX_ARG_STRLEN).
  const hint = error.code === 'E2BIG' ? ' (the prompt is too large to pass in $JOB_PROMPT; the limit is 128 KiB)' : '';
  return `cannot start /bin/sh in ${cwd}: ${error.message}${hint}`;
}

function abbreviate(command: string): string {
  const oneLine = command.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
