// One-time links that log a browser in: a link carries a random code, not the token. The page it
// opens trades the code once for the folder's browser key, and the code is gone, so a link that
// leaks later (a shell history, a screenshot) opens nothing. The link printed at the server's
// start is never pushed out by links minted later; minted links are capped, the oldest unused one
// giving way first. A refused code says why.
import { randomBytes } from 'node:crypto';

/** How long a one-time link works when nobody says otherwise (ms). */
export const LOGIN_LINK_TTL_MS = 10 * 60_000;

/** Most minted links outstanding at once; minting one more replaces the oldest unused one. */
export const MAX_MINTED_LINKS = 20;

/** Codes remembered after they stop working, so that a refusal can say why. */
const MAX_REMEMBERED_CODES = 1000;

/** Why a code does not log a browser in. */
export type LoginRefusal = 'used' | 'expired' | 'replaced' | 'unknown';

/** What a redemption gets: true, or the reason and a sentence for the person who opened the link. */
export type Redemption = { isAccepted: true } | { isAccepted: false; reason: LoginRefusal; message: string };

const AGAIN = 'Run jobline ui (or POST /api/login-links) for a new one.';
const MESSAGES: Record<LoginRefusal, string> = {
  used: `This login link was used already: a link logs one browser in, once. ${AGAIN}`,
  expired: `This login link ran out: a link works for ${LOGIN_LINK_TTL_MS / 60_000} minutes. ${AGAIN}`,
  replaced: `This login link was replaced by newer ones: only the newest ${MAX_MINTED_LINKS} links made work. ${AGAIN}`,
  unknown: `This login link is not one of this server's (it may come from a server that has restarted since). ${AGAIN}`,
};

/** The codes of links not used yet, with when each runs out. In memory: a restarted server makes new ones. */
export class LoginLinks {
  /** Live codes, oldest first (a Map keeps insertion order). */
  private readonly live = new Map<string, { expiresAtMs: number; isPrinted: boolean }>();
  /** Codes that no longer work, and why (the newest MAX_REMEMBERED_CODES). */
  private readonly spent = new Map<string, Exclude<LoginRefusal, 'unknown'>>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /**
   * A new code (64 hex digits) that works once, for `ttlMs`; returns it with when it runs out (ms
   * since the epoch). `isPrinted`: the link the server prints at its start, which minting never
   * replaces; other links are capped at MAX_MINTED_LINKS outstanding, the oldest giving way.
   */
  mint(ttlMs = LOGIN_LINK_TTL_MS, options: { isPrinted?: boolean } = {}): { code: string; expiresAtMs: number } {
    this.forgetExpired();
    const isPrinted = options.isPrinted ?? false;
    if (!isPrinted) {
      const minted = [...this.live].filter(([, link]) => !link.isPrinted);
      for (const [code] of minted.slice(0, Math.max(0, minted.length - MAX_MINTED_LINKS + 1))) this.retire(code, 'replaced');
    }
    const code = randomBytes(32).toString('hex');
    const expiresAtMs = this.nowMs() + ttlMs;
    this.live.set(code, { expiresAtMs, isPrinted });
    return { code, expiresAtMs };
  }

  /** Accepts a live code once (it cannot be used again); refuses any other, saying why. */
  redeem(code: string): Redemption {
    this.forgetExpired();
    if (this.live.has(code)) {
      this.retire(code, 'used');
      return { isAccepted: true };
    }
    const reason = this.spent.get(code) ?? 'unknown';
    return { isAccepted: false, reason, message: MESSAGES[reason] };
  }

  private forgetExpired(): void {
    const now = this.nowMs();
    for (const [code, link] of [...this.live]) if (now >= link.expiresAtMs) this.retire(code, 'expired');
  }

  private retire(code: string, reason: Exclude<LoginRefusal, 'unknown'>): void {
    this.live.delete(code);
    this.spent.set(code, reason);
    if (this.spent.size > MAX_REMEMBERED_CODES) this.spent.delete(this.spent.keys().next().value!);
  }
}
