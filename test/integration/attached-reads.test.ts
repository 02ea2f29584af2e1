// While a server runs on the jobs folder, `jobline list` and `show` read through it: a stand-in
// server (real HTTP on the folder's Unix socket, announced as jobline serve announces itself)
// answers, and the commands print what it said, not what the folder holds.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimServerPresence } from '../../src/store/server-presence.js';
import { makeJob } from '../helpers/jobs.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { mkdirSync } from 'node:fs';

const cwd = makeTempDir();
const jobsDir = join(cwd, 'jobs');
mkdirSync(jobsDir, { mode: 0o700 });
const presence = claimServerPresence(jobsDir);
const held = makeJob({ id: 'job-srv00001', status: 'running', description: 'only the server knows me' });
// Its folder exists (as a real server's jobs' do), without a job.json yet: its state is the server's.
mkdirSync(join(jobsDir, held.id), { mode: 0o700 });
const seen: string[] = [];
const server = createServer((request, response) => {
  seen.push(`${request.method} ${request.url} ${request.headers.authorization === `Bearer ${presence.token}` ? 'with token' : 'without token'}`);
  response.setHeader('content-type', 'application/json');
  if (request.url === '/api/jobs') return response.end(JSON.stringify({ jobs: [held], warnings: [], total: 1, matching: 1 }));
  if (request.url === '/api/jobs/job-srv00001') return response.end(JSON.stringify({ job: held, tasks: [], runs: [] }));
  if (request.url === '/api/jobs/job-srv00001/tasks') return response.end(JSON.stringify({ tasks: [], runs: [] }));
  response.statusCode = 404;
  response.end(JSON.stringify({ error: { code: 'JOB_NOT_FOUND', message: 'No job matches that (said the server).' } }));
});
await new Promise<void>((resolve) => server.listen(presence.socketPath, resolve));
presence.announce({ pid: process.pid, socketPath: presence.socketPath, port: null, startedAt: new Date().toISOString(), version: 'test' });
afterAll(() => {
  server.close();
  presence.release();
});

describe('reads while a server runs', () => {
  it('list and show print what the server holds, asking with its token', async () => {
    const env = { JOBLINE_JOBS_DIR: jobsDir };
    const listed = await runCli(['list', '--json'], { cwd, env });
    expect(JSON.parse(listed.stdout).map((job: { id: string }) => job.id)).toEqual(['job-srv00001']);
    const shown = await runCli(['show', 'job-srv00001'], { cwd, env });
    expect(shown.stdout).toContain('only the server knows me');
    expect(seen).toContain('GET /api/jobs with token');
    expect(seen).toContain('GET /api/jobs/job-srv00001 with token');
  });
});
