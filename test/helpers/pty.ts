// Driving the real CLI in a real pseudo-terminal, rendered by a headless xterm, so tests assert
// on what a person would see on the screen.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { CLI_PATH } from './cli.js';
import { GUARD_NOTICE } from '../../src/commands/keyed-select.js';
import { makeTempDir } from './temp.js';
import { afterEach } from 'vitest';
import { waitFor } from './wait.js';

// Every session a test starts is killed after that test, whatever happened in it.
const liveSessions: PtySession[] = [];
afterEach(() => {
  for (const session of liveSessions.splice(0)) {
    try {
      session.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** Keys as a terminal sends them. */
export const KEY = { enter: '\r', ctrlC: '\x03', ctrlD: '\x04', down: '\x1b[B', up: '\x1b[A', tab: '\t', backspace: '\x7f' } as const;

/** A folder layout for one REPL: its working folder, jobs folder and HOME (for history). */
export interface ReplWorkspace {
  cwd: string;
  jobsDir: string;
  home: string;
  /** Variables set on top of the test's environment (PAGER, NO_COLOR, ...). */
  env?: Record<string, string>;
}

/** Creates a fresh workspace. */
export function makeReplWorkspace(): ReplWorkspace {
  const root = makeTempDir('jobline-e2e-');
  const workspace = { cwd: join(root, 'project'), jobsDir: join(root, 'jobs'), home: join(root, 'home') };
  mkdirSync(workspace.cwd);
  mkdirSync(workspace.home);
  return workspace;
}

/** The environment of a REPL under test: its own HOME and jobs folder, colour decided by the terminal. */
export function replEnvironment(workspace: ReplWorkspace): Record<string, string> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), HOME: workspace.home, JOBLINE_JOBS_DIR: workspace.jobsDir, TERM: 'xterm-256color' };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'XDG_DATA_HOME', 'CI', 'PAGER']) delete env[name];
  return { ...env, ...workspace.env };
}

/** One jobline process in a pseudo-terminal. */
export class PtySession {
  readonly exited: Promise<{ exitCode: number; signal?: number }>;
  /** Times the terminal bell rang (BEL outside an escape sequence). */
  bells = 0;
  /** Texts of OSC 9 desktop notifications received. */
  readonly desktopNotifications: string[] = [];
  private readonly terminal: xterm.Terminal;
  private readonly process: pty.IPty;
  private writes: Promise<void> = Promise.resolve();

  /**
   * Starts `jobline <args>` in a pseudo-terminal of `cols` × `rows`; with `program`, that program
   * instead (e.g. an interactive shell with job control, in which to type `jobline`).
   */
  constructor(workspace: ReplWorkspace, args: string[] = [], readonly cols = 100, readonly rows = 30, program?: { file: string; args: string[] }) {
    this.terminal = new xterm.Terminal({ cols, rows, scrollback: 2000, allowProposedApi: true });
    this.terminal.onBell(() => this.bells++);
    this.terminal.parser.registerOscHandler(9, (text) => {
      this.desktopNotifications.push(text);
      return true;
    });
    this.process = pty.spawn(program?.file ?? process.execPath, program?.args ?? [CLI_PATH, ...args], {
      name: 'xterm-256color',
      cols,
      rows,
      cwd: workspace.cwd,
      env: replEnvironment(workspace),
    });
    this.process.onData((data) => {
      this.writes = this.writes.then(() => new Promise<void>((resolve) => this.terminal.write(data, resolve)));
    });
    this.exited = new Promise((resolve) => this.process.onExit(resolve));
    liveSessions.push(this);
  }

  /** The pid of the jobline process. */
  get pid(): number {
    return this.process.pid;
  }

  /** Every line of the screen and scrollback, right-trimmed, after pending output is rendered. */
  async lines(): Promise<string[]> {
    await this.writes;
    const buffer = this.terminal.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  }

  /** The whole screen and scrollback as one string. */
  async text(): Promise<string> {
    return (await this.lines()).join('\n');
  }

  /** The cursor: its row in the buffer and its column. */
  async cursor(): Promise<{ row: number; col: number }> {
    await this.writes;
    const buffer = this.terminal.buffer.active;
    return { row: buffer.baseY + buffer.cursorY, col: buffer.cursorX };
  }

  /** Waits until the screen matches `pattern` (and returns the text). */
  async waitForText(pattern: string | RegExp, timeoutMs = 10_000): Promise<string> {
    let last = '';
    try {
      return await waitFor(async () => {
        last = await this.text();
        return (typeof pattern === 'string' ? last.includes(pattern) : pattern.test(last)) ? last : null;
      }, `screen to show ${pattern}`, timeoutMs, 20);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- screen ---\n${last}\n--------------`);
    }
  }

  /**
   * Waits for a `✅ Started job-… (agent)` line (or `(agent × 3 workers)`; any agent when none is
   * given) whose id is not in `except`, and returns that id.
   */
  async startedJob(agent?: string, except: readonly string[] = []): Promise<string> {
    const pattern = new RegExp(`✅ Started ((?!${except.join('|') || '$^'})job-[a-z0-9]{8}) (?:[a-z0-9_.-]+ )?\\(${agent ?? '[\\w-]+'}(?: × \\d+ workers)?\\)`);
    return pattern.exec(await this.waitForText(pattern))![1]!;
  }

  /**
   * Waits until the newest approval question on screen is open and takes answers: for its first
   * moment the REPL's box hands keys to the prompt line instead, and its footer says so (GUARD_NOTICE).
   */
  async waitForAnswers(): Promise<void> {
    let last = '';
    try {
      await waitFor(async () => {
        const lines = await this.lines();
        last = lines.join('\n');
        const question = lines.findLast((line) => line.includes('what next?'));
        return question !== undefined && question.trimStart().startsWith('?') && !last.includes(GUARD_NOTICE);
      }, 'an open approval box to take answers', 10_000, 20);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- screen ---\n${last}\n--------------`);
    }
  }

  /**
   * The foreground colour of the first character of the last place `text` shows on screen: its
   * palette index (0–255), or null for the terminal's default colour (or when `text` is not shown).
   */
  async colourOf(text: string): Promise<number | null> {
    await this.writes;
    const buffer = this.terminal.buffer.active;
    for (let row = buffer.length - 1; row >= 0; row--) {
      const line = buffer.getLine(row);
      const column = line?.translateToString(true).indexOf(text) ?? -1;
      if (!line || column === -1) continue;
      const cell = line.getCell(column);
      return cell && !cell.isFgDefault() ? cell.getFgColor() : null;
    }
    return null;
  }

  /** Counts the lines on screen that match `pattern`. */
  async count(pattern: RegExp): Promise<number> {
    return (await this.lines()).filter((line) => pattern.test(line)).length;
  }

  /** Types `text` as keystrokes (no Enter). */
  type(text: string): void {
    this.process.write(text);
  }

  /** Types a line and presses Enter. */
  send(line: string): void {
    this.process.write(`${line}\r`);
  }

  /** Sends a signal to the jobline process. */
  kill(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }
}
