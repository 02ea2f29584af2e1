// Turns job events and output into one-line notifications, `[job-ab12] <icon> <text>`, each job
// in a stable colour. A job printing a few lines a second shows every line; only a sustained
// flood is limited (a token bucket per job), and its surplus summarised. Tool activity has its
// own bucket, so a flood of output never swallows an `🔧 edit_file(...)` line.
import chalk, { type ChalkInstance } from 'chalk';
import type { Job } from '../jobs/model/job.js';
import type { JobEvent } from '../jobs/model/job-event.js';
import { taskColourOf } from '../render/log-lines.js';
import { sanitizeLine, sanitizeText, truncate } from '../render/text.js';

/** Output lines a job may show in a burst before the limit applies. */
export const OUTPUT_BURST_LINES = 30;
/** Output lines per second a job may show for as long as it prints (the bucket's refill rate). */
export const OUTPUT_LINES_PER_SECOND = 5;
/** Activities (tool calls, model steps) a job may show in a burst. */
export const ACTIVITY_BURST = 20;
/** Activities per second a job may show after its burst (the activity bucket's refill rate). */
export const ACTIVITIES_PER_SECOND = 5;
/** Last output lines shown under a failure whose output was held back. */
export const FAILURE_TAIL_LINES = 5;
/** Characters a lifecycle notification may take before it is cut (it wraps on narrow terminals). */
const EVENT_WIDTH = 500;
/** How often held-back lines are summarised (ms). */
export const SUMMARY_INTERVAL_MS = 1000;

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

/**
 * The final answer of an LLM job, printed when it completes: a `[job-ab12] 💬 Answer:` line, then
 * the answer's lines (made inert), indented.
 */
export function formatAnswer(id: string, answer: string): string {
  return [formatNotification(id, '💬', 'Answer:'), ...sanitizeText(answer).split('\n').map((line) => `  ${line}`)].join('\n');
}

/** Longest rate of task progress lines per job: one every this many ms. */
export const TASK_PROGRESS_EVERY_MS = 1000;

// A landing's events worth a line: its outcome, and a job's work becoming ready (steps are not).
function describeMergeEvent(job: Job, event: JobEvent): { icon: string; text: string } | null {
  const target = job.merge?.target ?? job.worktree?.target ?? '?';
  switch (event.status) {
    case 'ready':
      return event.error ? { icon: '⚠️ ', text: `Not landed: ${event.error}` } : { icon: '⇢', text: `Ready to land on ${target} (/merge ${shortJobId(job.id)}, /diff ${shortJobId(job.id)})` };
    case 'landed':
      return { icon: '🛬', text: `Landed on ${target}${event.commit ? ` at ${event.commit.slice(0, 12)}` : ''}` };
    case 'conflict':
      return { icon: '⚔️ ', text: `Conflicts with ${target} in ${(event.files ?? []).join(', ')} (/retry ${shortJobId(job.id)} to resolve, or by hand in its worktree, or /discard)` };
    case 'check failed':
    case 'blocked':
      return { icon: '❌', text: `Not landed: ${(event.error ?? event.status).split('\n')[0]}` };
    default:
      return null;
  }
}

/** Returns the notification for a lifecycle event, or null for events not worth a line. */
export function describeEvent(job: Job, event: JobEvent): { icon: string; text: string } | null {
  const position = `${job.phases.findIndex((p) => p.name === event.phase) + 1}/${job.phases.length}`;
  switch (event.type) {
    case 'phase_started':
      return { icon: '▶', text: `Phase ${position} ${event.phase} started${(event.attempt ?? 1) > 1 ? ` (attempt ${event.attempt})` : ''}` };
    case 'phase_completed': {
      const failed = job.phases.find((p) => p.name === event.phase)?.failedTasks ?? 0;
      return failed > 0 ? { icon: '⚠️ ', text: `Phase ${position} ${event.phase} completed · ${failed} task${failed === 1 ? '' : 's'} failed` } : { icon: '✔', text: `Phase ${position} ${event.phase} completed` };
    }
    case 'approval_requested':
      // A budget stop says what it reached and asks to go on.
      if (event.reason) return { icon: '⏸️ ', text: `${event.reason} (/approve or /cancel ${shortJobId(job.id)})` };
      return { icon: '⏸️ ', text: `Waiting for approval of ${event.phase} (/approve, /retry or /cancel ${shortJobId(job.id)})` };
    case 'completed':
      return { icon: '✅', text: job.name ? `Completed ${job.name}` : 'Completed' };
    case 'failed':
      return { icon: '❌', text: event.error ?? 'Failed' };
    case 'cancelled':
      return { icon: '🚫', text: job.name ? `Cancelled ${job.name}` : 'Cancelled' };
    case 'interrupted':
      return { icon: '⚠️ ', text: event.reason ?? 'Interrupted' };
    case 'resumed':
      return { icon: '↻', text: `Resumed at ${event.phase} (${event.mode})` };
    case 'task_failed':
      return { icon: '❌', text: `${event.task ?? 'a task'}: ${event.error ?? 'failed'}${event.willRetry ? ' (it runs again)' : ''}` };
    case 'merge':
      return describeMergeEvent(job, event);
    default:
      return null;
  }
}

/**
 * A token bucket: `capacity` tokens, refilled at `perSecond`. Takes one per line shown. Pure: the
 * clock is passed in (ms).
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes a token if there is one; returns whether it did. */
  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

// Per job: its two buckets, and the lines held back since the last summary.
interface JobLimits {
  output: TokenBucket;
  activity: TokenBucket;
  hidden: number;
}

/** How long a model's unfinished line may wait before what there is of it is printed (ms). */
export const TEXT_IDLE_MS = 700;

/** Prints notifications through `print`, limiting floods of output per job. */
export class Notifier {
  private readonly limits = new Map<string, JobLimits>();
  /** Per job (and task): the model's line being written, not printed yet, and when to print it anyway. */
  private readonly writing = new Map<string, { jobId: string; taskId: string | undefined; line: string; timer: NodeJS.Timeout | null }>();
  private readonly muted = new Map<string, number>();
  private readonly progressShownAt = new Map<string, number>();
  private summaryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly print: (line: string) => void,
    private readonly width: () => number = () => 200,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Shows a lifecycle event (never limited); held-back output is summarised first. A failure
   * whose last output lines were held back shows them under its reason (they usually say why):
   * only those held back, at most FAILURE_TAIL_LINES, so no line shows twice.
   */
  event(job: Job, event: JobEvent): void {
    const described = describeEvent(job, event);
    if (!described) return;
    this.flushText(job.id);
    // Lines held back since the last one shown (a shown line first says what was held before it).
    const heldBack = this.limits.get(job.id)?.hidden ?? 0;
    this.summarise(job.id);
    // A lifecycle line (a failure's reason above all) may wrap rather than lose its end.
    this.print(formatNotification(job.id, described.icon, described.text, Math.max(this.width(), EVENT_WIDTH)));
    const output = event.type === 'failed' && heldBack > 0 ? job.phases[job.currentPhase]?.output : null;
    if (output) {
      const tail = output.split('\n').filter((line) => sanitizeLine(line) !== '').slice(-Math.min(FAILURE_TAIL_LINES, heldBack));
      for (const line of tail) this.print(formatNotification(job.id, chalk.dim('│'), line, this.width()));
    }
  }

  /**
   * A line on how far job `job`'s tasks are (`500/1000 done`), at most one a second per job:
   * a job of thousands of tasks must not flood the screen. `text` is read only when shown.
   */
  taskProgress(job: Job, text: () => string | null): void {
    const now = this.now();
    if (now - (this.progressShownAt.get(job.id) ?? Number.NEGATIVE_INFINITY) < TASK_PROGRESS_EVERY_MS) return;
    const line = text();
    if (!line) return;
    this.progressShownAt.set(job.id, now);
    this.print(formatNotification(job.id, '▶', line, this.width()));
  }

  /**
   * Drops output lines and activities of job `id` until the returned function is called (calls
   * nest): a command that shows them itself (/logs -f) would otherwise show them twice.
   */
  mute(id: string): () => void {
    this.muted.set(id, (this.muted.get(id) ?? 0) + 1);
    let isDone = false;
    return () => {
      if (isDone) return;
      isDone = true;
      const count = (this.muted.get(id) ?? 1) - 1;
      if (count > 0) this.muted.set(id, count);
      else this.muted.delete(id);
    };
  }

  /**
   * Shows output lines (`lines` are the last few of `lineCount` new ones: a batch may hold more
   * than it carries), marked with `taskId` when they come from one of several tasks running side
   * by side. Lines past the job's limit are counted and summarised once a second.
   */
  output(job: Job, lines: string[], lineCount: number, taskId?: string): void {
    if (this.muted.has(job.id)) return;
    const limits = this.limitsOf(job.id);
    // The lines a batch does not carry came before those it does.
    this.hide(limits, lineCount - lines.length);
    // Blank lines carry nothing worth a notification; they still count as output.
    const visible = lines.filter((line) => sanitizeLine(line) !== '');
    const now = this.now();
    let shown = 0;
    for (const line of visible) {
      if (!limits.output.take(now)) break;
      // The count of lines held back stands where they were left out: before the next line shown
      // (or, when none follows, at the next summary).
      this.summarise(job.id);
      this.print(formatNotification(job.id, taskId ? taskColourOf(taskId)(`${taskId} │`) : chalk.dim('│'), line, this.width()));
      shown++;
    }
    this.hide(limits, visible.length - shown);
  }

  /**
   * Shows an agent's step (🔧 a tool call, 💭 a model response), limited apart from output, and
   * marked with `taskId` when it comes from one of several tasks side by side (`t2 │ 🔧 …`).
   */
  activity(job: Job, icon: string, text: string, taskId?: string): void {
    if (this.muted.has(job.id)) return;
    this.flushText(job.id);
    const limits = this.limitsOf(job.id);
    if (limits.activity.take(this.now())) this.print(formatNotification(job.id, taskId ? `${chalk.dim(`${taskId} │`)} ${icon}` : icon, text, this.width()));
    else this.hide(limits, 1);
  }

  /**
   * Shows a model's answer as it streams: each line whole (the terminal wraps it at word
   * boundaries), never limited (a model writes at reading speed, not in floods), a long line a
   * row at a time as it fills, and an unfinished one once the model pauses (TEXT_IDLE_MS).
   */
  text(job: Job, text: string, taskId?: string): void {
    if (this.muted.has(job.id)) return;
    const key = `${job.id}/${taskId ?? ''}`;
    const held = this.writing.get(key) ?? { jobId: job.id, taskId, line: '', timer: null };
    this.writing.set(key, held);
    const lines = (held.line + text).split('\n');
    held.line = lines.pop() ?? '';
    for (const line of lines) this.printText(job.id, taskId, line);
    // Rows that are full go out now, cut at a space: the answer streams at the pace it comes.
    const room = Math.max(20, this.width() - 14 - (taskId ? taskId.length + 2 : 0));
    while (held.line.length > room) {
      const space = held.line.lastIndexOf(' ', room);
      const cut = space > room / 2 ? space + 1 : room;
      this.printText(job.id, taskId, held.line.slice(0, cut));
      held.line = held.line.slice(cut);
    }
    if (held.timer) clearTimeout(held.timer);
    held.timer = held.line === '' ? null : setTimeout(() => this.flushText(job.id, key), TEXT_IDLE_MS);
    held.timer?.unref();
  }

  // Prints the unfinished lines of job `id`'s model (of one writer, `key`, or all of them).
  private flushText(id: string, key?: string): void {
    for (const [candidate, held] of this.writing) {
      if (held.jobId !== id || (key !== undefined && candidate !== key)) continue;
      if (held.timer) clearTimeout(held.timer);
      held.timer = null;
      if (held.line.trim() !== '') this.printText(held.jobId, held.taskId, held.line);
      this.writing.delete(candidate);
    }
  }

  private printText(id: string, taskId: string | undefined, line: string): void {
    if (sanitizeLine(line) === '') return;
    this.print(`${colourOf(id)(`[${shortJobId(id)}]`)} ${chalk.dim(taskId ? `${taskId} │` : '│')} ${sanitizeLine(line)}`);
  }

  /** Stops the timer (on exit). */
  dispose(): void {
    for (const held of this.writing.values()) if (held.timer) clearTimeout(held.timer);
    this.writing.clear();
    if (this.summaryTimer) clearInterval(this.summaryTimer);
    this.summaryTimer = null;
    this.limits.clear();
  }

  private limitsOf(id: string): JobLimits {
    let limits = this.limits.get(id);
    if (!limits) {
      const now = this.now();
      limits = { output: new TokenBucket(OUTPUT_BURST_LINES, OUTPUT_LINES_PER_SECOND, now), activity: new TokenBucket(ACTIVITY_BURST, ACTIVITIES_PER_SECOND, now), hidden: 0 };
      this.limits.set(id, limits);
    }
    return limits;
  }

  private hide(limits: JobLimits, count: number): void {
    if (count <= 0) return;
    limits.hidden += count;
    this.summaryTimer ??= setInterval(() => this.summariseAll(), SUMMARY_INTERVAL_MS);
    this.summaryTimer.unref();
  }

  /** Prints the summary of every job's held-back lines (the timer's tick; tests call it). */
  summariseAll(): void {
    for (const id of this.limits.keys()) this.summarise(id);
    if ([...this.limits.values()].every((limits) => limits.hidden === 0) && this.summaryTimer) {
      clearInterval(this.summaryTimer);
      this.summaryTimer = null;
    }
  }

  private summarise(id: string): void {
    const limits = this.limits.get(id);
    if (!limits || limits.hidden === 0) return;
    const { hidden } = limits;
    limits.hidden = 0;
    this.print(formatNotification(id, '…', `${hidden} more line${hidden === 1 ? '' : 's'} (/logs ${shortJobId(id)})`, this.width()));
  }
}
