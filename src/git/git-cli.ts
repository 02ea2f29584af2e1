// Running the git command line: argv arrays, never a shell, plumbing output read as data. Every
// git call of jobline's worktrees and landings goes through here, so the environment (no
// prompts, no pager, no optional locks on reads) and the error messages are the same everywhere.
import { execFile, execFileSync } from 'node:child_process';
import { WorktreeError } from '../errors.js';

/** Longest a single git command may take (ms); a checkout of a large tree stays well within it. */
const GIT_TIMEOUT_MS = 10 * 60_000;
const MAX_BUFFER = 256 * 1024 * 1024;

/** What a git command printed and how it ended (see runGit). */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of one git call. */
export interface GitOptions {
  /** Extra environment (merged over the process's), e.g. GIT_INDEX_FILE for a temporary index. */
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are answers rather than failures (merge-tree's 1: conflicts). Default [0]. */
  okCodes?: readonly number[];
  /** Standard input. */
  input?: string;
}

// Git must never wait for a person (a credential prompt, an editor, a pager) and never print
// through one; reads must not take the index lock the user's own git may want.
function environment(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', PAGER: 'cat', GIT_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no', LC_ALL: 'C', ...extra };
}

function failure(args: readonly string[], cwd: string, result: { code: number | null; stderr: string; stdout: string }): WorktreeError {
  const said = (result.stderr.trim() || result.stdout.trim()).split('\n').filter((line) => line.trim() !== '').slice(-3).join(' / ');
  return new WorktreeError('GIT_FAILED', `git ${args.filter((arg) => !arg.startsWith('-c')).slice(0, 3).join(' ')} failed in ${cwd}${result.code === null ? '' : ` (exit ${result.code})`}${said ? `: ${said}` : ''}`);
}

/**
 * Runs `git args` in `cwd` and resolves with its output once it exits.
 * @throws WorktreeError GIT_FAILED when git exits with a code not in `okCodes` (the message
 *   quotes git's last lines), or cannot be started.
 */
export function runGit(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  return startGit(cwd, args, options).feed(options.input ?? '');
}

/** A git command started ahead of its standard input (see startGit). */
export interface StartedGit {
  /** Writes `input` to its standard input and leaves it open (for commands that answer as they read). */
  write(input: string): void;
  /** Writes `input` to its standard input and closes it; resolves (or rejects) as runGit does. */
  feed(input: string): Promise<GitResult>;
  /** Closes its standard input with nothing written (unless fed already), and ignores how it ends. */
  cancel(): void;
  /** Settles as `feed`'s answer does, whoever closed its input (for a caller that waits on what it said). */
  ended: Promise<GitResult>;
}

/**
 * Starts `git args` in `cwd` now, and gives it its standard input later (`feed`): for a command
 * that reads what to do from its input (`update-ref --stdin`), so that starting git overlaps other
 * work while it does nothing until told. Fails like runGit.
 */
export function startGit(cwd: string, args: readonly string[], options: Omit<GitOptions, 'input'> & { onStdout?: (text: string) => void } = {}): StartedGit {
  let stdin: NodeJS.WritableStream | null = null;
  const ended = new Promise<GitResult>((resolve, reject) => {
    const child = execFile('git', [...args], { cwd, env: environment(options.env), timeout: GIT_TIMEOUT_MS, maxBuffer: MAX_BUFFER, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
      if (code !== null && (options.okCodes ?? [0]).includes(code)) return resolve({ code, stdout, stderr });
      reject(failure(args, cwd, { code, stdout, stderr: stderr || (error ? error.message : '') }));
    });
    stdin = child.stdin;
    // A git that exits before reading its input (it could not start) closes the pipe: its exit says why.
    child.stdin?.on('error', () => {});
    // What it says as it goes (execFile still collects all of it for the end).
    if (options.onStdout) child.stdout?.on('data', (chunk: string | Buffer) => options.onStdout!(chunk.toString()));
  });
  ended.catch(() => {});
  let isFed = false;
  const close = (input: string): void => {
    if (isFed) return;
    isFed = true;
    stdin?.end(input);
  };
  return {
    write: (input) => {
      if (!isFed) stdin?.write(input);
    },
    feed: (input) => {
      close(input);
      return ended;
    },
    cancel: () => close(''),
    ended,
  };
}

/** `runGit`'s stdout with its trailing newline removed. Throws like runGit. */
export async function gitText(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<string> {
  return (await runGit(cwd, args, options)).stdout.replace(/\n$/, '');
}

/**
 * `runGit` on this thread (for worker threads and exit paths; never on the main thread's hot
 * path). Returns stdout. @throws WorktreeError GIT_FAILED like runGit.
 */
export function gitSync(cwd: string, args: readonly string[], options: GitOptions = {}): string {
  try {
    return execFileSync('git', [...args], { cwd, env: environment(options.env), timeout: GIT_TIMEOUT_MS, maxBuffer: MAX_BUFFER, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(options.input !== undefined ? { input: options.input } : {}) });
  } catch (error) {
    const failed = error as { status?: number | null; stdout?: string; stderr?: string; message?: string };
    if (failed.status !== undefined && failed.status !== null && (options.okCodes ?? [0]).includes(failed.status)) return failed.stdout ?? '';
    throw failure(args, cwd, { code: failed.status ?? null, stdout: failed.stdout ?? '', stderr: failed.stderr || failed.message || '' });
  }
}

/** Splits NUL-separated output (`-z`) into its non-empty fields. */
export function splitNul(text: string): string[] {
  return text.split('\0').filter((field) => field !== '');
}

/** A full object id: 40 (SHA-1) or 64 (SHA-256) hex digits. */
export const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
