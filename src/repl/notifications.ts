// Turns job events and output into one-line notifications, `[job-ab12] <icon> <text>`, each job
// in a stable colour. Output lines are rate-limited per job and the surplus summarised, so a
// chatty job cannot flood the screen.
import chalk, { type ChalkInstance } from 'chalk';
import type { Job } from '../jobs/job.js';
import type { JobEvent } from '../jobs/job-event.js';
import { sanitizeLine, truncate } from '../render/text.js';

/** Output lines shown per job per window; the rest are counted and summarised. */
export const OUTPUT_LINES_PER_WINDOW = 3;
/** Characters a lifecycle notification may take before it is cut (it wraps on narrow terminals). */
const EVENT_WIDTH = 500;
/** Length of a rate-limiting window (ms). */
export const OUTPUT_WINDOW_MS = 1000;

const PALETTE: ChalkInstance[] = [chalk.cyan, chalk.magenta, chalk.yellow, chalk.green, chalk.blue, chalk.redBright, chalk.cyanBright, chalk.magentaBright];

/** Returns the short id shown in notifications: `job-` and the first 4 characters. */
export function shortJobId(id: string): string {
  return id.slice(0, 8);
}

/** Returns the colour of job `id`: the same id always gets the same colour. */
export function colourOf(id: string): ChalkInstance {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

/** Formats one notification line. `text` is sanitised (job text must be inert). */
export function formatNotification(id: string, icon: string, text: string, width = 200): string {
  return `${colourOf(id)(`[${shortJobId(id)}]`)} ${icon} ${truncate(sanitizeLine(text), Math.max(20, width - 14))}`;
}

/** Returns the notification for a lifecycle event, or null for events not worth a line. */
export function describeEvent(job: Job, event: JobEvent): { icon: string; text: string } | null {
  const position = `${job.phases.findIndex((p) => p.name === event.phase) + 1}/${job.phases.length}`;
  switch (event.type) {
    case 'phase_started':
      return { icon: '▶', text: `Phase ${position} ${event.phase} started${(event.attempt ?? 1) > 1 ? ` (attempt ${event.attempt})` : ''}` };
    case 'phase_completed':
      return { icon: '✔', text: `Phase ${position} ${event.phase} completed` };
    case 'approval_requested':
      return { icon: '⏸️ ', text: `Waiting for approval of ${event.phase} (/approve, /retry or /cancel ${shortJobId(job.id)})` };
    case 'completed':
      return { icon: '✅', text: 'Completed' };
    case 'failed':
      return { icon: '❌', text: event.error ?? 'Failed' };
    case 'cancelled':
      return { icon: '🚫', text: 'Cancelled' };
    case 'interrupted':
      return { icon: '⚠️ ', text: event.reason ?? 'Interrupted' };
    case 'resumed':
      return { icon: '↻', text: `Resumed at ${event.phase} (${event.mode})` };
    default:
      return null;
  }
}

/** Prints notifications through `print`, rate-limiting output lines per job. */
export class Notifier {
  private readonly windows = new Map<string, { shown: number; hidden: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly print: (line: string) => void,
    private readonly width: () => number = () => 200,
  ) {}

  /** Shows a lifecycle event (never rate-limited); held-back output is summarised first. */
  event(job: Job, event: JobEvent): void {
    const described = describeEvent(job, event);
    if (described && this.windows.has(job.id)) {
      clearTimeout(this.windows.get(job.id)!.timer);
      this.closeWindow(job.id);
    }
    // A lifecycle line (a failure's reason above all) may wrap rather than lose its end.
    if (described) this.print(formatNotification(job.id, described.icon, described.text, Math.max(this.width(), EVENT_WIDTH)));
  }

  /** Shows output lines: a few per window, then a summary of how many were held back. */
  output(job: Job, lines: string[], lineCount: number): void {
    const window = this.windowOf(job.id);
    // Blank lines carry nothing worth a notification; they still count as output.
    const visible = lines.filter((line) => sanitizeLine(line) !== '');
    const room = Math.max(0, OUTPUT_LINES_PER_WINDOW - window.shown);
    const shown = room > 0 ? visible.slice(-room) : [];
    for (const line of shown) this.print(formatNotification(job.id, chalk.dim('│'), line, this.width()));
    window.shown += shown.length;
    window.hidden += lineCount - shown.length;
  }

  /** Shows an agent's step (🔧 a tool call, 💭 a model response), rate-limited like output. */
  activity(job: Job, icon: string, text: string): void {
    const window = this.windowOf(job.id);
    if (window.shown < OUTPUT_LINES_PER_WINDOW) {
      window.shown++;
      this.print(formatNotification(job.id, icon, text, this.width()));
    } else {
      window.hidden++;
    }
  }

  /** Stops the timers (on exit). */
  dispose(): void {
    for (const window of this.windows.values()) clearTimeout(window.timer);
    this.windows.clear();
  }

  private windowOf(id: string): { shown: number; hidden: number; timer: NodeJS.Timeout } {
    let window = this.windows.get(id);
    if (!window) {
      window = { shown: 0, hidden: 0, timer: setTimeout(() => this.closeWindow(id), OUTPUT_WINDOW_MS) };
      window.timer.unref();
      this.windows.set(id, window);
    }
    return window;
  }

  private closeWindow(id: string): void {
    const window = this.windows.get(id);
    this.windows.delete(id);
    if (window && window.hidden > 0) {
      this.print(formatNotification(id, '…', `${window.hidden} more line${window.hidden === 1 ? '' : 's'} (/logs ${shortJobId(id)})`, this.width()));
    }
  }
}
