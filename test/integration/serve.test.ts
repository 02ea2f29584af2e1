// `jobline serve` as a process: one per jobs folder (a second one is refused, naming the first's
// pid), and it survives `kill -9` as the REPL does: its jobs read as interrupted, none of their
// processes is left, and the next server takes the folder over.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServer } from '../helpers/server.js';
import { waitFor, waitForProcesses, waitForProcessesToExit } from '../helpers/wait.js';

describe('jobline serve', () => {
  it('refuses a second server on the same jobs folder, naming the first one', async () => {
    const server = await startServer();
    try {
      const second = await runCli(['serve'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
      expect(second.code).toBe(2);
      expect(second.stderr).toBe(`jobline: A jobline server already runs on ${server.jobsDir} (pid ${server.child.pid}). Use it (jobline attaches to it), or stop it first.\n`);
      // The first one is untouched.
      expect((await server.api('GET', '/api/jobs')).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('survives kill -9: its jobs read as interrupted, nothing of them runs on, and the next server takes over', async () => {
    const server = await startServer();
    // A marker in the command line finds the job's process from outside its PID namespace.
    const marker = `${process.pid}${Date.now() % 100_000}`;
    const { id } = (await server.api('POST', '/api/jobs', { prompt: `sleep 1${marker}`, agent: 'sh' })).body.job;
    const [sleepPid] = await waitForProcesses(`sleep 1${marker}`, 1);
    server.child.kill('SIGKILL');
    await server.result;
    expect(await waitForProcessesToExit([sleepPid!])).toEqual([]);

    const listed = await runCli(['list', '--json'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
    expect(JSON.parse(listed.stdout).find((job: { id: string }) => job.id === id)).toMatchObject({ status: 'interrupted' });

    const next = await startServer({}, { cwd: server.cwd, jobsDir: server.jobsDir });
    try {
      expect((await next.api('GET', `/api/jobs/${id}`)).body.job.status).toBe('interrupted');
      const resumed = await next.api('POST', `/api/jobs/${id}/resume`, { mode: 'background' });
      expect(resumed.status).toBe(200);
      expect(resumed.body.job.owner.pid).toBe(next.child.pid);
    } finally {
      await next.stop();
    }
  });

  it('marks its active jobs interrupted and removes its files when stopped with SIGTERM', async () => {
    const server = await startServer();
    const { id } = (await server.api('POST', '/api/jobs', { prompt: 'sleep 300', agent: 'sh' })).body.job;
    await waitFor(async () => ((await server.api('GET', `/api/jobs/${id}`)).body.job.status === 'running' ? true : null), 'the job to run');
    const end = await server.stop();
    expect(end.code).toBe(143);
    const job = JSON.parse(readFileSync(join(server.jobsDir, id, 'job.json'), 'utf8'));
    expect(job.status).toBe('interrupted');
    const listed = await runCli(['list'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
    expect(listed.code).toBe(0);
    expect(() => readFileSync(join(server.jobsDir, 'server.json'))).toThrow();
    expect(() => readFileSync(join(server.jobsDir, 'server-token'))).toThrow();
    expect(end.stdout).toContain(`Stopped: 1 job marked interrupted (${id})`);
  });

  it('says on Ctrl+C what it did: the jobs it marked interrupted', async () => {
    const server = await startServer();
    const ids: string[] = [];
    for (const prompt of ['sleep 300', 'sleep 301']) ids.push((await server.api('POST', '/api/jobs', { prompt, agent: 'sh' })).body.job.id);
    await waitFor(async () => {
      const states = await Promise.all(ids.map(async (id) => (await server.api('GET', `/api/jobs/${id}`)).body.job.status));
      return states.every((status) => status === 'running');
    }, 'both jobs to run');
    server.child.kill('SIGINT');
    const end = await server.result;
    expect(end.code).toBe(130);
    expect(end.stdout).toContain(`Stopped: 2 jobs marked interrupted (${ids.join(', ')}); jobline resume ID, or the next jobline, continues them.`);
    const idle = await startServer();
    idle.child.kill('SIGINT');
    expect((await idle.result).stdout).toContain('Stopped: no job was active.');
  });
});
