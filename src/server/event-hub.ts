// The live event stream's memory: every lifecycle event the job service reports, in the order it
// reported them, each with its id `<jobId>:<seq>` (seq: the job's own event number, on disk in its
// events.jsonl). A client that reconnects with Last-Event-ID gets what came after that id from
// here, so it sees each event once, in order, with no gap: as long as the id is still held (the
// newest MAX_HELD_EVENTS). An id no longer held gets a `reset`: the client reloads the state.
import type { Job } from '../jobs/model/job.js';
import type { JobEvent } from '../jobs/model/job-event.js';
import type { JobUpdate } from '../jobs/service/job-commands.js';

/** Events held for reconnecting clients (newest first out). About 1 KiB each. */
export const MAX_HELD_EVENTS = 20_000;

/**
 * One event of the stream: SSE `id` (empty for a live-only event, which is never replayed),
 * `event` name, and its JSON `data`.
 */
export interface StreamEvent {
  id: string;
  /**
   * `job` for lifecycle events, `removed` when a job's files are gone; live only (for listeners
   * that ask): `output` (lines of a job or of its task `taskId`), `activity`, `text` (a model's
   * answer as it streams), `progress`, `warning`.
   */
  name: 'job' | 'removed' | 'output' | 'activity' | 'text' | 'progress' | 'warning';
  jobId: string;
  data: { job?: Job; event?: JobEvent; jobId: string; lines?: string[]; lineCount?: number; taskId?: string; icon?: string; text?: string; message?: string };
}

const encoder = new TextEncoder();
const frames = new WeakMap<StreamEvent, Uint8Array>();

/**
 * `event` as the bytes of its Server-Sent Events frame (`event:`, `data:` with the JSON, `id:`),
 * made once per event however many clients it goes to: with 200 clients following, serializing
 * per client made the server CPU-bound (issue 28 §8). JSON has no line breaks, so it is one
 * `data:` line; names and ids are jobline's own (no line breaks either). `scrub`: the server's
 * secret scrubber (see secrets.ts), applied to the data once: a process serves one scrubber, so
 * the frame is kept per event.
 */
export function frameOf(event: StreamEvent, scrub: (text: string) => string = (text) => text): Uint8Array {
  let frame = frames.get(event);
  if (!frame) {
    frame = encoder.encode(`event: ${event.name}\ndata: ${scrub(JSON.stringify(event.data))}\n${event.id ? `id: ${event.id}\n` : ''}\n`);
    frames.set(event, frame);
  }
  return frame;
}

/** What a (re)connecting client gets first: the events it missed, or `reset` when they are no longer held. */
export type Replay = { events: StreamEvent[] } | { reset: true };

/** Holds recent events and hands each new one to every listener, in order. */
export class EventHub {
  private readonly held: StreamEvent[] = [];
  /** Position in `held` of each held id (shifted as old events leave; see `dropped`). */
  private readonly positions = new Map<string, number>();
  private dropped = 0;
  private readonly listeners = new Map<(event: StreamEvent) => void, { isLive: boolean }>();

  constructor(private readonly capacity = MAX_HELD_EVENTS) {}

  /**
   * Takes one update of the job service (see JobService.subscribe): lifecycle events and removals
   * are held and sent to every listener; output, activity, progress and warnings only to live
   * listeners, and not held.
   */
  accept(update: JobUpdate): void {
    switch (update.type) {
      case 'event':
        return this.push({ id: `${update.job.id}:${update.event.seq ?? 0}`, name: 'job', jobId: update.job.id, data: { jobId: update.job.id, job: update.job, event: update.event } });
      case 'removed':
        return this.push({ id: `${update.jobId}:removed`, name: 'removed', jobId: update.jobId, data: { jobId: update.jobId } });
      case 'output':
        return this.pass({ id: '', name: 'output', jobId: update.job.id, data: { jobId: update.job.id, job: update.job, lines: update.lines, lineCount: update.lineCount, ...(update.taskId ? { taskId: update.taskId } : {}) } });
      case 'activity':
        return this.pass({ id: '', name: 'activity', jobId: update.job.id, data: { jobId: update.job.id, job: update.job, icon: update.icon, text: update.text, ...(update.taskId ? { taskId: update.taskId } : {}) } });
      case 'text':
        return this.pass({ id: '', name: 'text', jobId: update.job.id, data: { jobId: update.job.id, job: update.job, text: update.text, ...(update.taskId ? { taskId: update.taskId } : {}) } });
      case 'progress':
        return this.pass({ id: '', name: 'progress', jobId: update.job.id, data: { jobId: update.job.id, job: update.job } });
      case 'warning':
        return this.pass({ id: '', name: 'warning', jobId: '', data: { jobId: '', message: update.message } });
    }
  }

  /**
   * Listens from now on; `lastEventId` (a reconnect's Last-Event-ID) asks for what came after it
   * first; `isLive` adds the live-only events. Replay and listening start in the same tick, so
   * nothing falls between them.
   */
  listen(listener: (event: StreamEvent) => void, lastEventId?: string, isLive = false): { replay: Replay; stop: () => void } {
    const replay = lastEventId ? this.after(lastEventId) : { events: [] };
    this.listeners.set(listener, { isLive });
    return { replay, stop: () => void this.listeners.delete(listener) };
  }

  private pass(event: StreamEvent): void {
    for (const [listener, { isLive }] of this.listeners) if (isLive) listener(event);
  }

  private after(id: string): Replay {
    const position = this.positions.get(id);
    if (position === undefined) return { reset: true };
    return { events: this.held.slice(position - this.dropped + 1) };
  }

  private push(event: StreamEvent): void {
    this.positions.set(event.id, this.dropped + this.held.length);
    this.held.push(event);
    if (this.held.length > this.capacity) {
      // Drop the oldest tenth at once: amortised O(1) per event.
      const gone = this.held.splice(0, Math.ceil(this.capacity / 10));
      for (const old of gone) if (this.positions.get(old.id) !== undefined && this.positions.get(old.id)! < this.dropped + gone.length) this.positions.delete(old.id);
      this.dropped += gone.length;
    }
    for (const listener of this.listeners.keys()) listener(event);
  }
}
