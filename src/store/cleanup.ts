// The storage policy. Cleanup is driven by how much is stored, never by age: the newest
// `maxCompletedJobs` completed jobs stay, and the newest `maxUnfinishedJobs` unfinished ones.
// Every removal happens under the job's claim after a fresh read (a job that another jobline
// resumed meanwhile is not removed), and limit passes run one at a time per jobs folder, so two
// processes cleaning up at once keep exactly the limit.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { getLastRecordedActivity, isActiveStatus, isUnfinishedStatus, type Job } from '../jobs/model/job.js';
import { viewWithLiveness } from '../jobs/process/liveness.js';
import type { EndedLimits } from '../jobs/model/storage-limits.js';
import type { WorktreeGuard } from '../jobs/ports/worktrees.js';
import { compactIndex, OLD_INDEX_FILE, readIndex, rewriteIndex, type EndedKind, type IndexEntry } from './ended-index.js';

export { DEFAULT_MAX_COMPLETED_JOBS, getEndedLimits, type StoragePolicy } from '../jobs/model/storage-limits.js';

/**
 * Removes job `listed.id` if it is still as it was listed (same status and end time) and not
 * active, deciding under the job's claim on a fresh read. Returns true when it was removed.
 * A job that is gone already counts as not removed. Never throws for a job that changed or went;
 * throws StoreError CLAIM_BUSY when another process holds the job for longer than the claim waits.
 */
export async function removeIfUnchanged(store: PolicyStore, listed: Job): Promise<boolean> {
  try {
    return await store.withJobClaim(listed.id, async () => {
      const current = readAsSeen(store, listed.id);
      if (!current) return false;
      if (isActiveStatus(current.status) || current.status !== listed.status || current.endedAt !== listed.endedAt) return false;
      // A job whose worktree holds work not landed stays (with its worktree); one that may go
      // takes its worktree and branch with it, before its folder (which records them) goes.
      if (current.worktree && store.worktreeGuard) {
        if ((await store.worktreeGuard.whyKeep(current)) !== null) return false;
        await store.worktreeGuard.remove(current);
      }
      await store.remove(listed.id);
      return true;
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'CLAIM_TARGET_GONE' || code === 'JOB_IO') return false;
    throw error;
  }
}


// Job `id` as every reader sees it (null when it cannot be read): a job whose owner died reads as
// interrupted, dated by its last recorded activity (see viewWithLiveness), whether or not a
// reader has recorded that yet, so every process orders it the same.
function readAsSeen(store: PolicyStore, id: string): Job | null {
  try {
    const { job, modifiedAt } = store.readForUpdate(id);
    return viewWithLiveness(job, getLastRecordedActivity(job, modifiedAt));
  } catch {
    return null;
  }
}

/** How many ended jobs of each kind stay (`Infinity` keeps them all); defined by the repository port. */
export type { EndedLimits };

/** What the storage policy needs of the jobs folder (a JobStore has it). */
export interface PolicyStore {
  readonly dir: string;
  list(now?: string): Promise<{ jobs: Job[]; warnings: string[] }>;
  readSync(id: string): Job | null;
  remove(id: string): Promise<void>;
  readForUpdate(id: string): { job: Job; modifiedAt: string };
  withJobClaim<T>(id: string, work: () => Promise<T> | T): Promise<T>;
  withPolicyClaim<T>(work: () => Promise<T> | T): Promise<T>;
  /** See JobStoreOptions.worktreeGuard. */
  readonly worktreeGuard?: WorktreeGuard;
}

/**
 * Removes the oldest ended jobs (by endedAt, then createdAt, then id: every process picks the
 * same ones) until at most `limits.unfinished`
 * unfinished (failed, cancelled, interrupted) and `limits.completed` completed ones remain.
 * Active jobs are never touched. One pass at a time per jobs folder (the storage policy's claim).
 * It reads the ended-jobs index (see ended-index.ts) and then only the job files it is about to
 * remove, so its cost follows what it removes, not the jobs stored or kept. `justEnded` is a job
 * the pass is for (recorded even if the index missed it). Returns the removed ids.
 * @throws StoreError when the jobs folder cannot be listed or the policy's claim is held too long.
 */
export async function enforceEndedLimits(store: PolicyStore, limits: EndedLimits, now?: string, justEnded?: Job): Promise<string[]> {
  return store.withPolicyClaim(async () => {
    const index = readIndex(store.dir) ?? (await rebuildIndex(store, now));
    const named = index.entries;
    const justEndedKind = justEnded && kindOf(justEnded);
    // A job the index missed is written into it by the compaction below.
    const isMissed = Boolean(justEnded && justEndedKind && !named.has(justEnded.id));
    if (justEnded && justEndedKind) named.set(justEnded.id, toEntry(justEnded, justEndedKind));
    // The index may hold a job that has since been resumed or removed (and, for a moment after
    // it was rebuilt, name too much), never less than there is. Its entries carry what the
    // eviction order needs, so a kind over its limit is walked oldest first, and only the jobs
    // about to go are read: a stale entry counts one less, and a job that changed since is kept.
    // A pass reads about as many job files as it removes, however many jobs are kept.
    const entries = [...named.values()];
    const dropped = new Set<string>();
    const removed: string[] = [];
    for (const kind of ['unfinished', 'completed'] as const) {
      const candidates = entries.filter((entry) => entry.kind === kind).sort(compareEntries);
      let excess = candidates.length - limits[kind];
      for (const entry of candidates) {
        if (excess <= 0) break;
        const job = readAsSeen(store, entry.id);
        if (!job || kindOf(job) !== kind) {
          dropped.add(entry.id);
          excess--;
        } else if (await removeIfUnchanged(store, job)) {
          removed.push(job.id);
          excess--;
        }
      }
    }
    const kept = entries.filter((entry) => !dropped.has(entry.id) && !removed.includes(entry.id));
    // The file grows by a line per change; it is rewritten as what was found, keeping what other
    // processes appended meanwhile: when it has grown well past what it holds, when it names jobs
    // that are gone or no longer ended, or when it missed the job this pass is for. A removal
    // alone needs no rewrite: removing a job appends its "-" line (JobStore.remove), and a
    // rewrite per pass is a read, a write and a rename on the main thread for nothing.
    if (dropped.size > 0 || isMissed || index.lineCount > 4 * kept.length + 64) compactIndex(store.dir, kept, index.byteLength);
    return removed;
  });
}

/**
 * Removes the oldest unfinished jobs until at most `maxUnfinished` remain; completed jobs are
 * left alone. See enforceEndedLimits.
 */
export async function enforceUnfinishedLimit(store: PolicyStore, maxUnfinished: number, now?: string, justEnded?: Job): Promise<string[]> {
  return enforceEndedLimits(store, { unfinished: maxUnfinished, completed: Infinity }, now, justEnded);
}

/**
 * Builds the ended-jobs index of `store` if it has none, or has lines of an older version that do
 * not say a job's status, under the policy's claim (one full read of the folder). For listings,
 * which read every job until the index exists. @throws StoreError CLAIM_BUSY.
 */
export async function buildMissingIndex(store: PolicyStore): Promise<void> {
  await store.withPolicyClaim(async () => {
    const index = readIndex(store.dir);
    if (!index || [...index.entries.values()].some((entry) => entry.status === null)) await rebuildIndex(store);
  });
}

// No index (a folder of an older jobline, or a lost file): it is created first, so that jobs
// ending while the folder is read append to it, then filled from one full read.
async function rebuildIndex(store: PolicyStore, now?: string): Promise<NonNullable<ReturnType<typeof readIndex>>> {
  rewriteIndex(store.dir, []);
  rmSync(join(store.dir, OLD_INDEX_FILE), { force: true });
  const { jobs } = await store.list(now);
  const appended = readIndex(store.dir) ?? { entries: new Map<string, IndexEntry>(), lineCount: 0, byteLength: 0 };
  for (const job of jobs) {
    const kind = kindOf(job);
    if (kind) appended.entries.set(job.id, toEntry(job, kind));
  }
  compactIndex(store.dir, appended.entries.values(), appended.byteLength);
  return readIndex(store.dir) ?? { entries: appended.entries, lineCount: appended.entries.size, byteLength: 0 };
}

// The eviction order: oldest end first, then oldest creation, then id (a total order on
// recorded fields, so every process picks the same victims).
function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return a.endedAt.localeCompare(b.endedAt) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

function kindOf(job: Job): EndedKind | null {
  return job.status === 'completed' ? 'completed' : isUnfinishedStatus(job.status) ? 'unfinished' : null;
}

function toEntry(job: Job, kind: EndedKind): IndexEntry {
  return { id: job.id, kind, endedAt: job.endedAt ?? job.createdAt, createdAt: job.createdAt, status: job.status };
}

/**
 * Removes exactly `listed` (jobs a user was shown and agreed to remove), each only if it is
 * unchanged since (see removeIfUnchanged). Returns the removed ids.
 */
export async function removeListedJobs(store: PolicyStore, listed: readonly Job[]): Promise<string[]> {
  const removed: string[] = [];
  for (const job of listed) if (await removeIfUnchanged(store, job)) removed.push(job.id);
  return removed;
}
