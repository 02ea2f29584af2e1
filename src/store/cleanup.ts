// The storage policy. Cleanup is driven by how much is stored, never by age: a completed job's
// folder goes when it completes, and only the newest `maxUnfinishedJobs` unfinished ones stay.
// Every removal happens under the job's claim after a fresh read (a job that another jobline
// resumed meanwhile is not removed), and limit passes run one at a time per jobs folder, so two
// processes cleaning up at once keep exactly the limit.
import { isActiveStatus, isUnfinishedStatus, type Job } from '../jobs/job.js';
import type { JobStore } from './job-store.js';
import { compactIndex, readIndex, rewriteIndex, type IndexEntry } from './unfinished-index.js';

/**
 * Removes job `listed.id` if it is still as it was listed (same status and end time) and not
 * active, deciding under the job's claim on a fresh read. Returns true when it was removed.
 * A job that is gone already counts as not removed. Never throws for a job that changed or went;
 * throws StoreError CLAIM_BUSY when another process holds the job for longer than the claim waits.
 */
export async function removeIfUnchanged(store: JobStore, listed: Job): Promise<boolean> {
  try {
    return await store.withJobClaim(listed.id, async () => {
      const current = store.settleClaimed(listed.id);
      if (isActiveStatus(current.status) || current.status !== listed.status || current.endedAt !== listed.endedAt) return false;
      await store.remove(listed.id);
      return true;
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'CLAIM_TARGET_GONE' || code === 'JOB_IO') return false;
    throw error;
  }
}

/**
 * Orders unfinished jobs for eviction, oldest first: by endedAt, then createdAt, then id. A total
 * order on recorded fields, so every process picks the same victims.
 */
export function compareForEviction(a: Job, b: Job): number {
  return (a.endedAt ?? a.createdAt).localeCompare(b.endedAt ?? b.createdAt) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/**
 * Removes the oldest unfinished jobs (failed, cancelled, interrupted; see compareForEviction)
 * until at most `maxUnfinished` remain. Active and completed jobs are never touched. One pass at
 * a time per jobs folder (the storage policy's claim). It reads the unfinished-jobs index (see
 * unfinished-index.ts) and then only the job files it names, so its cost follows the unfinished
 * jobs (about maxUnfinished), not all the jobs stored. `justEnded` is the job the pass is for.
 * Returns the removed ids.
 * @throws StoreError when the jobs folder cannot be listed or the policy's claim is held too long.
 */
export async function enforceUnfinishedLimit(store: JobStore, maxUnfinished: number, now?: string, justEnded?: Job): Promise<string[]> {
  return store.withPolicyClaim(async () => {
    const index = readIndex(store.dir) ?? (await rebuildIndex(store, now));
    const named = index.entries;
    if (justEnded && isUnfinishedStatus(justEnded.status)) named.set(justEnded.id, toEntry(justEnded));
    // The index may hold a job that has since been resumed or removed (and, for a moment after
    // it was rebuilt, miss nothing but name too much): each named job is read, and only those
    // still unfinished count, so exactly the limit is kept.
    const unfinished: Job[] = [];
    for (const id of named.keys()) {
      const job = store.readSync(id);
      if (job && isUnfinishedStatus(job.status)) unfinished.push(job);
    }
    unfinished.sort(compareForEviction);
    const removed: string[] = [];
    for (const job of unfinished.slice(0, Math.max(0, unfinished.length - maxUnfinished))) {
      if (await removeIfUnchanged(store, job)) removed.push(job.id);
    }
    const kept = unfinished.filter((job) => !removed.includes(job.id)).map(toEntry);
    // The file grows by a line per change; it is rewritten as what was found, keeping what other
    // processes appended meanwhile.
    if (kept.length !== named.size || index.lineCount > 4 * kept.length + 64) compactIndex(store.dir, kept, index.byteLength);
    return removed;
  });
}

// No index (a folder of an older jobline, or a lost file): it is created first, so that jobs
// ending while the folder is read append to it, then filled from one full read.
async function rebuildIndex(store: JobStore, now?: string): Promise<NonNullable<ReturnType<typeof readIndex>>> {
  rewriteIndex(store.dir, []);
  const { jobs } = await store.list(now);
  const appended = readIndex(store.dir) ?? { entries: new Map<string, IndexEntry>(), lineCount: 0, byteLength: 0 };
  for (const job of jobs) if (isUnfinishedStatus(job.status)) appended.entries.set(job.id, toEntry(job));
  compactIndex(store.dir, appended.entries.values(), appended.byteLength);
  return readIndex(store.dir) ?? { entries: appended.entries, lineCount: appended.entries.size, byteLength: 0 };
}

function toEntry(job: Job): IndexEntry {
  return { id: job.id, endedAt: job.endedAt ?? job.createdAt, createdAt: job.createdAt };
}

/**
 * Removes exactly `listed` (jobs a user was shown and agreed to remove), each only if it is
 * unchanged since (see removeIfUnchanged). Returns the removed ids.
 */
export async function removeListedJobs(store: JobStore, listed: readonly Job[]): Promise<string[]> {
  const removed: string[] = [];
  for (const job of listed) if (await removeIfUnchanged(store, job)) removed.push(job.id);
  return removed;
}

/** The storage policy's two settings (from the config). */
export interface StoragePolicy {
  keepTempFiles: boolean;
  maxUnfinishedJobs: number;
}

/**
 * Applies the policy to a job that just reached a terminal status: a completed job's folder is
 * deleted (unless `keepTempFiles`); an unfinished one may push the oldest unfinished jobs out.
 * Returns the ids of jobs removed by the limit (not the completed job itself).
 */
export async function applyStoragePolicy(store: JobStore, job: Job, policy: StoragePolicy, now?: string): Promise<string[]> {
  if (job.status === 'completed') {
    if (!policy.keepTempFiles) await removeIfUnchanged(store, job);
    return [];
  }
  return isUnfinishedStatus(job.status) ? enforceUnfinishedLimit(store, policy.maxUnfinishedJobs, now, job) : [];
}
