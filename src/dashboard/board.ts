// The board: lanes of the jobs that need the user, run, or wait (Needs you, Running, Queued), and
// below them the finished jobs with filters and search. Lanes and the list show a page at a time,
// so a folder of 1,000 jobs renders as fast as one of 10.
import { useMemo, useState } from 'preact/hooks';
import { getLastRecordedActivity } from '../jobs/model/job.js';
import { WorkersPanel } from './workers-panel.js';
import { html } from './html.js';
import { useBoard, useNow } from './hooks.js';
import type { LiveBoard } from './live.js';
import { formatMergeStatus } from '../render/merge-label.js';
import { elapsedOf, formatAgo, formatSpan, JobName, PhaseStepper, StatusBadge, WorkerClusters } from './parts.js';
import type { Job, JobCard, JobStatus } from './types.js';
import { ApiFailure, dismissJob } from './api.js';

/** A failed job stays in Needs you this long after it ended (ms). */
const RECENT_FAILURE_MS = 24 * 3600_000;
/** A running job with no event for this long is marked stalled (ms). */
export const STALLED_MS = 5 * 60_000;
/** Cards shown per lane, and finished jobs per page. */
const PAGE = 50;

type Lane = 'needs' | 'running' | 'queued' | 'finished';

/** Which lane `card` goes in at `now` (ms): a job set aside (dismissed, or kept at a REPL's start) is finished. */
export function laneOf(card: JobCard, now: number): Lane {
  const { job } = card;
  if (job.dismissedAt) return 'finished';
  if (job.status === 'awaiting_approval' || job.status === 'interrupted') return 'needs';
  if (job.status === 'failed' && job.endedAt && now - Date.parse(job.endedAt) < RECENT_FAILURE_MS) return 'needs';
  if (job.status === 'running') return 'running';
  if (job.status === 'queued') return 'queued';
  return 'finished';
}

/** The board, live. */
export function Board({ board }: { board: LiveBoard }) {
  useBoard(board);
  const now = useNow();
  const lanes: Record<Lane, JobCard[]> = { needs: [], running: [], queued: [], finished: [] };
  for (const card of board.cards.values()) lanes[laneOf(card, now)].push(card);
  const byCreated = (a: JobCard, b: JobCard): number => a.job.createdAt.localeCompare(b.job.createdAt);
  lanes.needs.sort(compareNeeds);
  lanes.running.sort(byCreated);
  lanes.queued.sort(byCreated);
  return html`<div class="board">
    <div class="lanes">
      <${LaneView} id="needs" title="Needs you" cards=${lanes.needs} board=${board} now=${now} empty="Nothing waits for you." />
      <${LaneView} id="running" title="Running" detail=${`${board.slots.used} of ${board.slots.max} slots · ${board.slots.workers > 0 ? `${board.slots.workersUsed} of ${board.slots.workers} workers` : `${board.slots.workersUsed} run${board.slots.workersUsed === 1 ? '' : 's'} on workers`}`} cards=${lanes.running} board=${board} now=${now} empty="No job runs." />
      <${LaneView} id="queued" title="Queued" cards=${lanes.queued} board=${board} now=${now} empty="The queue is empty." />
    </div>
    <${WorkersPanel} />
    <${Finished} cards=${lanes.finished} now=${now} />
  </div>`;
}

// What needs the user most comes first: approvals (a job waits on them), then interrupted jobs,
// then failures; the newest first within each.
const NEEDS_RANK: Partial<Record<JobStatus, number>> = { awaiting_approval: 0, interrupted: 1, failed: 2 };

/** The order of Needs you: approvals, interrupted, failed; newest first (by when each came to need the user). */
export function compareNeeds(a: JobCard, b: JobCard): number {
  const since = (card: JobCard): string => card.job.endedAt ?? getLastRecordedActivity(card.job);
  return (NEEDS_RANK[a.job.status] ?? 3) - (NEEDS_RANK[b.job.status] ?? 3) || since(b).localeCompare(since(a)) || b.job.id.localeCompare(a.job.id);
}

function LaneView({ id, title, detail, cards, board, now, empty }: { id: string; title: string; detail?: string; cards: JobCard[]; board: LiveBoard; now: number; empty: string }) {
  const [shown, setShown] = useState(PAGE);
  return html`<section class=${`lane lane-${id}`} aria-labelledby=${`lane-${id}`} data-lane=${id}>
    <h2 id=${`lane-${id}`}>${title} <span class="count">${cards.length}</span>${detail ? html` <span class="dim lane-detail">${detail}</span>` : ''}</h2>
    ${cards.length === 0 ? html`<p class="empty">${empty}</p>` : ''}
    <ul class="cards">${cards.slice(0, shown).map((card) => html`<li key=${card.job.id}><${Card} card=${card} board=${board} now=${now} /></li>`)}</ul>
    ${cards.length > shown ? html`<button class="more" onClick=${() => setShown(shown + PAGE)}>Show ${Math.min(PAGE, cards.length - shown)} more of ${cards.length - shown}</button>` : ''}
  </section>`;
}

/** One job on the board: what it is, where it is, who works on it, and whether it moves. */
function Card({ card, board, now }: { card: JobCard; board: LiveBoard; now: number }) {
  const { job } = card;
  const last = board.lastEvents.get(job.id);
  const lastAt = last?.at ?? Date.parse(getLastRecordedActivity(job));
  // A queued job waits for a slot, or for a worker when every worker is busy (its slot is then free).
  const isWaitingForWorker = job.status === 'queued' && board.slots.workersUsed >= board.slots.workers && board.slots.used < board.slots.max;
  const lastText = isWaitingForWorker ? 'queued: every worker is busy' : last?.text ?? job.progress.lastEvent ?? job.status.replace('_', ' ');
  const isStalled = job.status === 'running' && now - lastAt > STALLED_MS;
  const elapsed = elapsedOf(job, now);
  const tasks = card.tasks && card.tasks.total > job.phases.length ? card.tasks : null;
  return html`<article class=${`card card-${job.status}${isStalled ? ' card-stalled' : ''}`} data-job=${job.id} aria-labelledby=${`card-${job.id}`}>
    <header class="card-head">
      <a id=${`card-${job.id}`} class="card-link" href=${`#/jobs/${job.id}`}><${JobName} job=${job} /></a>
      <${StatusBadge} status=${job.status} />
    </header>
    <p class="prompt" title=${job.description}>${job.description || html`<span class="dim">(no prompt)</span>`}</p>
    <p class="meta"><span>${job.agent}</span><span>${job.mode}</span>${elapsed !== null ? html`<span>${formatSpan(elapsed)}</span>` : ''}${job.merge ? html`<span class="merge" data-merge-status=${job.merge.status}>${formatMergeStatus(job)}</span>` : ''}</p>
    <${PhaseStepper} job=${job} />
    ${tasks ? html`<p class="tasks">${tasks.done} of ${tasks.total} tasks done${tasks.running ? ` · ${tasks.running} running` : ''}${tasks.failed ? html` · <span class="bad">${tasks.failed} failed</span>` : ''}</p>` : ''}
    <${WorkerClusters} card=${card} />
    <p class=${`last${isStalled ? ' stalled' : ''}`}>${isStalled ? html`<b>Stalled? </b>` : ''}<span>${lastText}</span> · <time datetime=${new Date(lastAt).toISOString()}>${formatAgo(lastAt, now)}</time></p>
    ${job.status === 'failed' || job.status === 'interrupted' ? html`<${DismissButton} job=${job} board=${board} />` : ''}
  </article>`;
}

/**
 * Takes a failed or interrupted job out of Needs you without deleting it: it goes on under
 * Finished (and a REPL's start does not offer it again). Recorded in the job (PUT dismissed).
 */
function DismissButton({ job, board }: { job: Job; board: LiveBoard }) {
  const [problem, setProblem] = useState<string | null>(null);
  const dismiss = async (): Promise<void> => {
    setProblem(null);
    try {
      await dismissJob(job.id);
      board.refresh(job.id);
    } catch (error) {
      setProblem(error instanceof ApiFailure ? error.message : String(error));
    }
  };
  return html`<div class="card-actions">
    <button class="dismiss" aria-label=${`Dismiss ${job.name ?? job.id}: it moves to Finished, nothing is deleted`} onClick=${() => void dismiss()}>Dismiss</button>
    ${problem ? html`<span class="bad" role="status">${problem}</span>` : ''}
  </div>`;
}

const FINISHED_STATUSES: JobStatus[] = ['completed', 'failed', 'cancelled', 'interrupted'];

/** The finished jobs, newest first, filtered by status, agent and a search of names, ids and prompts. */
function Finished({ cards, now }: { cards: JobCard[]; now: number }) {
  const [status, setStatus] = useState('');
  const [agent, setAgent] = useState('');
  const [search, setSearch] = useState('');
  const [shown, setShown] = useState(PAGE);
  const agents = useMemo(() => [...new Set(cards.map((card) => card.job.agent))].sort(), [cards.length]);
  const needle = search.trim().toLowerCase();
  const matching = cards
    .filter((card) => (!status || card.job.status === status) && (!agent || card.job.agent === agent))
    .filter((card) => !needle || card.job.id.includes(needle) || (card.job.name ?? '').toLowerCase().includes(needle) || card.job.description.toLowerCase().includes(needle))
    .sort((a, b) => (b.job.endedAt ?? b.job.createdAt).localeCompare(a.job.endedAt ?? a.job.createdAt));
  return html`<section class="finished" aria-labelledby="finished-title">
    <h2 id="finished-title">Finished <span class="count">${cards.length}</span></h2>
    <div class="filters" role="search">
      <label>Status <select value=${status} onChange=${(event: Event) => { setStatus((event.target as HTMLSelectElement).value); setShown(PAGE); }}>
        <option value="">all</option>${FINISHED_STATUSES.map((value) => html`<option value=${value}>${value}</option>`)}
      </select></label>
      <label>Agent <select value=${agent} onChange=${(event: Event) => { setAgent((event.target as HTMLSelectElement).value); setShown(PAGE); }}>
        <option value="">all</option>${agents.map((value) => html`<option value=${value}>${value}</option>`)}
      </select></label>
      <label class="search">Search <input type="search" placeholder="name, id or prompt" value=${search} onInput=${(event: Event) => { setSearch((event.target as HTMLInputElement).value); setShown(PAGE); }} /></label>
    </div>
    ${matching.length === 0 ? html`<p class="empty">${cards.length === 0 ? 'No finished jobs yet.' : 'No finished job matches.'}</p>` : ''}
    <table class="finished-list">
      <thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Agent</th><th scope="col">Prompt</th><th scope="col">Ended</th></tr></thead>
      <tbody>${matching.slice(0, shown).map(({ job }) => html`<tr key=${job.id} data-job=${job.id}>
        <td><a href=${`#/jobs/${job.id}`}><${JobName} job=${job} /></a></td>
        <td><${StatusBadge} status=${job.status} />${job.merge ? html` <span class="merge" data-merge-status=${job.merge.status}>${formatMergeStatus(job)}</span>` : ''}</td>
        <td>${job.agent}</td>
        <td class="prompt-cell" title=${job.description}>${job.description}</td>
        <td>${job.endedAt ? formatAgo(Date.parse(job.endedAt), now) : '-'}</td>
      </tr>`)}</tbody>
    </table>
    ${matching.length > shown ? html`<button class="more" onClick=${() => setShown(shown + PAGE)}>Show ${Math.min(PAGE, matching.length - shown)} more of ${matching.length - shown}</button>` : ''}
  </section>`;
}
