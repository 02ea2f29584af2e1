// The dashboard's entry: the header (connection, Run, Log out), and a route per hash: `#/` the
// board, `#/jobs/ID` a job's page, `#login=CODE` a one-time login link landing (see auth.ts). A
// browser that is not logged in is told how to get a link, and why the last one did not work.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { completeLogin, logOut } from './auth.js';
import { Board } from './board.js';
import { html } from './html.js';
import { useBoard } from './hooks.js';
import { JobPage } from './job-page.js';
import { LiveBoard, type Connection } from './live.js';
import { RunDialog } from './run-dialog.js';

const CONNECTION_TEXT: Record<Connection, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  unauthorized: 'Not logged in',
};

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = (): void => setHash(location.hash);
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return hash;
}

/** Why the login link this page was opened with did not work (null: it did, or there was none). */
let loginRefusal: string | null = null;

function App({ board }: { board: LiveBoard }) {
  useBoard(board);
  const hash = useHash();
  const [isRunning, setRunning] = useState(false);
  const jobId = /^#\/jobs\/([A-Za-z0-9_.-]+)$/.exec(hash)?.[1] ?? null;
  useEffect(() => {
    document.title = jobId ? `${board.cards.get(jobId)?.job.name ?? jobId} · jobline` : 'jobline';
  }, [jobId, board.version]);
  return html`<div class="app">
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="#/">jobline</a>
      <span class=${`connection connection-${board.connection}`} role="status" aria-live="polite">${CONNECTION_TEXT[board.connection]}</span>
      <button class="primary" onClick=${() => setRunning(true)}>Run…</button>
      ${board.connection === 'unauthorized' ? '' : html`<button onClick=${() => void logOut().then(() => board.stop())} title="Logs every browser out of this jobs folder's dashboard">Log out</button>`}
    </header>
    <main id="main" tabIndex="-1">
      ${board.connection === 'unauthorized' ? html`<section class="login"><h1>Log in</h1>
        ${loginRefusal ? html`<p class="bad" role="alert">${loginRefusal}</p>` : ''}
        <p>This browser is not logged in to the jobline server. Run <code>jobline ui</code> in your project and open the link it prints: it works once and logs this browser in.</p></section>`
        : jobId ? html`<${JobPage} key=${jobId} board=${board} id=${jobId} />` : html`<${Board} board=${board} />`}
      ${board.error && board.connection !== 'unauthorized' ? html`<p class="bad" role="alert">${board.error}</p>` : ''}
    </main>
    ${isRunning ? html`<${RunDialog} onClose=${(id: string | null) => { setRunning(false); if (id) location.hash = `#/jobs/${id}`; }} />` : ''}
  </div>`;
}

const board = new LiveBoard();
const root = document.getElementById('app')!;
// A login link opened in a tab already on this page changes only the hash: start afresh with it.
addEventListener('hashchange', () => {
  if (location.hash.startsWith('#login=')) location.reload();
});
void (async () => {
  loginRefusal = await completeLogin();
  root.textContent = ''; // the page's "Loading…" placeholder
  render(html`<${App} board=${board} />`, root);
  await board.start();
})();
