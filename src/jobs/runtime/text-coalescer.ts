// Inside a worker: a model's answer as it streams, posted a few times a second in pieces that end
// at whitespace. A key never has whitespace, so each piece holds any key whole and the scrubber
// sees it whole (a piece cut inside a key would show its two halves, each too short to match).
import type { SecretScrubber } from '../../text/secrets.js';

/** How often, at most, a run's streaming text is posted (ms). */
export const TEXT_FLUSH_INTERVAL_MS = 100;
// Text held back past this without whitespace goes out anyway (bounded memory).
const MAX_HELD_CHARS = 16 * 1024;

/** Coalesces one run's streaming text. Call `flush(true)` when the answer ends. */
export class TextCoalescer {
  private held = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly post: (text: string) => void,
    private readonly scrubber: SecretScrubber,
  ) {}

  /** Adds a piece of the answer. */
  add(text: string): void {
    this.held += text;
    this.timer ??= setTimeout(() => this.flush(false), TEXT_FLUSH_INTERVAL_MS);
  }

  /** Posts what is held: up to its last whitespace, or all of it when `isEnd`. */
  flush(isEnd: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const end = isEnd || this.held.length > MAX_HELD_CHARS ? this.held.length : Math.max(this.held.lastIndexOf(' '), this.held.lastIndexOf('\n')) + 1;
    const piece = this.held.slice(0, end);
    this.held = this.held.slice(end);
    if (piece !== '') this.post(this.scrubber.scrub(piece));
    if (this.held !== '' && !isEnd) this.timer = setTimeout(() => this.flush(false), TEXT_FLUSH_INTERVAL_MS);
  }
}
