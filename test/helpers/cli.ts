// Running the real compiled CLI as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

/** Absolute path of the compiled CLI. */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** What a finished CLI run printed and how it exited. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options for starting the CLI. `env` is merged over the test's environment. */
export interface CliOptions {
  cwd: string;
  env?: Record<string, string>;
  input?: string;
  /** Leave stdin open for the test to write to (input is then ignored). */
  keepStdinOpen?: boolean;
}

/** Starts the CLI; returns the child and a promise of its result. */
export function startCli(args: string[], options: CliOptions): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (!options.keepStdinOpen) child.stdin!.end(options.input ?? '');
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, result };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).result;
}

/** A REPL fed through a pipe that stays open: `send` a line, wait `until` output appears, `end` the input. */
export function startPipedRepl(cwd: string, env: Record<string, string>) {
  const { child, result } = startCli([], { cwd, env: { FORCE_COLOR: '0', ...env }, keepStdinOpen: true });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    send: (line: string): void => void child.stdin!.write(`${line}\n`),
    until: (text: string | RegExp, timeoutMs = 10_000): Promise<string> =>
      waitFor(() => ((typeof text === 'string' ? output.includes(text) : text.test(output)) ? output : null), `output to show ${text}`, timeoutMs),
    end: (): Promise<CliResult> => {
      child.stdin!.end();
      return result;
    },
    get output(): string {
      return output;
    },
  };
}
