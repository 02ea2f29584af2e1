// run_command: runs an allowed command in the workspace root, in its own process group, with a
// timeout and a cap on the output returned. Anything not allowed is refused as a tool error.
import { spawn } from 'node:child_process';
import type { PhaseReporter } from '../agent.js';
import { signalProcessGroup } from '../command-runner.js';
import { ToolError } from './file-tools.js';

/** Default and longest run_command timeout (ms). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;
const MAX_COMMAND_TIMEOUT_MS = 600_000;
/** Output kept from a command (its tail), in characters. */
export const MAX_COMMAND_OUTPUT_CHARS = 16_000;

// Shell control characters: with them a command could chain or substitute anything after an
// allowed prefix (`npm test; rm -rf ~`), so they are refused outright.
const SHELL_CONTROL = /[;&|`$<>\\\n\r(){}]/;

/** Returns true when `command` matches one of `patterns` (`*` matches any text; otherwise exact). */
export function isCommandAllowed(command: string, patterns: readonly string[]): boolean {
  const normalized = command.trim().replace(/\s+/g, ' ');
  return patterns.some((pattern) => {
    const regex = new RegExp(`^${pattern.trim().replace(/\s+/g, ' ').split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return regex.test(normalized);
  });
}

/** What run_command needs besides its input. */
export interface CommandToolContext {
  workspace: string;
  allowCommands: readonly string[];
  signal: AbortSignal;
  report: PhaseReporter;
}

/** run_command { command, timeout_ms? }: resolves with the exit code and output; throws ToolError when refused. */
export function runCommand(context: CommandToolContext, input: { command: string; timeout_ms?: number }): Promise<string> {
  const command = String(input.command ?? '').trim();
  if (SHELL_CONTROL.test(command)) throw new ToolError(`refused: "${command}" contains shell control characters; run one plain command`);
  if (!isCommandAllowed(command, context.allowCommands)) {
    throw new ToolError(`refused: "${command}" is not an allowed command. Allowed: ${context.allowCommands.join(', ')}`);
  }
  const timeoutMs = Math.min(MAX_COMMAND_TIMEOUT_MS, Math.max(1000, Math.floor(input.timeout_ms ?? DEFAULT_COMMAND_TIMEOUT_MS)));
  return new Promise((resolve) => {
    let output = '';
    let isTimedOut = false;
    const child = spawn('/bin/sh', ['-c', command], { cwd: context.workspace, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) context.report.childStarted(child.pid);
    const append = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-MAX_COMMAND_OUTPUT_CHARS);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const kill = (): void => void (child.pid !== undefined && signalProcessGroup(child.pid, 'SIGKILL'));
    const timer = setTimeout(() => {
      isTimedOut = true;
      kill();
    }, timeoutMs);
    context.signal.addEventListener('abort', kill, { once: true });
    const finish = (text: string): void => {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', kill);
      kill(); // nothing the command started outlives it
      if (child.pid !== undefined) context.report.childExited(child.pid);
      resolve(text);
    };
    child.on('error', (error) => finish(`could not start: ${error.message}`));
    child.on('close', (code, signal) => {
      const status = isTimedOut ? `timed out after ${timeoutMs} ms` : code !== null ? `exit code ${code}` : `killed by ${signal}`;
      finish(`${status}\n${output.trimEnd()}`);
    });
  });
}
