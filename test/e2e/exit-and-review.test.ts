// Leaving the REPL by signal, and the review of incomplete jobs at the next start.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/job-store.js';
import { PtySession, makeReplWorkspace, type ReplWorkspace } from '../helpers/pty.js';
import { findProcesses, waitFor } from '../helpers/wait.js';

function start(workspace: ReplWorkspace): PtySession {
  return new PtySession(workspace);
}
async function startJob(session: PtySession, prompt: string): Promise<string> {
  session.send(prompt);
  return session.startedJob();
}
/** A SIGKILLed owner cannot stop its job's processes; the test does. */
function killLeftovers(marker: string): void {
  for (const pid of findProcesses(marker)) process.kill(pid, 'SIGKILL');
}

describe('exit by signal', () => {
  it('SIGTERM leaves job.json saying interrupted, and no job process behind', async () => {
    const workspace = makeReplWorkspace();
    const session = start(workspace);
    await session.waitForText('jobline:sh> ');
    const id = await startJob(session, 'sleep 30 # e2e-sigterm');
    session.kill('SIGTERM');
    expect((await session.exited).exitCode).toBe(143);
    const job = await JobStore.open(workspace.jobsDir).loadRaw(id);
    expect(job).toMatchObject({ status: 'interrupted', error: 'Interrupted: jobline exited', endedAt: expect.any(String) });
    expect(job.phases[0]!.status).toBe('interrupted');
    expect(await waitFor(() => findProcesses('e2e-sigterm').length === 0, 'the job process to die', 3000)).toBe(true);
  });
});

describe('/quit', () => {
  it('answered Yes with a job running, exits without drawing the prompt again', async () => {
    const workspace = makeReplWorkspace();
    const session = start(workspace);
    await session.waitForText('jobline:sh> ');
    await startJob(session, 'sleep 30 # e2e-quit-yes');
    session.send('/quit');
    await session.waitForText('1 job(s) still active. Quit and mark them interrupted?');
    session.type('y');
    expect((await session.exited).exitCode).toBe(0);
    const lines = await session.lines();
    const asked = lines.findLastIndex((line) => line.includes('Quit and mark them interrupted?'));
    expect(lines.slice(asked + 1).filter((line) => line.includes('jobline:sh>'))).toEqual([]);
    expect(lines.slice(asked + 1).join('\n')).toContain('Marked 1 active job(s) interrupted; the next start offers to resume them.');
  });
});

describe('startup review after SIGKILL', () => {
  it('shows the interrupted job, and [v], [k] and [d] each work; a kept job is resumed with /resume', async () => {
    const workspace = makeReplWorkspace();
    const marker = `e2e-review-${process.pid}`;
    // First run: marks itself and hangs; a resumed run finds the mark and completes.
    const prompt = `test -f resumed-ok && echo resumed-done && exit 0; touch resumed-ok; sleep 30 # ${marker}`;
    const first = start(workspace);
    await first.waitForText('jobline:sh> ');
    const id = await startJob(first, prompt);
    await waitFor(() => existsSync(join(workspace.cwd, 'resumed-ok')), 'the job to run');
    first.kill('SIGKILL');
    await first.exited;
    killLeftovers(marker);

    // [v] shows details and asks again; [k] keeps the job, which /jobs then lists.
    const second = start(workspace);
    await second.waitForText('⚠️  Found 1 incomplete job(s) from previous session:');
    const review = await second.waitForText('[v]iew details, [r]esume, [d]elete all, [k]eep (Enter):');
    expect(review).toContain(id);
    expect(review).toContain(`Job files: ${workspace.jobsDir}`);
    expect(review).toMatch(/interrupted/);
    second.type('v');
    await second.waitForText('Phases:');
    // The phase's task and its run, which the SIGKILL interrupted.
    await second.waitForText(/task t1 run · todo · 1 run\s+⏸ r1 attempt 1 · sh\[\w{4}-0\] · interrupted/);
    await second.waitForText(join(workspace.jobsDir, id, 'events.jsonl'));
    await waitFor(async () => (await second.count(/\[k\]eep \(Enter\):/)) === 2, 'the question again');
    second.type('k');
    await second.waitForText('Kept. They are in /jobs interrupted; /resume <id> continues one.');
    second.send('/jobs');
    await second.waitForText(new RegExp(`${id} sh\\s+interrupted`));
    second.send('/quit');
    await second.exited;

    // A kept job is not asked about at the next start (the startup-review test has [r]); /resume continues it.
    const third = start(workspace);
    await third.waitForText('1 interrupted job kept (/jobs interrupted)');
    await third.waitForText('jobline:sh> ');
    expect(await third.text()).not.toContain('[k]eep (Enter)');
    third.send(`/resume ${id}`);
    await third.waitForText(`↻ Resuming ${id} at run`);
    await third.waitForText('│ resumed-done');
    await third.waitForText(`[${id.slice(0, 8)}] ✅ Completed`);
    // Both attempts are kept: the interrupted run and the one that completed.
    third.send(`/jobs ${id}`);
    await third.waitForText(/task t1 run · done · 2 runs\s+⏸ r1 attempt 1 · .* · interrupted[\s\S]*✅ r2 attempt 2 · .* · succeeded/);
    third.send('/quit');
    await third.exited;

    // A new interrupted job; [d] deletes it, and the next start has nothing to review.
    const fourth = start(workspace);
    await fourth.waitForText('jobline:sh> ');
    expect(await fourth.text()).not.toContain('incomplete job');
    const doomed = await startJob(fourth, `sleep 30 # ${marker}`);
    fourth.kill('SIGKILL');
    await fourth.exited;
    killLeftovers(marker);
    const fifth = start(workspace);
    await fifth.waitForText('[k]eep (Enter):');
    fifth.type('d');
    await fifth.waitForText(/Delete 1 incomplete job and their files\?[\s\S]*❯ No \(n\)/); // asks first, No preselected
    fifth.type('y');
    await fifth.waitForText('🗑  Deleted 1 incomplete job(s).');
    expect(existsSync(join(workspace.jobsDir, doomed))).toBe(false);
    fifth.send('/quit');
    await fifth.exited;
    const sixth = start(workspace);
    await sixth.waitForText('jobline:sh> ');
    expect(await sixth.text()).not.toContain('incomplete job');
  });
});
