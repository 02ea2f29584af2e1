// When the event streams write, and what: every client's events of a moment go out together, in
// one write, at most once per FLUSH_MS, and clients that get the same events share one buffer.
// With 200 clients following /api/events, writing each event to each client as it came (a write,
// a promise and a wakeup per event per client) made the server CPU-bound and job submissions
// four times slower (issue 28 §8); the first event after a quiet spell still goes out at once.
import { frameOf, type StreamEvent } from './event-hub.js';

/** Least time between two flushes of the event streams (ms): ~one frame of a browser's display. */
export const FLUSH_MS = 16;

/**
 * Time between flushes added for each stream a flush wrote to (ms). A flush costs a write, a
 * wakeup and a client's read per stream (tens of µs each, on both ends): with 200 streams woken
 * every 16 ms that was most of a core. Spacing flushes by the streams they woke keeps the streams'
 * writes under about 4,000 a second however many follow (200 streams: a flush every 50 ms), so
 * followers never starve the job service of CPU (issue 28 §8); up to 64 streams keep FLUSH_MS.
 */
export const FLUSH_MS_PER_STREAM = 0.25;

/**
 * Wakes waiting streams in flushes: the first request after a quiet spell is served at the next
 * turn of the event loop (events of the same turn go together), later ones at most every
 * `flushMs` after the previous flush, or `flushMsPerStream` times the streams it woke if that is
 * longer. Timers are unref'd: a pending flush never keeps a process up.
 */
export class StreamFlusher {
  private readonly waiting = new Set<() => void>();
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  /** Least time from the last flush to the next (ms): flushMs, or more after a flush of many streams. */
  private gapMs: number;
  /** Buffers made in this flush for streams that get every event (see bytesOf). */
  private shared = new Map<StreamEvent, { last: StreamEvent; length: number; bytes: Uint8Array }>();

  constructor(private readonly flushMs = FLUSH_MS, private readonly now: () => number = () => performance.now(), private readonly flushMsPerStream = FLUSH_MS_PER_STREAM) {
    this.gapMs = flushMs;
  }

  /** Calls `wake` at the next flush (once, however often it is asked before then). */
  request(wake: () => void): void {
    this.waiting.add(wake);
    if (this.timer) return;
    const wait = this.lastFlushAt + this.gapMs - this.now();
    if (wait <= 0) this.timer = setImmediate(() => this.flush());
    else {
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref();
    }
  }

  /**
   * `events` as the bytes of their frames, one after the other (see frameOf). `isShared`: the
   * stream gets every event of its kind from the same moment on as every other such stream (the
   * stream of all jobs, not resumed from a job's log), so two such streams with the same first and
   * last event and as many events got the same events, and share one buffer within a flush.
   */
  bytesOf(events: readonly StreamEvent[], scrub: (text: string) => string, isShared: boolean): Uint8Array {
    if (events.length === 1) return frameOf(events[0]!, scrub);
    const first = events[0]!;
    const last = events.at(-1)!;
    const known = isShared ? this.shared.get(first) : undefined;
    if (known && known.last === last && known.length === events.length) return known.bytes;
    const bytes = Buffer.concat(events.map((event) => frameOf(event, scrub)));
    if (isShared) this.shared.set(first, { last, length: events.length, bytes });
    return bytes;
  }

  private flush(): void {
    this.timer = null;
    this.lastFlushAt = this.now();
    // The buffers of the previous flush are not kept: each stream had its events by now.
    this.shared = new Map();
    const woken = [...this.waiting];
    this.waiting.clear();
    this.gapMs = Math.max(this.flushMs, woken.length * this.flushMsPerStream);
    for (const wake of woken) wake();
  }
}
