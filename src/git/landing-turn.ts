// One landing at a time per repository, across processes: a claim file in the repository's
// common git folder (the same for every worktree of it, whichever jobs folder a jobline uses),
// taken like a job's claim (src/store/claim.ts: published with link(2), broken when its holder
// died). Waiters queue by a file each, named by when they asked, so each can say its position.
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isStale, readClaim, tryAcquireClaim } from '../store/claim.js';
import { checkOwnerAlive, getCurrentOwner } from '../jobs/process/owner.js';

/** How often a waiting landing looks at the claim and its place in the queue (ms). */
const POLL_MS = 50;

/** The folder of the landing claim and queue of the repository whose common git folder is `commonDir`. */
export function landingFolder(commonDir: string): string {
  return join(commonDir, 'jobline', 'landing');
}

/** True while a live process holds the landing claim of the repository at `commonDir`. */
export function isLandingHeld(commonDir: string): boolean {
  const record = readClaim(join(landingFolder(commonDir), 'claim'));
  return record !== undefined && !isStale(record);
}

// The queue files of live waiters, oldest first (`<ms>-<pid>-<start>-<job>`).
function liveWaiters(queue: string): string[] {
  let names: string[];
  try {
    names = readdirSync(queue);
  } catch {
    return [];
  }
  return names.sort().filter((name) => {
    const [, pid, started] = name.split('~');
    const isAlive = checkOwnerAlive({ pid: Number(pid), hostname: getCurrentOwner().hostname, processStartedAt: new Date(Number(started)).toISOString() }) !== false;
    if (!isAlive) {
      try {
        unlinkSync(join(queue, name));
      } catch {
        // Another waiter removed it.
      }
    }
    return isAlive;
  });
}

/**
 * Runs `work` holding the landing claim of the repository at `commonDir`, waiting in line (in
 * order of asking) while others land; `onPosition` hears this landing's place whenever it
 * changes (1: next). Releases the claim however `work` ends. Throws what `work` throws.
 */
export async function withLandingTurn<T>(commonDir: string, jobId: string, onPosition: (position: number) => void, work: () => Promise<T>): Promise<T> {
  const folder = landingFolder(commonDir);
  const queue = join(folder, 'queue');
  mkdirSync(queue, { recursive: true, mode: 0o700 });
  // Nobody waits: the turn is taken at once if it is free, without a place in the queue. Two that
  // find the queue empty race for the claim (link(2) gives it to one); the other queues below, and
  // one that finds a waiter queues behind it.
  if (readdirSync(queue).length === 0) {
    const claim = tryAcquireClaim(join(folder, 'claim'));
    if (claim) {
      try {
        return await work();
      } finally {
        claim.release();
      }
    }
  }
  const me = getCurrentOwner();
  const ticket = `${String(Date.now()).padStart(15, '0')}~${me.pid}~${Date.parse(me.processStartedAt)}~${jobId}`;
  writeFileSync(join(queue, ticket), '');
  let said = -1;
  try {
    for (;;) {
      const waiters = liveWaiters(queue);
      const ahead = waiters.indexOf(ticket);
      if (ahead <= 0) {
        const claim = tryAcquireClaim(join(folder, 'claim'));
        if (claim) {
          try {
            unlinkSync(join(queue, ticket));
          } catch {
            // Gone already.
          }
          try {
            return await work();
          } finally {
            claim.release();
          }
        }
      }
      const position = Math.max(1, ahead + 1);
      if (position !== said) {
        said = position;
        onPosition(position);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    try {
      unlinkSync(join(queue, ticket));
    } catch {
      // Removed when the turn came.
    }
  }
}
