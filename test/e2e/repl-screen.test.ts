// What the REPL's screen shows a user, in a real pseudo-terminal: finished jobs keep their output,
// pastes land at the cursor, /logs -f prints each line once and keeps what was typed, /jobs rows
// tell jobs apart and filter by status, Tab completes what a command can act on, the startup
// review expands one job at a time, narrow terminals wrap at words, and the bell calls the user.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJob } from '../../src/jobs/model/job.js';
import { JobStore } from '../../src/store/job-store.js';
import { deadOwner } from '../helpers/jobs.js';
import { KEY, PtySession, makeReplWorkspace, type ReplWorkspace } from '../helpers/pty.js';
import { waitFor } from '../helpers/wait.js';

const LEFT = '\u001b[D';

function background(config: object = {}, env: Record<string, string> = {}): ReplWorkspace {
  const workspace = { ...makeReplWorkspace(), env };
  writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify({ mode: 'background', ...config }));
  return workspace;
}

async function promptLine(session: PtySession): Promise<string> {
  return (await session.lines()).at(-1) ?? '';
}

describe('the REPL screen', () => {
  it('keeps a completed job\'s output for /logs, with its phase header, and /jobs rows show the prompt and filter by status', async () => {
    const session = new PtySession(background());
    await session.waitForText('jobline:sh[bg]> ');
    session.send('echo kept-output; echo second-line');
    const done = await session.startedJob();
    await session.waitForText(`[${done.slice(0, 8)}] ✅ Completed`);
    session.send('exit 3 # the failing one');
    const failed = await session.startedJob(undefined, [done]);
    await session.waitForText(`[${failed.slice(0, 8)}] ❌`);
    session.send(`/logs ${done}`);
    await session.waitForText(/── phase 1\/1 run · attempt 1 · .* UTC ──\nkept-output\nsecond-line/);
    session.send('/jobs failed');
    const listing = await session.waitForText('1 failed; /jobs lists all.');
    const rows = listing.slice(listing.lastIndexOf('Jobs ('));
    expect(rows).toContain(failed);
    expect(rows).toContain('exit 3 # the failing one');
    expect(rows).not.toContain(done);
    expect(rows).toMatch(/ended (just now|\d+s ago) · ran \d/);
  });

  it('puts typed and pasted text at the cursor', async () => {
    const session = new PtySession(background());
    await session.waitForText('jobline:sh[bg]> ');
    session.type('echo abcdef');
    session.type(LEFT + LEFT + LEFT);
    session.type('123'); // one chunk, as a paste without bracketed paste (or an input method) sends it
    await waitFor(async () => (await promptLine(session)) === 'jobline:sh[bg]> echo abc123def', 'the chunk at the cursor');
    session.type(LEFT);
    session.type('\u001b[200~X Y\n\u001b[201~'); // a bracketed paste: inserted, never submitted
    await waitFor(async () => (await promptLine(session)) === 'jobline:sh[bg]> echo abc12X Y3def', 'the paste at the cursor');
    session.type(KEY.enter);
    await session.waitForText('│ abc12X Y3def');
  });

  it('/logs -f prints the tail once, each new line once, and keeps keys typed meanwhile', async () => {
    const workspace = background();
    const session = new PtySession(workspace);
    await session.waitForText('jobline:sh[bg]> ');
    session.send(`echo first-line; while [ ! -e ${join(workspace.cwd, 'go')} ]; do sleep 0.05; done; echo later-line; sleep 30`);
    const id = await session.startedJob();
    await session.waitForText('│ first-line');
    session.send(`/logs -f ${id}`);
    await session.waitForText(`Following ${id}`);
    writeFileSync(join(workspace.cwd, 'go'), '');
    await session.waitForText(/^later-line$/m);
    session.type('/jo'); // typed while following
    session.type(KEY.ctrlC);
    await session.waitForText(`Stopped following ${id}.`);
    await waitFor(async () => (await promptLine(session)) === 'jobline:sh[bg]> /jo', 'the typed keys on the prompt');
    expect(await session.count(/^first-line$/)).toBe(1); // the tail, once
    expect(await session.count(/^later-line$/)).toBe(1); // followed once
    expect(await session.count(/│ later-line/)).toBe(0); // and not again as a notification
  });

  it('completes a command with its space, and /cancel offers only active jobs', async () => {
    const session = new PtySession(background());
    await session.waitForText('jobline:sh[bg]> ');
    session.send('true');
    const done = await session.startedJob();
    await session.waitForText(`[${done.slice(0, 8)}] ✅ Completed`);
    session.send('sleep 30');
    const running = await session.startedJob(undefined, [done]);
    session.type('/canc');
    session.type(KEY.tab);
    await waitFor(async () => (await promptLine(session)) === 'jobline:sh[bg]> /cancel ', '/cancel and its space');
    session.type(KEY.tab);
    await waitFor(async () => (await promptLine(session)) === `jobline:sh[bg]> /cancel ${running}`, 'the one active job');
    session.type(KEY.enter);
    await session.waitForText(`🚫 Cancelled ${running}`);
  });

  it('the startup review shows one job in full when asked which, not all of them', async () => {
    const workspace = makeReplWorkspace();
    const store = JobStore.open(workspace.jobsDir);
    for (const [id, prompt] of [['job-aaaa0001', 'first stored job'], ['job-bbbb0002', 'second stored job']] as const) {
      mkdirSync(store.pathsOf(id).dir, { recursive: true });
      store.writeSync({ ...createJob({ id, agent: 'sh', description: prompt, mode: 'interactive', phaseNames: ['run'], owner: deadOwner(), now: '2026-11-22T09:00:00.000Z' }), status: 'running', startedAt: '2026-11-22T09:00:00.000Z' });
    }
    const session = new PtySession(workspace);
    await session.waitForText('[k]eep (Enter):');
    session.type('v');
    await session.waitForText(/View which job in full\?[\s\S]*❯ job-aaaa0001/);
    session.type(KEY.down + KEY.enter);
    const shown = await session.waitForText(/Phases:[\s\S]*\[k\]eep \(Enter\):[^\n]*$/);
    expect(shown).toContain(join(workspace.jobsDir, 'job-bbbb0002', 'events.jsonl'));
    expect(shown).not.toContain(join(workspace.jobsDir, 'job-aaaa0001', 'events.jsonl'));
    session.type('k');
    await session.waitForText('Kept.');
  });

  it('wraps long lines at word boundaries on a narrow terminal', async () => {
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november'];
    const session = new PtySession(background(), [], 60, 30);
    await session.waitForText('jobline:sh[bg]> ');
    session.send(`exit 3 # ${words.join(' ')}`);
    await session.waitForText('exited with code 3');
    const lines = await session.lines();
    const failure = lines.slice(lines.findIndex((line) => line.includes('❌')));
    for (const line of failure) for (const piece of line.split(/[\s`#]+/)) if (/^[a-z]+$/.test(piece) && piece.length > 2) expect(['exit', 'exited', 'with', 'code', 'command', 'not', 'found', 'failed', 'run', 'jobline', ...words]).toContain(piece);
  });

  it('rings the bell when a job ends while the user is not typing, and sends OSC 9 when asked to', async () => {
    const session = new PtySession(background());
    await session.waitForText('jobline:sh[bg]> ');
    session.send('true');
    await session.waitForText('✅ Completed');
    await waitFor(() => session.bells >= 1, 'the bell');
    const osc = new PtySession(background({ notify: 'osc9' }));
    await osc.waitForText('jobline:sh[bg]> ');
    osc.send('true');
    const id = await osc.startedJob();
    await waitFor(() => osc.desktopNotifications.includes(`jobline: ${id} completed`), 'the desktop notification');
    expect(osc.bells).toBe(0);
  });
});
