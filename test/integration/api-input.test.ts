// What a real `jobline serve` does with what a request says: it resolves agents from its own
// config or from definitions a client sends, never from a file a client names, and no refusal
// quotes a file's text; a body of 500,000 unknown fields gets one short line; an external task's
// files stay inside the job's folder, through the API and through `jobline job/task` on the folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ agents: { house: { type: 'command', phases: [{ name: 'go', run: 'echo from the house' }] } } });
});
afterAll(async () => {
  await server?.stop();
});

const untilEnded = (id: string) => waitFor(async () => {
  const { job } = (await server.api('GET', `/api/jobs/${id}`)).body;
  return job.status === 'completed' || job.status === 'failed' ? job : null;
}, `${id} to end`);

describe('agents a request names', () => {
  it('are never looked up in a file the request names: config: "/etc/passwd" is an unknown field, and nothing of the file comes back', async () => {
    const answer = await server.api('POST', '/api/jobs', { prompt: 'true', agent: 'sh', config: '/etc/passwd' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain('unknown field "config"');
    expect(JSON.stringify(answer.body)).not.toMatch(/root:/);
  });

  it('come from definitions a client sends, instead of the server\'s config', async () => {
    const definitions = { agents: { mine: { type: 'command', phases: [{ name: 'go', run: 'echo from the client' }] } }, providers: {}, configFile: '/home/someone/.jobrc.json' };
    const { id } = (await server.api('POST', '/api/jobs', { prompt: 'p', agent: 'mine', definitions })).body.job;
    expect((await untilEnded(id)).status).toBe('completed');
    expect((await server.api('GET', `/api/jobs/${id}/logs`)).body).toContain('from the client');
    // The client's definitions stand instead of the server's, as its config file did.
    const house = await server.api('POST', '/api/jobs', { prompt: 'p', agent: 'house', definitions });
    expect(house.body.error.code).toBe('AGENT_UNKNOWN');
    const bad = await server.api('POST', '/api/jobs', { prompt: 'p', agent: 'mine', definitions: { ...definitions, agents: { mine: { type: 'module', module: 'relative.mjs', phases: [{ name: 'go' }] } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('a module must be an absolute path');
  });

  it('reach the server from a client attached with its own config (jobline run --config)', async () => {
    const project = makeTempDir('jobline-client-');
    writeFileSync(join(project, 'mine.json'), JSON.stringify({ agents: { mine: { type: 'command', phases: [{ name: 'go', run: 'echo ran the client agent' }] } } }));
    const run = await runCli(['run', '--config', 'mine.json', '--agent', 'mine', '--background', 'hello'], { cwd: project, env: { JOBLINE_JOBS_DIR: server.jobsDir } });
    expect(run.code, run.stderr).toBe(0);
    const id = /job-[a-z0-9]{8}/.exec(run.stdout + run.stderr)![0];
    const job = await untilEnded(id);
    expect(job.status).toBe('completed');
    expect(job.owner.pid).toBe(server.child.pid); // it ran in the server
    expect((await server.api('GET', `/api/jobs/${id}/logs`)).body).toContain('ran the client agent');
  });

  it('quote no file\'s text when it cannot be read: a package.json that is not JSON, for the check agent', async () => {
    const folder = makeTempDir('jobline-check-');
    writeFileSync(join(folder, 'package.json'), 'SECRET-LINE-1:x:0:0\n');
    const answer = await server.api('POST', '/api/jobs', { prompt: 'p', agent: 'check', cwd: folder });
    expect(answer.body.error).toMatchObject({ code: 'AGENT_INVALID', message: expect.stringContaining('not valid JSON (unexpected character at line 1, column 1)') });
    expect(JSON.stringify(answer.body)).not.toContain('SECRET');
  });
});

describe('a body with unknown fields', () => {
  it('gets one short line naming at most 10 of them and counting the rest, for 500,000', async () => {
    const fields = Object.fromEntries(Array.from({ length: 500_000 }, (_, index) => [`f${index}`, 1]));
    const answer = await server.api('POST', '/api/jobs', { prompt: 'x', ...fields });
    expect(answer.status).toBe(400);
    const text = JSON.stringify(answer.body);
    expect(text.length).toBeLessThan(1000);
    expect(answer.body.error.message).toBe('The request\'s body is not valid: body: unknown fields "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9" and 499990 more.');
  });
});

describe('an external task\'s files', () => {
  it('are relative paths inside the job\'s folder, through the API', async () => {
    for (const files of [['../elsewhere'], ['/etc'], ['src/../../up'], ['a\nb']]) {
      const answer = await server.api('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a', files }] });
      expect(answer.status, files[0]).toBe(400);
      expect(answer.body.error.message, files[0]).toMatch(/relative to the job's folder/);
    }
    const { id } = (await server.api('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a', files: ['src/a.ts', 'docs/**', './b'] }] })).body.job;
    const { worker } = (await server.api('POST', `/api/jobs/${id}/workers`, { agent: 'dev' })).body;
    expect((await server.api('POST', `/api/jobs/${id}/tasks/claim`, { worker, files: ['/home'] })).status).toBe(400);
    expect((await server.api('POST', `/api/jobs/${id}/tasks`, { tasks: [{ title: 'b', files: ['..'] }] })).status).toBe(400);
    const claimed = await server.api('POST', `/api/jobs/${id}/tasks/claim`, { worker, files: ['lib'] });
    expect(claimed.body.task.taskId).toBe('t1');
    const { token } = claimed.body.task;
    expect((await server.api('POST', `/api/tasks/${id}:t1/complete`, { worker, token, filesModified: ['/etc/passwd'] })).status).toBe(400);
    expect((await server.api('POST', `/api/tasks/${id}:t1/complete`, { worker, token, filesModified: ['src/a.ts'] })).status).toBe(200);
    await server.api('POST', `/api/jobs/${id}/close`, { status: 'completed' });
  });

  it('are relative paths inside the job\'s folder, through jobline job and jobline task without a server', async () => {
    const cwd = makeTempDir('jobline-files-');
    mkdirSync(join(cwd, 'jobs'));
    const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd, env: { JOBLINE_JOBS_DIR: join(cwd, 'jobs'), ...env } });
    writeFileSync(join(cwd, 'bad.json'), JSON.stringify([{ title: 'a', files: ['../../etc'] }]));
    const refused = await cli(['job', 'create', 'night', '--tasks', 'bad.json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('"../../etc" leaves the job\'s folder (..)');
    // Refused before anything was made: the name is free.
    const jobId = (await cli(['job', 'create', 'night'])).stdout.trim();
    expect(jobId).toMatch(/^job-/);
    expect((await cli(['task', 'add', 'b', '--files', '/etc', '--job', jobId])).stderr).toContain('"/etc" is absolute');
    const worker = (await cli(['job', 'join', jobId, '--as', 'dev'])).stdout.trim();
    const claim = await cli(['task', 'claim', '--files', 'src,../x'], { JOBLINE_JOB_ID: jobId, JOBLINE_WORKER_ID: worker });
    expect(claim.code).toBe(2);
    expect(claim.stderr).toContain('"../x" leaves the job\'s folder (..)');
    expect((await cli(['job', 'status', jobId, '--json'])).stdout).not.toContain('../');
  });
});
