// Small pieces the board and the job page share: a status badge, the phase stepper, clustered
// workers, times, and how a job is named.
import { workingMs } from '../jobs/model/job-time.js';
import { html } from './html.js';
import type { Job, JobCard, JobStatus, TaskCounts } from './types.js';

const STATUS_LABELS: Record<JobStatus, string> = {
  queued: 'Queued', running: 'Running', awaiting_approval: 'Needs approval', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled', interrupted: 'Interrupted',
};

/** The status of a job, as a coloured badge with its word (colour is never the only cue). */
export function StatusBadge({ status }: { status: JobStatus }) {
  return html`<span class=${`badge badge-${status}`}>${STATUS_LABELS[status]}</span>`;
}

/** `3h 02m`, `4m 05s`, `12s`, `0.7s`: a duration in ms, short. */
export function formatSpan(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d`;
}

/** How long ago `at` (ms since the epoch) was: `12s ago`. */
export function formatAgo(at: number, now: number): string {
  return now - at < 5000 ? 'just now' : `${formatSpan(now - at)} ago`;
}

/**
 * A job's time so far, as /jobs and `jobline list` say it (see workingMs): the time it ran over
 * all its attempts, without the waits for approval (or in the queue, or interrupted); null before it started.
 */
export function elapsedOf(job: Job, now: number): number | null {
  if (!job.startedAt) return null;
  return workingMs(job, new Date(now));
}

/**
 * How phase `index` of `job` ended, for its colour and words: `tone` is its status, or
 * `completed-failed` for a phase that completed with failed tasks (never shown as a success).
 * Its tasks' counts tell (`counts`, when read); without them, a phase that completed as the one
 * its failed job stopped at did (a keep-going job fails after its last phase for its failed tasks).
 */
export function phaseOutcome(job: Job, index: number, counts?: TaskCounts | null): { tone: string; words: string } {
  const phase = job.phases[index]!;
  const failed = counts ? counts.failed : (phase.failedTasks ?? (phase.status === 'completed' && job.status === 'failed' && index === job.currentPhase ? 1 : 0));
  const tally = counts && counts.total > 1 ? ` · ${counts.done}/${counts.total} done` : '';
  if (phase.status === 'completed' && failed > 0) return { tone: 'completed-failed', words: `completed with failed tasks${counts ? ` · ${counts.failed} failed` : ''}${tally}` };
  return { tone: phase.status, words: `${phase.status}${counts && counts.failed > 0 ? ` · ${counts.failed} failed` : ''}${tally}` };
}

/** The phases as steps: done, current (running, waiting, failed) and to come, with `phase 3 of 5`; `counts`: each phase's tasks, when read. */
export function PhaseStepper({ job, counts }: { job: Job; counts?: readonly TaskCounts[] | null }) {
  const current = job.phases[job.currentPhase];
  return html`<div class="stepper">
    <ol class="steps" aria-hidden="true">${job.phases.map((phase, index) => {
      const outcome = phaseOutcome(job, index, counts?.[index]);
      return html`<li class=${`step step-${outcome.tone}${index === job.currentPhase ? ' step-current' : ''}`} title=${`${phase.name}: ${outcome.words}`}></li>`;
    })}</ol>
    <span class="step-label">phase ${Math.min(job.currentPhase + 1, job.phases.length)} of ${job.phases.length}${current ? html` · <b>${current.name}</b>` : ''}</span>
  </div>`;
}

/**
 * A job's workers in runs, grouped by agent (`build × 3 [ab12]`, from names like
 * `build[ab12-0]`), each group expandable to its workers and their tasks.
 */
export function WorkerClusters({ card }: { card: JobCard }) {
  if (card.workers.length === 0) return null;
  const groups = new Map<string, JobCard['workers']>();
  for (const worker of card.workers) {
    const match = /^(.*)\[([a-z0-9]+)-\d+\]$/.exec(worker.worker);
    const key = match ? `${match[1]} [${match[2]}]` : worker.worker;
    groups.set(key, [...(groups.get(key) ?? []), worker]);
  }
  return html`<div class="workers">${[...groups].map(([key, workers]) => {
    const [agent, tag] = key.split(' ');
    return html`<details class="worker-group">
      <summary><span class="worker-agent">${agent} × ${workers.length}</span>${tag ? html` <span class="dim">${tag}</span>` : ''}</summary>
      <ul>${workers.map((worker) => html`<li><code>${worker.worker}</code> ${worker.taskId}: ${worker.title}</li>`)}</ul>
    </details>`;
  })}</div>`;
}

/** `mango-crave-pulse` and `job-ab12cd34`: a job's name (when it has one) and id. */
export function JobName({ job }: { job: Job }) {
  return html`<span class="job-name">${job.name ? html`<b>${job.name}</b> ` : ''}<code class="job-id">${job.id}</code></span>`;
}
