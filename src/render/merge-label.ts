// The short label of where a job's worktree work stands, for list rows and cards. Pure.
import type { Job } from '../jobs/model/job.js';

const ICONS: Record<string, string> = { ready: '⇢', checking: '⏳', landed: '🛬', conflict: '⚔️', 'check failed': '❌', blocked: '✋', discarded: '🗑' };

/** The job's merge status for a list row (`⇢ ready`), or '' for a job without worktree work. */
export function formatMergeStatus(job: Pick<Job, 'merge' | 'worktree'>): string {
  const status = job.merge?.status;
  if (!status) return '';
  return `${ICONS[status] ?? ''} ${status}`.trim();
}
