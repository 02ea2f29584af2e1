// Splitting a shell lane's output stream into each command's output and its end: the lane writes
// a command's output, then an end mark (a random text) and the command's status on one line.

/** What a piece of a lane's stream holds: a command's output bytes, or its end with the status text. */
export type LaneOutputPart = { kind: 'output'; bytes: Buffer } | { kind: 'end'; status: string };

const NEWLINE = 0x0a;

/**
 * Finds end marks in a lane's stream as it arrives, in pieces of any size: a mark split across
 * two reads is still found, and bytes that only might begin one are held back until the next
 * read tells (output that does not end in a possible mark start is never held).
 */
export class LaneOutputReader {
  private held: Buffer = Buffer.alloc(0);

  /** @param mark the lane's end mark (it must start with a byte commands rarely print, like 0x1e). */
  constructor(private readonly mark: Buffer) {}

  /** The parts `chunk` completes, in order. */
  push(chunk: Buffer): LaneOutputPart[] {
    const parts: LaneOutputPart[] = [];
    let buffer = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    for (;;) {
      const at = buffer.indexOf(this.mark);
      if (at === -1) {
        const keep = this.partialMarkAt(buffer);
        if (keep > 0) parts.push({ kind: 'output', bytes: buffer.subarray(0, keep) });
        this.held = Buffer.from(buffer.subarray(keep));
        return parts;
      }
      if (at > 0) parts.push({ kind: 'output', bytes: buffer.subarray(0, at) });
      const end = buffer.indexOf(NEWLINE, at + this.mark.length);
      if (end === -1) {
        this.held = Buffer.from(buffer.subarray(at));
        return parts;
      }
      parts.push({ kind: 'end', status: buffer.subarray(at + this.mark.length, end).toString('latin1') });
      buffer = buffer.subarray(end + 1);
    }
  }

  /** The bytes held back (a stream that ended for good: they were output after all). */
  takeHeld(): Buffer {
    const held = this.held;
    this.held = Buffer.alloc(0);
    return held;
  }

  // Where a possible beginning of the mark starts among `buffer`'s last bytes (its length if none).
  private partialMarkAt(buffer: Buffer): number {
    const first = this.mark[0]!;
    for (let at = buffer.indexOf(first, Math.max(0, buffer.length - this.mark.length + 1)); at !== -1; at = buffer.indexOf(first, at + 1)) {
      if (this.mark.subarray(0, buffer.length - at).equals(buffer.subarray(at))) return at;
    }
    return buffer.length;
  }
}
