// Where a job's worktree work stands, as the REPL, the script commands and the lists say it: a
// short status for a row (`ready`, `landed`, `conflict`, …) and a sentence for the end of a
// landing, saying what to do next. Pure.
import type { Job } from '../jobs/model/job.js';
import { formatJobLabel } from './job-list.js';
export { formatMergeStatus } from './merge-label.js';
import { sanitizeLine, sanitizeText } from './text.js';

/**
 * A sentence (or a few lines) on where job `job`'s work stands after a landing, with what the
 * user may do next (landed: where; conflict: the files, and /retry, by hand, or discard; a failed
 * check: its last lines; blocked: the user's files in the way). `cannotResolve`: why a retry
 * cannot resolve a conflict (JobService.whyCannotResolve): /retry is then not offered.
 */
export function describeMerge(job: Job, cannotResolve: string | null = null): string {
  const label = formatJobLabel(job);
  const merge = job.merge;
  if (!merge) return `${label} has no work to land.`;
  const target = sanitizeLine(merge.target ?? '?');
  const files = (list: readonly string[]): string => `${list.slice(0, 10).map(sanitizeLine).join(', ')}${list.length > 10 ? `, … ${list.length - 10} more` : ''}`;
  switch (merge.status) {
    case 'landed':
      return `🛬 Landed ${label} on ${target}${merge.commit ? ` at ${merge.commit.slice(0, 12)}` : ''}${merge.strategy ? ` (${merge.strategy})` : ''}${merge.checkedCommit ? ', checked' : ''}. Backup of what ${target} was: refs/jobline/before/${job.id}.`;
    case 'conflict':
    {
      // By hand: the target is merged into the job's branch in its worktree (it is not yet).
      const byHand = `resolve them by hand (cd ${sanitizeLine(job.worktree?.path ?? '?')}; git merge ${target}; fix the files; git commit), then jobline merge ${job.id}`;
      const retry = cannotResolve === null ? `/retry ${job.id} (jobline retry) lets its agent resolve them; or ${byHand}` : `A retry cannot resolve them (${sanitizeLine(cannotResolve.replace(/:.*$/, ''))}): ${byHand}`;
      return `⚔️  ${label} conflicts with ${target} in ${merge.conflicts.length} file${merge.conflicts.length === 1 ? '' : 's'}: ${files(merge.conflicts)}. Nothing landed; ${target} and your checkout are untouched.\n   ${retry}; or jobline discard ${job.id}.`;
    }
    case 'check failed':
      return `❌ ${label} did not land on ${target}: ${sanitizeText(merge.error ?? 'its check failed')}`;
    case 'blocked':
      return `✋ ${label} did not land on ${target}: ${sanitizeLine(merge.error ?? `your uncommitted changes to ${files(merge.conflicts)} are in the way`)}`;
    case 'discarded':
      return `🗑  ${label}'s work was discarded.`;
    case 'checking':
      return `⏳ ${label} is landing on ${target} (${sanitizeLine(merge.step ?? '')}).`;
    default:
      return merge.error ? `⚠️  ${label} did not land on ${target}: ${sanitizeLine(merge.error)}` : `⇢ ${label} is ready to land on ${target}: jobline merge ${job.id} (/merge ${job.id}).`;
  }
}
