// The summary shown when a job waits for approval: phase i/n and its name, duration, rounds, an
// excerpt of the phase's output, the files it changed with a diffstat, and its failed tasks or
// the tasks it planned. Pure: the clock is
// passed in.
import chalk from 'chalk';
import wrapAnsi from 'wrap-ansi';
import type { Job, WorkspaceChanges } from '../jobs/model/job.js';
import type { TaskBoard } from '../jobs/model/task.js';
import { elapsedMs, formatDuration, sanitizeLine, sanitizeText, truncate } from './text.js';
import { formatShortUsage } from './job-list.js';
import { totalTokens } from '../jobs/model/usage.js';

/** Rows of the phase's answer shown in the box (its end); the box says how many more there are. */
export const EXCERPT_LINES = 10;
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

const LISTED_TASKS = 10;

/**
 * Lines about the tasks behind an approval, from `board`: the phase's failed tasks with their
 * errors (when some failed), and the tasks the phase planned for the next one (a plan's list,
 * with the files each claims and what it waits for). Empty when there is nothing to say.
 * `tasksCommand` lists the rest where the box shows: `/tasks` (the REPL) or `jobline tasks`.
 */
export function formatApprovalTasks(job: Job, board: TaskBoard, tasksCommand = '/tasks'): string[] {
  const lines: string[] = [];
  const phase = job.phases[job.currentPhase];
  const failed = board.tasks.filter((task) => task.phase === job.currentPhase && task.status === 'failed');
  if (phase?.failedTasks && failed.length > 0) {
    lines.push(chalk.red(`${failed.length} task${failed.length === 1 ? '' : 's'} failed:`));
    for (const task of failed.slice(0, LISTED_TASKS)) lines.push(`  ✗ ${task.id} ${sanitizeLine(task.title)}${task.result ? `: ${sanitizeLine(task.result)}` : ''}`);
    if (failed.length > LISTED_TASKS) lines.push(chalk.dim(`  … and ${failed.length - LISTED_TASKS} more (${tasksCommand} ${job.id})`));
  }
  const next = job.phases[job.currentPhase + 1];
  const planned = board.tasks.filter((task) => task.phase === job.currentPhase + 1);
  if (next && (planned.length > 1 || planned.some((task) => task.claims.length > 0))) {
    lines.push(`${planned.length} task${planned.length === 1 ? '' : 's'} planned for ${next.name}:`);
    for (const task of planned.slice(0, LISTED_TASKS)) {
      const files = task.claims.length > 0 ? ` [${task.claims.map(sanitizeLine).join(', ')}]` : '';
      const after = task.dependsOn.length > 0 ? chalk.dim(` after ${task.dependsOn.join(', ')}`) : '';
      lines.push(`  ${task.id} ${sanitizeLine(task.title)}${files}${after}`);
    }
    if (planned.length > LISTED_TASKS) lines.push(chalk.dim(`  … and ${planned.length - LISTED_TASKS} more (${tasksCommand} ${job.id})`));
  }
  return lines;
}

/**
 * The end of `output` as rows of at most `width` columns (long lines wrapped, not cut), with a
 * first row saying how much comes before it and how to read it all (`o`).
 */
export function formatExcerpt(output: string, width: number): string[] {
  const lines = sanitizeText(output).split('\n').filter((line) => line.trim() !== '');
  const rows = lines.flatMap((line, index) => wrapAnsi(line, width, { hard: true, trim: false }).split('\n').map((row) => ({ row, index })));
  const shown = rows.slice(-EXCERPT_LINES);
  const hiddenLines = shown.length === 0 ? 0 : shown[0]!.index + (rows.length > shown.length && rows[rows.length - shown.length - 1]!.index === shown[0]!.index ? 1 : 0);
  const note = hiddenLines > 0 ? [chalk.dim(`… ${hiddenLines} earlier line${hiddenLines === 1 ? '' : 's'} not shown (o: read the whole answer)`)] : [];
  return [...note, ...shown.map(({ row }) => row)];
}

/**
 * Renders the approval box for `job` (which should be awaiting approval), `width` columns wide;
 * with its `board`, also its failed and planned tasks (see formatApprovalTasks; `tasksCommand`
 * names the command that lists the rest where the box shows).
 */
export function formatApprovalSummary(job: Job, now: Date, width = 72, board: TaskBoard | null = null, tasksCommand = '/tasks'): string {
  const phase = job.phases[job.currentPhase];
  const inner = Math.max(30, width - 4);
  const duration = phase ? elapsedMs(phase.startedAt, phase.endedAt, now) : null;
  // The phase's tokens, and the job's when it has more (earlier phases).
  const tokens = phase?.usage ? ` · ${formatShortUsage(phase.usage)}${job.progress.usage && totalTokens(job.progress.usage) > totalTokens(phase.usage) ? ` (job: ${formatShortUsage(job.progress.usage)})` : ''}` : '';
  const position = `phase ${job.currentPhase + 1}/${job.phases.length} ${phase?.name ?? '?'}`;
  const facts = job.budgetStop
    ? [`${job.id} · ${position} stopped at its budget`, chalk.yellow(sanitizeLine(job.budgetStop.reason)), `running ${duration === null ? '-' : formatDuration(duration)}${tokens}`]
    : [
      `${job.id} · ${position} completed${phase?.failedTasks ? chalk.red(` · ${phase.failedTasks} task${phase.failedTasks === 1 ? '' : 's'} failed`) : ''}`,
      `took ${duration === null ? '-' : formatDuration(duration)}${job.progress.round > 0 ? ` · ${job.progress.round} rounds` : ''}${phase && phase.attempts > 1 ? ` · attempt ${phase.attempts}` : ''}${tokens}`,
      ...(job.worktree ? [chalk.dim(`in worktree ${sanitizeLine(job.worktree.branch)} · committed once you continue`)] : []),
    ];
  const excerpt = phase?.output ? formatExcerpt(phase.output, inner) : [];
  const changes = phase?.changes ? formatChanges(phase.changes) : [];
  const tasks = board ? formatApprovalTasks(job, board, tasksCommand) : [];
  const body = job.budgetStop
    ? [...facts, '', chalk.dim('Continue raises the budget by half; the phase goes on where it stopped, before its next model call.')]
    : [...facts, ...(excerpt.length > 0 ? ['', ...excerpt] : ['', chalk.dim('(no output)')]), ...(changes.length > 0 ? ['', ...changes] : []), ...(tasks.length > 0 ? ['', ...tasks] : [])];
  const top = `╭─ Approval needed ${'─'.repeat(Math.max(0, inner - 16))}╮`;
  const bottom = `╰${'─'.repeat(inner + 2)}╯`;
  return [top, ...body.map((line) => `│ ${truncate(line, inner)}`), bottom].join('\n');
}
