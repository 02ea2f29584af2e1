// A job's worktree on its page: its branch and where it started, where its work stands (ready,
// landed, a conflict and its files, a failed check and its last lines), the whole diff against its
// start, and Merge (land it through the merge queue) and Discard… (after saying what goes).
import { useEffect, useState } from 'preact/hooks';
import { isActiveStatus } from '../jobs/model/job.js';
import { ApiFailure, call } from './api.js';
import { html } from './html.js';
import type { Job } from './types.js';

/** The worktree section of job `job`'s page (nothing for a job that runs in place). */
export function WorktreePanel({ job, onNotice }: { job: Job; onNotice: (text: string) => void }) {
  const [diff, setDiff] = useState<string | null>(null);
  const [isConfirming, setConfirming] = useState(false);
  const { worktree, merge } = job;
  useEffect(() => {
    setDiff(null);
    if (worktree) void call<string>('GET', `/api/jobs/${encodeURIComponent(job.id)}/diff`).then(setDiff, () => setDiff('The diff could not be read.'));
  }, [job.id, job.eventSeq]);
  if (!worktree) return null;
  const run = async (what: string, verb: 'merge' | 'discard'): Promise<void> => {
    onNotice(`${what}…`);
    try {
      const { job: after } = await call<{ job: Job }>('POST', `/api/jobs/${encodeURIComponent(job.id)}/${verb}`, {});
      onNotice(`${what}: ${after.merge?.status ?? 'done'}${after.merge?.status !== 'landed' && after.merge?.error ? ` (${after.merge.error.split('\n')[0]})` : ''}.`);
    } catch (error) {
      onNotice(`${what} refused: ${error instanceof ApiFailure ? error.message : String(error)}`);
    }
  };
  const status = merge?.status ?? null;
  const canMerge = job.status === 'completed' && status !== 'landed' && status !== 'discarded' && status !== 'checking' && status !== 'conflict';
  const canDiscard = !isActiveStatus(job.status) && status !== 'discarded' && status !== 'checking';
  return html`<section class="worktree" aria-labelledby="worktree-title">
    <h2 id="worktree-title">Worktree</h2>
    <dl class="facts">
      <div><dt>Branch</dt><dd><code>${worktree.branch}</code></dd></div>
      <div><dt>Base</dt><dd><code>${worktree.base.slice(0, 12)}</code>${worktree.baseBranch ? ` (${worktree.baseBranch})` : ''}${worktree.snapshot ? ' + your uncommitted changes, never landed' : ''}</dd></div>
      <div><dt>Folder</dt><dd><code>${worktree.path}</code></dd></div>
      <div class=${status === 'conflict' || status === 'check failed' || status === 'blocked' ? 'bad' : ''}><dt>Work</dt><dd data-merge-status=${status ?? 'none'}>${status ? `${status} → ${merge!.target ?? '?'}` : `lands on ${worktree.target ?? '?'} once the job completes`}${status === 'landed' && merge!.commit ? ` at ${merge!.commit.slice(0, 12)}` : ''}</dd></div>
    </dl>
    ${status === 'conflict' ? html`<div class="conflict" role="note"><p>Conflicts with ${merge!.target} in:</p><ul class="files">${merge!.conflicts.map((file) => html`<li><code>${file}</code></li>`)}</ul>
      <p class="dim">Retry (jobline retry ${job.id}) lets its agent resolve them, if it can (an LLM agent, or a command agent with a resolve phase); or resolve them by hand (in its folder: git merge ${job.merge?.target ?? 'the target'}, fix the files, commit), then Merge.</p>
      <button onClick=${() => void call('POST', `/api/jobs/${encodeURIComponent(job.id)}/retry`, { feedback: null }).then(() => onNotice('Resolving the conflict…'), (error: unknown) => onNotice(`Retry refused: ${error instanceof ApiFailure ? error.message : String(error)}`))}>Retry: resolve</button></div>` : ''}
    ${merge?.error && status !== 'conflict' && status !== 'landed' ? html`<pre class="summary bad">${merge.error}</pre>` : ''}
    <details class="diff" open><summary>Diff against its base</summary><pre>${diff ?? 'Loading…'}</pre></details>
    <div class="buttons">
      ${canMerge ? html`<button class="primary" onClick=${() => void run('Merge', 'merge')}>Merge</button>` : ''}
      ${canDiscard ? html`<button class="danger" onClick=${() => setConfirming(true)}>Discard…</button>` : ''}
    </div>
    ${isConfirming ? html`<div class="confirm" role="alertdialog" aria-labelledby="discard-text">
      <p id="discard-text">Discard ${job.name ?? job.id}'s work? Its worktree and its branch ${worktree.branch} are removed, with every commit not landed and every uncommitted change in it. This cannot be undone.</p>
      <div class="buttons">
        <button class="danger" autoFocus onClick=${() => { setConfirming(false); void run('Discard', 'discard'); }}>Discard</button>
        <button onClick=${() => setConfirming(false)}>Keep it</button>
      </div>
    </div>` : ''}
  </section>`;
}
