// One-time links that log a browser in: a link carries a random code, not the token; opening it
// once sets the token as an HttpOnly, SameSite=Strict cookie and redirects, and the code is gone.
// So a link that leaks later (a shell history, a screenshot) opens nothing.
import { randomBytes } from 'node:crypto';

/** How long a one-time link works when nobody says otherwise (ms). */
export const LOGIN_LINK_TTL_MS = 10 * 60_000;

/** Most links alive at once; minting more forgets the oldest. */
const MAX_LIVE_LINKS = 100;

/** The codes of links not used yet, with when each runs out. In memory: a restarted server makes new ones. */
export class LoginLinks {
  private readonly codes = new Map<string, number>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** A new code (64 hex digits) that works once, for `ttlMs`; returns it with when it runs out (ms since the epoch). */
  mint(ttlMs = LOGIN_LINK_TTL_MS): { code: string; expiresAtMs: number } {
    const code = randomBytes(32).toString('hex');
    const expiresAtMs = this.nowMs() + ttlMs;
    this.codes.set(code, expiresAtMs);
    if (this.codes.size > MAX_LIVE_LINKS) this.codes.delete(this.codes.keys().next().value!);
    return { code, expiresAtMs };
  }

  /** True, once, for a code minted here that has not run out; it cannot be used again. */
  redeem(code: string): boolean {
    const expiresAtMs = this.codes.get(code);
    this.codes.delete(code);
    return expiresAtMs !== undefined && this.nowMs() < expiresAtMs;
  }
}
