// Lines of a job's output.log as a screen shows them: made inert, with the phase headers set
// apart. Used by /logs, `jobline logs` and the output `run` and `resume` stream.
import chalk from 'chalk';
import { PHASE_HEADER_PATTERN } from '../jobs/model/task.js';
import { sanitizeText } from './text.js';

/**
 * Joins log `lines` for printing. On a terminal (`isTerminal`) each is made inert and phase
 * headers are bold; into a pipe or file they go as written (they are the job's output).
 */
export function formatLogLines(lines: readonly string[], isTerminal = true): string {
  if (!isTerminal) return lines.join('\n');
  return lines.map((line) => sanitizeText(line)).map((line) => (PHASE_HEADER_PATTERN.test(line) ? chalk.bold(line) : line)).join('\n');
}
