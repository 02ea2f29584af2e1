// The board's Workers panel: the queue's workers on other machines (name, labels, concurrency,
// what each runs now, last seen; a silent one shown as gone) and the queue's counts, read from
// GET /api/workers every few seconds. Nothing shows when runs do not go through a queue.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { call } from './api.js';
import { useNow } from './hooks.js';

/** How often the panel reads the fleet again (ms). */
const REFRESH_MS = 3000;

interface WorkerRow {
  name: string;
  labels: string[];
  concurrency: number;
  state: 'running' | 'draining' | 'stopped' | 'gone';
  runs: Array<{ jobId: string; taskId: string | null; title: string }>;
  lastSeen: string;
}

/** GET /api/workers as the panel reads it. */
export interface FleetAnswer {
  queue: boolean;
  workers: WorkerRow[];
  counts: { waiting: number; active: number; delayed: number; failed: number };
}

/** The Workers panel (renders nothing without a queue). */
export function WorkersPanel() {
  const [fleet, setFleet] = useState<FleetAnswer | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const now = useNow();
  useEffect(() => {
    let isLive = true;
    const read = (): void => {
      call<FleetAnswer>('GET', '/api/workers').then(
        (answer) => isLive && (setFleet(answer), setProblem(null)),
        (error: Error) => isLive && setProblem(error.message),
      );
    };
    read();
    const timer = setInterval(read, REFRESH_MS);
    return () => {
      isLive = false;
      clearInterval(timer);
    };
  }, []);
  if (!fleet?.queue && !problem) return null;
  const { waiting, active, delayed, failed } = fleet?.counts ?? { waiting: 0, active: 0, delayed: 0, failed: 0 };
  return html`<section class="workers" aria-labelledby="workers-title" data-panel="workers">
    <h2 id="workers-title">Workers <span class="count">${fleet?.workers.filter((worker) => worker.state === 'running' || worker.state === 'draining').length ?? 0}</span>${' '}<span class="dim lane-detail">${waiting} waiting · ${active} active · ${delayed} delayed · ${failed} failed</span></h2>
    ${problem ? html`<p class="bad" role="alert">${problem}</p>` : ''}
    ${fleet && fleet.workers.length === 0 ? html`<p class="empty">No worker is connected (start one: <code>jobline worker --queue redis://…</code>).</p>` : ''}
    <table class="workers-list">
      <thead><tr><th>Name</th><th>State</th><th>Labels</th><th>Runs</th><th>Last seen</th></tr></thead>
      <tbody>${(fleet?.workers ?? []).map((worker) => html`<tr key=${worker.name} data-worker=${worker.name} class=${`worker-${worker.state}`}>
        <td>${worker.name}</td>
        <td class=${worker.state === 'gone' ? 'bad' : ''}>${worker.state}</td>
        <td>${worker.labels.join(', ') || html`<span class="dim">none</span>`}</td>
        <td title=${worker.runs.map((run) => `${run.jobId} ${run.taskId ?? ''} ${run.title}`).join('\n')}>${worker.runs.length}/${worker.concurrency}${worker.runs.length > 0 ? html` <span class="dim">${worker.runs.map((run) => `${run.jobId.slice(0, 8)} ${run.taskId ?? ''}`).join(', ')}</span>` : ''}</td>
        <td>${Math.max(0, Math.round((now - Date.parse(worker.lastSeen)) / 1000))} s ago</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}
