// The REPL's terminal: a readline interface that can print above the prompt without disturbing
// what the user is typing, and that steps aside entirely while another prompt library owns stdin.
import { EventEmitter } from 'node:events';
import { clearScreenDown, createInterface, cursorTo, moveCursor, type Interface } from 'node:readline';
import wrapAnsi from 'wrap-ansi';
import { DISABLE_BRACKETED_PASTE, ENABLE_BRACKETED_PASTE, KeyInput } from './key-input.js';

/** What the terminal needs; `isTTY` false means line-by-line input with no prompt drawn. */
export interface TerminalOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WriteStream;
  isTTY: boolean;
  prompt: string;
  /** Earlier input lines, most recent first (readline's order). */
  history: string[];
  historySize: number;
  completer?: (line: string) => [string[], string];
}

/** Events: a submitted line, Ctrl+C (TTY only), and the end of input (Ctrl+D or EOF). */
export interface TerminalEvents {
  line: [line: string];
  /** A line was held back while suspended; `count` are waiting now. */
  outputHeld: [count: number];
  interrupt: [];
  end: [];
}

/**
 * Adds the keys in `chunk` to text typed while a foreground task owned the screen: printable
 * characters are kept, Backspace deletes the last one, escape sequences (arrows, function keys)
 * and other control keys are dropped.
 */
export function applyTypeahead(typed: string, chunk: string): string {
  let result = typed;
  // eslint-disable-next-line no-control-regex
  for (const piece of chunk.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[O][ -~]|\u001b./g, '')) {
    if (piece === '\u007f' || piece === '\b') result = Array.from(result).slice(0, -1).join('');
    else if (piece >= ' ') result += piece;
  }
  return result;
}

/** A line-editing terminal that prints above its prompt. */
export class Terminal extends EventEmitter<TerminalEvents> {
  private rl: Interface;
  private history: string[];
  private promptText: string;
  private isSuspended = false;
  private isClosed = false;
  // Ctrl+D closed readline on a terminal: the REPL decides whether that ends it (it may ask
  // first); the next prompt() takes input again.
  private isInputEnded = false;
  // The user chose to leave (see stopPrompting): the prompt is never drawn again.
  private isLeaving = false;
  private readonly pendingOutput: string[] = [];
  private lastKeyAt = 0;
  // On a terminal readline reads stdin through this (pastes at the cursor: see key-input.ts).
  private readonly keyInput: KeyInput | null;

  constructor(private readonly options: TerminalOptions) {
    super();
    this.history = [...options.history];
    this.promptText = options.prompt;
    this.keyInput = options.isTTY
      ? new KeyInput(options.input as NodeJS.ReadStream, (text) => {
        this.lastKeyAt = Date.now();
        if (!this.isSuspended && !this.isClosed && !this.isInputEnded) this.rl.write(text);
      }, () => this.rl.cursor === this.rl.line.length)
      : null;
    this.rl = this.createInterface();
    // readline makes its input emit 'keypress'; this one listener outlives every rebuilt interface.
    this.keyInput?.on('keypress', () => (this.lastKeyAt = Date.now()));
    // However jobline ends, the user's shell must not be left in bracketed-paste mode.
    if (options.isTTY) process.once('exit', () => void options.output.write(DISABLE_BRACKETED_PASTE));
  }

  /** Milliseconds since the user last pressed a key (Infinity before the first). */
  get msSinceLastKey(): number {
    return this.lastKeyAt === 0 ? Number.POSITIVE_INFINITY : Date.now() - this.lastKeyAt;
  }

  /** Lines held back while suspended, printed when it ends. */
  get heldCount(): number {
    return this.pendingOutput.length;
  }

  /** What the user has typed on the current line so far ('' while suspended). */
  get line(): string {
    return this.isSuspended || this.isClosed || this.isInputEnded ? '' : this.rl.line;
  }

  /** True while another prompt owns the terminal (see `suspend`). */
  get suspended(): boolean {
    return this.isSuspended;
  }

  /** Changes the prompt; redrawn at the next `prompt()`. */
  setPrompt(prompt: string): void {
    this.promptText = prompt;
    this.rl.setPrompt(this.options.isTTY ? prompt : '');
  }

  /**
   * Stops drawing the prompt for good: the user chose to leave, and the exit follows (the
   * process's last lines print without a prompt between them and after the answer). Called
   * from inside a suspended task, so the suspend's end does not draw it either.
   */
  stopPrompting(): void {
    this.isLeaving = true;
  }

  /** Draws the prompt and the current line, ready for input. */
  prompt(): void {
    if (this.isSuspended || this.isClosed || this.isLeaving || !this.options.isTTY) return;
    if (this.isInputEnded) {
      this.isInputEnded = false;
      this.rl = this.createInterface();
    }
    this.rl.prompt(true);
  }

  /**
   * Prints `raw` (one or more lines) above the prompt. On a terminal the typed text and the
   * cursor position survive, also when the typed line wraps, and long lines wrap at words. While suspended, output waits and
   * is printed on resume.
   */
  print(raw: string): void {
    // Long lines wrap at word boundaries on a terminal (the terminal itself would cut words).
    const columns = this.options.output.columns;
    const isTooLong = Boolean(columns) && raw.split('\n').some((line) => line.length > columns!);
    const text = this.options.isTTY && isTooLong ? wrapAnsi(raw, columns!, { hard: true, trim: false }) : raw;
    if (this.isClosed || this.isInputEnded || this.isLeaving) {
      this.options.output.write(`${text}\n`);
      return;
    }
    if (this.isSuspended) {
      this.pendingOutput.push(text);
      this.emit('outputHeld', this.pendingOutput.length);
      return;
    }
    if (!this.options.isTTY) {
      this.options.output.write(`${text}\n`);
      return;
    }
    const out = this.options.output;
    // One update for the terminal: corked, the erase, the text and readline's redraw leave in a
    // single write, so the typed line never visibly disappears (no flicker).
    out.cork();
    try {
      // Move to the first row of the prompt (the cursor may sit several rows down in a wrapped
      // line), clear the prompt and the typed text, print, then let readline redraw both below.
      moveCursor(out, 0, -this.rl.getCursorPos().rows);
      cursorTo(out, 0);
      clearScreenDown(out);
      out.write(`${text}\n`);
      // readline redraws by first moving up as many rows as the cursor was down at its last
      // redraw; those rows were cleared above, so it must start from here instead.
      (this.rl as unknown as { prevRows: number }).prevRows = 0;
      this.rl.prompt(true);
    } finally {
      out.uncork();
    }
  }

  /**
   * Hands the terminal to `task` (e.g. an enquirer prompt): the readline interface is closed, so
   * it neither echoes nor consumes keystrokes, then rebuilt with its history and the typed line
   * restored. Output printed meanwhile appears afterwards. Nested calls run inline.
   */
  async suspend<T>(task: () => Promise<T>): Promise<T> {
    if (this.isSuspended || this.isClosed) return task();
    const typed = this.rl.line;
    this.isSuspended = true;
    if (this.options.isTTY) {
      moveCursor(this.options.output, 0, -this.rl.getCursorPos().rows);
      cursorTo(this.options.output, 0);
      clearScreenDown(this.options.output);
    }
    this.rl.close();
    // Another prompt reads the terminal meanwhile, and knows nothing of pastes.
    if (this.options.isTTY) this.options.output.write(DISABLE_BRACKETED_PASTE);
    try {
      return await task();
    } finally {
      this.isSuspended = false;
      // Leaving: what waited is said, and no prompt is drawn again (readline stays closed).
      if (this.isLeaving && !this.isClosed) for (const text of this.pendingOutput.splice(0)) this.options.output.write(`${text}\n`);
      else if (!this.isClosed) {
        this.isInputEnded = false;
        this.rl = this.createInterface();
        for (const text of this.pendingOutput.splice(0)) this.options.output.write(`${text}\n`);
        if (typed) this.rl.write(typed);
        this.prompt();
      }
    }
  }

  /**
   * Runs a foreground task (/watch, /logs -f) that owns the screen: on a terminal, readline is
   * suspended (notifications wait) and Ctrl+C aborts the task's signal instead of reaching the
   * REPL. Text typed meanwhile is kept and lands on the prompt line afterwards (as a shell keeps
   * typeahead); other keys are ignored. `write` prints straight to the screen.
   */
  async runForeground(task: (signal: AbortSignal, write: (text: string) => void) => Promise<void>): Promise<void> {
    const controller = new AbortController();
    const write = (text: string): void => void this.options.output.write(`${text}\n`);
    // Without a terminal there is nothing to take over (and closing readline on a pipe could
    // drop lines it has buffered); Ctrl+C there is a real SIGINT and ends jobline.
    if (!this.options.isTTY) return task(controller.signal, write);
    let typeahead = '';
    await this.suspend(async () => {
      const input = this.options.input as NodeJS.ReadStream;
      const onData = (data: Buffer | string): void => {
        const text = data.toString();
        if (text.includes('\u0003')) controller.abort();
        typeahead = applyTypeahead(typeahead, text);
      };
      input.setRawMode?.(true);
      input.on('data', onData);
      input.resume();
      try {
        await task(controller.signal, write);
      } finally {
        input.off('data', onData);
        input.setRawMode?.(false);
        input.pause();
      }
    });
    if (typeahead !== '' && !this.isClosed && !this.isSuspended) this.rl.write(typeahead);
  }

  /**
   * Calls for attention without printing a line: the bell (BEL), or an OSC 9 desktop notification
   * carrying `text` (iTerm2, WezTerm, kitty, Windows Terminal; others ignore it). Terminals only.
   */
  alert(kind: 'bell' | 'osc9', text: string): void {
    if (!this.options.isTTY || this.isClosed) return;
    // OSC text ends at BEL or ESC: both (and every other control character) are removed from it.
    // eslint-disable-next-line no-control-regex
    this.options.output.write(kind === 'bell' ? '\u0007' : `\u001b]9;${text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 200)}\u0007`);
  }

  /** Clears the typed line (Ctrl+C on a non-empty line, as in node's REPL). */
  clearLine(): void {
    if (this.isSuspended || this.isClosed || this.isInputEnded) return;
    // Ctrl+E then Ctrl+U: go to the end, delete back to the start; readline redraws.
    this.rl.write(null, { ctrl: true, name: 'e' });
    this.rl.write(null, { ctrl: true, name: 'u' });
  }

  /** Asks one question on the terminal and resolves with the answer line. */
  question(query: string): Promise<string> {
    return new Promise((resolve) => this.rl.question(query, resolve));
  }

  /**
   * Asks a question of one-key answers (`[v]iew details, [r]esume, … [k]eep (Enter): `), answered
   * as soon as a key is pressed, as the approval box is: resolves with the key (lower case) when
   * it is one of `keys`, or `enterKey` for Enter, and for Ctrl+C, Ctrl+D and Esc (the default is
   * the answer that changes nothing). Other keys beep; the answer is echoed after the question.
   * Without a terminal it reads a line: its first character, `enterKey` for an empty line, and
   * null for a line that names no key.
   */
  async askKey(query: string, keys: readonly string[], enterKey: string): Promise<string | null> {
    if (!this.options.isTTY) {
      const line = (await this.question(query)).trim().toLowerCase();
      if (line === '') return enterKey;
      return keys.includes(line[0]!) ? line[0]! : null;
    }
    return this.suspend(() => new Promise<string>((resolve) => {
      const input = this.options.input as NodeJS.ReadStream;
      const output = this.options.output;
      const finish = (key: string): void => {
        input.off('data', onData);
        input.setRawMode?.(false);
        input.pause();
        output.write(`${key}\n`);
        resolve(key);
      };
      // A chunk is one key, or keys typed faster than they are read, taken in order: the first
      // that answers does, and what follows it is dropped (a key and its Enter, typed together,
      // answer once). An escape sequence (an arrow) is no answer.
      const onData = (data: Buffer | string): void => {
        const text = data.toString();
        if (text === '\u001b') return finish(enterKey);
        if (text.startsWith('\u001b')) return void output.write('\u0007');
        for (const character of text) {
          if ('\r\n\u0003\u0004'.includes(character)) return finish(enterKey);
          if (keys.includes(character.toLowerCase())) return finish(character.toLowerCase());
        }
        output.write('\u0007');
      };
      output.write(query);
      input.setRawMode?.(true);
      input.on('data', onData);
      input.resume();
    }));
  }

  /** Closes the terminal for good. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.rl.close();
    if (this.options.isTTY) this.options.output.write(DISABLE_BRACKETED_PASTE);
  }

  private createInterface(): Interface {
    if (this.keyInput) this.options.output.write(ENABLE_BRACKETED_PASTE);
    const rl = createInterface({
      input: (this.keyInput ?? this.options.input) as NodeJS.ReadableStream,
      output: this.options.output,
      terminal: this.options.isTTY,
      prompt: this.options.isTTY ? this.promptText : '',
      history: this.history,
      historySize: this.options.historySize,
      removeHistoryDuplicates: true,
      completer: this.options.completer,
      tabSize: 2,
    });
    rl.on('history', (history: string[]) => (this.history = history));
    rl.on('line', (line) => this.emit('line', line));
    if (this.options.isTTY) rl.on('SIGINT', () => this.emit('interrupt'));
    // After Ctrl+Z and `fg`, readline pauses its input and leaves resuming it to its owner (this
    // event). Our KeyInput lets go of stdin while paused, so the process-wide handler
    // (resume-input-on-continue.ts) sees no reader and leaves stdin paused: with no job keeping
    // Node alive the REPL exited silently, else it froze.
    rl.on('SIGCONT', () => void rl.resume());
    rl.on('close', () => {
      // Closing to suspend is ours; any other close is Ctrl+D or the end of input.
      if (this.isSuspended || this.isClosed || this.isInputEnded) return;
      if (this.options.isTTY) this.isInputEnded = true;
      else this.isClosed = true;
      this.emit('end');
    });
    return rl;
  }
}
