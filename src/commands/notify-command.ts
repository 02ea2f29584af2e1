// The user's `notifyCommand`: run when a job ends, with the job as JSON on stdin (pueue's
// callback). It runs beside jobline, never blocks it, and its failure is a warning, not an error.
import { spawn } from 'node:child_process';
import { SecretScrubber, readSecrets, withoutVariables } from '../text/secrets.js';
import type { Job } from '../jobs/model/job.js';

/** Longest a notify command may run before it is killed (ms). */
export const NOTIFY_TIMEOUT_MS = 30_000;

// Commands still running: a script command waits for them before it exits (see waitForNotifyCommands).
const running = new Set<Promise<void>>();

/**
 * Resolves once every notify command started so far has ended, or after `timeoutMs`, whichever
 * comes first (a command still running then is left to finish on its own).
 */
export async function waitForNotifyCommands(timeoutMs: number): Promise<void> {
  if (running.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(running), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

/**
 * Runs `command` with `/bin/sh -c` in `cwd`, the job's JSON (API keys scrubbed) on stdin and
 * $JOB_ID, $JOB_STATUS set; API-key variables (`secretEnvNames`) are withheld. `onFailure` hears
 * why it failed (a non-zero exit, a timeout, a start failure), with the end of its stderr.
 */
export function runNotifyCommand(command: string, job: Job, cwd: string, secretEnvNames: readonly string[], onFailure: (message: string) => void): void {
  const scrubber = new SecretScrubber(readSecrets(secretEnvNames));
  const env = { ...withoutVariables(process.env, secretEnvNames), JOB_ID: job.id, JOB_STATUS: job.status };
  const child = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
  child.stdin.on('error', () => {}); // a command that does not read stdin closes it early
  child.stdin.end(`${scrubber.scrub(JSON.stringify(job))}\n`);
  const timer = setTimeout(() => child.kill('SIGKILL'), NOTIFY_TIMEOUT_MS);
  timer.unref();
  const ended = new Promise<void>((resolve) => child.on('close', () => resolve()).on('error', () => resolve()));
  running.add(ended);
  void ended.then(() => running.delete(ended));
  const tail = (): string => (stderr.trim() ? `: ${scrubber.scrub(stderr.trim().split('\n').at(-1)!)}` : '');
  child.on('error', (error) => {
    clearTimeout(timer);
    onFailure(`notifyCommand could not start: ${error.message}`);
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    if (code === 0) return;
    onFailure(`notifyCommand for ${job.id} ${signal ? `was killed by ${signal}${signal === 'SIGKILL' ? ` (it ran longer than ${NOTIFY_TIMEOUT_MS / 1000} s)` : ''}` : `exited with code ${code}`}${tail()}`);
  });
}
