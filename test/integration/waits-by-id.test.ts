// The script commands that wait for a job wait for that job, by id: through a real `jobline serve`
// whose event stream carries every job's events, another job ending first must not be taken for
// theirs (run, batch, resume, wait, approve), and standalone neither.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

// `gated` waits for the file `gate` in its folder, then fails (exit 3); `quick` completes at once;
// `flaky` fails while there is no file `ok`, then behaves like `gated`; `asks` stops for approval.
const CONFIG = {
  agents: {
    gated: { type: 'command', phases: [{ name: 'work', run: 'while [ ! -f gate ]; do sleep 0.05; done; echo "own output"; exit 3' }] },
    quick: { type: 'command', phases: [{ name: 'work', run: 'echo "other output"' }] },
    flaky: { type: 'command', phases: [{ name: 'work', run: '[ -f ok ] || exit 1; while [ ! -f gate ]; do sleep 0.05; done; exit 3' }] },
    asks: { type: 'command', phases: [{ name: 'first', run: 'echo first' }, { name: 'second', run: 'echo second' }] },
  },
};

let server: TestServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

async function jobsOf(running: TestServer, status: string): Promise<Array<{ id: string; agent: string; status: string }>> {
  return (await running.api('GET', `/api/jobs?status=${status}`)).body.jobs;
}

// Another job, submitted straight to the server, runs to completion while the command waits.
async function completeAnotherJob(running: TestServer): Promise<string> {
  const { body } = await running.api('POST', '/api/jobs', { prompt: 'another', agent: 'quick', mode: 'background' });
  const id: string = body.job.id;
  await waitFor(async () => (await running.api('GET', `/api/jobs/${id}`)).body.job.status === 'completed', 'the other job to complete');
  return id;
}

// The command's own job, once it runs on the server (the only `agent` job running).
async function runningJobOf(running: TestServer, agent: string): Promise<string> {
  return waitFor(async () => (await jobsOf(running, 'running')).find((job) => job.agent === agent)?.id, `a ${agent} job to run`);
}

async function finish(running: TestServer, pending: Promise<CliResult>): Promise<CliResult> {
  writeFileSync(join(running.cwd, 'gate'), '');
  return pending;
}

describe('a script command waits for its own job, by id, when another job ends first', () => {
  it('jobline batch through a server: its summary and exit code are its own job\'s', async () => {
    server = await startServer(CONFIG);
    const { result } = startCli(['batch', '--agent', 'gated', '-'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir }, input: 'first line\n' });
    const own = await runningJobOf(server, 'gated');
    const other = await completeAnotherJob(server);
    const batch = await finish(server, result);
    expect(batch.stdout).toContain(`Batch ${own}: 1 tasks`);
    expect(batch.stdout).toContain('0 done, 1 failed, 0 not run (failed)');
    expect(batch.stdout + batch.stderr).not.toContain(other);
    expect(batch.code).toBe(1);
  });

  it('jobline run through a server: it ends with its own job, and shows only its output', async () => {
    server = await startServer(CONFIG);
    const { result } = startCli(['run', '-y', '--agent', 'gated', 'own job'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
    const own = await runningJobOf(server, 'gated');
    const other = await completeAnotherJob(server);
    const run = await finish(server, result);
    expect(run.stderr).toContain(`❌ ${own}`);
    expect(run.stderr).not.toContain(other);
    expect(run.stdout).toContain('own output');
    expect(run.stdout).not.toContain('other output');
    expect(run.code).toBe(1);
  });

  it('jobline run --json through a server prints its own job', async () => {
    server = await startServer(CONFIG);
    const { result } = startCli(['run', '-y', '--json', '--agent', 'gated', 'own job'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
    const own = await runningJobOf(server, 'gated');
    await completeAnotherJob(server);
    const run = await finish(server, result);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: own, status: 'failed' });
    expect(run.code).toBe(1);
  });

  it('jobline resume through a server: it ends with the job it resumed', async () => {
    server = await startServer(CONFIG);
    const { body } = await server.api('POST', '/api/jobs', { prompt: 'flaky', agent: 'flaky', mode: 'background' });
    const own: string = body.job.id;
    await waitFor(async () => (await server!.api('GET', `/api/jobs/${own}`)).body.job.status === 'failed', 'the job to fail first');
    writeFileSync(join(server.cwd, 'ok'), '');
    const { result } = startCli(['resume', '-y', own], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
    await runningJobOf(server, 'flaky');
    const other = await completeAnotherJob(server);
    const resumed = await finish(server, result);
    expect(resumed.stderr).toContain(`❌ ${own}`);
    expect(resumed.stderr).not.toContain(other);
    expect(resumed.code).toBe(1);
  });

  it('jobline wait through a server: it waits for the named job only', async () => {
    server = await startServer(CONFIG);
    const { body } = await server.api('POST', '/api/jobs', { prompt: 'own', agent: 'gated', mode: 'background' });
    const own: string = body.job.id;
    const { child, result } = startCli(['wait', own], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
    await runningJobOf(server, 'gated');
    const other = await completeAnotherJob(server);
    expect(child.exitCode).toBeNull(); // still waiting, though another job ended
    const waited = await finish(server, result);
    expect(waited.stdout).toContain(`❌ ${own} failed`);
    expect(waited.stdout).not.toContain(other);
    expect(waited.code).toBe(1);
  });

  it('jobline approve through a server: it answers the named job, and says its state', async () => {
    server = await startServer(CONFIG);
    const { body } = await server.api('POST', '/api/jobs', { prompt: 'own', agent: 'asks', mode: 'interactive' });
    const own: string = body.job.id;
    await waitFor(async () => (await server!.api('GET', `/api/jobs/${own}`)).body.job.status === 'awaiting_approval', 'the job to wait for approval');
    await completeAnotherJob(server);
    const approved = await runCli(['approve', own, '--json'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ id: own, currentPhase: 1 });
    await waitFor(async () => (await server!.api('GET', `/api/jobs/${own}`)).body.job.status === 'completed', 'the approved job to complete');
  });

  it('jobline run through a server that is killed ends with its job interrupted, instead of waiting forever', async () => {
    server = await startServer(CONFIG);
    const { result } = startCli(['run', '-y', '--agent', 'gated', 'own job'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
    const own = await runningJobOf(server, 'gated');
    server.child.kill('SIGKILL');
    const run = await result;
    expect(run.stderr).toContain(`❌ ${own}`);
    expect(run.stderr).toContain('interrupted: Interrupted: the jobline process that ran it is gone');
    expect(run.code).toBe(1);
  });

  it('standalone, jobline batch beside another process\'s job ending first reports its own job', async () => {
    server = await startServer(CONFIG);
    const { cwd, jobsDir } = server;
    await server.stop();
    server = null;
    const { result } = startCli(['batch', '--agent', 'gated', '-'], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir }, input: 'first line\n' });
    const other = await runCli(['run', '-y', '--agent', 'quick', 'another'], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir } });
    expect(other.code).toBe(0);
    expect(existsSync(join(cwd, 'gate'))).toBe(false);
    writeFileSync(join(cwd, 'gate'), '');
    const batch = await result;
    expect(batch.stdout).toMatch(/Batch job-\w+: 1 tasks .*0 done, 1 failed, 0 not run \(failed\)/);
    expect(batch.code).toBe(1);
  });
});
