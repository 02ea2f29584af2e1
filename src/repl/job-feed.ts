// What the REPL prints of the jobs it hears: the events, output and tool activity of the jobs it
// follows (/follow), one line when any other job ends, and every approval it can answer (with the
// bell, and the box on a terminal), whatever it follows.
import type { JoblineConfig } from '../config/schema.js';
import type { JobService } from '../jobs/service/job-service.js';
import { formatTaskCounts } from '../render/task-list.js';
import { formatUnfollowedEnd, type FollowFilter } from './follow.js';
import { formatAnswer, type Notifier } from './notifications.js';
import type { Terminal } from './terminal.js';

/** What the feed needs of the REPL. */
export interface JobFeedContext {
  service: JobService;
  config: JoblineConfig;
  follow: FollowFilter;
  notifier: Notifier;
  terminal: Terminal;
  isInteractive: boolean;
  /** Prints a notification (held while the REPL answers a line). */
  notify(text: string): void;
  /**
   * Runs `decide` once the line the REPL is answering now is answered, and returns true; false
   * (and nothing runs) when no line is being answered.
   */
  deferWhileAnswering(decide: () => void): boolean;
  /** A job waits for an approval this REPL can give. */
  approvalRequested(id: string): void;
  /** Columns of the terminal. */
  width(): number;
}

const ATTENTION_EVENTS = new Set(['approval_requested', 'completed', 'failed', 'cancelled']);

/** Subscribes the REPL's printing to `context.service`'s events. */
export function feedJobEvents(context: JobFeedContext): void {
  const { service, follow, notifier, terminal, config } = context;
  // A job followed prints in full, another one line at its end. Attached to a server, a job this
  // REPL is submitting right now may be heard before the server's answer names it as this REPL's
  // own: which it is, is decided once the line is answered (its notifications wait till then).
  const route = (id: string, full: () => void, brief: () => void = () => {}): void => {
    if (follow.isFollowed(id)) return full();
    if (service.attachedServer && context.deferWhileAnswering(() => (follow.isFollowed(id) ? full() : brief()))) return;
    brief();
  };
  // The user is elsewhere (not typing): a bell, or a desktop notification, says a job needs them.
  const callAttention = (id: string, type: string): void => {
    if (context.isInteractive && config.notify !== 'none' && ATTENTION_EVENTS.has(type) && terminal.line === '') {
      terminal.alert(config.notify, `jobline: ${id} ${type === 'approval_requested' ? 'needs approval' : type}`);
    }
  };
  service.on('jobEvent', (job, event) => {
    // Approvals this REPL can answer are said and asked whatever it follows.
    if (event.type === 'approval_requested') {
      notifier.event(job, event);
      callAttention(job.id, event.type);
      if (context.isInteractive) context.approvalRequested(job.id);
      return;
    }
    route(job.id, () => {
      if (event.type === 'task_completed') {
        notifier.taskProgress(job, () => {
          const counts = service.taskCountsOf(job.id);
          return counts ? formatTaskCounts(counts) : null;
        });
        return;
      }
      notifier.event(job, event);
      // An LLM job's result is its last phase's answer: shown in full, not just as output lines.
      const answer = event.type === 'completed' && service.agentOf(job.id)?.type === 'llm' ? job.phases.at(-1)?.output : null;
      if (answer) context.notify(formatAnswer(job.id, answer));
      callAttention(job.id, event.type);
    }, () => {
      const line = formatUnfollowedEnd(job, event, Math.max(context.width(), 500)); // a reason may wrap rather than lose its end
      if (line) context.notify(line);
    });
  });
  service.on('jobOutput', (job, lines, lineCount, taskId) => route(job.id, () => notifier.output(job, lines, lineCount, taskId)));
  service.on('jobActivity', (job, icon, text, taskId) => route(job.id, () => notifier.activity(job, icon, text, taskId)));
  service.on('jobText', (job, text, taskId) => route(job.id, () => notifier.text(job, text, taskId)));
}
