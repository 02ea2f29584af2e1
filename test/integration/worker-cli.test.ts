// `jobline job …` and `jobline task …` as a script uses them, against a real server: create with
// a tasks file, join (writing $JOBLINE_ENV_FILE), claim, complete, fail, add, status, leave, close;
// the exit statuses a loop relies on; and a clear refusal when no server runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/temp.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir, ...env } });

describe('jobline job and jobline task', () => {
  it('runs a job of external workers from a script, start to end', async () => {
    writeFileSync(join(server.cwd, 'tasks.json'), JSON.stringify([{ title: 'lint', files: ['src'] }, { title: 'docs', files: ['docs'] }, { title: 'release', dependsOn: ['lint', 'docs'] }]));
    const created = await cli(['job', 'create', 'nightly', '--tasks', 'tasks.json']);
    expect(created.code).toBe(0);
    const jobId = created.stdout.trim();
    expect(jobId).toMatch(/^job-[a-z0-9]{8}$/);

    const envFile = join(server.cwd, 'worker.env');
    const joined = await cli(['job', 'join', 'nightly', '--as', 'dev'], { JOBLINE_ENV_FILE: envFile });
    const worker = joined.stdout.trim();
    expect(worker).toBe(`dev[${jobId.slice(4, 8)}-0]`);
    expect(readFileSync(envFile, 'utf8')).toBe(`JOBLINE_JOB_ID=${jobId}\nJOBLINE_WORKER_ID=${worker}\nJOBLINE_WORKER_IDX=0\n`);
    const as = { JOBLINE_JOB_ID: jobId, JOBLINE_WORKER_ID: worker };

    const first = await cli(['task', 'claim'], as);
    expect(first).toMatchObject({ code: 0, stdout: `${jobId}:t1\tlint\n` });
    const conflict = await cli(['task', 'claim', '--files', 'src/index.ts'], as);
    expect(conflict.code).toBe(4);
    expect(conflict.stderr).toContain(`src/index.ts is claimed by ${worker} (${jobId} t1)`);
    expect((await cli(['task', 'claim'], as)).stdout).toBe(`${jobId}:t2\tdocs\n`);
    const none = await cli(['task', 'claim'], as);
    expect(none.code).toBe(3);
    expect(none.stderr).toBe(`No task of ${jobId} is runnable now.\n`);

    // --wait returns once a task it waits for becomes runnable (release, when lint and docs are done).
    const waiting = startCli(['task', 'claim', '--wait'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: server.jobsDir, ...as } });
    expect((await cli(['task', 'complete', `${jobId}:t1`, '--summary', 'clean', '--files', 'src/a.ts'], as)).stdout).toBe(`${jobId}:t1 done\n`);
    expect((await cli(['task', 'complete', 't2'], as)).code).toBe(0);
    expect((await waiting.result).stdout).toBe(`${jobId}:t3\trelease\n`);
    expect((await cli(['task', 'fail', 't3', '--reason', 'tag exists'], as)).stdout).toBe(`${jobId}:t3 failed\n`);

    const added = await cli(['task', 'add', 'changelog', '--files', 'CHANGELOG.md', '--json'], as);
    expect(JSON.parse(added.stdout)).toMatchObject({ id: 't4', title: 'changelog', claims: ['CHANGELOG.md'] });
    const status = await cli(['job', 'status', 'nightly']);
    expect(status.stdout).toBe(`${jobId} nightly: running; tasks 4, 2 done, 1 failed, 1 todo; workers ${worker}\n`);

    expect((await cli(['job', 'leave'], as)).stdout).toBe(`${worker} left ${jobId}\n`);
    expect((await cli(['task', 'claim'], as)).stderr).toContain('is not a worker of');
    const closed = await cli(['job', 'close', jobId, '--status', 'failed', '--reason', 'release failed']);
    expect(closed.stdout).toBe(`${jobId} failed\n`);
    const shown = JSON.parse((await cli(['show', jobId, '--json'])).stdout);
    expect(shown).toMatchObject({ status: 'failed', error: 'release failed', name: 'nightly' });
  });

  it('takes a file of one task per line, and says plainly what is wrong', async () => {
    writeFileSync(join(server.cwd, 'lines.txt'), 'npm test\n\nnpm run build\n');
    const id = (await cli(['job', 'create', 'lines', '--tasks', 'lines.txt'])).stdout.trim();
    expect(JSON.parse((await cli(['job', 'status', id, '--json'])).stdout).tasks.map((task: { title: string }) => task.title)).toEqual(['npm test', 'npm run build']);
    writeFileSync(join(server.cwd, 'bad.json'), JSON.stringify([{ name: 'x' }]));
    const bad = await cli(['job', 'create', 'bad', '--tasks', 'bad.json']);
    expect(bad).toMatchObject({ code: 2, stderr: 'jobline: Task 1 of bad.json is not a task: each is { "title": "…", "input"?: "…", "dependsOn"?: ["title or id"], "files"?: ["path or glob"] }.\n' });
    const badName = await cli(['job', 'create', 'two words']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('name');
    const noWorker = await cli(['task', 'claim', '--job', id]);
    expect(noWorker).toMatchObject({ code: 2, stderr: 'jobline: Name the worker (--worker) (or set JOBLINE_WORKER_ID, as jobline job join writes it to $JOBLINE_ENV_FILE).\n' });
  });

  it('says that a server is needed when none runs on the jobs folder', async () => {
    const jobsDir = join(makeTempDir(), 'jobs');
    const answer = await runCli(['job', 'create', 'x'], { cwd: server.cwd, env: { JOBLINE_JOBS_DIR: jobsDir } });
    expect(answer.code).toBe(2);
    expect(answer.stderr).toBe(`jobline: No jobline server runs on ${jobsDir}: start one with jobline serve (external workers take part in jobs it owns).\n`);
  });
});
