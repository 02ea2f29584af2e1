// What a one-key question reads when typing must not answer it: the terminal's keys, one at a
// time, minus those meant for something else. A question that opens while a person is typing (the
// REPL's approval box, opened after a second of quiet) would otherwise take the letters of a
// command as answers: `/cancel ab12⏎` answered "continue" with its `c`. A key meant elsewhere, and
// everything after it, is put back into stdin (`unshift`) for whoever reads it next (the REPL's
// prompt line), and the question hears that it was typed over.
import { EventEmitter } from 'node:events';

/** Where a key goes: to the question, or elsewhere (the question then closes). */
export type KeyRoute = 'question' | 'elsewhere';

// An escape sequence (an arrow, a function key) is one key; so is a lone Escape.
// eslint-disable-next-line no-control-regex
const LEADING_ESCAPE_SEQUENCE = /^(\u001b\[[0-9;?]*[ -/]*[@-~]|\u001bO.|\u001b[^[O]?)/;

/** The first key of `text` (non-empty): an escape sequence whole, else one character. */
export function firstKey(text: string): string {
  if (text.startsWith('\u001b')) return LEADING_ESCAPE_SEQUENCE.exec(text)?.[0] ?? '\u001b';
  return [...text][0]!;
}

/**
 * A stand-in for stdin that a prompt library reads (readline's keypress decoding accepts any
 * stream with `isTTY`, raw mode, pause and resume). Each key of stdin goes through `route`; keys
 * routed to the question are handed on one at a time, each a moment after the previous, so that a
 * key that answers closes the question before the next is handed on (the keys after an answer are
 * not the question's either). The first key routed elsewhere, with everything after it, goes back
 * to stdin, and `onElsewhere` is called. `release()` ends it.
 */
export class GuardedInput extends EventEmitter {
  readonly isTTY = true;
  private pending = '';
  private isAttached = false;
  private isReleased = false;
  private handOnTimer: NodeJS.Timeout | null = null;
  private readonly onData = (chunk: Buffer | string): void => {
    this.pending += chunk.toString();
    this.handOn();
  };

  constructor(
    private readonly stdin: NodeJS.ReadStream,
    private readonly route: (key: string) => KeyRoute,
    private readonly onElsewhere: () => void,
  ) {
    super();
  }

  /** Whether stdin is in raw mode (readline reads this). */
  get isRaw(): boolean {
    return Boolean(this.stdin.isRaw);
  }

  /** Sets raw mode on stdin (readline calls this). */
  setRawMode(mode: boolean): this {
    this.stdin.setRawMode?.(mode);
    return this;
  }

  /** Starts reading stdin (readline calls this as it starts). */
  resume(): this {
    if (this.isReleased) return this;
    if (!this.isAttached) {
      this.isAttached = true;
      this.stdin.on('data', this.onData);
    }
    this.stdin.resume();
    return this;
  }

  /**
   * Pauses stdin (readline calls this as it closes, and after Ctrl+Z and `fg`). It stays attached
   * until released: after a continue, the process's SIGCONT handler resumes stdin for a reader that
   * is still there (resume-input-on-continue.ts).
   */
  pause(): this {
    this.stdin.pause();
    return this;
  }

  /**
   * Stops reading (the question is settled): keys not handed on yet go back to stdin, for its next
   * reader. Idempotent.
   */
  release(): void {
    if (this.isReleased) return;
    this.isReleased = true;
    if (this.handOnTimer) clearTimeout(this.handOnTimer);
    this.stdin.off('data', this.onData);
    this.stdin.pause();
    const rest = this.pending;
    this.pending = '';
    if (rest !== '') this.stdin.unshift(Buffer.from(rest));
  }

  private handOn(): void {
    if (this.isReleased || this.handOnTimer || this.pending === '') return;
    const key = firstKey(this.pending);
    if (this.route(key) === 'elsewhere') {
      this.release();
      this.onElsewhere();
      return;
    }
    this.pending = this.pending.slice(key.length);
    this.emit('data', Buffer.from(key));
    // The next key waits a turn of the event loop: the prompt settles an answer within the turn
    // its key arrived in (enquirer handles one key per turn too), and is released by then.
    if (this.pending !== '') {
      this.handOnTimer = setTimeout(() => {
        this.handOnTimer = null;
        this.handOn();
      });
    }
  }
}
