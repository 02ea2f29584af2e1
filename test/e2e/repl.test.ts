// The REPL in a real pseudo-terminal: prompts become jobs, the cap and queue, steering jobs by id
// prefix, typing that survives notifications, and the ways out.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJob } from '../../src/jobs/model/job.js';
import { JobStore } from '../../src/store/job-store.js';
import { KEY, PtySession, makeReplWorkspace, type ReplWorkspace } from '../helpers/pty.js';
import { findProcesses, waitFor } from '../helpers/wait.js';

function start(workspace: ReplWorkspace, args: string[] = [], cols = 100): PtySession {
  return new PtySession(workspace, args, cols);
}

/** The last line on screen, the prompt and what is typed, without trailing spaces. */
async function promptLine(session: PtySession): Promise<string> {
  return ((await session.lines()).at(-1) ?? '').trimEnd();
}

describe('REPL', () => {
  it('runs four jobs with the cap at 3: /jobs shows 3 running and 1 queued', async () => {
    const workspace = makeReplWorkspace();
    const session = start(workspace);
    await session.waitForText('jobline:sh> ');
    for (let i = 0; i < 4; i++) session.send(`sleep 30 # e2e-cap-${i}`);
    await session.waitForText(/⏳ Queued job-[a-z0-9]{8} [\w.-]+ \(position 1\)/);
    expect(await session.count(/✅ Started job-[a-z0-9]{8} [\w.-]+ \(sh\)/)).toBe(3);
    session.send('/jobs');
    await session.waitForText('Jobs (4 total, 4 active)');
    expect(await session.count(/^ 🔄 job-\w{8} sh\s+running/)).toBe(3);
    expect(await session.count(/^ ⏳ job-\w{8} sh\s+queued/)).toBe(1);
  });

  it('cancels a job by id prefix and explains an ambiguous prefix', async () => {
    const workspace = makeReplWorkspace();
    // Two stored jobs sharing a prefix make the ambiguity certain.
    const store = JobStore.open(workspace.jobsDir);
    for (const id of ['job-aaaa0001', 'job-aaaa0002']) {
      const job = createJob({ id, agent: 'sh', description: 'old work', mode: 'interactive', phaseNames: ['run'], owner: { pid: 1, hostname: 'elsewhere', processStartedAt: '2026-01-01T00:00:00.000Z' }, now: '2026-11-01T00:00:00.000Z' });
      (await import('node:fs')).mkdirSync(store.pathsOf(id).dir);
      store.writeSync({ ...job, status: 'failed', error: 'earlier failure', endedAt: '2026-11-01T00:01:00.000Z' });
    }
    const session = start(workspace);
    await session.waitForText('jobline:sh> ');
    session.send('/cancel aaaa');
    await session.waitForText("error: 'aaaa' matches 2 jobs: job-aaaa0001, job-aaaa0002. Type more of the id.");
    session.send('sleep 30 # e2e-cancel');
    const id = await session.startedJob();
    session.send(`/cancel ${id.slice(4, 7)}`);
    await session.waitForText(`🚫 Cancelled ${id}`);
    await session.waitForText(`[${id.slice(0, 8)}] 🚫 Cancelled`);
    expect((await store.loadRaw(id)).status).toBe('cancelled');
    expect(await waitFor(() => findProcesses('e2e-cancel').length === 0, 'the job process to die', 3000)).toBe(true);
  });

  it('keeps a half-typed line and its cursor when a notification arrives, also when the line wraps', async () => {
    const workspace = makeReplWorkspace();
    const session = start(workspace, [], 60);
    await session.waitForText('jobline:sh> ');
    session.send('while [ ! -f go ]; do sleep 0.02; done; echo ping-from-job; while [ ! -f go2 ]; do sleep 0.02; done; echo second-ping');
    await session.waitForText('✅ Started');
    session.type('hello wor');
    await session.waitForText('jobline:sh> hello wor');
    writeFileSync(join(workspace.cwd, 'go'), '');
    await session.waitForText('│ ping-from-job');
    await waitFor(async () => (await promptLine(session)).startsWith('jobline:sh>'), 'the prompt under the notification');
    expect(await promptLine(session)).toBe('jobline:sh> hello wor');
    const cursor = await session.cursor();
    expect(cursor.col).toBe('jobline:sh> hello wor'.length);
    expect(cursor.row).toBe((await session.lines()).length - 1);

    // A line wider than the terminal: 12 prompt + 9 typed + 100 more = 121 columns = 3 rows of 60.
    const long = 'x'.repeat(100);
    session.type(long);
    await session.waitForText(/x{39}$/m);
    writeFileSync(join(workspace.cwd, 'go2'), '');
    await session.waitForText('│ second-ping');
    await waitFor(async () => (await session.lines()).slice(-3)[0]!.startsWith('jobline:sh>'), 'the prompt under the notification');
    const lines = await session.lines();
    expect(lines.slice(-3).join('')).toBe(`jobline:sh> hello wor${long}`);
    expect(lines.filter((line) => line.includes('jobline:sh> hello wor'))).toHaveLength(1); // no stale copy of the prompt left behind
    const wrapped = await session.cursor();
    expect(wrapped).toEqual({ row: lines.length - 1, col: (12 + 9 + 100) % 60 });
    session.type(KEY.ctrlC);
    await waitFor(async () => (await promptLine(session)) === 'jobline:sh>', 'Ctrl+C to clear the line');
  });

  it('suggests the nearest command for an unknown one, completes with Tab and keeps history across sessions', async () => {
    const workspace = makeReplWorkspace();
    const session = start(workspace);
    await session.waitForText('jobline:sh> ');
    session.send('/jbos');
    await session.waitForText('Unknown command /jbos. Type /help for commands. Did you mean /jobs?');
    session.type('/hel');
    session.type(KEY.tab);
    await waitFor(async () => (await promptLine(session)) === 'jobline:sh> /help', 'Tab to complete /help');
    session.type(KEY.enter);
    await session.waitForText('/retry <id> [--keep] [feedback]');
    session.send('echo remembered-line');
    await session.waitForText('✅ Completed');
    session.type(KEY.ctrlD);
    await session.exited;

    const again = start(workspace);
    await again.waitForText('jobline:sh> ');
    again.type(KEY.up);
    await waitFor(async () => (await promptLine(again)) === 'jobline:sh> echo remembered-line', 'history from the last session');
  });

  it('Ctrl+C clears the line, warns on an empty one, and exits on the second', async () => {
    const session = start(makeReplWorkspace());
    await session.waitForText('jobline:sh> ');
    session.type('abc');
    await session.waitForText('jobline:sh> abc');
    session.type(KEY.ctrlC);
    await waitFor(async () => (await promptLine(session)) === 'jobline:sh>', 'the line to be cleared');
    session.type(KEY.ctrlC);
    await session.waitForText('(To exit, press Ctrl+C again or Ctrl+D, or type /quit)');
    session.type(KEY.ctrlC);
    expect((await session.exited).exitCode).toBe(0);
  });

  it('Ctrl+D and a double Ctrl+C ask first while a job is active; yes leaves and marks it interrupted', async () => {
    const workspace = makeReplWorkspace();
    const session = start(workspace);
    await session.waitForText('jobline:sh> ');
    session.send('sleep 30 # e2e-ctrl-d');
    await session.waitForText('✅ Started');
    session.type(KEY.ctrlC);
    await session.waitForText('(To exit, press Ctrl+C again');
    session.type(KEY.ctrlC);
    await session.waitForText(/1 job\(s\) still active\. Quit and mark them interrupted\?[\s\S]*❯ No \(n\)/);
    session.type('n'); // stays
    await session.waitForText(/Quit and mark them interrupted\? · No\s*\njobline:sh> $/);
    session.send('/jobs');
    await session.waitForText('Jobs (1 total, 1 active)'); // still taking input
    session.type(KEY.ctrlD);
    await waitFor(async () => (await session.count(/Quit and mark them interrupted\? …/)) === 1, 'Ctrl+D to ask');
    session.type('y');
    expect((await session.exited).exitCode).toBe(0);
    const [job] = (await JobStore.open(workspace.jobsDir).list()).jobs;
    expect(job).toMatchObject({ status: 'interrupted', error: 'Interrupted: jobline exited' });
    expect(await waitFor(() => findProcesses('e2e-ctrl-d').length === 0, 'the job process to die', 3000)).toBe(true);
  });

  it('/quit asks first when jobs are active', async () => {
    const session = start(makeReplWorkspace());
    await session.waitForText('jobline:sh> ');
    session.send('sleep 30 # e2e-quit');
    await session.waitForText('✅ Started');
    session.send('/quit');
    await session.waitForText('1 job(s) still active. Quit and mark them interrupted?');
    session.type('n');
    await waitFor(async () => (await promptLine(session)) === 'jobline:sh>', 'the prompt to come back');
    session.send('/quit');
    await waitFor(async () => (await session.count(/still active\. Quit/)) === 2, 'the second question');
    session.type('y');
    expect((await session.exited).exitCode).toBe(0);
    expect(await waitFor(() => findProcesses('e2e-quit').length === 0, 'the job process to die', 3000)).toBe(true);
  });
});

describe('foreground commands', () => {
  it('/watch shows a spinner until Ctrl+C; the job keeps running and its notifications follow', async () => {
    const workspace = makeReplWorkspace();
    const session = start(workspace);
    await session.waitForText('jobline:sh> ');
    session.send('while [ ! -f stop ]; do echo tick; sleep 0.05; done');
    const id = await session.startedJob();
    session.send(`/watch ${id.slice(4, 8)}`);
    await session.waitForText(new RegExp(`${id} running 1/1 run — tick`));
    session.type(KEY.ctrlC);
    await session.waitForText(`Stopped watching ${id}; it keeps running.`);
    await waitFor(async () => ((await session.lines()).at(-1) ?? '').trimEnd() === 'jobline:sh>', 'the prompt');
    expect(JSON.parse((await import('node:fs')).readFileSync(join(workspace.jobsDir, id, 'job.json'), 'utf8')).status).toBe('running');
    writeFileSync(join(workspace.cwd, 'stop'), '');
    await session.waitForText(`[${id.slice(0, 8)}] ✅ Completed`);
  });
});
