// The approval box as a user meets it in a real pseudo-terminal: what the phase changed (files,
// diffstat, the full diff in the pager), one key per choice with a `❯` marker visible without
// colour, a box that waits until the user stops typing, counts other jobs' updates in its
// footer, closes when its job is approved from elsewhere, and opens after /watch.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUARD_NOTICE } from '../../src/commands/keyed-select.js';
import { JobStore } from '../../src/store/job-store.js';
import { runCli } from '../helpers/cli.js';
import { KEY, PtySession, makeReplWorkspace, type ReplWorkspace } from '../helpers/pty.js';
import { waitFor } from '../helpers/wait.js';

function gitWorkspace(phases: Array<{ name: string; run: string }>, env: Record<string, string> = {}): ReplWorkspace {
  const workspace = { ...makeReplWorkspace(), env: { NO_COLOR: '1', PAGER: 'cat', ...env } };
  const git = (...args: string[]): void => void execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: workspace.cwd, stdio: 'ignore' });
  writeFileSync(join(workspace.cwd, 'README.md'), 'first line\n');
  writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify({ defaultAgent: 'edit', agents: { edit: { type: 'command', phases } } }));
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'start');
  return workspace;
}

const editPhases = [
  { name: 'implement', run: 'case "$JOB_PROMPT" in slow*) while [ ! -e go ]; do sleep 0.05; done; echo late; echo later;; *) echo "added line" >> README.md; printf "x\\ny\\n" > notes.txt; echo edited;; esac' },
  { name: 'deliver', run: 'echo delivered' },
];

// A REPL in a fresh git workspace with a job that edits files and now waits in the box.
async function openBox(prompt: string): Promise<{ workspace: ReplWorkspace; session: PtySession; id: string }> {
  const workspace = gitWorkspace(editPhases);
  const session = new PtySession(workspace);
  await session.waitForText('jobline:edit> ');
  session.send(prompt);
  const id = await session.startedJob();
  await session.waitForText('Show the full diff (d)');
  await session.waitForAnswers();
  return { workspace, session, id };
}

async function jobStatus(workspace: ReplWorkspace, id: string): Promise<string> {
  return (await JobStore.open(workspace.jobsDir).loadRaw(id)).status;
}

describe('the approval box', () => {
  it('shows the files the phase changed, opens the full diff with d, and takes c, r, x, l as answers', async () => {
    const { workspace, session, id } = await openBox('edit it');
    const screen = await session.waitForText('changed 2 files (+3 −0)');
    expect(screen).toMatch(/README\.md\s+\+1 −0/);
    expect(screen).toMatch(/notes\.txt\s+\+2 −0/);
    expect(screen).toMatch(/❯ Continue to the next phase \(c\)/); // the marker, with NO_COLOR
    session.type('d');
    await session.waitForText('+added line'); // the diff, through $PAGER (cat)
    await session.waitForText(/diff --git a\/notes\.txt b\/notes\.txt[\s\S]*\? job-\w+: what next\?/); // then asked again
    await session.waitForAnswers();
    session.type('r');
    await session.waitForText('Feedback for the retry');
    session.send('');
    await session.waitForText('attempt 2');
    await session.waitForText(/attempt 2[\s\S]*Show the full diff \(d\)/);
    await session.waitForAnswers();
    session.type('l');
    await session.waitForText(`${id} waits`);
    expect(await jobStatus(workspace, id)).toBe('awaiting_approval');
    session.send(`/cancel ${id}`);
    await session.waitForText(`🚫 Cancelled ${id}`);
    const second = await openBox('edit again');
    second.session.type('x');
    await waitFor(async () => (await jobStatus(second.workspace, second.id)) === 'cancelled', 'x to cancel the job');
    const third = await openBox('edit once more');
    third.session.type('c');
    await third.session.waitForText(`[${third.id.slice(0, 8)}] ✅ Completed`);
  });

  it('never opens while keys are being typed, and counts the updates that wait behind it', async () => {
    const workspace = gitWorkspace(editPhases);
    const session = new PtySession(workspace);
    await session.waitForText('jobline:edit> ');
    session.send('slow one');
    const slow = await session.startedJob();
    session.send('quick one');
    const quick = await session.startedJob(undefined, [slow]);
    // The quick job waits for approval at once; the user keeps issuing commands for a while.
    await waitFor(async () => (await jobStatus(workspace, quick)) === 'awaiting_approval', 'the quick job to wait');
    for (let i = 0; i < 4; i++) {
      session.send('/jobs');
      await session.waitForText(new RegExp(`(Jobs \\(2 total[\\s\\S]*){${i + 1}}`));
      expect(await session.text()).not.toContain('what next?');
    }
    await session.waitForText('what next?'); // once the keys stop
    writeFileSync(join(workspace.cwd, 'go'), ''); // now the slow job prints, behind the box
    await session.waitForText(/[1-9]\d* updates? waiting/); // the slow job printed meanwhile
    await session.waitForAnswers();
    session.type('l');
    await session.waitForText(`[${slow.slice(0, 8)}] │ late`); // printed once the box closed
  });

  it('takes no answer for its first moment (and says so): /cancel typed as it opens cancels the job instead of continuing it', async () => {
    const workspace = gitWorkspace(editPhases);
    const session = new PtySession(workspace);
    await session.waitForText('jobline:edit> ');
    session.send('edit it');
    const id = await session.startedJob();
    await session.waitForText(GUARD_NOTICE); // the box's first frame
    session.send(`/cancel ${id}`); // typed as it opened: its `c` is no answer
    await session.waitForText(`${id} waits (you were typing)`);
    await session.waitForText(`🚫 Cancelled ${id}`);
    expect(await jobStatus(workspace, id)).toBe('cancelled');
    expect(await session.text()).not.toContain('· continue');
  });

  it('after its first moment, a key that is no answer closes it as later and goes, with what follows, to the prompt line', async () => {
    const workspace = gitWorkspace(editPhases);
    writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify({ defaultAgent: 'edit', agents: { edit: { type: 'command', phases: editPhases }, release: { type: 'command', phases: [{ name: 'bump', run: 'echo "bumping: $JOB_PROMPT"' }] } } }));
    const session = new PtySession(workspace);
    await session.waitForText('jobline:edit> ');
    session.send('edit it');
    const id = await session.startedJob();
    await session.waitForText(GUARD_NOTICE);
    await waitFor(async () => {
      const text = await session.text();
      return text.includes('what next?') && !text.includes(GUARD_NOTICE);
    }, 'the box to take answers');
    session.type('/agent release\rbump patch\r');
    await session.waitForText(`${id} waits (you were typing)`);
    await session.waitForText('jobline:release> ');
    const bump = await session.startedJob('release');
    await session.waitForText(`[${bump.slice(0, 8)}] │ bumping: bump patch`);
    expect(await jobStatus(workspace, id)).toBe('awaiting_approval'); // not retried, not answered
    expect(await session.text()).not.toContain('Feedback for the retry');
  });

  it('closes when its job is approved from another terminal, and /watch hands over to it', async () => {
    const workspace = gitWorkspace([{ name: 'implement', run: 'sleep 0.5; echo edited >> README.md' }, { name: 'deliver', run: 'sleep 0.5; echo delivered' }, { name: 'done', run: 'true' }]);
    const session = new PtySession(workspace);
    await session.waitForText('jobline:edit> ');
    session.send('work');
    const id = await session.startedJob();
    session.send(`/watch ${id}`);
    await session.waitForText('approval needed'); // /watch ends at the approval
    await session.waitForText('what next?');
    const approved = await runCli(['approve', id], { cwd: workspace.cwd, env: { JOBLINE_JOBS_DIR: workspace.jobsDir } });
    expect(approved.code).toBe(0);
    await session.waitForText('Approved from another terminal (jobline approve)');
    expect(await session.count(/✖ job-\w+: what next\?/)).toBe(1); // closed once, however many events followed
    await session.waitForText(/phase 2\/3 deliver completed[\s\S]*what next\?/); // the next approval gets its own box
    await session.waitForAnswers();
    session.type(KEY.enter);
    await session.waitForText(`[${id.slice(0, 8)}] ✅ Completed`);
  });
});
