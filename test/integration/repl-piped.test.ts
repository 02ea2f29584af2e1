// REPL behaviour that needs no terminal, driven through stdin: refusals, jobs owned by another
// live jobline, /clean, and job output made inert by /logs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJob, type Job } from '../../src/jobs/model/job.js';
import { JobStore } from '../../src/store/job-store.js';
import { getCurrentOwner } from '../../src/jobs/process/owner.js';
import { startPipedRepl } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

function workspace(config: object = {}): { cwd: string; jobsDir: string; env: Record<string, string> } {
  const cwd = makeTempDir();
  const jobsDir = join(makeTempDir(), 'jobs');
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify(config));
  return { cwd, jobsDir, env: { JOBLINE_JOBS_DIR: jobsDir, FORCE_COLOR: '0' } };
}

function repl(cwd: string, env: Record<string, string>) {
  return startPipedRepl(cwd, env);
}

async function seedJob(jobsDir: string, id: string, overrides: Partial<Job>): Promise<void> {
  const store = JobStore.open(jobsDir);
  mkdirSync(store.pathsOf(id).dir);
  const job = createJob({ id, agent: 'sh', description: 'elsewhere', mode: 'interactive', phaseNames: ['run'], owner: getCurrentOwner(), now: '2026-11-22T09:00:00.000Z' });
  store.writeSync({ ...job, ...overrides });
}

describe('REPL through a pipe', () => {
  it('prints the refusal when every slot is busy and whenBusy is reject', async () => {
    const { cwd, env } = workspace({ maxConcurrentJobs: 1, whenBusy: 'reject' });
    const session = repl(cwd, env);
    session.send('sleep 2');
    await session.until('✅ Started');
    session.send('sleep 2');
    await session.until('⛔ Already running 1 jobs (max: 1)');
    expect((await session.end()).code).toBe(0);
  });

  it('refuses to resume or cancel a job that another live jobline owns', async () => {
    const { cwd, jobsDir, env } = workspace();
    // Owned by this test process: alive, and not the REPL under test.
    await seedJob(jobsDir, 'job-f0000001', { status: 'failed', error: 'boom', endedAt: '2026-11-22T09:01:00.000Z' });
    await seedJob(jobsDir, 'job-r0000001', { status: 'running', startedAt: '2026-11-22T09:00:00.000Z' });
    const session = repl(cwd, env);
    session.send('/resume f0000001');
    await session.until(`error: job-f0000001 belongs to another running jobline (pid ${process.pid}`);
    session.send('/cancel r0000001');
    await session.until(`error: job-r0000001 belongs to another jobline (pid ${process.pid}); cancel it there.`);
    const store = JobStore.open(jobsDir);
    expect((await store.loadRaw('job-f0000001')).status).toBe('failed');
    expect((await store.loadRaw('job-r0000001')).status).toBe('running');
    await session.end();
    expect((await store.loadRaw('job-r0000001')).status).toBe('running'); // not marked interrupted by the other's exit
  });

  it('/clean sweeps folders without a job.json and temp files left by crashes', async () => {
    const { cwd, jobsDir, env } = workspace();
    await seedJob(jobsDir, 'job-c0000002', { status: 'completed', endedAt: '2026-11-22T09:01:00.000Z' });
    const { utimesSync } = await import('node:fs');
    const old = new Date(Date.now() - 10 * 60_000);
    mkdirSync(join(jobsDir, 'job-e0000001')); // a kill between mkdir and the first write, long ago
    utimesSync(join(jobsDir, 'job-e0000001'), old, old);
    mkdirSync(join(jobsDir, 'job-n0000001')); // a creation in progress right now: left alone
    const { spawnSync } = await import('node:child_process');
    const deadPid = spawnSync('true').pid!;
    writeFileSync(join(jobsDir, 'job-c0000002', `job.json.${deadPid}-0.7.tmp`), '{"half');
    writeFileSync(join(jobsDir, 'job-c0000002', `job.json.${process.pid}-0.8.tmp`), '{"live'); // its writer lives
    const session = repl(cwd, env);
    session.send('/clean -y');
    await session.until('🧹 Swept 1 job folder(s) without a job.json and 1 temp file(s) left by crashes.');
    await session.until('🧹 Removed 1 completed job(s).');
    await session.end();
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(jobsDir).filter((name) => name.startsWith('job-')).sort()).toEqual(['job-n0000001']);
  });

  it('/clean asks for -y without a terminal, removes completed jobs, and resumable ones only with --all', async () => {
    const { cwd, jobsDir, env } = workspace();
    await seedJob(jobsDir, 'job-c0000001', { status: 'cancelled', endedAt: '2026-11-22T09:01:00.000Z' });
    await seedJob(jobsDir, 'job-d0000001', { status: 'completed', endedAt: '2026-11-22T09:02:00.000Z' });
    await seedJob(jobsDir, 'job-a0000001', { status: 'running' });
    const session = repl(cwd, env);
    session.send('/clean');
    await session.until('error: Not on a terminal, so /clean cannot ask: use /clean -y.');
    session.send('/clean -y');
    await session.until('🧹 Removed 1 completed job(s). 1 failed, cancelled or interrupted job(s) kept: /clean --all removes them too.');
    expect((await JobStore.open(jobsDir).listIds()).sort()).toEqual(['job-a0000001', 'job-c0000001']);
    session.send('/clean --all -y');
    await session.until('🧹 Removed 1 finished job(s).');
    await session.end();
    expect(await JobStore.open(jobsDir).listIds()).toEqual(['job-a0000001']);
  });

  it('shows job output with its escape sequences made inert, in notifications and in /logs', async () => {
    const { cwd, env } = workspace({ mode: 'background', debug: { keepTempFiles: true } });
    const session = repl(cwd, env);
    session.send(String.raw`printf 'clip\033]52;c;ZXZpbA==\007board \033[2J\033]0;title\007done\n'`);
    await session.until('[job-');
    await session.until('│ clipboard done');
    const id = /Started (job-\w{8})/.exec(session.output)![1]!;
    session.send(`/logs ${id}`);
    await waitFor(() => session.output.split('clipboard done').length === 3, '/logs to print the line');
    await session.end();
    expect(session.output).not.toContain('\u001b');
    expect(session.output).not.toContain('\u0007');
  });

  it('says once a session that a job asks for more workers than this machine runs at once', async () => {
    const { cwd, env } = workspace({ mode: 'background', maxWorkers: 2 });
    const session = repl(cwd, env);
    session.send('/workers 6');
    await session.until('Workers: 6 per new job');
    session.send('true');
    await session.until('ℹ️  6 workers: at most 2 run at once on this machine (maxWorkers in the config)');
    session.send('echo second');
    await session.until(/Started job-\w{8} \S+ \(sh × 6 workers\)[\s\S]*Started job-\w{8} \S+ \(sh × 6 workers\)/);
    await session.end();
    expect(session.output.split('run at once on this machine')).toHaveLength(2);
  });
});
