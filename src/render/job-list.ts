// Renders a list of jobs (`jobline list`, the REPL's /jobs): a header with counts, then per job a
// row with its status, phase and time, its prompt, and (when there is one) its error or last
// event with counters. Pure: the clock and the width are passed in, so output is testable to the
// character.
import chalk from 'chalk';
import { workingMs } from '../jobs/model/job-time.js';
import { JOB_STATUSES, isActiveStatus, isUnfinishedStatus, type Job, type JobStatus } from '../jobs/model/job.js';
import { STATUS_ICONS, formatDuration, sanitizeLine, truncate } from './text.js';
import { formatTaskCounts } from './task-list.js';
import { formatMergeStatus } from './merge-label.js';
import type { TaskCounts } from '../jobs/model/task.js';
import { formatTokens, formatUsd, totalTokens, type TokenUsage } from '../jobs/model/usage.js';

/** A job as people name it: its id and, when it has one, its name (`job-ab12cd34 mango-crave-pulse`). */
export function formatJobLabel(job: Pick<Job, 'id' | 'name'>): string {
  return job.name ? `${job.id} ${sanitizeLine(job.name)}` : job.id;
}

// The second line of a job's row: its name (coloured) and its prompt, cut to `room` characters.
function formatNameAndPrompt(job: Job, room: number): string {
  const name = job.name ? sanitizeLine(job.name) : '';
  const line = truncate(name ? `${name} · ${sanitizeLine(job.description)}` : sanitizeLine(job.description), room);
  return name && line.startsWith(name) ? `${chalk.cyan(name)}${line.slice(name.length)}` : line;
}

/** Returns e.g. `2/5 plan`, or `-` for a job without phases. */
export function formatPhasePosition(job: Job): string {
  const phase = job.phases[job.currentPhase];
  return phase ? `${job.currentPhase + 1}/${job.phases.length} ${phase.name}` : '-';
}

/**
 * Returns the counters of agents that count them, each labelled with what it counts:
 * `round 3 of this phase · 5 tool calls · 4 model calls in all`; '' when all are zero. (The round
 * restarts with each phase; tool and model calls add up over the whole job.)
 */
export function formatCounters(job: Job): string {
  const { round, toolCalls, llmCalls, usage } = job.progress;
  if (round === 0 && toolCalls === 0 && llmCalls === 0) return '';
  const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
  const tokens = usage ? ` · ${formatShortUsage(usage)}` : '';
  return `round ${round} of this phase · ${plural(toolCalls, 'tool call')} · ${plural(llmCalls, 'model call')}${tokens} in all`;
}

/** Tokens and, when known, cost, short: `12.3k tokens · $0.04`. */
export function formatShortUsage(usage: TokenUsage): string {
  return `${formatTokens(totalTokens(usage))} tokens${usage.costUsd !== undefined ? ` · ${formatUsd(usage.costUsd)}` : ''}`;
}

/**
 * What a job that asked for more workers than this machine runs at once is told (see
 * SubmitResult.runLimit): `-j 8: at most 3 run at once on this machine (maxWorkers in the config)`.
 */
export function formatRunLimit(asked: string, limit: number): string {
  return `${asked}: at most ${limit} run at once on this machine (maxWorkers in the config)`;
}

/** See jobs/model/job-time.ts: the time a job worked, as every view shows it. */
export { workingMs };

/** `3m ago`, `2h ago`, `just now`: how long before `now` the time `iso` was. */
export function formatAgo(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** What the time column says: `running 2m 10s`, `waiting 3m ago · ran 12.0s`, `failed 1h ago · ran 4.0s`. */
export function formatJobTime(job: Job, now: Date): string {
  const ran = formatDuration(workingMs(job, now));
  if (job.status === 'queued') return `queued ${formatAgo(job.createdAt, now)}`;
  if (job.status === 'running') return `running ${ran}`;
  const since = job.endedAt ?? job.phases[job.currentPhase]?.endedAt ?? job.startedAt ?? job.createdAt;
  const verb = job.status === 'awaiting_approval' ? 'waiting since' : job.status === 'interrupted' ? 'interrupted' : 'ended';
  return `${verb} ${formatAgo(since, now)} · ran ${ran}`;
}

/**
 * The agent column: its name, or with several of its workers running a task (`counts.running`,
 * for an active job), `build × 3 [ab12]` (the parallel-agents design's cluster).
 */
export function formatWorkers(job: Job, counts: TaskCounts | undefined): string {
  const agent = sanitizeLine(job.agent);
  return counts && counts.running > 1 ? `${agent} × ${counts.running} [${job.id.slice(4, 8)}]` : agent;
}

/** Filters /jobs and `jobline list` accept besides a status: `active` and `unfinished`. */
export const JOB_FILTERS = ['active', 'unfinished', ...JOB_STATUSES] as const;

/** A status, `active` or `unfinished` (see JOB_FILTERS). */
export type JobFilter = (typeof JOB_FILTERS)[number];

/** Whether `status` passes `filter`. */
export function matchesFilter(status: JobStatus, filter: JobFilter): boolean {
  if (filter === 'active') return isActiveStatus(status);
  if (filter === 'unfinished') return isUnfinishedStatus(status);
  return status === filter;
}

/** Reads a typed filter (`failed`, `waiting` for awaiting_approval); null when it names none. */
export function parseJobFilter(input: string): JobFilter | null {
  const typed = input.trim().toLowerCase().replace(/-/g, '_');
  if (typed === 'waiting' || typed === 'approval') return 'awaiting_approval';
  return (JOB_FILTERS as readonly string[]).includes(typed) ? (typed as JobFilter) : null;
}

/**
 * Renders `jobs` (in the given order) as of `now`, `width` columns wide; `total` is the number in
 * the header when only some are shown. Every piece of job-produced text is sanitised.
 * Example:
 * ```
 * Jobs (2 total, 1 active)
 *  🔄 job-ab12cd34  check  running            2/4 typecheck   running 12.0s
 *       npm run check
 *       > tsc --noEmit
 * ```
 */
export function formatJobList(jobs: readonly Job[], now: Date, total = jobs.length, width = 100, tasks: ReadonlyMap<string, TaskCounts> = new Map()): string {
  const active = jobs.filter((job) => isActiveStatus(job.status)).length;
  const lines = [chalk.bold(`Jobs (${total} total, ${active} active)`)];
  if (jobs.length === 0) lines.push(chalk.dim(total === 0 ? '  No jobs yet. Type a prompt to start one.' : '  None match.'));
  const agentOf = (job: Job): string => formatWorkers(job, tasks.get(job.id));
  const agentWidth = Math.max(5, ...jobs.map((job) => agentOf(job).length));
  const room = Math.max(20, width - 7);
  for (const job of jobs) {
    const counts = tasks.get(job.id);
    // A job of many tasks says how far its tasks are; one task per phase, which phase it is in.
    const position = counts && counts.total > job.phases.length ? formatTaskCounts(counts) : truncate(sanitizeLine(formatPhasePosition(job)), 20).padEnd(20);
    lines.push(
      [` ${STATUS_ICONS[job.status]}`, job.id, agentOf(job).padEnd(agentWidth), job.status.padEnd(17), position, formatJobTime(job, now), ...(job.merge ? [`· ${formatMergeStatus(job)}`] : [])].join(' ').trimEnd(),
      `      ${formatNameAndPrompt(job, room)}`,
    );
    const counters = formatCounters(job);
    const detail = [job.error ?? job.progress.lastEvent, counters].filter(Boolean).map((text) => sanitizeLine(text!)).join(' · ');
    if (detail) lines.push(chalk.dim(`      ${truncate(detail, room)}`));
  }
  return lines.join('\n');
}
