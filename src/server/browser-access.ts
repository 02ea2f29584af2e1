// Which browsers may use the server: those that present the jobs folder's browser key (see
// browser-key-file.ts), which a one-time login link hands to the dashboard's page. The key is read
// from its file at every check, so a log out (a new key) or the file deleted ends every browser's
// access at the next request; the streams a browser opened are closed then too.
import { timingSafeEqual } from 'node:crypto';
import type { BrowserKeyFile } from '../store/browser-key-file.js';

/** How often open browser streams check that their key is still the folder's (ms). */
export const KEY_CHECK_MS = 1000;

/** True when secret `presented` is `expected`, compared in constant time (for tokens and keys). */
export function isSameSecret(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const given = Buffer.from(presented);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The browsers' key, checked against its file; and the streams opened with it. */
export class BrowserAccess {
  /** Open streams: what closes each, and the key it was opened with. */
  private readonly watchers = new Map<() => void, string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly file: BrowserKeyFile, private readonly checkEveryMs = KEY_CHECK_MS) {}

  /**
   * The folder's key now: what a login hands a browser. A missing or broken file gets a new key
   * (so a deleted file logs everyone out, and the next login still works).
   * @throws the fs error when the jobs folder cannot be written.
   */
  currentKey(): string {
    return this.file.read() ?? this.file.rotate();
  }

  /** True when `presented` is the folder's key now (never when the file is gone: a new key is made then). Never throws. */
  isCurrent(presented: string | undefined): boolean {
    const key = this.file.read();
    if (key !== null) return isSameSecret(presented, key);
    try {
      this.file.rotate();
    } catch {
      // A folder that cannot be written: nobody is let in with a key, and a login says why.
    }
    return false;
  }

  /** Replaces the key (a log out): every browser is out, and every stream opened with the old key closes now. */
  revoke(): void {
    this.file.rotate();
    this.check();
  }

  /**
   * Calls `onRevoked` once, when `key` stops being the folder's key (a log out, the file deleted
   * or replaced), within KEY_CHECK_MS. Returns the stop (call it when the stream ends).
   */
  watch(key: string, onRevoked: () => void): () => void {
    this.watchers.set(onRevoked, key);
    // A timer only while streams are open; unref'd, so it never keeps the server up.
    this.timer ??= setInterval(() => this.check(), this.checkEveryMs).unref();
    return () => this.unwatch(onRevoked);
  }

  private unwatch(onRevoked: () => void): void {
    this.watchers.delete(onRevoked);
    if (this.watchers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private check(): void {
    const current = this.file.read();
    for (const [onRevoked, key] of [...this.watchers]) {
      if (current !== null && isSameSecret(key, current)) continue;
      this.unwatch(onRevoked);
      onRevoked();
    }
  }
}
