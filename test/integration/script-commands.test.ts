// The commands scripts use on jobs another jobline runs: logs, cancel, approve, retry, resume and
// wait, each against a real owner process (a REPL fed through a pipe) and a real jobs folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJob } from '../../src/jobs/model/job.js';
import { JobStore } from '../../src/store/job-store.js';
import { runCli, startCli, startPipedRepl } from '../helpers/cli.js';
import { deadOwner } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

function workspace(config: object = {}): { cwd: string; jobsDir: string; env: Record<string, string> } {
  const cwd = makeTempDir();
  const jobsDir = join(makeTempDir(), 'jobs');
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify(config));
  return { cwd, jobsDir, env: { JOBLINE_JOBS_DIR: jobsDir } };
}

const twoPhases = { defaultAgent: 'two', agents: { two: { type: 'command', phases: [{ name: 'first', run: 'echo "first attempt $JOB_ATTEMPT feedback=$JOB_FEEDBACK"' }, { name: 'second', run: 'echo second; sleep 30' }] } } };

async function awaitStatus(jobsDir: string, id: string, status: string, phase?: number): Promise<void> {
  const store = JobStore.open(jobsDir);
  await waitFor(async () => {
    const job = await store.loadRaw(id).catch(() => null);
    return job?.status === status && (phase === undefined || job.currentPhase === phase);
  }, `${id} to be ${status}`);
}

describe('script commands on a job another jobline owns', () => {
  it('retry with feedback, approve, logs, cancel and wait act through the owner and exit like run', async () => {
    const { cwd, jobsDir, env } = workspace(twoPhases);
    const owner = startPipedRepl(cwd, env);
    owner.send('deploy');
    const id = /Started (job-[a-z0-9]{8})/.exec(await owner.until(/Started job-/))![1]!;
    await awaitStatus(jobsDir, id, 'awaiting_approval');
    const waiting = startCli(['wait', id.slice(4, 8)], { cwd, env });

    const retried = await runCli(['retry', id, '--feedback', 'be careful'], { cwd, env });
    expect(retried.stdout).toContain(`↻ Retrying ${id} at 1/2 first with your feedback`);
    expect(retried.code).toBe(0);
    await waitFor(async () => (await runCli(['logs', id], { cwd, env })).stdout.includes('first attempt 2 feedback=be careful'), 'the retry to run');
    await awaitStatus(jobsDir, id, 'awaiting_approval');

    const approved = await runCli(['approve', id, '--json'], { cwd, env });
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ id, currentPhase: 1 });
    await awaitStatus(jobsDir, id, 'running', 1);
    await owner.until('Approved from another terminal (jobline approve)');

    const logs = await runCli(['logs', id], { cwd, env });
    expect(logs.stdout).toMatch(/^── phase 1\/2 first · attempt 1 · .* UTC ──\nfirst attempt 1 feedback=\n── phase 1\/2 first · attempt 2 · .* UTC ──\nfirst attempt 2 feedback=be careful\n── phase 2\/2 second · attempt 1 · .* UTC ──\n/);

    expect((await runCli(['approve', id], { cwd, env })).stderr).toContain(`${id} is running, not awaiting approval: there is nothing to approve.`);
    const cancelled = await runCli(['cancel', id], { cwd, env });
    expect(cancelled.stdout).toContain(`🚫 Cancelled ${id}`);
    await owner.until('Cancelled from another terminal (jobline cancel)');
    const waited = await waiting.result;
    expect(waited.stdout).toContain(`🚫 ${id} cancelled`);
    expect(waited.code).toBe(1);
    await owner.end();
  });

  it('logs -f follows a running job to its end; wait exits 0 when every job completed', async () => {
    const { cwd, jobsDir, env } = workspace({ mode: 'background' });
    const owner = startPipedRepl(cwd, env);
    writeFileSync(join(cwd, 'go'), '');
    owner.send(`echo one; while [ -e ${join(cwd, 'go')} ]; do sleep 0.05; done; echo two`);
    const id = /Started (job-[a-z0-9]{8})/.exec(await owner.until(/Started job-/))![1]!;
    const following = startCli(['logs', '-f', id], { cwd, env });
    let followed = '';
    following.child.stdout!.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    await waitFor(() => followed.includes('one'), 'the follower to print the first line');
    const { rmSync } = await import('node:fs');
    rmSync(join(cwd, 'go'));
    const { code, stdout } = await following.result;
    expect(code).toBe(0);
    expect(stdout.split('\n').filter((line) => line === 'one' || line === 'two')).toEqual(['one', 'two']);
    expect((await runCli(['wait', id], { cwd, env })).code).toBe(0);
    await awaitStatus(jobsDir, id, 'completed');
    await owner.end();
  });

  it('resume takes over an interrupted job and runs it in the foreground; steering a job that is not active says why', async () => {
    const { cwd, jobsDir, env } = workspace();
    const store = JobStore.open(jobsDir);
    const id = 'job-dead0001';
    mkdirSync(store.pathsOf(id).dir);
    store.writeSync({ ...createJob({ id, agent: 'sh', description: 'echo resumed-output', mode: 'interactive', phaseNames: ['run'], owner: deadOwner(), now: '2026-11-22T09:00:00.000Z' }), status: 'running', startedAt: '2026-11-22T09:00:00.000Z' });
    const refused = await runCli(['approve', id], { cwd, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${id} is interrupted, not awaiting approval: there is nothing to approve. Resume it first: jobline resume ${id}.`);
    const resumed = await runCli(['resume', id, '-y'], { cwd, env });
    expect(resumed.stdout).toContain('resumed-output');
    expect(resumed.stderr).toContain(`✅ ${id} completed`);
    expect(resumed.code).toBe(0);
    expect((await runCli(['wait', id, '--json'], { cwd, env })).code).toBe(0);
    const again = await runCli(['cancel', id], { cwd, env });
    expect([again.code, again.stderr]).toEqual([1, `jobline: ${id} is already completed; only queued, running or waiting jobs can be cancelled.\n`]);
    expect((await runCli(['wait', 'nope'], { cwd, env })).code).toBe(2);
  });
});
