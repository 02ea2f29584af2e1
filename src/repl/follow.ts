// Whose events and output the REPL prints (/follow). Attached to `jobline serve`, the REPL hears
// every job of the server: a 109-task batch started from another shell would bury the user's own
// events. By default (`mine`) it prints in full the jobs this REPL started, resumed or answered,
// and of any other job one line when it ends; approvals it can answer are asked whatever it
// follows. `all` prints every job in full, as a REPL on its own jobs does; an id, that job only.
import { UsageError } from '../errors.js';
import type { Job } from '../jobs/model/job.js';
import type { JobEvent } from '../jobs/model/job-event.js';
import { formatNotification } from './notifications.js';

/** What /follow sets: this REPL's jobs (the default), every job, or one job (a full id). */
export type FollowTarget = { kind: 'mine' } | { kind: 'all' } | { kind: 'job'; id: string };

/** How a job became this REPL's: it started (submitted or resumed) it, or answered its approval. */
export type OwnJobReason = 'started' | 'answered';

/** The jobs this REPL follows. */
export class FollowFilter {
  private target: FollowTarget = { kind: 'mine' };
  private readonly own = new Map<string, OwnJobReason>();

  /** `isLocalJob(id)`: the job runs in this process (started here, whatever the filter knows). */
  constructor(private readonly isLocalJob: (id: string) => boolean) {}

  /** What is followed now. */
  get following(): FollowTarget {
    return this.target;
  }

  /** Follows `target` from now on. */
  set(target: FollowTarget): void {
    this.target = target;
  }

  /** Counts job `id` as this REPL's (a job it started stays `started` when it also answers it). */
  adopt(id: string, reason: OwnJobReason): void {
    if (this.own.get(id) !== 'started') this.own.set(id, reason);
  }

  /** The jobs this REPL started (submitted or resumed), in the order it did. */
  startedJobs(): string[] {
    return [...this.own].filter(([, reason]) => reason === 'started').map(([id]) => id);
  }

  /** True when job `id`'s events and output print in full. */
  isFollowed(id: string): boolean {
    if (this.target.kind === 'all') return true;
    if (this.target.kind === 'job') return id === this.target.id;
    return this.own.has(id) || this.isLocalJob(id);
  }
}

/**
 * Reads what follows `/follow`: `all`, `mine`, or a job (resolved by `resolve`, which throws
 * JobLookupError for an unknown one). @throws UsageError USAGE for nothing else given.
 */
export async function parseFollowTarget(args: string, resolve: (input: string) => Promise<string>): Promise<FollowTarget> {
  const typed = args.trim();
  if (typed === 'all' || typed === 'mine') return { kind: typed };
  if (typed === '' || /\s/.test(typed)) throw new UsageError('USAGE', 'Usage: /follow all | mine | <id>');
  return { kind: 'job', id: await resolve(typed) };
}

/** One line on what `target` shows. */
export function describeFollowing(target: FollowTarget): string {
  const others = 'other jobs: one line when they end; approvals are asked whatever you follow';
  if (target.kind === 'all') return 'Following every job: their events and output.';
  if (target.kind === 'job') return `Following ${target.id} only; ${others}.`;
  return `Following your jobs (started, resumed or answered here); ${others}. /follow all | mine | <id> changes it.`;
}

const END_LABELS: Record<string, { icon: string; verb: string }> = {
  completed: { icon: '✅', verb: 'Completed' },
  failed: { icon: '❌', verb: 'Failed' },
  cancelled: { icon: '🚫', verb: 'Cancelled' },
  interrupted: { icon: '⚠️ ', verb: 'Interrupted' },
};

/**
 * The one line a job that is not followed gets, when `event` ends it (`[job-ab12] ✅ Completed
 * job-ab12cd34 its-name`, a failure with its reason); null for any other event.
 */
export function formatUnfollowedEnd(job: Job, event: JobEvent, width: number): string | null {
  const label = END_LABELS[event.type];
  if (!label || event.type !== job.status) return null;
  const why = job.status === 'failed' ? (event.error ?? job.error) : null;
  return formatNotification(job.id, label.icon, `${label.verb} ${job.id}${job.name ? ` ${job.name}` : ''}${why ? `: ${why}` : ''}`, width);
}
