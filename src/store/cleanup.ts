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
 * unfinished-index.ts), so its cost follows the unfinished jobs, not all the jobs stored; the
 * index is rebuilt from the job files when it is missing. Returns the removed ids.
 * @throws StoreError when the jobs folder cannot be listed or the policy's claim is held too long.
 */
export async function enforceUnfinishedLimit(store: JobStore, maxUnfinished: number, now?: string, justEnded?: Job): Promise<string[]> {
  return store.withPolicyClaim(async () => {
    let index = readIndex(store.dir);
    if (!index) {
      // No index yet (a folder of an older jobline, or a lost file): one full read rebuilds it.
      const { jobs } = await store.list(now);
      rewriteIndex(store.dir, jobs.filter((job) => isUnfinishedStatus(job.status)).map(toEntry));
      index = readIndex(store.dir) ?? { entries: new Map(), lineCount: 0, byteLength: 0 };
    }
    const entries = index.entries;
    // The job this pass is for counts even if its own index line was written before the index existed.
    if (justEnded && isUnfinishedStatus(justEnded.status)) entries.set(justEnded.id, toEntry(justEnded));
    const removed: string[] = [];
    const skipped = new Set<string>();
    // Oldest first. An entry that is out of date (the job was resumed or removed, or ended again
    // later) is dropped or corrected and the order taken again, so exactly the oldest real ones go.
    while (entries.size > maxUnfinished) {
      const entry = [...entries.values()].filter((candidate) => !skipped.has(candidate.id)).sort(compareEntries)[0];
      if (!entry) break;
      const outcome = await removeIfStillAsIndexed(store, entry);
      if (outcome === 'removed') removed.push(entry.id);
      if (outcome === 'removed' || outcome === 'gone') entries.delete(entry.id);
      else if (outcome === 'busy') skipped.add(entry.id);
      else entries.set(entry.id, outcome);
    }
    // The file grows by a line per change; rewrite it when it is mostly history.
    if (index.lineCount > 4 * entries.size + 64) compactIndex(store.dir, entries.values(), index.byteLength);
    return removed;
  });
}

function toEntry(job: Job): IndexEntry {
  return { id: job.id, endedAt: job.endedAt ?? job.createdAt, createdAt: job.createdAt };
}

function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return a.endedAt.localeCompare(b.endedAt) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/**
 * Removes the job of `entry` if it is still unfinished with the indexed end time, deciding under
 * its claim on a fresh read. Returns 'removed'; 'gone' (no such job, or no longer unfinished);
 * the corrected entry (unfinished, but ended at another time); or 'busy' (claimed elsewhere too long).
 */
async function removeIfStillAsIndexed(store: JobStore, entry: IndexEntry): Promise<'removed' | 'gone' | 'busy' | IndexEntry> {
  try {
    return await store.withJobClaim(entry.id, async () => {
      const current = store.settleClaimed(entry.id);
      if (!isUnfinishedStatus(current.status)) return 'gone';
      const actual = toEntry(current);
      if (actual.endedAt !== entry.endedAt || actual.createdAt !== entry.createdAt) return actual;
      await store.remove(entry.id);
      return 'removed';
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'CLAIM_TARGET_GONE' || code === 'JOB_IO' || code === 'JOB_FILE_CORRUPT') return 'gone';
    if (code === 'CLAIM_BUSY') return 'busy';
    throw error;
  }
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
