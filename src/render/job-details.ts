// Renders one job in full (`jobline show`, the REPL's /jobs <id>). Pure: the clock is passed in.
import chalk from 'chalk';
import { isActiveStatus, isExternalJob, type Job } from '../jobs/model/job.js';
import type { Run, Task, TaskBoard } from '../jobs/model/task.js';
import { formatChanges } from './approval-summary.js';
import { formatCounters, formatPhasePosition, formatShortUsage, workingMs } from './job-list.js';
import { addUsage, formatTokens, formatUsage, formatUsd, type JobBudget, type TokenUsage } from '../jobs/model/usage.js';
import { formatTaskCounts } from './task-list.js';
import { formatMergeStatus } from './merge-label.js';
import { countTasks } from '../jobs/model/task.js';
import { findTask } from '../jobs/model/task-board.js';
import { STATUS_ICONS, elapsedMs, formatDuration, sanitizeLine, sanitizeText, truncate } from './text.js';

// Tasks of one phase listed one by one in a job's details; more are summarised (see /tasks).
const MAX_TASKS_IN_DETAILS = 10;

const PHASE_ICONS = { pending: '·', running: '🔄', completed: '✅', failed: '❌', cancelled: '🚫', interrupted: '⏸' } as const;

/**
 * Where a job's details are shown: its files that exist (see JobReader.existingFiles), and the
 * commands its hints name there (`/tasks` and `/logs` in the REPL, `jobline tasks` and
 * `jobline logs` on the command line).
 */
export interface JobDetailsPlace {
  files: { files: string[]; runLogs: { dir: string; count: number } | null };
  tasksCommand: string;
  logsCommand: string;
}

/**
 * Renders every field of `job` a user needs: description, status, timestamps, elapsed time,
 * phases (status, attempts, duration) with their tasks and every run of each (`board`, when
 * known), counters, last event, error and the files that exist.
 */
export function formatJobDetails(job: Job, place: JobDetailsPlace, now: Date, board: TaskBoard | null = null): string {
  const label = (name: string): string => chalk.dim(`${name}:`.padEnd(13));
  // The time it ran, as `list` and /jobs say it (workingMs): every attempt's, less the waits for
  // approval (or in the queue, or interrupted). Runs side by side count once.
  const elapsed = job.startedAt ? workingMs(job, now) : null;
  const lines = [
    `${STATUS_ICONS[job.status]} ${chalk.bold(job.id)}  ${job.status}`,
    `${label('Name')}${job.name ? sanitizeLine(job.name) : '-'}${job.template ? chalk.dim(`  (template ${sanitizeLine(job.template.name)})`) : ''}`,
    `${label('Description')}${truncate(sanitizeLine(job.description), 400)}`,
    `${label('Agent')}${sanitizeLine(job.agent)} (${job.mode})${job.model ? ` · model ${sanitizeLine(job.model)}` : ''}`,
    ...(job.instructions ? [`${chalk.dim('Instructions:')} ${sanitizeLine(job.instructions)}`] : []),
    `${label('Phase')}${sanitizeLine(formatPhasePosition(job))}`,
    `${label('Created')}${job.createdAt}`,
    `${label('Started')}${job.startedAt ?? '-'}`,
    `${label('Ended')}${job.endedAt ?? '-'}`,
    `${label('Elapsed')}${elapsed === null ? '-' : formatDuration(elapsed)}`,
    `${label('Progress')}${formatCounters(job) || 'no counters'}`,
    ...(job.progress.usage || job.budget ? [`${label('Tokens')}${job.progress.usage ? formatUsage(job.progress.usage) : 'none yet'}${job.budget ? chalk.dim(`  (budget ${formatBudget(job.budget)}${job.budgetStop ? ': reached, waiting for approval' : ''})`) : ''}`] : []),
    `${label('Last event')}${job.progress.lastEvent ? truncate(sanitizeLine(job.progress.lastEvent), 200) : '-'}`,
    `${label('Error')}${job.error ? sanitizeLine(job.error) : '-'}`,
    // An external job is run by its workers, not by a process (see EXTERNAL_AGENT).
    // An ended job has no owner: the process that ran it last may be long gone.
    isExternalJob(job) ? `${label('Owner')}none: workers from outside run it${formatWorkers(job)}` : isActiveStatus(job.status) ? `${label('Owner')}pid ${job.owner.pid} on ${sanitizeLine(job.owner.hostname)}` : `${label('Owner')}none (ended; it last ran in pid ${job.owner.pid} on ${sanitizeLine(job.owner.hostname)})`,
    ...formatWorktreeLines(job, label),
    chalk.bold('Phases:'),
  ];
  job.phases.forEach((phase, index) => {
    const duration = elapsedMs(phase.startedAt, phase.endedAt, now);
    const attempts = phase.attempts === 1 ? '1 attempt' : `${phase.attempts} attempts`;
    const phaseTasks = board?.tasks.filter((candidate) => candidate.phase === index) ?? [];
    // A phase that completed with failed tasks (keep-going) is not shown as a success.
    const failedTasks = phase.status !== 'completed' ? 0 : board ? phaseTasks.filter((task) => task.status === 'failed').length : (phase.failedTasks ?? 0);
    const icon = failedTasks > 0 ? '⚠️ ' : PHASE_ICONS[phase.status];
    const outcome = failedTasks > 0 ? ` · ${failedTasks} task${failedTasks === 1 ? '' : 's'} failed` : '';
    const tokens = phase.usage ? chalk.dim(` · ${formatShortUsage(phase.usage)}`) : '';
    lines.push(`  ${icon} ${index + 1}. ${sanitizeLine(phase.name).padEnd(14)} ${phase.status.padEnd(10)} ${attempts.padEnd(11)} ${duration === null ? '' : formatDuration(duration)}${outcome}${tokens}${phase.commit ? chalk.dim(`  commit ${phase.commit.slice(0, 12)}`) : ''}`.trimEnd());
    // With the runs known, each failed run says its own error; the phase's would repeat the last.
    if (phase.error && !board) lines.push(chalk.red(`       ${truncate(sanitizeLine(phase.error), 200)}`));
    // What the phase changed in a git workspace, as in its approval box.
    if (phase.changes) lines.push(...formatChanges(phase.changes).map((line) => `       ${line}`));
    // Changes a retry undid, and where git keeps them.
    for (const undone of phase.undone ?? []) lines.push(chalk.dim(`       ↩ attempt ${undone.attempt}'s changes to ${undone.files} file${undone.files === 1 ? '' : 's'} undone by its retry; kept as ${sanitizeLine(undone.ref)} (git show ${sanitizeLine(undone.ref)}; git checkout ${sanitizeLine(undone.ref)} -- PATH brings a file back)`));
    // A phase of many tasks (a batch) shows its counts and the tasks that run or failed; /tasks lists them all.
    const isCrowded = phaseTasks.length > MAX_TASKS_IN_DETAILS;
    const listed = isCrowded ? phaseTasks.filter((task) => task.status === 'claimed' || task.status === 'failed').slice(0, MAX_TASKS_IN_DETAILS) : phaseTasks;
    if (isCrowded) lines.push(chalk.dim(`       ${formatTaskCounts(countTasks(phaseTasks))}${listed.length > 0 ? '; running and failed tasks:' : ''}`));
    for (const task of listed) {
      const runs = board!.runs.filter((run) => run.taskId === task.id);
      const taskUsage = runs.reduce<TokenUsage | undefined>((sum, run) => (run.usage ? addUsage(sum, run.usage) : sum), undefined);
      lines.push(chalk.dim(`       task ${task.id} ${truncate(sanitizeLine(task.title), 40)} · ${task.status} · ${runs.length === 1 ? '1 run' : `${runs.length} runs`}${taskUsage ? ` · ${formatShortUsage(taskUsage)}` : ''}`));
      for (const run of runs) lines.push(`         ${formatRun(run, now)}`);
    }
    if (isCrowded) lines.push(chalk.dim(`       (${formatCutHint(phaseTasks, listed, `${place.tasksCommand} ${job.id}`)})`));
  });
  // The job's workers at work now, each with its task (`/jobs` clusters them on one row).
  const working = board ? board.runs.filter((run) => run.state.status === 'running') : [];
  if (working.length > 0) {
    lines.push(chalk.bold(`Workers (${working.length} at work):`));
    for (const run of working) {
      const task = findTask(board!, run.taskId);
      const duration = elapsedMs(run.startedAt, null, now);
      lines.push(`  ${sanitizeLine(run.worker).padEnd(16)} ${run.taskId.padEnd(6)} ${truncate(sanitizeLine(task?.title ?? ''), 40).padEnd(40)} ${duration === null ? '' : formatDuration(duration)}`.trimEnd());
    }
  }
  const output = job.phases[job.currentPhase]?.output ?? job.phases.findLast((phase) => phase.output)?.output;
  if (output) {
    lines.push(chalk.bold('Latest output:'));
    for (const line of sanitizeText(output).split('\n').slice(-8)) lines.push(`  ${truncate(line, 200)}`);
  }
  // Only files that exist: a batch's output is in its runs' logs, not in an output.log.
  const { files, runLogs } = place.files;
  lines.push(chalk.bold('Files:'), ...files.map((path) => `  ${path}`));
  if (runLogs) lines.push(`  ${runLogs.dir}/ ${chalk.dim(`(${runLogs.count} run log${runLogs.count === 1 ? '' : 's'}; ${place.logsCommand} ${job.id} prints them in order)`)}`);
  if (files.length === 0 && !runLogs) lines.push(chalk.dim('  none left on disk'));
  return lines.join('\n');
}

// Where the tasks a crowded phase's listing left out are: the failed (or running) ones it cut
// have a filter of their own (`jobline tasks ID --status failed`), the rest the whole list.
function formatCutHint(tasks: readonly Task[], listed: readonly Task[], command: string): string {
  const count = (status: Task['status'], among: readonly Task[]): number => among.filter((task) => task.status === status).length;
  const cut = { failed: count('failed', tasks) - count('failed', listed), running: count('claimed', tasks) - count('claimed', listed) };
  if (cut.failed === 0 && cut.running === 0) return `${command} lists every task`;
  const statuses = [cut.running > 0 ? 'running' : '', cut.failed > 0 ? 'failed' : ''].filter(Boolean);
  const total = (cut.running > 0 ? count('claimed', tasks) : 0) + (cut.failed > 0 ? count('failed', tasks) : 0);
  return `${command} --status ${statuses.join(',')} lists all ${total} ${statuses.join(' and ')} tasks; ${command} every task`;
}

// The job's worktree and where its work stands (none for a job that runs in place).
function formatWorktreeLines(job: Job, label: (name: string) => string): string[] {
  const { worktree, merge } = job;
  if (!worktree) return [];
  const base = `from ${worktree.base.slice(0, 12)}${worktree.baseBranch ? ` (${sanitizeLine(worktree.baseBranch)})` : ''}${worktree.snapshot ? ` + your uncommitted changes (${worktree.snapshot.slice(0, 12)}, never landed)` : ''}`;
  const lines = [`${label('Worktree')}${sanitizeLine(worktree.path)}`, `${label('Branch')}${sanitizeLine(worktree.branch)} ${base}`];
  if (merge) {
    const where = merge.status === 'landed' && merge.commit ? ` at ${merge.commit.slice(0, 12)}` : '';
    lines.push(`${label('Work')}${formatMergeStatus(job)} → ${sanitizeLine(merge.target ?? '?')}${where}${merge.checkedCommit ? ' · checked' : ''}`);
    if (merge.conflicts.length > 0) lines.push(`${label(merge.status === 'blocked' ? 'Blocked by' : 'Conflicts')}${merge.conflicts.slice(0, 20).map(sanitizeLine).join(', ')}${merge.conflicts.length > 20 ? ', …' : ''}`);
    if (merge.error) lines.push(...sanitizeText(merge.error).split('\n').slice(0, 22).map((line, index) => `${index === 0 ? label('Why') : ' '.repeat(13)}${truncate(line, 200)}`));
  } else lines.push(`${label('Work')}${worktree.target ? `lands on ${sanitizeLine(worktree.target)} once the job completes` : 'no branch to land on'}`);
  return lines;
}

/** A budget for people: `1M tokens, $5.00`. */
export function formatBudget(budget: JobBudget): string {
  return [budget.tokens !== undefined ? `${formatTokens(budget.tokens)} tokens` : '', budget.usd !== undefined ? formatUsd(budget.usd) : ''].filter(Boolean).join(', ');
}

const RUN_ICONS = { running: '🔄', succeeded: '✅', failed: '❌', cancelled: '🚫', interrupted: '⏸' } as const;

/**
 * Job `job` as JSON for tools (`jobline show --json`): every field of job.json, and `tasks`, each
 * task with its `runs` (2-space indented).
 */
export function formatJobViewJson(job: Job, board: TaskBoard): string {
  const runsOf = new Map<string, Run[]>();
  for (const run of board.runs) runsOf.set(run.taskId, [...(runsOf.get(run.taskId) ?? []), run]);
  const tasks = board.tasks.map((task) => ({ ...task, runs: runsOf.get(task.id) ?? [] }));
  return JSON.stringify({ ...job, tasks }, null, 2);
}

/** One run on one line: id, attempt, worker, outcome, duration and, for a failure, its error. */
export function formatRun(run: Run, now: Date): string {
  const { state } = run;
  const duration = elapsedMs(run.startedAt, state.status === 'running' ? null : state.endedAt, now);
  const outcome = state.status === 'failed' ? `: ${truncate(sanitizeLine(state.error), 120)}` : state.status === 'interrupted' ? `: ${truncate(sanitizeLine(state.reason), 80)}` : '';
  const tokens = run.usage ? ` · ${formatShortUsage(run.usage)}` : '';
  return `${RUN_ICONS[state.status]} ${run.id} attempt ${run.attempt} · ${sanitizeLine(run.worker)} · ${state.status}${duration === null ? '' : ` · ${formatDuration(duration)}`}${tokens}${outcome}`;
}

// ` (now: dev[ab12-0], ci[ab12-1])` for the workers in the job, or nothing.
function formatWorkers(job: Job): string {
  const names = (job.joinedWorkers ?? []).map((worker) => worker.name);
  return names.length === 0 ? '' : ` (now: ${names.slice(0, 5).join(', ')}${names.length > 5 ? `, … ${names.length - 5} more` : ''})`;
}
