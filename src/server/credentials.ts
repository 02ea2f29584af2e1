// What a request was let in with: the server's token (a script, the CLI), or the folder's browser
// key (the dashboard's page); and the single-use tickets a page opens its event stream with, since
// an EventSource cannot send a header.
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';

/** The credential a request carried: the token, or browser key `key`. */
export type Credential = { kind: 'token' } | { kind: 'browser'; key: string };

/** How long an event-stream ticket works (ms): long enough to open the stream right away, no longer. */
export const EVENT_TICKET_TTL_MS = 30_000;

/** Most tickets outstanding at once; minting more forgets the oldest. */
const MAX_TICKETS = 100;

// Set by the API's token check for every request it lets in.
const credentials = new WeakMap<Request, Credential>();

/** Records that the request of `context` was let in with `credential`. */
export function setCredential(context: Context, credential: Credential): void {
  credentials.set(context.req.raw, credential);
}

/** The credential the request of `context` was let in with (the token when none was recorded). */
export function credentialOf(context: Context): Credential {
  return credentials.get(context.req.raw) ?? { kind: 'token' };
}

/** Single-use tickets for `GET /api/events?ticket=…`, each standing for the credential that asked for it. */
export class EventTickets {
  private readonly tickets = new Map<string, { expiresAtMs: number; credential: Credential }>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** A new ticket (64 hex digits) for `credential`, valid once within EVENT_TICKET_TTL_MS; with when it runs out (ms since the epoch). */
  mint(credential: Credential): { ticket: string; expiresAtMs: number } {
    const ticket = randomBytes(32).toString('hex');
    const expiresAtMs = this.nowMs() + EVENT_TICKET_TTL_MS;
    this.tickets.set(ticket, { expiresAtMs, credential });
    if (this.tickets.size > MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value!);
    return { ticket, expiresAtMs };
  }

  /** The credential ticket `ticket` stands for, once; null for a ticket used already, run out, or never minted. */
  redeem(ticket: string): Credential | null {
    const held = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    return held && this.nowMs() < held.expiresAtMs ? held.credential : null;
  }
}
