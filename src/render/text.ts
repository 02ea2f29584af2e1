// Small formatting helpers shared by every renderer: durations, status icons, and (from
// src/text) making text a job produced inert before it reaches a terminal.
import type { JobStatus } from '../jobs/model/job.js';

/** Icon shown before a job's status. */
export const STATUS_ICONS: Readonly<Record<JobStatus, string>> = {
  queued: '⏳',
  running: '🔄',
  awaiting_approval: '⏸️ ',
  completed: '✅',
  failed: '❌',
  cancelled: '🚫',
  interrupted: '⚠️ ',
};

/** Making text from a job inert before it is printed: see src/text/inert-text.ts (re-exported for the renderers). */
export { sanitizeLine, sanitizeText } from '../text/inert-text.js';

/** Shortens `text` to at most `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Formats a duration in ms as `850ms`, `12.3s`, `4m 05s` or `2h 03m`. Negative values count as 0. */
export function formatDuration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)}ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)}s`;
  const totalSeconds = Math.floor(value / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h ${String(totalMinutes % 60).padStart(2, '0')}m`;
}

/** Milliseconds between two ISO timestamps, or from `start` to `now` when `end` is null; null without a start. */
export function elapsedMs(start: string | null, end: string | null, now: Date): number | null {
  if (!start) return null;
  return (end ? Date.parse(end) : now.getTime()) - Date.parse(start);
}
