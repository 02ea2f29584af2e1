// The summary shown when a job waits for approval: phase i/n and its name, duration, rounds, an
// excerpt of the phase's output, and the files it changed with a diffstat. Pure: the clock is
// passed in.
import chalk from 'chalk';
import type { Job, WorkspaceChanges } from '../jobs/model/job.js';
import { elapsedMs, formatDuration, sanitizeLine, sanitizeText, truncate } from './text.js';

const EXCERPT_LINES = 8;
const LISTED_FILES = 8;

/**
 * Lines naming the files a phase changed, with lines added and removed, e.g.
 * `changed 2 files (+12 −3)`, `  src/a.ts  +10 −3`. Empty when nothing changed.
 */
export function formatChanges(changes: WorkspaceChanges): string[] {
  const count = changes.files.length + changes.moreFiles;
  if (count === 0) return [];
  const added = changes.files.reduce((sum, file) => sum + (file.added ?? 0), 0);
  const removed = changes.files.reduce((sum, file) => sum + (file.removed ?? 0), 0);
  const width = Math.min(48, Math.max(...changes.files.slice(0, LISTED_FILES).map((file) => sanitizeLine(file.path).length)));
  const rows = changes.files.slice(0, LISTED_FILES).map((file) => {
    const stat = file.added === null ? 'binary' : `+${file.added} −${file.removed}`;
    return `  ${truncate(sanitizeLine(file.path), 48).padEnd(width)}  ${stat}`;
  });
  const more = count - rows.length;
  return [`changed ${count} file${count === 1 ? '' : 's'} (+${added} −${removed})`, ...rows, ...(more > 0 ? [chalk.dim(`  … and ${more} more`)] : [])];
}

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
  const changes = phase?.changes ? formatChanges(phase.changes) : [];
  const body = [...facts, ...(excerpt.length > 0 ? ['', ...excerpt] : ['', chalk.dim('(no output)')]), ...(changes.length > 0 ? ['', ...changes] : [])];
  const top = `╭─ Approval needed ${'─'.repeat(Math.max(0, inner - 16))}╮`;
  const bottom = `╰${'─'.repeat(inner + 2)}╯`;
  return [top, ...body.map((line) => `│ ${truncate(line, inner)}`), bottom].join('\n');
}
