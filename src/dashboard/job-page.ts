// A job's page: what it is and where it stands, the decisions it waits for (with the phase's
// summary and diff), its phases → tasks → runs (task-tree.ts), and its manifest once it ended.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { isActiveStatus } from '../jobs/model/job.js';
import { ApiFailure, call, decide, deleteJob, readManifest, readTaskPage } from './api.js';
import { html } from './html.js';
import { useBoard, useNow } from './hooks.js';
import type { LiveBoard } from './live.js';
import { elapsedOf, formatSpan, JobName, PhaseStepper, StatusBadge, WorkerClusters } from './parts.js';
import { TaskTree } from './task-tree.js';
import { DiffText } from './diff-view.js';
import type { Job, JobManifest, TaskCounts } from './types.js';
import { WorktreePanel } from './worktree-panel.js';
import { formatTokens, formatUsage, formatUsd, type JobBudget } from '../jobs/model/usage.js';

// A budget for people: `1M tokens, $5.00`.
function formatBudget(budget: JobBudget): string {
  return [budget.tokens !== undefined ? `${formatTokens(budget.tokens)} tokens` : '', budget.usd !== undefined ? formatUsd(budget.usd) : ''].filter(Boolean).join(', ');
}

/** The page of job `id`. */
export function JobPage({ board, id }: { board: LiveBoard; id: string }) {
  useBoard(board);
  const now = useNow();
  const card = board.cards.get(id);
  const [notice, setNotice] = useState<string | null>(null);
  // Each phase's task counts, as the tree reads them: the stepper colours a phase by its outcome.
  const [phaseCounts, setPhaseCounts] = useState<TaskCounts[] | null>(null);
  useEffect(() => board.refresh(id), [id]);
  if (!card) return html`<div class="job-page"><p><a href="#/">← Board</a></p><p class="empty">${board.cards.size === 0 && board.connection === 'connecting' ? 'Loading…' : `No job ${id} (deleted, or not in this jobs folder).`}</p></div>`;
  const { job } = card;
  const elapsed = elapsedOf(job, now);
  return html`<article class="job-page" aria-labelledby="job-title">
    <p><a href="#/">← Board</a></p>
    <header class="job-head">
      <h1 id="job-title"><${JobName} job=${job} /></h1>
      <${StatusBadge} status=${job.status} />
    </header>
    <p class="prompt-full">${job.description}</p>
    <dl class="facts">
      <div><dt>Agent</dt><dd>${job.agent} (${job.mode})</dd></div>
      <div><dt>Created</dt><dd><time datetime=${job.createdAt}>${new Date(job.createdAt).toLocaleString()}</time></dd></div>
      <div><dt>Elapsed</dt><dd>${elapsed === null ? '-' : formatSpan(elapsed)}</dd></div>
      ${job.template ? html`<div><dt>Template</dt><dd>${job.template.name} ${Object.entries(job.template.values).map(([key, value]) => `${key}=${value}`).join(' ')}</dd></div>` : ''}
      ${job.error ? html`<div class="bad"><dt>Error</dt><dd>${job.error}</dd></div>` : ''}
      ${job.progress.usage ? html`<div><dt>Tokens</dt><dd class="tokens">${formatUsage(job.progress.usage)}${job.budget ? ` (budget ${formatBudget(job.budget)})` : ''}</dd></div>` : ''}
    </dl>
    <${PhaseStepper} job=${job} counts=${phaseCounts} />
    <${WorkerClusters} card=${card} />
    <div role="status" aria-live="polite" class="notice">${notice ?? ''}</div>
    ${job.status === 'awaiting_approval' ? html`<${Approval} job=${job} onNotice=${setNotice} />` : ''}
    <${Actions} job=${job} onNotice=${setNotice} />
    <${WorktreePanel} job=${job} onNotice=${setNotice} />
    <${TaskTree} job=${job} onCounts=${setPhaseCounts} />
    ${!isActiveStatus(job.status) ? html`<${Manifest} job=${job} />` : ''}
  </article>`;
}

// Runs a decision, saying what happened (or why it was refused) in the page's live region.
async function act(onNotice: (text: string) => void, what: string, run: () => Promise<unknown>): Promise<void> {
  onNotice(`${what}…`);
  try {
    await run();
    onNotice(`${what}: done.`);
  } catch (error) {
    onNotice(`${what} refused: ${error instanceof ApiFailure ? error.message : String(error)}`);
  }
}

/** The phase awaiting approval: its summary, the files it changed with the diff, and the three answers. */
function Approval({ job, onNotice }: { job: Job; onNotice: (text: string) => void }) {
  const phase = job.phases[job.currentPhase]!;
  const [feedback, setFeedback] = useState('');
  const [isRetrying, setRetrying] = useState(false);
  const [diff, setDiff] = useState<string | null>(null);
  // A long answer is kept cut in the job: the page reads it whole.
  const [answer, setAnswer] = useState<string | null>(null);
  useEffect(() => {
    setAnswer(null);
    if (phase.outputFile) void call<string>('GET', `/api/jobs/${job.id}/phases/${job.currentPhase}/answer`).then(setAnswer, () => {});
  }, [job.id, job.currentPhase, phase.attempts, phase.outputFile]);
  const files = phase.changes?.files ?? [];
  useEffect(() => {
    setDiff(null);
    if (files.length > 0) void call<string>('GET', `/api/jobs/${job.id}/phases/${job.currentPhase}/diff`).then(setDiff, () => setDiff('The diff could not be read.'));
  }, [job.id, job.currentPhase, phase.attempts]);
  // A budget stop: what it reached, and continue (raising the budget by half) or cancel.
  if (job.budgetStop) {
    return html`<section class="approval" aria-labelledby="approval-title">
      <h2 id="approval-title">Phase ${job.currentPhase + 1} of ${job.phases.length}, ${phase.name}, stopped at its budget</h2>
      <p class="budget-stop">${job.budgetStop.reason}</p>
      <div class="buttons">
        <button class="primary" onClick=${() => act(onNotice, 'Continue', () => decide(job.id, 'approve'))}>Continue with +50%</button>
        <button class="danger" onClick=${() => act(onNotice, 'Cancel', () => decide(job.id, 'cancel'))}>Cancel job</button>
      </div>
    </section>`;
  }
  return html`<section class="approval" aria-labelledby="approval-title">
    <h2 id="approval-title">Phase ${job.currentPhase + 1} of ${job.phases.length}, ${phase.name}, waits for you</h2>
    ${phase.output ? html`<h3>Summary</h3><pre class="summary">${answer ?? phase.output}</pre>` : html`<p class="dim">The phase gave no summary.</p>`}
    ${files.length > 0 ? html`<h3>Files changed</h3><ul class="files">${files.map((file) => html`<li><code>${file.path}</code> <span class="good">+${file.added ?? '?'}</span> <span class="bad">−${file.removed ?? '?'}</span></li>`)}${phase.changes!.moreFiles > 0 ? html`<li>… ${phase.changes!.moreFiles} more</li>` : ''}</ul>
      <details class="diff"><summary>Diff</summary>${diff === null ? html`<pre>Loading…</pre>` : html`<${DiffText} text=${diff} />`}</details>` : ''}
    <div class="buttons">
      <button class="primary" onClick=${() => act(onNotice, 'Continue', () => decide(job.id, 'approve'))}>Continue</button>
      <button onClick=${() => setRetrying(!isRetrying)} aria-expanded=${isRetrying}>Retry with feedback</button>
      <button class="danger" onClick=${() => act(onNotice, 'Cancel', () => decide(job.id, 'cancel'))}>Cancel job</button>
    </div>
    ${isRetrying ? html`<form class="retry" onSubmit=${(event: Event) => { event.preventDefault(); setRetrying(false); void act(onNotice, 'Retry', () => decide(job.id, 'retry', { feedback: feedback.trim() || null })); }}>
      <label for="feedback">What should the agent do differently?</label>
      <textarea id="feedback" rows="3" value=${feedback} onInput=${(event: Event) => setFeedback((event.target as HTMLTextAreaElement).value)}></textarea>
      <button type="submit" class="primary">Retry ${phase.name}</button>
    </form>` : ''}
  </section>`;
}

/** Cancel (active, not waiting), Resume (interrupted, failed, cancelled) and Delete, with a confirmation. */
function Actions({ job, onNotice }: { job: Job; onNotice: (text: string) => void }) {
  const [isConfirming, setConfirming] = useState(false);
  const [counts, setCounts] = useState<{ tasks: number; runs: number } | null>(null);
  useEffect(() => {
    if (isConfirming) void readTaskPage(job.id, 0, 0, 1).then((read) => setCounts(read.counts), () => setCounts(null));
  }, [isConfirming]);
  const isActive = isActiveStatus(job.status);
  const canResume = job.status === 'interrupted' || job.status === 'failed' || job.status === 'cancelled';
  return html`<section class="actions" aria-label="Actions">
    <div class="buttons">
      ${isActive && job.status !== 'awaiting_approval' ? html`<button class="danger" onClick=${() => act(onNotice, 'Cancel', () => decide(job.id, 'cancel'))}>Cancel job</button>` : ''}
      ${canResume ? html`<button class="primary" onClick=${() => act(onNotice, 'Resume', () => decide(job.id, 'resume', { mode: job.mode }))}>Resume</button>` : ''}
      <button class="danger" onClick=${() => setConfirming(true)}>Delete…</button>
    </div>
    ${isConfirming ? html`<div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
      <p id="confirm-text">Delete ${job.name ?? job.id} with its ${counts ? `${counts.tasks} task${counts.tasks === 1 ? '' : 's'}, their ${counts.runs} run${counts.runs === 1 ? '' : 's'}` : 'tasks, their runs'} and all their output?${isActive ? ' It is still active: it is cancelled first.' : ''} This cannot be undone.</p>
      <div class="buttons">
        <button class="danger" autoFocus onClick=${() => { setConfirming(false); void act(onNotice, 'Delete', async () => { await deleteJob(job.id, isActive); location.hash = '#/'; }); }}>Delete</button>
        <button onClick=${() => setConfirming(false)}>Keep it</button>
      </div>
    </div>` : ''}
  </section>`;
}

/** An ended job's manifest: durations, tasks, runs, files, and where it came from. */
function Manifest({ job }: { job: Job }) {
  const [manifest, setManifest] = useState<JobManifest | null | undefined>(undefined);
  useEffect(() => {
    void readManifest(job.id).then(setManifest, () => setManifest(null));
  }, [job.id, job.eventSeq]);
  // The file to save, from what was read: a plain link to the API would carry no key.
  const download = useMemo(() => (manifest ? URL.createObjectURL(new Blob([`${JSON.stringify(manifest, null, 2)}\n`], { type: 'application/json' })) : null), [manifest]);
  useEffect(() => () => {
    if (download) URL.revokeObjectURL(download);
  }, [download]);
  if (manifest === undefined) return null;
  if (manifest === null) return html`<section class="manifest"><h2>Manifest</h2><p class="dim">No manifest: ${job.status === 'interrupted' ? 'it is written when the job ends.' : 'the job ended before manifests were written.'}</p></section>`;
  return html`<section class="manifest" aria-labelledby="manifest-title">
    <h2 id="manifest-title">Manifest</h2>
    <dl class="facts">
      <div><dt>Duration</dt><dd>${manifest.durationMs === null ? '-' : formatSpan(manifest.durationMs)} (queued ${manifest.queuedMs === null ? '-' : formatSpan(manifest.queuedMs)})</dd></div>
      <div><dt>Tasks</dt><dd>${manifest.tasks.done} done, ${manifest.tasks.failed} failed, ${manifest.tasks.cancelled} cancelled, ${manifest.tasks.notRun} not run (${manifest.tasks.total})</dd></div>
      <div><dt>Runs</dt><dd>${manifest.runs.total}: ${manifest.runs.succeeded} succeeded, ${manifest.runs.failed} failed</dd></div>
      <div><dt>Files</dt><dd>${manifest.filesModified.length === 0 ? 'none' : manifest.filesModified.join(', ')}${manifest.moreFilesModified ? ` and ${manifest.moreFilesModified} more` : ''}</dd></div>
      <div><dt>Provenance</dt><dd>jobline ${manifest.provenance.joblineVersion}, agent ${manifest.provenance.agent}, <code>${manifest.provenance.configHash.slice(0, 19)}…</code></dd></div>
    </dl>
    ${manifest.finalOutput ? html`<details><summary>Final output</summary><pre>${manifest.finalOutput}</pre></details>` : ''}
    ${download ? html`<p><a href=${download} download="job_manifest.json">job_manifest.json</a></p>` : ''}
  </section>`;
}
