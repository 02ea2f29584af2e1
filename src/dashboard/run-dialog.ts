// The Run button's form: pick a template of the server's config, fill its placeholders, submit.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, readTemplates, runTemplate } from './api.js';
import { html } from './html.js';
import type { TemplateInfo } from './types.js';

/** A dialog that runs a template; `onClose` with the new job's id (or null when dismissed). */
export function RunDialog({ onClose }: { onClose: (jobId: string | null) => void }) {
  const [templates, setTemplates] = useState<TemplateInfo[] | null>(null);
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
    void readTemplates().then((read) => {
      setTemplates(read);
      if (read[0]) setName(read[0].name);
    }, (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)));
  }, []);
  const template = templates?.find((candidate) => candidate.name === name) ?? null;
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (!template) return;
    try {
      const picked = Object.fromEntries(template.placeholders.map((key) => [key, values[key] ?? '']));
      const { job } = await runTemplate(template.name, picked);
      onClose(job.id);
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.message : String(failure));
    }
  };
  return html`<dialog ref=${dialog} class="run-dialog" aria-labelledby="run-title" onClose=${() => onClose(null)}>
    <form onSubmit=${submit}>
      <h2 id="run-title">Run a template</h2>
      ${templates === null && !error ? html`<p>Loading templates…</p>` : ''}
      ${templates?.length === 0 ? html`<p>The server's config has no templates. Add <code>templates</code> to its .jobrc.json.</p>` : ''}
      ${templates && templates.length > 0 ? html`
        <label for="template">Template</label>
        <select id="template" value=${name} onChange=${(event: Event) => { setName((event.target as HTMLSelectElement).value); setValues({}); }}>
          ${templates.map((item) => html`<option value=${item.name}>${item.name}${item.description ? ` — ${item.description}` : ''}</option>`)}
        </select>
        ${template ? html`<p class="dim template-prompt"><code>${template.prompt}</code>${template.agent ? ` (${template.agent})` : ''}</p>` : ''}
        ${template?.placeholders.map((key) => html`<label for=${`value-${key}`}>${key}</label>
          <input id=${`value-${key}`} required value=${values[key] ?? ''} onInput=${(event: Event) => setValues({ ...values, [key]: (event.target as HTMLInputElement).value })} />`)}
      ` : ''}
      ${error ? html`<p class="bad" role="alert">${error}</p>` : ''}
      <div class="buttons">
        <button type="submit" class="primary" disabled=${!template}>Run</button>
        <button type="button" onClick=${() => onClose(null)}>Close</button>
      </div>
    </form>
  </dialog>`;
}
