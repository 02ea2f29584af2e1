// Small formatting helpers shared by every renderer: durations, status icons, and making text a
// job produced inert before it reaches a terminal.
import stripAnsi from 'strip-ansi';
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

// C0 controls except tab and newline, DEL, and C1 controls (0x80-0x9f, which some terminals
// honour as 8-bit escape sequence introducers).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

// A colour or style (SGR): ESC [ parameters m. It changes how text looks, never the screen or the clipboard.
// eslint-disable-next-line no-control-regex
const SGR_SEQUENCE = /\u001b\[[0-9;:]*m/g;

/**
 * Makes text from a job safe to print: removes ANSI/VT escape sequences (CSI, OSC such as a
 * clipboard write or title change) and every remaining control character but tab and newline.
 * With `keepColours`, colours and styles (SGR sequences) stay: every other sequence goes (cursor
 * moves, erases, OSC 52 clipboard writes, window titles), each piece between two colours on its
 * own, so no sequence can be pieced together across a kept one.
 */
export function sanitizeText(text: string, options: { keepColours?: boolean } = {}): string {
  const strip = (piece: string): string => stripAnsi(piece).replace(CONTROL_CHARACTERS, '');
  if (!options.keepColours) return strip(text);
  let kept = '';
  let copied = 0;
  for (const match of text.matchAll(SGR_SEQUENCE)) {
    kept += strip(text.slice(copied, match.index)) + match[0];
    copied = match.index + match[0].length;
  }
  return kept + strip(text.slice(copied));
}

/** `sanitizeText`, then folds the result onto one line (newlines and tabs become spaces). */
export function sanitizeLine(text: string): string {
  return sanitizeText(text).replace(/[\t\n]+/g, ' ').trim();
}

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
