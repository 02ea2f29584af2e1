// The summary shown when a job waits for approval: phase i/n and its name, duration, rounds and
// an excerpt of the phase's output. Pure: the clock is passed in.
import chalk from 'chalk';
import type { Job } from '../jobs/job.js';
import { elapsedMs, formatDuration, sanitizeText, truncate } from './text.js';

const EXCERPT_LINES = 8;

/** Renders the approval box for `job` (which should be awaiting approval), `width` columns wide. */
export function formatApprovalSummary(job: Job, now: Date, width = 72): string {
  const phase = job.phases[job.currentPhase];
  const inner = Math.max(30, width - 4);
  const duration = phase ? elapsedMs(phase.startedAt, phase.endedAt, now) : null;
  const facts = [
    `${job.id} · phase ${job.currentPhase + 1}/${job.phases.length} ${phase?.name ?? '?'} completed`,
    `took ${duration === null ? '-' : formatDuration(duration)}${job.progress.round > 0 ? ` · ${job.progress.round} rounds` : ''}${phase && phase.attempts > 1 ? ` · attempt ${phase.attempts}` : ''}`,
  ];
  const excerpt = phase?.output ? sanitizeText(phase.output).split('\n').filter((line) => line.trim() !== '').slice(-EXCERPT_LINES) : [];
  const body = [...facts, ...(excerpt.length > 0 ? ['', ...excerpt] : ['', chalk.dim('(no output)')])];
  const top = `╭─ Approval needed ${'─'.repeat(Math.max(0, inner - 16))}╮`;
  const bottom = `╰${'─'.repeat(inner + 2)}╯`;
  return [top, ...body.map((line) => `│ ${truncate(line, inner)}`), bottom].join('\n');
}
