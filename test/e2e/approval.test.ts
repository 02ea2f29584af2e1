// Phase-by-phase approval in a real pseudo-terminal: the summary box, continue, retry with
// feedback, cancel and later; the box never interrupts a half-typed line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/job-store.js';
import { KEY, PtySession, makeReplWorkspace, type ReplWorkspace } from '../helpers/pty.js';
import { waitFor } from '../helpers/wait.js';


function stagedWorkspace(firstPhase = 'echo "analyzed: $JOB_PROMPT"'): ReplWorkspace {
  const workspace = makeReplWorkspace();
  writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify({
    defaultAgent: 'staged',
    debug: { keepTempFiles: true },
    agents: {
      staged: {
        type: 'command',
        phases: [
          { name: 'analyze', run: firstPhase },
          { name: 'implement', run: 'echo "implemented attempt=$JOB_ATTEMPT feedback=$JOB_FEEDBACK"' },
          { name: 'deliver', run: 'echo delivered' },
        ],
      },
    },
  }));
  return workspace;
}

function start(workspace: ReplWorkspace): PtySession {
  return new PtySession(workspace);
}

describe('approval in the REPL', () => {
  it('continue, retry with feedback, later then /approve: the job completes with every phase approved', async () => {
    const workspace = stagedWorkspace();
    const session = start(workspace);
    await session.waitForText('jobline:staged> ');
    session.send('add auth');
    const id = await session.startedJob();

    await session.waitForText('phase 1/3 analyze completed');
    await session.waitForText('analyzed: add auth'); // the output excerpt in the box
    await session.waitForText('Continue to the next phase');
    await session.waitForAnswers();
    session.type(KEY.enter); // continue is the default

    await session.waitForText('phase 2/3 implement completed');
    await session.waitForText('implemented attempt=1 feedback=');
    await session.waitForAnswers();
    session.type(KEY.down);
    session.type(KEY.enter); // retry
    await session.waitForText('Feedback for the retry');
    session.send('add tests too');
    await session.waitForText('implemented attempt=2 feedback=add tests too');
    // The box of the second attempt, open with its choices (not the notification of the attempt's start).
    await session.waitForText(/· attempt 2[\s\S]*Continue to the next phase/);
    await session.waitForAnswers();

    session.type(KEY.down + KEY.down + KEY.down);
    session.type(KEY.enter); // later
    await session.waitForText(`${id} waits: /approve, /retry or /cancel it when you are ready.`);
    session.send('/jobs');
    await session.waitForText(/⏸️ ?\s*job-\w{8} staged\s+awaiting_approval\s+2\/3 implement/);
    session.send(`/approve ${id.slice(4, 8)}`);
    await session.waitForText(`👍 Approved ${id}; next: deliver`);
    await session.waitForText(`[${id.slice(0, 8)}] ✅ Completed`);

    const job = await JobStore.open(workspace.jobsDir).loadRaw(id);
    expect(job.status).toBe('completed');
    expect(job.phases.map((phase) => [phase.name, phase.attempts, phase.output])).toEqual([
      ['analyze', 1, 'analyzed: add auth'],
      ['implement', 2, 'implemented attempt=2 feedback=add tests too'],
      ['deliver', 1, 'delivered'],
    ]);
  });

  it('cancel from the box ends the job', async () => {
    const workspace = stagedWorkspace();
    const session = start(workspace);
    await session.waitForText('jobline:staged> ');
    session.send('something');
    const id = await session.startedJob();
    await session.waitForAnswers();
    session.type(KEY.down + KEY.down);
    session.type(KEY.enter);
    await session.waitForText(`[${id.slice(0, 8)}] 🚫 Cancelled`);
    expect((await JobStore.open(workspace.jobsDir).loadRaw(id)).status).toBe('cancelled');
  });

  it('does not take a line typed into the box as an answer: it closes the box as later and runs at the prompt', async () => {
    const workspace = stagedWorkspace();
    const session = start(workspace);
    await session.waitForText('jobline:staged> ');
    session.send('something');
    const id = await session.startedJob();
    await session.waitForAnswers();
    // A command typed into the box: its `/` names no choice, so the box closes as later and the
    // command, Enter included, goes to the prompt line.
    session.send('/jobs');
    await session.waitForText(`${id} waits (you were typing): /approve, /retry or /cancel it when you are ready.`);
    await session.waitForText(/Jobs \(1 total/);
    expect(await session.text()).not.toContain('· continue');
    expect((await JobStore.open(workspace.jobsDir).loadRaw(id)).status).toBe('awaiting_approval');
  });

  it('waits for an empty line before showing the box, and keeps what was typed', async () => {
    const workspace = stagedWorkspace('while [ ! -f go ]; do sleep 0.02; done; echo analyzed');
    const session = start(workspace);
    await session.waitForText('jobline:staged> ');
    session.send('gated');
    await session.startedJob();
    session.type('half typed');
    await session.waitForText('jobline:staged> half typed');
    writeFileSync(join(workspace.cwd, 'go'), '');
    await session.waitForText('Waiting for approval of analyze');
    // The notification printed above the line; no box, and the typed text is intact.
    expect(await session.text()).not.toContain('Approval needed');
    expect(((await session.lines()).at(-1) ?? '').trimEnd()).toBe('jobline:staged> half typed');
    // Emptying the line lets the box appear.
    session.type(KEY.ctrlC);
    await session.waitForText('Approval needed');
    await session.waitForAnswers();
    session.type(KEY.enter);
    await session.waitForText('phase 2/3 implement completed');
  });

  it('types normally after the box: no keystroke is echoed twice or lost', async () => {
    const workspace = stagedWorkspace();
    const session = start(workspace);
    await session.waitForText('jobline:staged> ');
    session.send('first');
    await session.waitForAnswers();
    session.type(KEY.down + KEY.down + KEY.down);
    session.type(KEY.enter); // later
    await session.waitForText('waits: /approve');
    session.type('/agents');
    await waitFor(async () => ((await session.lines()).at(-1) ?? '').trimEnd() === 'jobline:staged> /agents', 'the typed text, exactly once');
    session.type(KEY.enter);
    await session.waitForText(/▸ staged/);
    session.type(KEY.up);
    await waitFor(async () => ((await session.lines()).at(-1) ?? '').trimEnd() === 'jobline:staged> /agents', 'history to survive the box');
  });
});

describe('several waiting jobs', () => {
  it('are presented one after another', async () => {
    const workspace = stagedWorkspace('while [ ! -f go ]; do sleep 0.02; done; echo "analyzed: $JOB_PROMPT"');
    const session = start(workspace);
    await session.waitForText('jobline:staged> ');
    session.send('alpha');
    session.send('beta');
    await waitFor(async () => (await session.count(/✅ Started job-/)) === 2, 'both jobs to start');
    writeFileSync(join(workspace.cwd, 'go'), '');
    await session.waitForText(/analyzed: (alpha|beta)/);
    await session.waitForText('Continue to the next phase');
    // Both first phases must be waiting before the first box is answered; otherwise the answered
    // job's next phase may finish first and, rightly, be presented before the other job.
    const store = JobStore.open(workspace.jobsDir);
    await waitFor(async () => (await store.list()).jobs.filter((job) => job.status === 'awaiting_approval').length === 2, 'both jobs to wait for approval');
    const first = /analyzed: (alpha|beta)/.exec(await session.text())![1]!;
    const second = first === 'alpha' ? 'beta' : 'alpha';
    await session.waitForAnswers();
    session.type(KEY.enter);
    await session.waitForText(`analyzed: ${second}`);
    await waitFor(async () => (await session.count(/what next\?/)) === 2, 'the second box');
    await session.waitForAnswers();
    session.type(KEY.enter);
    // Both now finish implement; their boxes still come one at a time.
    await waitFor(async () => (await session.count(/phase 2\/3 implement completed/)) === 1, 'the first implement box');
    await waitFor(async () => (await session.count(/what next\?/)) === 3, 'the third box');
    await session.waitForAnswers();
    session.type(KEY.enter);
    await waitFor(async () => (await session.count(/phase 2\/3 implement completed/)) === 2, 'the second implement box');
  });
});
