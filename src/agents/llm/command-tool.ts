// run_command: runs an allowed command in the workspace root, in its own process group, with a
// timeout and a cap on the output returned. Anything not allowed is refused as a tool error.
import type { PhaseReporter } from '../agent.js';
import { ShellOutputDecoder } from '../command-runner.js';
import { signalProcessGroup } from '../../jobs/process/process-group.js';
import type { ShellLauncher } from '../../jobs/process/shell-launcher.js';
import { ToolError } from './file-tools.js';
import { detectCommandSandbox, wrapInSandbox } from './command-sandbox.js';

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
  /** Starts the command's shell (jobline's: from the worker's spawner process). */
  launcher: ShellLauncher;
  /** Variables the command must not inherit (the API keys: a command could send them anywhere). */
  removeEnv: readonly string[];
  /** Variables the command gets ($JOBLINE_WORKTREE in a job's worktree). */
  env?: Record<string, string>;
}

// The kept tail of a command's output: when earlier output was cut, it starts at a line's start,
// under a line saying how much came before.
function describeTail(tail: string, printed: number): string {
  if (printed <= tail.length) return tail;
  const lineStart = tail.indexOf('\n');
  const kept = lineStart >= 0 && lineStart < tail.length - 1 ? tail.slice(lineStart + 1) : tail;
  return `[jobline: the first ${printed - kept.length} characters of output were cut; its last ${kept.length} follow]\n${kept}`;
}

// Said once per thread: commands run unconfined here (see command-sandbox.ts).
let hasSaidUnconfined = false;

/** What a command did: the text for the model, and its exit code (null: it did not exit by itself). */
export interface CommandResult {
  text: string;
  exitCode: number | null;
}

/** run_command { command, timeout_ms? }: resolves with the exit code and output; throws ToolError when refused. */
export function runCommand(context: CommandToolContext, input: { command: string; timeout_ms?: number }): Promise<CommandResult> {
  const command = String(input.command ?? '').trim();
  if (SHELL_CONTROL.test(command)) throw new ToolError(`refused: "${command}" contains shell control characters; run one plain command`);
  if (!isCommandAllowed(command, context.allowCommands)) {
    throw new ToolError(`refused: "${command}" is not an allowed command. Allowed: ${context.allowCommands.join(', ')}`);
  }
  const timeoutMs = Math.min(MAX_COMMAND_TIMEOUT_MS, Math.max(1000, Math.floor(input.timeout_ms ?? DEFAULT_COMMAND_TIMEOUT_MS)));
  return new Promise((resolve) => {
    let output = '';
    // Characters the command printed in all: past the cap only the tail is kept, and said.
    let printed = 0;
    let isTimedOut = false;
    let pid: number | null = null;
    const decoder = new ShellOutputDecoder();
    const kill = (): void => void (pid !== null && signalProcessGroup(pid, 'SIGKILL'));
    const timer = setTimeout(() => {
      isTimedOut = true;
      kill();
    }, timeoutMs);
    context.signal.addEventListener('abort', kill, { once: true });
    const finish = (text: string, exitCode: number | null = null): void => {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', kill);
      if (pid !== null) context.report.childExited(pid);
      resolve({ text, exitCode });
    };
    // Where Linux allows it, the command may write only in the workspace (command-sandbox.ts);
    // where it does not, that is said once, and the command runs as the user.
    const sandbox = detectCommandSandbox(context.workspace);
    if (sandbox.kind === 'none' && !hasSaidUnconfined) {
      hasSaidUnconfined = true;
      context.report.activity('⚠', `run_command is not confined to the workspace here (${sandbox.reason}): commands can write wherever the user can`);
    }
    const shell = sandbox.kind === 'mount-namespace' ? wrapInSandbox(command) : { command, env: {} };
    // The launcher kills the command's group once its shell exits: nothing it started outlives it.
    context.launcher.spawnShell({ command: shell.command, cwd: context.workspace, env: { ...context.env, ...shell.env }, removeEnv: [...context.removeEnv] }, {
      started(startedPid) {
        pid = startedPid;
        context.report.childStarted(startedPid);
        if (context.signal.aborted) kill();
      },
      output(chunk, fd) {
        const text = decoder.decode(chunk, fd);
        printed += text.length;
        output = (output + text).slice(-MAX_COMMAND_OUTPUT_CHARS);
      },
      exited(code, signal) {
        const rest = decoder.end();
        printed += rest.length;
        output = (output + rest).slice(-MAX_COMMAND_OUTPUT_CHARS);
        const status = isTimedOut ? `timed out after ${timeoutMs} ms` : code !== null ? `exit code ${code}` : `killed by ${signal}`;
        finish(`${status}\n${describeTail(output, printed).trimEnd()}`, isTimedOut ? null : code);
      },
      failed: (_code, message) => finish(pid === null ? `could not start: ${message}` : `lost: ${message}`),
    });
  });
}
