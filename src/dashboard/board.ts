// The board: lanes of the jobs that need the user, run, or wait (Needs you, Running, Queued), and
// below them the finished jobs with filters and search. Lanes and the list show a page at a time,
// so a folder of 1,000 jobs renders as fast as one of 10.
import { useMemo, useState } from 'preact/hooks';
import { getLastRecordedActivity } from '../jobs/model/job.js';
import { WorkersPanel } from './workers-panel.js';
import { html } from './html.js';
import { useBoard, useNow } from './hooks.js';
import type { LiveBoard } from './live.js';
import { elapsedOf, formatAgo, formatSpan, JobName, PhaseStepper, StatusBadge, WorkerClusters } from './parts.js';
import type { JobCard, JobStatus } from './types.js';

/** A failed job stays in Needs you this long after it ended (ms). */
const RECENT_FAILURE_MS = 24 * 3600_000;
/** A running job with no event for this long is marked stalled (ms). */
export const STALLED_MS = 5 * 60_000;
/** Cards shown per lane, and finished jobs per page. */
const PAGE = 50;

type Lane = 'needs' | 'running' | 'queued' | 'finished';

/** Which lane `card` goes in at `now` (ms). */
export function laneOf(card: JobCard, now: number): Lane {
  const { job } = card;
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
  lanes.needs.sort(byCreated);
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
    <p class="meta"><span>${job.agent}</span><span>${job.mode}</span>${elapsed !== null ? html`<span>${formatSpan(elapsed)}</span>` : ''}</p>
    <${PhaseStepper} job=${job} />
    ${tasks ? html`<p class="tasks">${tasks.done} of ${tasks.total} tasks done${tasks.running ? ` · ${tasks.running} running` : ''}${tasks.failed ? html` · <span class="bad">${tasks.failed} failed</span>` : ''}</p>` : ''}
    <${WorkerClusters} card=${card} />
    <p class=${`last${isStalled ? ' stalled' : ''}`}>${isStalled ? html`<b>Stalled? </b>` : ''}<span>${lastText}</span> · <time datetime=${new Date(lastAt).toISOString()}>${formatAgo(lastAt, now)}</time></p>
  </article>`;
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
        <td><${StatusBadge} status=${job.status} /></td>
        <td>${job.agent}</td>
        <td class="prompt-cell" title=${job.description}>${job.description}</td>
        <td>${job.endedAt ? formatAgo(Date.parse(job.endedAt), now) : '-'}</td>
      </tr>`)}</tbody>
    </table>
    ${matching.length > shown ? html`<button class="more" onClick=${() => setShown(shown + PAGE)}>Show ${Math.min(PAGE, matching.length - shown)} more of ${matching.length - shown}</button>` : ''}
  </section>`;
}
