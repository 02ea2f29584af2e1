// Following `jobline serve` for as long as it lives: its event stream, reconnected from the last
// event it had when it is lost (so no lifecycle event is missed or repeated), and its process,
// looked at a few times a second. A server whose process ended is gone: its stream will not come
// back and its jobs are interrupted. That is told once, within a second of the end (the stream
// closes as the process exits; the look at its pid catches an end the stream did not show), so
// an attached client never keeps answering "does not answer" for a server that is no more.
import { ServerError, isServerRunning } from '../store/server-presence.js';
import type { ServerClient, ServerEvent } from './server-client.js';

/** How often the server's process is looked at while the stream is open (ms). */
const LIVENESS_EVERY_MS = 500;
/** How long a lost stream waits between attempts to reconnect (ms). */
const RECONNECT_MS = 100;
/** After this long without an answer from a live server, the client says so (once) (ms). */
const SILENT_WARNING_MS = 2000;

/** What the watch tells its owner. */
export interface ServerWatchListener {
  /** An event of the stream, in order. */
  event(event: ServerEvent): void;
  /** The server's process ended (called once; the watch has stopped). */
  gone(): void;
  /** Something worth a line (a live server that does not answer). */
  warning(message: string): void;
}

/** The event stream and liveness of one server (the one `client` speaks to). */
export class ServerWatch {
  private lastEventId: string | undefined;
  private readonly stream = new AbortController();
  private isStopped = false;
  private isGone = false;
  private isRecovering = false;
  private liveness: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: ServerClient,
    private readonly listener: ServerWatchListener,
  ) {}

  /**
   * Opens the stream (`live=true`: with output) and starts watching; resolves once the stream is
   * open, so nothing that happens after is missed.
   * @throws ServerError SERVER_UNREACHABLE; ApiError (the server refused the stream).
   */
  async start(): Promise<void> {
    await this.connect();
    this.liveness = setInterval(() => void this.check(), LIVENESS_EVERY_MS);
    this.liveness.unref();
  }

  /** True once the server is known to be gone. Looks at its process now (and says it, once, if it ended). */
  check(): boolean {
    if (this.isGone || this.isStopped) return this.isGone;
    if (isServerRunning(this.client.info)) return false;
    this.isGone = true;
    this.stop();
    this.listener.gone();
    return true;
  }

  /**
   * Waits up to `timeoutMs` for the server's process to end (a server closing down stops
   * answering a moment before it exits); resolves true when it did.
   */
  async waitGone(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.check() && !this.isStopped && Date.now() < deadline) await delay(RECONNECT_MS);
    return this.isGone;
  }

  /** Stops following (the stream closes; nothing more is told). Idempotent. */
  stop(): void {
    this.isStopped = true;
    if (this.liveness) clearInterval(this.liveness);
    this.liveness = null;
    this.stream.abort();
  }

  // Opens the stream: resolves once it is open, rejects when it cannot be. Its end (the server
  // closed it, or went) starts the recovery.
  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      let isOpen = false;
      const ended = (): void => void (this.isStopped ? null : this.recover());
      this.client.followEvents((event) => {
        if (event.id) this.lastEventId = event.id;
        this.listener.event(event);
      }, {
        query: 'live=true',
        ...(this.lastEventId ? { lastEventId: this.lastEventId } : {}),
        signal: this.stream.signal,
        onConnected: () => {
          isOpen = true;
          resolve();
        },
      }).then(ended, (error: unknown) => {
        if (!isOpen) reject(error instanceof Error ? error : new ServerError('SERVER_UNREACHABLE', String(error)));
        else ended();
      });
    });
  }

  // The stream was lost: reconnect from the last event while the server lives; say once when a
  // live server keeps not answering; stop when its process has ended.
  private async recover(): Promise<void> {
    if (this.isRecovering) return;
    this.isRecovering = true;
    const since = Date.now();
    let hasWarned = false;
    try {
      while (!this.isStopped && !this.check()) {
        try {
          await this.connect();
          if (hasWarned) this.listener.warning(`jobline serve (pid ${this.client.info.pid}) answers again.`);
          return;
        } catch {
          // Not yet: the server may be restarting its socket, or ending.
        }
        if (!hasWarned && Date.now() - since >= SILENT_WARNING_MS && !this.check()) {
          hasWarned = true;
          this.listener.warning(`jobline serve (pid ${this.client.info.pid}) does not answer; jobline keeps trying (its jobs go on there while it lives).`);
        }
        await delay(RECONNECT_MS);
      }
    } finally {
      this.isRecovering = false;
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
