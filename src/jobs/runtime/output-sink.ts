// Inside a worker: appends an agent's raw output to output.log and turns it into batched
// `outputProduced` messages, so a job printing 100 MB sends a few messages, not millions.
import { closeSync, constants, fstatSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { MAX_LINE_CHARS, MAX_LINES_PER_OUTPUT_MESSAGE } from './protocol.js';
import type { SecretScrubber } from '../../text/secrets.js';

// output.log is opened like every append-only job file (see store/event-log.ts): created if
// missing, appended to, and never through a symbolic link planted in its place.
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

/** How often, at most, a worker posts output to the main thread (ms). */
export const OUTPUT_FLUSH_INTERVAL_MS = 50;
// A line longer than this without a newline is reported as a line anyway (bounded memory).
const MAX_PENDING_CHARS = 64 * 1024;

/** Receives batches: the last few complete lines and how many lines there were in all. */
export type OutputBatchListener = (lines: string[], lineCount: number) => void;

/** Options of an OutputSink. */
export interface OutputSinkOptions {
  /** Removes API keys from everything written and reported, before any line is cut short. */
  scrubber?: SecretScrubber | null;
  /**
   * Largest output.log (bytes). Past it the oldest half is cut and a line says how much: the
   * newest output, where a failure shows, is what a user reads. Default: no cap.
   */
  maxBytes?: number;
  /**
   * The file is created by the first byte written to it other than its header (see writeHeader),
   * not when the sink opens: a run's own file under runs/, so that a batch of 10,000 silent tasks
   * leaves no 10,000 files of one header line (and spends no file creation per task).
   */
  isCreatedOnFirstWrite?: boolean;
}

/** Appends text to one output.log and batches its complete lines. Call `close` when the phase ends. */
export class OutputSink {
  /** The open log, or null until its first write (isCreatedOnFirstWrite). */
  private fd: number | null = null;
  private size = 0;
  /** See OutputSinkOptions.isCreatedOnFirstWrite. */
  private readonly isCreatedLazily: boolean;
  /** A header held back until something else is written (isCreatedOnFirstWrite). */
  private heldHeader: string | null = null;
  private cutBytes = 0;
  private markerBytes = 0;
  private readonly scrubber: SecretScrubber | null;
  private readonly maxBytes: number;
  private partial = '';
  private recent: string[] = [];
  private lineCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastFlushAt = 0;

  private writeError: Error | null = null;
  // Whether the log ends with a newline (or is empty): a header or an activity line starts on a
  // line of its own even after output that did not end in one.
  private isAtLineStart: boolean;
  // With keys to scrub, the log is written a whole line at a time (a key split across two
  // chunks would pass a scrubber that sees the chunks one by one); this is the unwritten rest.
  private unwritten = '';

  /**
   * Opens `path` for appending (created with mode 0600). `onWriteError` hears of the first failed
   * write. @throws the fs error if the file cannot be opened (ELOOP for a symbolic link).
   */
  constructor(
    private readonly path: string,
    private readonly onBatch: OutputBatchListener,
    private readonly onWriteError: (error: Error) => void = () => {},
    options: OutputSinkOptions = {},
  ) {
    this.isCreatedLazily = options.isCreatedOnFirstWrite === true;
    this.isAtLineStart = true;
    if (!options.isCreatedOnFirstWrite) {
      this.open();
      this.isAtLineStart = this.size === 0 || this.lastByte() === 0x0a;
    }
    this.scrubber = options.scrubber && !options.scrubber.isEmpty ? options.scrubber : null;
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Appends `text` to the log (synchronously: this is the worker's thread, not the REPL's). */
  write(text: string): void {
    this.appendScrubbed(text);
    const pieces = (this.partial + text).split(/\r?\n/);
    this.partial = pieces.pop() ?? '';
    if (this.partial.length > MAX_PENDING_CHARS) {
      pieces.push(this.partial);
      this.partial = '';
    }
    for (const line of pieces) this.addLine(line);
    if (pieces.length === 0 || this.timer !== null) return;
    // Leading edge: after a quiet spell a line goes out at once (an agent about to block its
    // thread still gets its last words out); while chatty, lines are batched per interval.
    const sinceLast = Date.now() - this.lastFlushAt;
    if (sinceLast >= OUTPUT_FLUSH_INTERVAL_MS) this.flush();
    else this.timer = setTimeout(() => this.flush(), OUTPUT_FLUSH_INTERVAL_MS - sinceLast);
  }

  /**
   * Appends `text` to the log only: a model's answer, reported as text another way (see
   * PhaseReporter.text), not as output lines.
   */
  writeText(text: string): void {
    this.appendScrubbed(text);
  }

  /**
   * Appends the phase header `text` as appendLine does; a sink created on its first write holds
   * it back until something else is written, and a run that writes nothing leaves no file.
   */
  writeHeader(text: string): void {
    if (this.fd === null && this.isCreatedLazily) this.heldHeader = text;
    else this.appendLine(text);
  }

  /**
   * Appends the line `text` to the log only, on a line of its own: it is reported another way
   * (an activity, a phase header), not as output. Pending output is written first.
   */
  appendLine(text: string): void {
    if (this.unwritten !== '') {
      this.append(this.scrubber ? this.scrubber.scrub(this.unwritten) : this.unwritten);
      this.unwritten = '';
    }
    this.appendScrubbed(`${this.isAtLineStart ? '' : '\n'}${text}\n`);
  }

  // Never through a symbolic link planted in its place.
  private open(): number {
    this.fd = openSync(this.path, APPEND_FLAGS, 0o600);
    this.size = fstatSync(this.fd).size;
    return this.fd;
  }

  private lastByte(): number {
    const byte = Buffer.alloc(1);
    const reader = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return readSync(reader, byte, 0, 1, this.size - 1) === 1 ? byte[0]! : 0x0a;
    } finally {
      closeSync(reader);
    }
  }

  private appendScrubbed(text: string): void {
    if (!this.scrubber) {
      this.append(text);
      return;
    }
    const pending = this.unwritten + text;
    const end = pending.length > MAX_PENDING_CHARS ? pending.length : pending.lastIndexOf('\n') + 1;
    this.unwritten = pending.slice(end);
    if (end > 0) this.append(this.scrubber.scrub(pending.slice(0, end)));
  }

  /** The first write error (a full disk, a read-only folder), or null. Output after it is dropped. */
  get error(): Error | null {
    return this.writeError;
  }

  // A failed write must not throw into the agent's stream handlers (that would crash the worker
  // with a generic reason): it is kept, reported through onWriteError, and fails the phase.
  private append(text: string): void {
    if (this.writeError || text === '') return;
    try {
      let fd = this.fd;
      if (fd === null) {
        fd = this.open();
        const header = this.heldHeader;
        this.heldHeader = null;
        if (header !== null) this.size += writeSync(fd, `${header}\n`);
      }
      this.size += writeSync(fd, text);
      this.isAtLineStart = text.endsWith('\n');
      if (this.size > this.maxBytes) this.cutHead();
    } catch (error) {
      this.writeError = error as Error;
      this.onWriteError(this.writeError);
    }
  }

  // Keeps the newest half of the cap: the tail is copied into a new file that starts with a line
  // saying how much was cut, which replaces the log atomically. Each cut copies maxBytes / 2 and
  // frees as much, so the cost per byte written stays constant.
  private cutHead(): void {
    const keep = Math.floor(this.maxBytes / 2);
    const tail = Buffer.alloc(keep);
    const reader = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    let read: number;
    try {
      read = readSync(reader, tail, 0, keep, this.size - keep);
    } finally {
      closeSync(reader);
    }
    // Bytes of output cut now: all but the kept tail, less the previous cut's own marker line.
    this.cutBytes += this.size - this.markerBytes - read;
    const marker = `… [jobline] ${this.cutBytes} bytes of earlier output were cut here (maxOutputBytes is ${this.maxBytes})\n`;
    const temp = `${this.path}.cut.tmp`;
    const out = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(out, marker);
      writeSync(out, tail, 0, read);
    } finally {
      closeSync(out);
    }
    renameSync(temp, this.path);
    if (this.fd !== null) closeSync(this.fd);
    this.open();
    this.markerBytes = Buffer.byteLength(marker);
    this.size = this.markerBytes + read;
  }

  /** Posts whatever is batched now. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.lineCount === 0) return;
    this.lastFlushAt = Date.now();
    const lines = this.recent;
    const count = this.lineCount;
    this.recent = [];
    this.lineCount = 0;
    this.onBatch(lines, count);
  }

  /** Reports a trailing unterminated line, flushes, and closes the file. */
  close(): void {
    if (this.unwritten !== '') this.append(this.scrubber ? this.scrubber.scrub(this.unwritten) : this.unwritten);
    this.unwritten = '';
    if (this.partial !== '') this.addLine(this.partial);
    this.partial = '';
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (this.writeError) throw this.writeError;
  }

  private addLine(raw: string): void {
    const line = this.scrubber ? this.scrubber.scrub(raw) : raw;
    this.lineCount++;
    this.recent.push(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line);
    if (this.recent.length > MAX_LINES_PER_OUTPUT_MESSAGE) this.recent.shift();
  }
}
