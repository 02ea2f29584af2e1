// A shell lane: one long-lived `/bin/sh` that is the init of its own PID namespace and runs job
// commands one after another, forking and execing `/bin/sh -c` for each (~0.5 ms), instead of a
// Node spawn and a new namespace per command (~6 ms of latency each; docs/PERFORMANCE.md).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import type { ShellListener, ShellRequest } from './shell-launcher.js';
import { buildNamespaceInitCommand, normalizeExit } from './process-containment.js';
import { LaneOutputReader } from './lane-output.js';

/**
 * Linux's limit on one environment string, "NAME=value" with its NUL (MAX_ARG_STRLEN, 128 KiB):
 * a command given a longer variable could not start a program, so such a request fails E2BIG
 * up front, as a spawn would have.
 */
export const MAX_ENV_STRING_BYTES = 128 * 1024;

// The lane is `/bin/sh -s`: it reads its script from its stdin, first this prelude (the end mark
// goes there, not on its command line, where any process could read it), then one request per
// line (encodeLaneRequest), read in blocks as they come, not a byte at a time as `read` would.
// - A request enters the command's folder and runs `/bin/sh -c command` with the request's
//   variables set (and removed), stdin from /dev/null (a command reading stdin must not eat later
//   requests) and both streams on the lane's stdout; the lane's own stderr is /dev/null. The
//   command's shell is a process of its own, as a spawned one was ($$, signals, `exit`, what it
//   inherits: only the environment, none of the lane's variables).
// - As the namespace's init the lane traps TERM, INT and HUP: a cancel's SIGTERM to the lane's
//   process group stops the command and its children, and the lane lives on for the next one.
// - `kill -9 -1` from a namespace's init sends SIGKILL to every other process in it: whatever the
//   command left behind (a daemon that called setsid, a child ignoring SIGTERM) is killed before
//   its end is reported (it runs no more of its own code; it leaves the process table a moment
//   later), as when each command had a namespace of its own.
// - The end mark (random per lane) follows the command's output on the same pipe, so no byte of
//   a command's output can arrive after its end, and a command cannot forge it by chance.
function formatLanePrelude(mark: string): string {
  return `trap : TERM INT HUP
jobline_mark=${quoteForLane(mark)}
jobline_nl='
'
jobline_end() {
  kill -9 -1 2>/dev/null
  printf '%s%s\\n' "$jobline_mark" "$1"
}
`;
}

/** Variable names a lane can set or remove (a name the shell could not take falls back to a spawn). */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quotes `text` as one shell word that stays on one line: single quotes, an embedded `'` as
 * `'\''`, and a newline as `'"$jobline_nl"'` (each request is one line of the lane's script).
 */
export function quoteForLane(text: string): string {
  return `'${text.replace(/'/g, `'\\''`).replace(/\n/g, `'"$jobline_nl"'`)}'`;
}

/**
 * True when a lane can run `request`: every variable name is one the shell can take, and no text
 * holds a NUL (which no shell variable or command can hold). Otherwise a spawn runs it.
 */
export function canRunInLane(request: ShellRequest): boolean {
  return [...Object.keys(request.env), ...(request.removeEnv ?? [])].every((name) => VARIABLE_NAME.test(name)) && ![request.command, request.cwd, ...Object.values(request.env)].some((text) => text.includes('\0'));
}

/** The variable of `request` too long to pass to a program (see MAX_ENV_STRING_BYTES), if any. */
export function findOversizedVariable(request: ShellRequest): string | null {
  for (const [name, value] of Object.entries(request.env)) {
    if (Buffer.byteLength(name) + Buffer.byteLength(value) + 2 > MAX_ENV_STRING_BYTES) return name;
  }
  return null;
}

/**
 * The request line that runs `request` in a lane (see formatLanePrelude): shell code whose every
 * word from the request is quoted. In a subshell that then execs the command's shell, removed
 * variables are unset and the request's are set as assignments of the exec.
 */
export function encodeLaneRequest(request: ShellRequest): string {
  const assignments = Object.entries(request.env).map(([name, value]) => `${name}=${quoteForLane(value)} `).join('');
  const removed = request.removeEnv ?? [];
  const unset = removed.length === 0 ? '' : `unset ${removed.join(' ')}; `;
  // The subshell moves its own stderr to the pipe: were the lane's redirected around the command,
  // the lane's note on a command killed by a signal ("Terminated") would land in its output.
  // The start mark goes last before the command, from the command's own process (see startMark).
  const mark = request.startMark ? `printf '%s\\n' ${quoteForLane(request.startMark.line)} >>${quoteForLane(request.startMark.path)} 2>/dev/null || exit 125; ` : '';
  const run = `(${mark}exec 2>&1; ${unset}${assignments}exec /bin/sh -c ${quoteForLane(request.command)}) </dev/null`;
  return `if cd -- ${quoteForLane(request.cwd)} 2>/dev/null; then ${run}; jobline_end $?; else jobline_end cwd; fi\n`;
}

/**
 * One lane: a contained shell that runs one request at a time. Start it with `ShellLane.start`;
 * `run` a request when it is idle. `onIdle` hears each end of a request, `onGone` the lane's death
 * (its current request, if any, has then been reported ended).
 */
export class ShellLane {
  private current: ShellListener | null = null;
  private readonly reader: LaneOutputReader;
  private isGone = false;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    mark: Buffer,
    private readonly onIdle: (lane: ShellLane) => void,
    private readonly onGone: (lane: ShellLane) => void,
  ) {
    this.reader = new LaneOutputReader(mark);
    child.stdout.on('data', (chunk: Buffer) => this.read(chunk));
    // A write to a lane that just died fails here; its 'close' reports the loss.
    child.stdin.on('error', () => {});
    child.on('error', () => this.lose(null, null));
    child.on('close', (code, signal) => this.lose(code, signal));
  }

  /**
   * Starts a lane with `env` in a PID namespace of its own (callers check that the system allows
   * one: detectContainment). Throws what spawn throws (EAGAIN, ENOMEM).
   */
  static start(env: NodeJS.ProcessEnv, onIdle: (lane: ShellLane) => void, onGone: (lane: ShellLane) => void): ShellLane {
    const mark = `\x1ejobline-end-${randomBytes(12).toString('hex')}:`;
    const { file, args } = buildNamespaceInitCommand(['-s']);
    const child = spawn(file, args, {
      cwd: '/',
      env,
      // Its own process group: a cancel signals it (and with it the running command) as a whole.
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const lane = new ShellLane(child, Buffer.from(mark, 'latin1'), onIdle, onGone);
    child.stdin.write(formatLanePrelude(mark));
    return lane;
  }

  /** The lane's process-group leader (signal `-pid` to reach the running command). */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Runs `request` (see ShellListener for what `listener` hears). Only when idle (see `onIdle`). */
  run(request: ShellRequest, listener: ShellListener): void {
    this.current = listener;
    listener.started(this.pid);
    this.child.stdin.write(encodeLaneRequest(request));
  }

  /** Ends an idle lane: its shell reads the end of its input and exits. */
  close(): void {
    this.child.stdin.end();
  }

  private read(chunk: Buffer): void {
    for (const part of this.reader.push(chunk)) {
      if (part.kind === 'output') this.current?.output(part.bytes, 1);
      else this.end(part.status);
    }
  }

  // The end mark: `cwd` when the folder could not be entered, else the command's exit status.
  private end(status: string): void {
    const listener = this.current;
    this.current = null;
    if (!listener) return;
    if (status === 'cwd') listener.failed('ENOENT', 'no such folder, or it cannot be entered');
    else {
      const exit = normalizeExit(Number(status), null, { kind: 'pid-namespace' });
      listener.exited(exit.code, exit.signal);
    }
    if (!this.isGone) this.onIdle(this);
  }

  // The lane died (killed from outside, by a forced cancel, or at its close): a request it was
  // running ended with it, and so did everything in its namespace.
  private lose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.isGone) return;
    this.isGone = true;
    const listener = this.current;
    this.current = null;
    if (listener) {
      const held = this.reader.takeHeld();
      if (held.length > 0) listener.output(held, 1);
      const exit = normalizeExit(code, signal, { kind: 'pid-namespace' });
      if (exit.signal) listener.exited(null, exit.signal);
      else listener.failed(null, `its shell ended unexpectedly (exit code ${code})`);
    }
    this.onGone(this);
  }
}
