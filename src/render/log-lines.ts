// Lines of a job's output.log as a screen shows them: made inert, with the phase headers set
// apart. Used by /logs, `jobline logs` and the output `run` and `resume` stream.
import chalk from 'chalk';
import { PHASE_HEADER_PATTERN } from '../jobs/model/task.js';
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
