// Renders a list of jobs (`jobline list`, the REPL's /jobs): a header with counts, then two lines
// per job. Pure: the clock is passed in, so output is testable to the character.
import chalk from 'chalk';
import { isActiveStatus, type Job } from '../jobs/job.js';
import { STATUS_ICONS, elapsedMs, formatDuration, sanitizeLine, truncate } from './text.js';

/** Returns e.g. `2/5 plan`, or `-` for a job without phases. */
export function formatPhasePosition(job: Job): string {
  const phase = job.phases[job.currentPhase];
  return phase ? `${job.currentPhase + 1}/${job.phases.length} ${phase.name}` : '-';
}

/** Returns `3 rounds · 5 tools · 4 LLM` for agents that count them, or '' when all are zero. */
export function formatCounters(job: Job): string {
  const { round, toolCalls, llmCalls } = job.progress;
  if (round === 0 && toolCalls === 0 && llmCalls === 0) return '';
  return `${round} rounds · ${toolCalls} tools · ${llmCalls} LLM`;
}

/**
 * Renders `jobs` (in the given order) as of `now`; `total` is the number in the header when only
 * some are shown. Every piece of job-produced text is sanitised.
 * Example:
 * ```
 * Jobs (2 total, 1 active)
 *   🔄 job-ab12cd34  check  running            2/4 typecheck       12.0s
 *       > tsc --noEmit
 * ```
 */
export function formatJobList(jobs: readonly Job[], now: Date, total = jobs.length): string {
  const active = jobs.filter((job) => isActiveStatus(job.status)).length;
  const lines = [chalk.bold(`Jobs (${total} total, ${active} active)`)];
  if (jobs.length === 0) lines.push(chalk.dim('  No jobs yet. Type a prompt to start one.'));
  const agentWidth = Math.max(5, ...jobs.map((job) => job.agent.length));
  for (const job of jobs) {
    const elapsed = elapsedMs(job.startedAt, job.endedAt, now);
    const counters = formatCounters(job);
    lines.push(
      [
        ` ${STATUS_ICONS[job.status]}`,
        job.id,
        sanitizeLine(job.agent).padEnd(agentWidth),
        job.status.padEnd(17),
        truncate(sanitizeLine(formatPhasePosition(job)), 24).padEnd(24),
        ...(counters ? [`${counters}  `] : []),
        elapsed === null ? chalk.dim('not started') : formatDuration(elapsed),
      ].join(' ').trimEnd(),
    );
    const detail = job.error ?? job.progress.lastEvent ?? truncate(sanitizeLine(job.description), 60);
    lines.push(chalk.dim(`      ${truncate(sanitizeLine(detail), 100)}`));
  }
  return lines.join('\n');
}
