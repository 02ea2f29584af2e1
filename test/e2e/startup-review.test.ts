// The review of interrupted jobs at startup, in a real pseudo-terminal: its question takes one key
// (as the approval box does; Enter keeps), the resume picker starts with the first job picked
// (Enter resumes it), and a job the user chose to keep is not offered at every start again: one
// line counts the kept ones and says where they are.
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createJob } from '../../src/jobs/model/job.js';
import { JobStore } from '../../src/store/job-store.js';
import { deadOwner } from '../helpers/jobs.js';
import { KEY, PtySession, makeReplWorkspace, type ReplWorkspace } from '../helpers/pty.js';
import { waitFor } from '../helpers/wait.js';

// A job left running by a jobline that died: every reader sees it interrupted.
function leaveInterrupted(workspace: ReplWorkspace, id: string, prompt: string, at: string): void {
  const store = JobStore.open(workspace.jobsDir);
  mkdirSync(store.pathsOf(id).dir, { recursive: true });
  const job = createJob({ id, agent: 'sh', description: prompt, mode: 'background', phaseNames: ['run'], owner: deadOwner(), now: at });
  job.phases[0] = { ...job.phases[0]!, status: 'running', attempts: 1, startedAt: at };
  store.writeSync({ ...job, status: 'running', startedAt: at });
}

describe('startup review', () => {
  it('answers at one key (r, no Enter), preselects the first job in the resume picker, keeps at Enter, and does not offer a kept job again', async () => {
    const workspace = makeReplWorkspace();
    leaveInterrupted(workspace, 'job-first001', 'echo first-resumed', '2026-11-22T09:00:00.000Z');
    leaveInterrupted(workspace, 'job-second01', 'echo second-resumed', '2026-11-22T09:05:00.000Z');

    const first = new PtySession(workspace, [], 110, 40);
    await first.waitForText('⚠️  Found 2 incomplete job(s) from previous session:');
    await first.waitForText('[k]eep (Enter):');
    first.type('r'); // the key alone: no Enter
    await first.waitForText('[k]eep (Enter): r');
    await first.waitForText('Resume which jobs?');
    await first.waitForText(/❯ \[x\] job-first001/);
    expect(await first.text()).toMatch(/\[ \] job-second01/);
    first.type(KEY.enter);
    await first.waitForText('↻ Resuming job-first001 at run');
    await first.waitForText('[job-firs] ✅ Completed');
    expect(await first.text()).not.toContain('Resuming job-second01');
    // The interrupted phase says so: it was not cancelled.
    first.send('/jobs job-second01');
    await first.waitForText(/⏸ 1\. run +interrupted/);
    first.send('/quit');
    await first.exited;

    // The second is offered again (nobody decided about it); keep it.
    const second = new PtySession(workspace, [], 110, 40);
    await second.waitForText('⚠️  Found 1 incomplete job(s) from previous session:');
    await second.waitForText('[k]eep (Enter):');
    second.type('x'); // no answer: it beeps and waits
    second.type(KEY.enter);
    await second.waitForText('Kept. They are in /jobs interrupted; /resume <id> continues one.');
    await waitFor(async () => Boolean((await JobStore.open(workspace.jobsDir).loadRaw('job-second01')).dismissedAt), 'the keep to be recorded in the job');
    second.send('/quit');
    await second.exited;

    // Kept: not offered again; one line says how many are kept and where.
    const third = new PtySession(workspace, [], 110, 40);
    await third.waitForText('1 interrupted job kept (/jobs interrupted)');
    await third.waitForText('jobline:sh> ');
    expect(await third.text()).not.toContain('incomplete job');
    third.send('/jobs interrupted');
    await third.waitForText(/job-second01 sh\s+interrupted/);
    third.send('/quit');
    await third.exited;
  }, 60_000);
});
