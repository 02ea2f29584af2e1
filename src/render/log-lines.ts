// Lines of a job's output as a screen shows them: made inert, with the phase headers set apart,
// and the lines of a task run beside others marked with it. Used by /logs, `jobline logs` and the
// output `run` and `resume` stream.
import chalk, { type ChalkInstance } from 'chalk';
import stripAnsi from 'strip-ansi';
import { PHASE_HEADER_PATTERN } from '../jobs/model/task.js';
import type { TranscriptLine } from '../jobs/service/job-transcript.js';
import { formatRunHeading } from './task-list.js';
import { sanitizeText } from './text.js';

/**
 * What of a job's own escape sequences reaches the screen: none (`inert`), its colours only
 * (`colours`: every other sequence and control character is removed), or all (`raw`).
 */
export type OutputSafety = 'inert' | 'colours' | 'raw';

/**
 * Joins log `lines` for printing, made safe as `safety` says (default: inert on a terminal, as
 * written into a pipe or file). On a terminal (`isTerminal`) phase headers are bold.
 */
export function formatLogLines(lines: readonly string[], isTerminal = true, safety: OutputSafety = isTerminal ? 'inert' : 'raw'): string {
  const safe = safety === 'raw' ? lines : lines.map((line) => sanitizeText(line, { keepColours: safety === 'colours' }));
  if (!isTerminal) return safe.join('\n');
  return safe.map((line) => (PHASE_HEADER_PATTERN.test(line) ? chalk.bold(line) : line)).join('\n');
}

// Colours of tasks' prefixes, by task number: neighbours (t4, t5) differ.
const TASK_PALETTE: ChalkInstance[] = [chalk.cyan, chalk.magenta, chalk.yellow, chalk.green, chalk.blue, chalk.redBright, chalk.cyanBright, chalk.magentaBright];

/** The colour of task `taskId`'s prefix (`t35 │`) in the REPL: the same task always gets the same one. */
export function taskColourOf(taskId: string): ChalkInstance {
  return TASK_PALETTE[(Number(taskId.slice(1)) || 0) % TASK_PALETTE.length]!;
}

/** The width of the task ids of `tasks` (`t1`…`t120`: 4), so prefixes line up. */
export function taskIdWidth(tasks: readonly { id: string }[]): number {
  return tasks.reduce((widest, task) => Math.max(widest, task.id.length), 2);
}

/** How transcript lines are shown (see formatTranscriptLine). */
export interface TranscriptStyle {
  /** The job, for the line naming a run. */
  jobId: string;
  isTerminal: boolean;
  safety?: OutputSafety;
  /** Width task ids are padded to (see taskIdWidth). */
  taskWidth: number;
  /** Prefixes in their task's colour (the REPL). */
  isColoured?: boolean;
}

/**
 * One line of a job's transcript as printed: a phase header (bold on a terminal), the line naming
 * a run (`t3 lint · r7 attempt 2 · sh[ab12-1] · failed · job-ab12cd34`), or output made safe as
 * `style.safety` says, marked with its task when its phase ran several (`t35 │ …`, as
 * `parallel --tag` marks lines).
 */
export function formatTranscriptLine(line: TranscriptLine, style: TranscriptStyle): string {
  if (line.kind === 'run') return style.isTerminal ? formatRunHeading(style.jobId, line.task, line.run) : stripAnsi(formatRunHeading(style.jobId, line.task, line.run));
  const text = formatLogLines([line.text], style.isTerminal, style.safety);
  if (line.kind === 'header' || !line.taskId) return text;
  const prefix = `${line.taskId.padEnd(style.taskWidth)} │`;
  return `${style.isColoured ? taskColourOf(line.taskId)(prefix) : prefix} ${text}`;
}
