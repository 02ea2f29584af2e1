// On the coordinator: the streams of the runs it follows, read by one blocking XREAD at a time on
// a connection of their own, each run's entries in order. A run added cuts the blocking read short
// (CLIENT UNBLOCK): its entries are read at once, not after the block (a run may end in a few ms).
import type { Redis } from 'ioredis';
import type { QueueKeys } from './queue-settings.js';
import { decodeEntry, type StreamEntry } from './run-payload.js';
import type { RemoteRun } from './remote-run.js';

/** How long one blocking read waits (ms) before it reads the set of runs again. */
const READ_BLOCK_MS = 100;
/** Most entries one read returns per stream. */
const READ_COUNT = 1000;

/** Reads the streams of `runs()` until closed; `onEnd` hears of each run whose `end` entry was read. */
export class StreamReader {
  private wake: (() => void) | null = null;
  /** The reader connection's CLIENT ID (null until known, and after a reconnect until known again). */
  private readerId: number | null = null;
  private isBlocked = false;
  private isUnblocking = false;
  private isClosed = false;
  private readonly reading: Promise<void>;

  /**
   * @param reader the connection the blocking reads use (nothing else may use it).
   * @param commands another connection, for CLIENT UNBLOCK.
   */
  constructor(
    private readonly reader: Redis,
    private readonly commands: Redis,
    private readonly keys: QueueKeys,
    private readonly runs: () => Iterable<RemoteRun>,
    private readonly onEnd: (run: RemoteRun, end: Extract<StreamEntry, { t: 'end' }>) => void,
  ) {
    this.reader.on('ready', () => (this.readerId = null)); // a new connection has a new id
    this.reading = this.readLoop();
  }

  /** A run was added: the read in progress (over the runs followed before) is cut short. */
  added(): void {
    this.wake?.();
    if (this.isBlocked && this.readerId !== null && !this.isUnblocking) {
      this.isUnblocking = true;
      void this.commands.call('CLIENT', 'UNBLOCK', String(this.readerId)).catch(() => {}).finally(() => (this.isUnblocking = false));
    }
  }

  private async readLoop(): Promise<void> {
    while (!this.isClosed) {
      const runs = [...this.runs()].filter((run) => !run.isEnding);
      if (runs.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, READ_BLOCK_MS * 10).unref();
        });
        this.wake = null;
        continue;
      }
      try {
        this.readerId ??= Number(await this.reader.call('CLIENT', 'ID'));
        this.isBlocked = true;
        const streams = runs.map((run) => this.keys.runStream(run.key));
        const result = (await this.reader.xread('COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', ...streams, ...runs.map((run) => run.lastId))) as Array<[string, Array<[string, string[]]>]> | null;
        for (const [stream, entries] of result ?? []) {
          const run = runs[streams.indexOf(stream)];
          if (!run) continue;
          let end: Extract<StreamEntry, { t: 'end' }> | null = null;
          for (const [id, fields] of entries) {
            const entry = decodeEntry(fields);
            run.apply(id, entry);
            if (entry?.t === 'end') end = entry;
          }
          if (end) this.onEnd(run, end);
        }
      } catch {
        if (this.isClosed) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      } finally {
        this.isBlocked = false;
      }
    }
  }

  /** Stops reading (the reader connection is disconnected). */
  async close(): Promise<void> {
    this.isClosed = true;
    this.wake?.();
    this.reader.disconnect();
    await this.reading.catch(() => {});
  }
}
