// On a worker: reads what a run appends to its output file there, as it grows, and hands each new
// piece on (to the run's stream), whole characters only. The file is written by the run's worker
// thread; this follows it from the main thread, so nothing of the local executor changes.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Most bytes read from the file at once. */
const CHUNK_BYTES = 64 * 1024;

/** Follows one output file from its start. Call `pump` to read what is new; `close` at the end. */
export class FileTail {
  private fd: number | null = null;
  private inode = 0;
  private offset = 0;
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer = Buffer.alloc(CHUNK_BYTES);

  /** @param onText hears every new piece of the file's text, in order. */
  constructor(
    private readonly path: string,
    private readonly onText: (text: string) => void,
  ) {}

  /**
   * Reads what was appended since the last call (synchronously: a few reads of a local file). A
   * file that was replaced by a shorter one (maxOutputBytes cut its head) is followed from its
   * new end: what it kept was sent already.
   */
  pump(): void {
    if (this.fd === null && !this.open()) return;
    const current = statOrNull(this.path);
    if (current && current.ino !== this.inode) {
      this.drain();
      closeSync(this.fd!);
      this.fd = null;
      if (!this.open()) return;
      this.offset = fstatSync(this.fd!).size;
      return;
    }
    this.drain();
  }

  private drain(): void {
    for (;;) {
      const read = readSync(this.fd!, this.buffer, 0, CHUNK_BYTES, this.offset);
      if (read <= 0) return;
      this.offset += read;
      const text = this.decoder.write(this.buffer.subarray(0, read));
      if (text !== '') this.onText(text);
      if (read < CHUNK_BYTES) return;
    }
  }

  // Opens the file once it exists (a run file is created by the run's first output).
  private open(): boolean {
    try {
      this.fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
      this.inode = fstatSync(this.fd).ino;
      return true;
    } catch {
      return false;
    }
  }

  /** Reads the rest and closes the file. */
  close(): void {
    this.pump();
    const rest = this.decoder.end();
    if (rest !== '') this.onText(rest);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function statOrNull(path: string): { ino: number } | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
