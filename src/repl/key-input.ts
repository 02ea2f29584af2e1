// What the REPL's readline reads on a terminal: stdin, with pastes and multi-character input
// put where the cursor is. Node's readline appends every character of a multi-character chunk
// but the last to the *end* of the line (its emitKeypressEvents disables completion, and with it
// cursor-aware insertion, for all but a chunk's last character), so a paste or an input method's
// text lands after the cursor's text. Here a paste (the terminal marks it with bracketed-paste
// sequences) reaches readline as one insertion at the cursor, and other multi-character text
// one character at a time. Everything else passes through unchanged.
import { EventEmitter } from 'node:events';

/** Turns on bracketed paste: the terminal wraps pasted text in PASTE_START … PASTE_END. */
export const ENABLE_BRACKETED_PASTE = '\u001b[?2004h';
/** Turns bracketed paste off again (before another program reads the terminal, and on exit). */
export const DISABLE_BRACKETED_PASTE = '\u001b[?2004l';
const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCE = /(\u001b\[[0-9;?]*[ -/]*[@-~]|\u001bO.|\u001b[^[O]?)/;

/**
 * Pasted text as one line to insert: line breaks become spaces (a paste never submits; the user
 * presses Enter), trailing ones are dropped, other control characters are removed.
 */
export function normalizePaste(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\r\n]+$/, '').replace(/\r\n|\r|\n|\t/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
}

/**
 * A stand-in for stdin that readline reads from. It emits `data` synchronously, in order;
 * raw mode, pause and resume go to the real stdin. `insert` receives a paste once it is whole.
 */
export class KeyInput extends EventEmitter {
  readonly isTTY = true;
  private paste: string | null = null;
  private isForwarding = false;
  private readonly onData = (chunk: Buffer | string): void => this.forward(chunk.toString());
  private readonly onEnd = (): void => void this.emit('end');

  /**
   * `insert` receives a whole paste; `isCursorAtEnd` tells whether readline's cursor is at the end
   * of the line (then a chunk of text is appended whole, as readline does right).
   */
  constructor(
    private readonly stdin: NodeJS.ReadStream,
    private readonly insert: (text: string) => void,
    private readonly isCursorAtEnd: () => boolean = () => false,
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

  /** Starts reading stdin and forwarding it (readline calls this as it starts). */
  resume(): this {
    if (!this.isForwarding) {
      this.isForwarding = true;
      this.stdin.on('data', this.onData);
      this.stdin.on('end', this.onEnd);
    }
    this.stdin.resume();
    return this;
  }

  /**
   * Stops reading and forwarding stdin (readline calls this as it closes: another prompt may
   * read stdin next, and must get every key).
   */
  pause(): this {
    if (this.isForwarding) {
      this.isForwarding = false;
      this.stdin.off('data', this.onData);
      this.stdin.off('end', this.onEnd);
    }
    this.stdin.pause();
    return this;
  }

  private forward(chunk: string): void {
    let rest = chunk;
    while (rest !== '') {
      if (this.paste !== null) {
        const end = rest.indexOf(PASTE_END);
        if (end < 0) {
          this.paste += rest;
          return;
        }
        const text = normalizePaste(this.paste + rest.slice(0, end));
        this.paste = null;
        rest = rest.slice(end + PASTE_END.length);
        if (text !== '') this.insert(text);
        continue;
      }
      const start = rest.indexOf(PASTE_START);
      this.emitKeys(start < 0 ? rest : rest.slice(0, start));
      if (start < 0) return;
      this.paste = '';
      rest = rest.slice(start + PASTE_START.length);
    }
  }

  // Escape sequences (arrows, function keys) stay whole; text goes a character at a time.
  private emitKeys(text: string): void {
    for (const piece of text.split(ESCAPE_SEQUENCE)) {
      if (piece === '') continue;
      if (piece.startsWith('\u001b')) {
        this.emit('data', Buffer.from(piece));
        continue;
      }
      // Line ends go alone (each submits); text between them goes whole when readline appends it
      // where the cursor is anyway (at the end of the line), else a character at a time.
      for (const part of piece.split(/(\r\n|\r|\n)/)) {
        if (part === '') continue;
        if (/^[\r\n]/.test(part) || this.isCursorAtEnd()) this.emit('data', Buffer.from(part));
        else for (const character of part) this.emit('data', Buffer.from(character));
      }
    }
  }
}
