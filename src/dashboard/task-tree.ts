// A job's phases → tasks → runs on its page: the phases with their outcome (a phase with failed
// tasks is never shown as a success), the tasks of one, running, failed, waiting, then done (a
// page at a time; a status filter and a search), and under the selected task its runs and the
// selected run's output, live while it runs: in view where the task was picked, however long the list.
import { useEffect, useRef, useState } from 'preact/hooks';
import { openStream, readTaskPage } from './api.js';
import { html } from './html.js';
import { useThrottled } from './hooks.js';
import { phaseOutcome } from './parts.js';
import type { Job, Run, Task, TaskCounts } from './types.js';

/** Tasks shown per page of a phase. */
const TASK_PAGE = 100;
/** Shortest interval between two reads of the tasks shown (ms). */
const TREE_REFRESH_MS = 500;
/** Lines of a run's output shown (its tail). */
const OUTPUT_LINES = 500;
/** Time after the last key of a search before the tasks are read again (ms). */
const SEARCH_SETTLE_MS = 250;

/** The status filter's choices: the API's words, and what the page calls them. */
const STATUS_CHOICES: Array<[string, string, (counts: TaskCounts) => number]> = [
  ['', 'All', (counts) => counts.total],
  ['running', 'Running', (counts) => counts.running],
  ['failed', 'Failed', (counts) => counts.failed],
  ['waiting', 'Waiting', (counts) => counts.total - counts.done - counts.running - counts.failed - counts.notRun],
  ['done', 'Done', (counts) => counts.done],
  ['not-run', 'Not run', (counts) => counts.notRun],
];

type TaskPage = { tasks: Task[]; runs: Run[]; total: number; phases: TaskCounts[] };

/** Phases → tasks → runs of `job`; `onCounts` hears each phase's task counts as they are read. */
export function TaskTree({ job, onCounts }: { job: Job; onCounts?: (counts: TaskCounts[]) => void }) {
  const [phase, setPhase] = useState(job.currentPhase);
  const [offset, setOffset] = useState(0);
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState<TaskPage | null>(null);
  const [taskId, setTaskId] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  // Read again when the job moves on (its eventSeq), at most every TREE_REFRESH_MS: a job of
  // 10,000 tasks makes hundreds of events a second.
  const seq = useThrottled(job.eventSeq, TREE_REFRESH_MS);
  useEffect(() => {
    const timer = setTimeout(() => { setQuery(search.trim()); setOffset(0); }, SEARCH_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [search]);
  useEffect(() => {
    let isCurrent = true;
    void readTaskPage(job.id, phase, offset, TASK_PAGE, { status, q: query }).then((read) => {
      if (!isCurrent) return;
      setPage(read);
      onCounts?.(read.phases);
    }, () => {});
    return () => { isCurrent = false; };
  }, [job.id, phase, offset, status, query, seq]);
  const counts = page?.phases[phase];
  const isFiltered = status !== '' || query !== '';
  const hidden = counts && page ? counts.total - page.total : 0;
  const pick = (id: string | null): void => { setTaskId(id); setRunId(null); };
  return html`<section class="tree" aria-labelledby="tree-title">
    <h2 id="tree-title">Phases, tasks and runs</h2>
    <div class="tree-columns">
      <nav aria-label="Phases" class="tree-phases"><ol class="pick">${job.phases.map((item, index) => {
        const outcome = phaseOutcome(job, index, page?.phases[index]);
        return html`<li><button aria-pressed=${index === phase} data-phase=${index} data-tone=${outcome.tone} onClick=${() => { setPhase(index); setOffset(0); pick(null); }}>
          <span class=${`dot step-${outcome.tone}`}></span> ${index + 1}. ${item.name} <span class=${outcome.tone === 'completed-failed' || outcome.tone === 'failed' ? 'bad' : 'dim'}>${outcome.words}</span></button></li>`;
      })}</ol></nav>
      <div aria-label="Tasks" role="region" class="tree-tasks">
        <div class="filters">
          <label>Status
            <select value=${status} onChange=${(event: Event) => { setStatus((event.target as HTMLSelectElement).value); setOffset(0); }}>
              ${STATUS_CHOICES.map(([value, label, count]) => html`<option value=${value}>${label}${counts ? ` (${count(counts)})` : ''}</option>`)}
            </select></label>
          <label class="search">Search tasks
            <input type="search" value=${search} placeholder="id, title or command" onInput=${(event: Event) => setSearch((event.target as HTMLInputElement).value)} /></label>
        </div>
        ${!page ? html`<p class="dim">Loading tasks…</p>` : html`
          <p class="dim shown" role="status">${describeShown(page, offset, hidden, isFiltered)}${isFiltered && hidden > 0 ? html` <button class="link" onClick=${() => { setStatus(''); setSearch(''); setQuery(''); setOffset(0); }}>Show all</button>` : ''}</p>
          ${page.tasks.length === 0 ? '' : html`<ol class="pick task-list">${page.tasks.map((item) => html`<li data-task=${item.id}>
            <button aria-pressed=${item.id === taskId} aria-expanded=${item.id === taskId} onClick=${() => pick(item.id === taskId ? null : item.id)}>
              <span class=${`dot task-${item.status}`}></span> ${item.id} ${item.title} <span class=${item.status === 'failed' ? 'bad' : 'dim'}>${item.status === 'claimed' ? 'running' : item.status}</span></button>
            ${item.id === taskId ? html`<${TaskDetail} job=${job} task=${item} runs=${page.runs.filter((run) => run.taskId === item.id)} runId=${runId} onRun=${setRunId} />` : ''}
          </li>`)}</ol>`}
          ${page.total > TASK_PAGE ? html`<p class="pager">
            <button disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - TASK_PAGE))}>Previous</button>
            <button disabled=${offset + TASK_PAGE >= page.total} onClick=${() => setOffset(offset + TASK_PAGE)}>Next</button></p>` : ''}`}
      </div>
    </div>
  </section>`;
}

// `Tasks 1–100 of 120, running and failed first` · `3 of 120 tasks shown: 117 hidden by the filter`.
function describeShown(page: TaskPage, offset: number, hidden: number, isFiltered: boolean): string {
  if (page.total === 0) return isFiltered ? `No task matches; ${hidden} hidden by the filter.` : 'No tasks in this phase.';
  const range = page.total > page.tasks.length ? `Tasks ${offset + 1}–${offset + page.tasks.length} of ${page.total}` : `${page.total} task${page.total === 1 ? '' : 's'}`;
  return `${range}, running and failed first${isFiltered && hidden > 0 ? `; ${hidden} hidden by the filter` : ''}.`;
}

/** Under a selected task: its runs, and the selected run's output (its latest by default), scrolled into view. */
function TaskDetail({ job, task, runs, runId, onRun }: { job: Job; task: Task; runs: Run[]; runId: string | null; onRun: (id: string) => void }) {
  const run = runs.find((candidate) => candidate.id === runId) ?? runs.at(-1) ?? null;
  const detail = useRef<HTMLDivElement>(null);
  // In view as it opens, and again once its output is in (it changes its height).
  const reveal = (): void => detail.current?.scrollIntoView({ block: 'nearest' });
  useEffect(reveal, [task.id]);
  return html`<div class="task-detail" ref=${detail}>
    ${runs.length === 0 ? html`<p class="dim">Not run yet.</p>` : html`<ol class="runs" aria-label=${`Runs of ${task.id}`}>${runs.map((item) => html`<li><button aria-pressed=${item.id === run?.id} onClick=${() => onRun(item.id)}>
      ${item.id} · attempt ${item.attempt} · ${item.worker} <span class=${item.state.status === 'failed' ? 'bad' : 'dim'}>${item.state.status}</span></button></li>`)}</ol>`}
    ${run ? html`<${RunOutput} job=${job} task=${task} run=${run} onLoaded=${reveal} />` : ''}
  </div>`;
}

/**
 * The tail of a run's output; while the run runs, the server streams what follows (the same for a
 * run of this server's and one a REPL beside it runs: both are read from the run's output file).
 */
function RunOutput({ job, task, run, onLoaded }: { job: Job; task: Task; run: Run; onLoaded?: () => void }) {
  const [lines, setLines] = useState<string[] | null>(null);
  const [isLoaded, setLoaded] = useState(false);
  useEffect(() => {
    if (isLoaded) onLoaded?.();
  }, [isLoaded]);
  const isRunning = run.state.status === 'running';
  useEffect(() => {
    const controller = new AbortController();
    setLines(null);
    setLoaded(false);
    void (async () => {
      const response = await openStream(`/api/jobs/${job.id}/logs?task=${task.id}&run=${run.id}&lines=${OUTPUT_LINES}${isRunning ? '&follow=true' : ''}`, controller.signal);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      setLines([]);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
        // Complete lines only; keep the tail, so a long run's output does not grow the page.
        const complete = text.slice(0, text.lastIndexOf('\n') + 1);
        const kept = complete.split('\n').slice(0, -1).slice(-OUTPUT_LINES);
        text = `${kept.join('\n')}${kept.length > 0 ? '\n' : ''}${text.slice(complete.length)}`;
        setLines(kept);
        setLoaded(true);
      }
      setLoaded(true);
    })().catch(() => !controller.signal.aborted && setLines(['(the output could not be read)']));
    return () => controller.abort();
  }, [job.id, task.id, run.id, isRunning]);
  return html`<section class="output" aria-labelledby=${`output-${run.id}`}>
    <h3 id=${`output-${run.id}`}>Output of ${task.id}, ${run.id}${isRunning ? html` <span class="live">live</span>` : ''}</h3>
    <pre tabIndex="0" aria-live=${isRunning ? 'polite' : 'off'}>${lines === null ? 'Loading…' : lines.length === 0 ? '(no output yet)' : lines.join('\n')}</pre>
  </section>`;
}
