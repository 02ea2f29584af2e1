// The dashboard's state, kept live: the board's cards, loaded once and then changed by the
// server's event stream (Server-Sent Events). Nothing polls: a job's event carries the job, and
// only events that change its tasks or workers make the card be read again (at most every
// CARD_REFRESH_MS per job). An EventSource cannot send the page's key, so each stream opens with
// a single-use ticket; a stream that drops is closed and opened again with a new ticket and the
// id of the last event seen, so events missed while away are replayed. A server that no longer
// holds them (one restarted) sends `reset`, and the board is read again.
import { throttle } from 'throttle-debounce';
import { ApiFailure, readBoard, readCard, requestEventTicket } from './api.js';
import type { Job, JobCard, JobEvent } from './types.js';

/** How the dashboard stands with the server. */
export type Connection = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

/** Shortest interval between two reads of one job's card (ms). */
const CARD_REFRESH_MS = 400;

/** Wait before opening a dropped stream again (ms): short at first, longer while the server is away. */
const RECONNECT_MS = [250, 1000, 2000] as const;

// Events after which a card's task counts or workers may differ: the card is read again.
const BOARD_EVENTS: ReadonlySet<string> = new Set(['task_started', 'task_completed', 'task_failed', 'tasks_added', 'worker_joined', 'worker_left', 'phase_started', 'resumed', 'cancelled', 'completed', 'failed', 'interrupted']);

/** A job's most recent event as the board shows it. */
export interface LastEvent {
  /** ms since the epoch. */
  at: number;
  text: string;
}

/** The board's state and its connection. */
export class LiveBoard {
  readonly cards = new Map<string, JobCard>();
  readonly lastEvents = new Map<string, LastEvent>();
  /** Jobs running of the slots (maxConcurrentJobs), and runs under way of the workers (maxWorkers; 0: no cap here, runs go through a queue). */
  slots = { used: 0, max: 0, workers: 0, workersUsed: 0 };
  connection: Connection = 'connecting';
  error: string | null = null;
  /** Bumped at every change; views compare it. */
  version = 0;
  private readonly listeners = new Set<() => void>();
  private readonly refreshers = new Map<string, () => void>();
  // Jobs deleted: a read of a card that crossed the deletion must not bring it back (ids are never reused).
  private readonly removed = new Set<string>();
  private source: EventSource | null = null;
  /** The id of the last event heard: a stream opened again resumes after it. */
  private lastEventId: string | null = null;
  private failedConnects = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private isStopped = false;
  private frame = 0;

  /** Calls `listener` after changes, at most once per animation frame. Returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the board, then follows the event stream. */
  async start(): Promise<void> {
    await this.load();
    if (this.connection !== 'unauthorized') void this.connect();
  }

  /** Stops following the server (a log out): the page shows that it is not logged in. */
  stop(): void {
    this.isStopped = true;
    this.source?.close();
    this.source = null;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.connection = 'unauthorized';
    this.cards.clear();
    this.changed();
  }

  /** Reads every card again (at the start, and after `reset`). */
  async load(): Promise<void> {
    try {
      const board = await readBoard();
      this.cards.clear();
      for (const card of board.cards) if (!this.removed.has(card.job.id)) this.cards.set(card.job.id, card);
      this.slots = { ...board.slots, workersUsed: 0 };
      this.countSlots();
      this.error = null;
    } catch (error) {
      this.fail(error);
    }
    this.changed();
  }

  /** Reads job `id`'s card again soon (throttled per job). */
  refresh(id: string): void {
    let refresher = this.refreshers.get(id);
    if (!refresher) {
      refresher = throttle(CARD_REFRESH_MS, () => void this.readCardOf(id));
      this.refreshers.set(id, refresher);
    }
    refresher();
  }

  private async readCardOf(id: string): Promise<void> {
    try {
      const card = await readCard(id);
      if (card) this.put(card);
    } catch (error) {
      if (error instanceof ApiFailure && error.code === 'JOB_NOT_FOUND') this.cards.delete(id);
      else this.fail(error);
    }
    this.changed();
  }

  private put(card: JobCard): void {
    if (this.removed.has(card.job.id)) return;
    const known = this.cards.get(card.job.id);
    // An older snapshot (a read that crossed a newer event) never replaces a newer one.
    if (known && known.job.eventSeq > card.job.eventSeq) card = { ...card, job: known.job };
    this.cards.set(card.job.id, card);
    this.countSlots();
  }

  private async connect(): Promise<void> {
    this.source?.close();
    this.source = null;
    let ticket: string;
    try {
      ticket = await requestEventTicket();
    } catch (error) {
      // Not logged in (any more): say so. Otherwise the server is away: try again, a little later.
      this.fail(error);
      if (this.connection !== 'unauthorized') this.reconnectLater();
      this.changed();
      return;
    }
    if (this.isStopped) return;
    const query = new URLSearchParams({ ticket });
    if (this.lastEventId) query.set('lastEventId', this.lastEventId);
    const source = new EventSource(`/api/events?${query.toString()}`);
    this.source = source;
    source.addEventListener('open', () => {
      this.failedConnects = 0;
      this.connection = 'live';
      this.error = null;
      this.changed();
    });
    source.addEventListener('job', (message) => {
      this.heard(message as MessageEvent<string>);
      const { job, event } = JSON.parse((message as MessageEvent<string>).data) as { job: Job; event: JobEvent };
      if (this.removed.has(job.id)) return;
      const known = this.cards.get(job.id);
      if (!known || known.job.eventSeq <= job.eventSeq) this.cards.set(job.id, { tasks: known?.tasks ?? null, workers: known?.workers ?? [], job });
      this.lastEvents.set(job.id, { at: Date.parse(event.ts), text: describeEvent(event) });
      this.countSlots();
      if (!known || BOARD_EVENTS.has(event.type)) this.refresh(job.id);
      this.changed();
    });
    source.addEventListener('removed', (message) => {
      this.heard(message as MessageEvent<string>);
      const { jobId } = JSON.parse((message as MessageEvent<string>).data) as { jobId: string };
      this.removed.add(jobId);
      this.cards.delete(jobId);
      this.countSlots();
      this.changed();
    });
    source.addEventListener('reset', () => {
      // The id is not held (a server restarted): the board is read afresh, and followed from now.
      this.lastEventId = null;
      void this.load();
    });
    source.addEventListener('error', () => {
      // The browser would retry with the same ticket, which works once: close it, and open a new
      // stream with a new ticket, after the last event heard.
      if (source !== this.source) return;
      source.close();
      this.source = null;
      this.connection = 'reconnecting';
      this.changed();
      this.reconnectLater();
    });
  }

  private heard(message: MessageEvent<string>): void {
    if (message.lastEventId) this.lastEventId = message.lastEventId;
  }

  private reconnectLater(): void {
    if (this.isStopped || this.reconnectTimer) return;
    this.connection = 'reconnecting';
    const delay = RECONNECT_MS[Math.min(this.failedConnects, RECONNECT_MS.length - 1)]!;
    this.failedConnects++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private countSlots(): void {
    let used = 0;
    let workersUsed = 0;
    for (const card of this.cards.values()) {
      if (card.job.status !== 'running') continue;
      used++;
      workersUsed += card.workers.length;
    }
    this.slots = { ...this.slots, used, workersUsed };
  }

  private fail(error: unknown): void {
    if (error instanceof ApiFailure && error.code === 'UNAUTHORIZED') this.connection = 'unauthorized';
    this.error = error instanceof Error ? error.message : String(error);
  }

  private changed(): void {
    this.version++;
    if (this.frame !== 0) return;
    // Many events in one frame (a burst, a batch of 1,000 jobs) make one render.
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      for (const listener of this.listeners) listener();
    });
  }
}

/** A job event in a few words, for a card's "last event". */
export function describeEvent(event: JobEvent): string {
  const phase = event.phase ? ` ${event.phase}` : '';
  switch (event.type) {
    case 'phase_started': return `phase${phase} started`;
    case 'phase_completed': return `phase${phase} completed`;
    case 'phase_failed': return `phase${phase} failed`;
    case 'approval_requested': return `waiting for approval of${phase}`;
    case 'task_started': return `task ${event.task ?? ''} started`;
    case 'task_completed': return `task ${event.task ?? ''} done`;
    case 'task_failed': return `task ${event.task ?? ''} failed`;
    default: return event.type.replace(/_/g, ' ');
  }
}
