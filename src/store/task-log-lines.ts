// The lines of tasks.jsonl as jobline writes them, and their append (see task-log.ts for the log
// and its reader). On their own so that the threads that write them (a worker writes a run's
// start mark, a write thread a change's records) load no schema library: zod took ~50 ms of a
// thread's boot, before its first run could start.
import type { TaskRecord } from '../jobs/model/task.js';
import { appendLogLines } from './event-log.js';

/** Returns `records` as log lines (JSON, one per line, each ending in a newline). */
export function formatTaskRecordLines(records: readonly TaskRecord[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

/**
 * Returns `records` as one line of the log that commits them together, on its own (see task-log.ts):
 * a line is written in one append, so a reader finds all of them or none.
 */
export function formatRecordGroupLine(records: readonly TaskRecord[], startedRunId?: string): string {
  return `${JSON.stringify(startedRunId ? { kind: 'group', start: startedRunId, records } : { kind: 'group', records })}\n`;
}

/** The line that confirms run `runId` began (see task-log.ts), without its newline. */
export function formatStartMarkLine(runId: string): string {
  return JSON.stringify({ kind: 'started', run: runId });
}

/**
 * Appends `lines` (from formatTaskRecordLines) to the log at `path`, fsynced (see appendLogLines).
 * Returns the size before (see truncateLog). @throws the fs error (ENOSPC, ELOOP, ...).
 */
export function appendTaskRecordLines(path: string, lines: string): number {
  return appendLogLines(path, lines, true);
}
