// A unified diff as the dashboard shows it (a phase's approval, a job's page): each line in the
// colour of what it is (added, removed, a hunk's header, a file's header), its `+`, `-` or `@@`
// still there, so colour is never the only cue.
import { html } from './html.js';

/** What a line of a unified diff is, for its colour: `add`, `del`, `hunk`, `file` or plain context. */
export function classifyDiffLine(line: string): 'add' | 'del' | 'hunk' | 'file' | 'context' {
  if (line.startsWith('+++ ') || line.startsWith('--- ') || line.startsWith('diff --git ') || line.startsWith('index ')) return 'file';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'context';
}

/** `text`, a unified diff, in a `<pre>` with each line coloured by what it is (see classifyDiffLine). */
export function DiffText({ text }: { text: string }) {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return html`<pre class="diff-text">${lines.map((line) => {
    const kind = classifyDiffLine(line);
    // The line break as a value: htm drops whitespace with a line break in the template's own text.
    return html`<span class=${`diff-line diff-${kind}`}>${`${line}\n`}</span>`;
  })}</pre>`;
}
