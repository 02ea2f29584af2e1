// Reading a job's output.log while it may still grow: its tail (the file may be huge), and a
// follower that hands out each new complete line once, across the cuts maxOutputBytes makes.
import { open, stat } from 'node:fs/promises';
import type { FollowLogOptions, LogTail, OutputFollower } from '../jobs/ports/job-reader.js';
import { PHASE_HEADER_PATTERN } from '../jobs/model/task.js';

/** Most of a log read at once, in bytes (the full file stays on disk). */
export const LOG_TAIL_BYTES = 64 * 1024;
/** Most of output.log searched for one run's section, in bytes (its end: the newest runs). */
export const LOG_SECTION_SEARCH_BYTES = 16 * 1024 * 1024;

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    // Stryker disable next-line ArithmeticOperator: only the bytes read are kept (subarray below)
    const buffer = Buffer.alloc(Math.max(0, end - start));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The size of `path` in bytes, or null when it does not exist (yet). */
export async function sizeOfLog(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/**
 * Reads the last `maxLines` complete lines of `path` within its last `maxBytes`. A missing file
 * reads as empty. Lines are raw: the caller makes them inert for a terminal.
 */
export async function readLogTail(path: string, maxLines: number, maxBytes = LOG_TAIL_BYTES): Promise<LogTail> {
  const size = (await sizeOfLog(path)) ?? 0;
  const start = Math.max(0, size - maxBytes);
  const lines = (await readRange(path, start, size).catch(() => Buffer.alloc(0))).toString('utf8').split('\n');
  if (start > 0) lines.shift(); // the first line is probably cut
  if (lines.at(-1) === '') lines.pop();
  const shown = lines.slice(-maxLines);
  return { lines: shown, hasEarlier: start > 0 || shown.length < lines.length, size };
}

/**
 * The last `maxLines` lines of the section of `path` that opens with the header naming `section`
 * (see formatPhaseHeader: `── <section> · <time> ──`), up to the next header; its last such
 * section when there are several. Searched in the file's last LOG_SECTION_SEARCH_BYTES; a section
 * not found there reads as empty. `size` is the file's size (a follower's start).
 */
export async function readLogSection(path: string, section: string, maxLines: number): Promise<LogTail> {
  const size = (await sizeOfLog(path)) ?? 0;
  // Stryker disable next-line MethodExpression: reading from the start finds the same last section in a file under the search window
  const start = Math.max(0, size - LOG_SECTION_SEARCH_BYTES);
  const lines = (await readRange(path, start, size).catch(() => Buffer.alloc(0))).toString('utf8').split('\n');
  const opening = `── ${section} · `;
  let first = -1;
  for (let index = lines.length - 1; index >= 0; index--) {
    if (lines[index]!.startsWith(opening)) {
      first = index;
      break;
    }
  }
  // Stryker disable next-line ConditionalExpression,UnaryOperator: from -1, the slice below is empty too
  if (first === -1) return { lines: [], hasEarlier: false, size };
  let end = first + 1;
  // Stryker disable next-line EqualityOperator: a slice past the end is the same slice
  while (end < lines.length && !PHASE_HEADER_PATTERN.test(lines[end]!)) end++;
  const body = lines.slice(first, end);
  if (body.at(-1) === '') body.pop();
  const shown = body.slice(-maxLines);
  return { lines: shown, hasEarlier: shown.length < body.length, size };
}

/**
 * Follows `path` from byte `offset`: each `read` returns the complete lines written since the
 * last one. When the log was cut meanwhile (it became smaller than what was read: see
 * OutputSink's maxBytes), it starts again from the top of the new file, whose first line says
 * what was cut. Multi-byte characters split across reads stay whole.
 */
export class LogFollower implements OutputFollower {
  private decoder = new TextDecoder();
  private partial = '';

  constructor(
    private readonly path: string,
    private offset = 0,
  ) {}

  /** The new complete lines (at most about LOG_TAIL_BYTES per call; call again while it returns lines). */
  async read(): Promise<string[]> {
    const size = await sizeOfLog(this.path);
    // Stryker disable next-line ConditionalExpression: a missing file reads as nothing below as well
    if (size === null) return [];
    if (size < this.offset) {
      this.offset = 0;
      this.partial = '';
      this.decoder = new TextDecoder();
    }
    // Stryker disable next-line ConditionalExpression: a fast path; nothing new reads as nothing
    if (size === this.offset) return [];
    const end = Math.min(size, this.offset + LOG_TAIL_BYTES);
    const bytes = await readRange(this.path, this.offset, end).catch(() => Buffer.alloc(0));
    this.offset += bytes.length;
    const pieces = (this.partial + this.decoder.decode(bytes, { stream: true })).split('\n');
    this.partial = pieces.pop() ?? '';
    return pieces;
  }

  /** Reads everything left, including a last line without a newline (once the job has ended). */
  async drain(): Promise<string[]> {
    const lines: string[] = [];
    do lines.push(...(await this.read()));
    while (this.offset < ((await sizeOfLog(this.path)) ?? 0));
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    if (rest !== '') lines.push(rest);
    return lines;
  }
}


/**
 * Follows the log at `path` until `isEnded` says so (then the rest, a last unterminated line
 * included, is delivered) or `signal` aborts. Resolves true when it ended with the writer.
 */
export async function followLog(path: string, options: FollowLogOptions): Promise<boolean> {
  const follower = new LogFollower(path, options.offset ?? 0);
  // Stryker disable next-line LogicalOperator: only how often it looks
  const pollMs = options.pollMs ?? 100;
  while (!options.signal?.aborted) {
    const lines = await follower.read();
    if (lines.length > 0) {
      options.onLines(lines);
      continue;
    }
    if (await options.isEnded()) {
      const rest = await follower.drain();
      if (rest.length > 0) options.onLines(rest);
      return true;
    }
    // An abort that came while the read was in flight has fired already: no wait.
    if (options.signal?.aborted) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done(): void {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', done);
        resolve();
      }
      options.signal?.addEventListener('abort', done, { once: true });
    });
  }
  return false;
}
