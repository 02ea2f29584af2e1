// The claim: an exclusive hold on one name (a job, or the jobs folder's storage policy) that works
// across processes. Whoever changes a job that another jobline may also change takes its claim,
// re-reads the job, decides, writes, and releases. A claim names its holder and may carry an
// expiry, so it is a lease: a claim whose holder is gone (dead pid) or whose lease ran out is
// stale and may be broken by the next process that wants it.
//
// Durability and races, all through the file system (no daemon, no flock: Node has none):
// - A claim file is made whole in a private temp file and published with link(2), which fails
//   with EEXIST when the claim exists. So a claim file is never seen half written, and exactly
//   one of several contenders gets it.
// - Removing a claim (releasing it, or breaking a stale one) is the dangerous step: a process that
//   read claim T and then unlinks the file could unlink a newer claim U that replaced T meanwhile.
//   So a claim with token T may be removed only by whoever first publishes `<claim>.broken-T`
//   (link(2) again), and only after checking, under that marker, that the claim still says T.
//   Nobody can replace T without that marker, so the check stays true until the unlink.
// - A marker whose maker died is itself a claim with a token, broken by the same rule.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { StoreError, describeError } from '../errors.js';
import type { JobOwner } from '../jobs/model/job.js';
import { checkOwnerAlive, getCurrentOwner, isCurrentProcess } from '../jobs/process/owner.js';

/** What a claim file holds (JSON). Times are ISO-8601 UTC. */
export interface ClaimRecord {
  /** Random, unique per acquisition: tells this claim from a later one by the same holder. */
  token: string;
  /** The process holding the claim. */
  holder: JobOwner;
  acquiredAt: string;
  /** When the lease runs out; `null`: held for as long as the holder process lives. */
  expiresAt: string | null;
}

/** A claim this process holds; `release()` gives it up (idempotent, never throws). */
export interface Claim {
  readonly path: string;
  readonly record: ClaimRecord;
  release(): void;
}

/** Options of `acquireClaim`. */
export interface AcquireClaimOptions {
  /** Longest wait for a live holder to release (ms); default 5000. Claims are held for milliseconds. */
  timeoutMs?: number;
  /** Lease length (ms); default none (held while this process lives). */
  leaseMs?: number;
  /** What the claim is for, in the busy error ("job-ab12cd34"). */
  subject?: string;
}

/** Suffix of the marker that guards the removal of the claim with token T. */
const BROKEN_MARKER = '.broken-';
/** How deep markers of markers are followed (each level needs a process killed inside a removal). */
const MAX_BREAK_DEPTH = 4;
const POLL_MS = 5;

/**
 * Tries once to take the claim at `path`. Returns the claim, or `null` when a live holder has it
 * (a stale one is broken first). `path`'s folder must exist.
 * @throws StoreError CLAIM_TARGET_GONE when the folder of `path` does not exist (the job was
 *   removed); JOB_IO for other file-system errors.
 */
export function tryAcquireClaim(path: string, options: Pick<AcquireClaimOptions, 'leaseMs'> = {}): Claim | null {
  const now = Date.now();
  const record: ClaimRecord = {
    token: randomBytes(8).toString('hex'),
    holder: getCurrentOwner(),
    acquiredAt: new Date(now).toISOString(),
    expiresAt: options.leaseMs === undefined ? null : new Date(now + options.leaseMs).toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (publish(path, record)) return makeClaim(path, record);
    const current = readClaim(path);
    if (current === undefined) continue; // released between our link and our read: try again
    if (!isStale(current, now)) return null;
    removeClaim(path, current.token, 0);
  }
  return null;
}

/**
 * Takes the claim at `path`, waiting (polling every few ms) while a live holder has it.
 * @throws StoreError CLAIM_BUSY when the holder keeps it past `timeoutMs` (the message names the
 *   holder's pid); CLAIM_TARGET_GONE / JOB_IO as `tryAcquireClaim`.
 */
export async function acquireClaim(path: string, options: AcquireClaimOptions = {}): Promise<Claim> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    const claim = tryAcquireClaim(path, options);
    if (claim) return claim;
    // Stryker disable next-line EqualityOperator: at the deadline's very millisecond, one more try POLL_MS later is the same refusal, a moment later
    if (Date.now() >= deadline) {
      const holder = readClaim(path)?.holder;
      const who = holder ? `jobline pid ${holder.pid}${holder.hostname ? ` on ${holder.hostname}` : ''}` : 'another jobline';
      throw new StoreError('CLAIM_BUSY', `${options.subject ?? path} is being changed by ${who}; try again in a moment.`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// Claims wanted in this thread, by path: the tail of the queue of holders and waiters. Waiters of
// one thread queue here, in order, instead of each polling the file every POLL_MS: with hundreds
// of them (a cleanup pass per job of a busy batch) the polling alone would take a whole core.
// The file stays what excludes other processes. A claim is never taken again by its own holder
// (that would wait for itself), and none is: nested calls take other paths.
const waitingHere = new Map<string, Promise<void>>();

/**
 * Runs `work` holding the claim at `path`, and releases it however `work` ends. Holders in this
 * thread take turns in order of asking; `options.timeoutMs` bounds the wait for other processes.
 * Throws like `acquireClaim` and `work`.
 */
export async function withClaim<T>(path: string, work: () => Promise<T> | T, options: AcquireClaimOptions = {}): Promise<T> {
  const previous = waitingHere.get(path) ?? Promise.resolve();
  let isFinished = false;
  let release: (() => void) | null = null;
  // The next in line goes once this one has finished, also when it gave up waiting.
  const tail = previous.then(() => new Promise<void>((resolve) => (isFinished ? resolve() : (release = resolve))));
  waitingHere.set(path, tail);
  const timeoutMs = options.timeoutMs ?? 5000;
  const startedAt = Date.now();
  try {
    let timer: NodeJS.Timeout | undefined;
    const isTurn = await Promise.race([previous.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
    clearTimeout(timer);
    if (!isTurn) throw new StoreError('CLAIM_BUSY', `${options.subject ?? path} is being changed by this jobline; try again in a moment.`);
    const claim = await acquireClaim(path, { ...options, timeoutMs: Math.max(0, timeoutMs - (Date.now() - startedAt)) });
    try {
      return await work();
    } finally {
      claim.release();
    }
  } finally {
    isFinished = true;
    (release as (() => void) | null)?.();
    // Stryker disable next-line ConditionalExpression: forgetting an empty queue only frees memory; a later holder finds its tail settled
    if (waitingHere.get(path) === tail) waitingHere.delete(path);
  }
}

/** Reads the claim at `path`: its record, `undefined` when there is none, or a stale stand-in for an unreadable one. */
export function readClaim(path: string): ClaimRecord | undefined {
  let text: string;
  try {
    // Stryker disable next-line StringLiteral: JSON.parse reads a Buffer as its text, and claims are ASCII
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, error);
  }
  try {
    const record = JSON.parse(text) as ClaimRecord;
    // Stryker disable next-line OptionalChaining: a record without a holder throws here and is read as unreadable all the same
    if (typeof record.token === 'string' && typeof record.holder?.pid === 'number') return record;
  } catch {
    // Published files are always whole (link of a finished temp file); garbage was put there by hand.
  }
  return { token: `unreadable-${text.length}`, holder: { pid: -1, hostname: '', processStartedAt: '' }, acquiredAt: '', expiresAt: null };
}

/** True when `record`'s holder is gone (same host, dead pid) or its lease ran out at `nowMs`. */
export function isStale(record: ClaimRecord, nowMs = Date.now()): boolean {
  if (record.holder.pid < 0) return true;
  // Stryker disable next-line ConditionalExpression: Date.parse(null) is NaN, never at or before a time
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= nowMs) return true;
  return checkOwnerAlive(record.holder) === false;
}

function makeClaim(path: string, record: ClaimRecord): Claim {
  let isReleased = false;
  return {
    path,
    record,
    release(): void {
      // Stryker disable next-line ConditionalExpression,BooleanLiteral: a second release removes nothing either way (the file is removed only while it holds this token)
      if (isReleased) return;
      // Stryker disable next-line BooleanLiteral: see above
      isReleased = true;
      try {
        removeClaim(path, record.token, 0);
      } catch {
        // Releasing never fails a caller: a claim left behind is stale once this process ends.
      }
    },
  };
}

// Publishes `record` at `path` if nothing is there. Returns false when a claim exists.
function publish(path: string, record: ClaimRecord): boolean {
  const temp = `${path}.${record.token}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new StoreError('CLAIM_TARGET_GONE', `Cannot claim ${path}: its folder no longer exists.`, { cause: error });
    }
    // Created but not written (ENOSPC, EDQUOT, EIO: the file exists, empty or cut): ours to remove.
    // EEXIST is another file of this name, never ours ('wx').
    if (code !== 'EEXIST') unlinkQuietly(temp);
    throw ioError(path, error);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT') throw new StoreError('CLAIM_TARGET_GONE', `Cannot claim ${path}: its folder no longer exists.`, { cause: error });
    throw ioError(path, error);
  } finally {
    unlinkQuietly(temp);
  }
}

// Removes the claim at `path` if (and only if) it still has `token`: see the header.
function removeClaim(path: string, token: string, depth: number): void {
  const marker = `${path}${BROKEN_MARKER}${token}`;
  const mine: ClaimRecord = { token: randomBytes(8).toString('hex'), holder: getCurrentOwner(), acquiredAt: new Date().toISOString(), expiresAt: null };
  let hasMarker: boolean;
  try {
    hasMarker = publish(marker, mine);
  } catch {
    // No room for the marker (a full disk): a claim of this live process is not stale, so no other
    // process takes it over; it is removed directly, or it would hold the job for this process's life.
    // (The folder went, CLAIM_TARGET_GONE: so did the claim, which reads as none here.)
    if (depth === 0 && readClaim(path)?.token === token) unlinkQuietly(path);
    return;
  }
  if (!hasMarker) {
    // Someone else is removing T. If they died doing it, their marker is stale: break it, and the
    // next attempt to take the claim tries again.
    const other = readClaim(marker);
    if (other && depth < MAX_BREAK_DEPTH && isStale(other) && !isCurrentProcess(other.holder)) removeClaim(marker, other.token, depth + 1);
    return;
  }
  try {
    if (readClaim(path)?.token === token) unlinkQuietly(path);
  } finally {
    unlinkQuietly(marker);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function ioError(path: string, error: unknown): StoreError {
  return new StoreError('JOB_IO', `Cannot use the claim ${path}: ${describeError(error)}`, { cause: error });
}
