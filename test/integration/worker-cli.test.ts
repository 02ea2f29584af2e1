// `jobline job …` and `jobline task …` as a script uses them, with a real server and without one
// (straight on the jobs folder): create with a tasks file, join (writing $JOBLINE_ENV_FILE),
// claim, complete, fail, add, status, leave, close, and the exit statuses a loop relies on. Both
// answer alike; a job created without a server is taken over by the next one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { makeTempDir } from '../helpers/temp.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

// Where the commands run: the server's jobs folder, or a folder no server runs on.
let target: { cwd: string; jobsDir: string } = { cwd: '', jobsDir: '' };
// The variables `jobline job join` and `task claim` wrote to $JOBLINE_ENV_FILE (the last of each wins, as in a shell).
const readEnvFile = (path: string): Record<string, string> => Object.fromEntries(readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: target.cwd, env: { JOBLINE_JOBS_DIR: target.jobsDir, ...env } });

describe.each([
  ['through jobline serve', () => ({ cwd: server.cwd, jobsDir: server.jobsDir })],
  ['without a server, on the jobs folder', () => {
    const cwd = makeTempDir();
    return { cwd, jobsDir: join(cwd, 'jobs') };
  }],
])('jobline job and jobline task %s', (_where, place) => {
  beforeAll(() => {
    target = place();
  });

  it('runs a job of external workers from a script, start to end', async () => {
    writeFileSync(join(target.cwd, 'tasks.json'), JSON.stringify([{ title: 'lint', files: ['src'] }, { title: 'docs', files: ['docs'] }, { title: 'release', dependsOn: ['lint', 'docs'] }]));
    const created = await cli(['job', 'create', 'nightly', '--tasks', 'tasks.json']);
    expect(created.code).toBe(0);
    const jobId = created.stdout.trim();
    expect(jobId).toMatch(/^job-[a-z0-9]{8}$/);

    const envFile = join(target.cwd, 'worker.env');
    const joined = await cli(['job', 'join', 'nightly', '--as', 'dev'], { JOBLINE_ENV_FILE: envFile });
    const worker = joined.stdout.trim();
    expect(worker).toBe(`dev[${jobId.slice(4, 8)}-0]`);
    expect(readFileSync(envFile, 'utf8')).toBe(`JOBLINE_JOB_ID=${jobId}\nJOBLINE_WORKER_ID=${worker}\nJOBLINE_WORKER_IDX=0\n`);
    // Each claim writes its token to the env file (the last one wins when the script sources it).
    const as = { JOBLINE_JOB_ID: jobId, JOBLINE_WORKER_ID: worker, JOBLINE_ENV_FILE: envFile };
    const tokens = () => readFileSync(envFile, 'utf8').split('\n').filter((line) => line.startsWith('JOBLINE_CLAIM_TOKEN=')).map((line) => line.slice('JOBLINE_CLAIM_TOKEN='.length));

    const first = await cli(['task', 'claim'], as);
    expect(first).toMatchObject({ code: 0, stdout: `${jobId}:t1\tlint\n` });
    const conflict = await cli(['task', 'claim', '--files', 'src/index.ts'], as);
    expect(conflict.code).toBe(4);
    expect(conflict.stderr).toContain(`src/index.ts is claimed by ${worker} (${jobId} t1)`);
    expect((await cli(['task', 'claim'], as)).stdout).toBe(`${jobId}:t2\tdocs\n`);
    const none = await cli(['task', 'claim'], as);
    expect(none.code).toBe(3);
    expect(none.stderr).toBe(`No task of ${jobId} is runnable now.\n`);

    const [lintToken, docsToken] = tokens();
    expect(lintToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    // Without its claim's token a task's end is refused, exit 5 (not 2: nothing was mistyped).
    const tokenless = await cli(['task', 'complete', `${jobId}:t1`], as);
    expect(tokenless).toMatchObject({ code: 5, stdout: '' });
    expect(tokenless.stderr).toBe(`jobline: ${jobId} t1 is claimed by ${worker}: give its claim token (--token, or $JOBLINE_CLAIM_TOKEN as jobline task claim writes it to $JOBLINE_ENV_FILE; "token" in the API).\n`);
    expect((await cli(['task', 'complete', `${jobId}:t1`, '--token', docsToken!], as)).code).toBe(5);
    expect((await cli(['job', 'heartbeat'], as)).code).toBe(5);
    expect((await cli(['job', 'heartbeat', '--token', docsToken!], as)).code).toBe(0);
    // --wait returns once a task it waits for becomes runnable (release, when lint and docs are done).
    const waiting = startCli(['task', 'claim', '--wait'], { cwd: target.cwd, env: { JOBLINE_JOBS_DIR: target.jobsDir, ...as } });
    expect((await cli(['task', 'complete', `${jobId}:t1`, '--token', lintToken!, '--summary', 'clean', '--files', 'src/a.ts'], as)).stdout).toBe(`${jobId}:t1 done\n`);
    expect((await cli(['task', 'complete', 't2'], { ...as, JOBLINE_CLAIM_TOKEN: docsToken! })).code).toBe(0);
    expect((await waiting.result).stdout).toBe(`${jobId}:t3\trelease\n`);
    // As a script does it: source the env file, then end the task it claimed last.
    expect((await cli(['task', 'fail', 't3', '--reason', 'tag exists'], { ...as, ...readEnvFile(envFile) })).stdout).toBe(`${jobId}:t3 failed\n`);

    const added = await cli(['task', 'add', 'changelog', '--files', 'CHANGELOG.md', '--json'], as);
    expect(JSON.parse(added.stdout)).toMatchObject({ id: 't4', title: 'changelog', claims: ['CHANGELOG.md'] });
    const status = await cli(['job', 'status', 'nightly']);
    expect(status.stdout).toBe(`${jobId} nightly: running; tasks 4, 2 done, 1 failed, 1 todo; workers ${worker}\n`);

    expect((await cli(['job', 'leave'], as)).stdout).toBe(`${worker} left ${jobId}\n`);
    expect((await cli(['task', 'fail', 't3', '--reason', 'again'], { ...as, ...readEnvFile(envFile) })).code).toBe(5);
    expect((await cli(['task', 'claim'], as)).stderr).toContain('is not a worker of');
    const closed = await cli(['job', 'close', jobId, '--status', 'failed', '--reason', 'release failed']);
    expect(closed.stdout).toBe(`${jobId} failed\n`);
    const shown = JSON.parse((await cli(['show', jobId, '--json'])).stdout);
    expect(shown).toMatchObject({ status: 'failed', error: 'release failed', name: 'nightly' });
  });

  it('makes a job without tasks, which has none until some are added', async () => {
    const id = (await cli(['job', 'create', 'empty'])).stdout.trim();
    expect((await cli(['job', 'status', id])).stdout).toBe(`${id} empty: running; tasks 0; workers none\n`);
    expect((await cli(['task', 'add', 'first', '--job', id])).stdout).toBe(`${id}:t1\n`);
    expect((await cli(['job', 'status', id])).stdout).toBe(`${id} empty: running; tasks 1, 1 todo; workers none\n`);
  });

  it('takes a file of one task per line, and says plainly what is wrong', async () => {
    writeFileSync(join(target.cwd, 'lines.txt'), 'npm test\n\nnpm run build\n');
    const id = (await cli(['job', 'create', 'lines', '--tasks', 'lines.txt'])).stdout.trim();
    expect(JSON.parse((await cli(['job', 'status', id, '--json'])).stdout).tasks.map((task: { title: string }) => task.title)).toEqual(['npm test', 'npm run build']);
    writeFileSync(join(target.cwd, 'bad.json'), JSON.stringify([{ name: 'x' }]));
    const bad = await cli(['job', 'create', 'bad', '--tasks', 'bad.json']);
    expect(bad).toMatchObject({ code: 2, stderr: 'jobline: Task 1 of bad.json is not a task: each is { "title": "…", "input"?: "…", "dependsOn"?: ["title or id"], "files"?: ["path or glob"] }.\n' });
    const badName = await cli(['job', 'create', 'two words']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('name');
    const noWorker = await cli(['task', 'claim', '--job', id]);
    expect(noWorker).toMatchObject({ code: 2, stderr: 'jobline: Name the worker (--worker) (or set JOBLINE_WORKER_ID, as jobline job join writes it to $JOBLINE_ENV_FILE).\n' });
  });

});

// The issue this guards against: a worker whose lease ran out comes back and ends, by the task's id
// alone, the task that another worker claimed since: its summary landed on the new holder's run.
describe.each([
  ['through jobline serve', true],
  ['without a server, on the jobs folder', false],
])('a worker whose lease ran out, %s', (_where, withServer) => {
  it('cannot end the task another worker claimed since: only the claim\'s token does (exit 5 otherwise)', async () => {
    const cwd = makeTempDir();
    target = { cwd, jobsDir: join(cwd, 'jobs') };
    // Long enough for one command to run between two calls of the worker that keeps its lease.
    const leaseMs = 3000;
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ workerLeaseMs: leaseMs }));
    const server = withServer ? await startServer({ workerLeaseMs: leaseMs }, { cwd, jobsDir: target.jobsDir }) : null;
    try {
      writeFileSync(join(cwd, 'tasks.txt'), 'a\n');
      const jobId = (await cli(['job', 'create', 'lapse', '--tasks', 'tasks.txt'])).stdout.trim();
      const staleEnv = join(cwd, 'stale.env');
      const freshEnv = join(cwd, 'fresh.env');
      await cli(['job', 'join', jobId, '--as', 'dev'], { JOBLINE_ENV_FILE: staleEnv });
      expect((await cli(['task', 'claim'], { ...readEnvFile(staleEnv), JOBLINE_ENV_FILE: staleEnv })).stdout).toBe(`${jobId}:t1\ta\n`);
      await cli(['job', 'join', jobId, '--as', 'dev'], { JOBLINE_ENV_FILE: freshEnv });
      const fresh = { ...readEnvFile(freshEnv), JOBLINE_ENV_FILE: freshEnv };
      await waitFor(async () => ((await cli(['task', 'claim'], fresh)).code === 0 ? true : null), 'the lapsed claim to go to the other worker');
      // The stale worker, as `task complete` runs without $JOBLINE_WORKER_ID: no worker id, its old token.
      const { JOBLINE_WORKER_ID: _id, ...stale } = readEnvFile(staleEnv);
      const late = await cli(['task', 'complete', `${jobId}:t1`, '--summary', 'late'], stale);
      expect(late.code).toBe(5);
      expect(late.stderr).toMatch(new RegExp(`^jobline: ${jobId} t1 is not claimed with that token \\(dev\\[\\w{4}-1\\] holds it\\)`));
      // The holder keeps its lease meanwhile (its token with it).
      expect((await cli(['job', 'heartbeat'], readEnvFile(freshEnv))).code).toBe(0);
      const { JOBLINE_CLAIM_TOKEN: _token, ...noToken } = stale;
      expect((await cli(['task', 'complete', `${jobId}:t1`, '--summary', 'late'], noToken)).code).toBe(5);
      expect((await cli(['job', 'heartbeat'], readEnvFile(freshEnv))).code).toBe(0);
      // The holder ends it, and its run has its summary.
      expect(await cli(['task', 'complete', `${jobId}:t1`, '--summary', 'mine'], readEnvFile(freshEnv))).toMatchObject({ code: 0, stdout: `${jobId}:t1 done\n` });
      const shown = JSON.parse((await cli(['show', jobId, '--json'])).stdout);
      expect(shown.tasks[0]).toMatchObject({ status: 'done', result: 'mine' });
      expect(shown.tasks[0].runs.map((run: { worker: string; state: { status: string } }) => [run.worker, run.state.status])).toEqual([[expect.stringMatching(/-0\]$/), 'interrupted'], [expect.stringMatching(/-1\]$/), 'succeeded']]);
    } finally {
      await server?.stop();
    }
  });
});

// A real full disk needs mount(2), i.e. root (as CI and this machine have).
describe.runIf(process.getuid?.() === 0)('jobline task on a full disk', () => {
  it('says why it cannot, leaves no temp file of the job\'s claim behind, and works once there is room', async () => {
    const cwd = makeTempDir();
    const mountPoint = join(cwd, 'small');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mountPoint]);
    try {
      target = { cwd, jobsDir: mountPoint };
      writeFileSync(join(cwd, 'tasks.txt'), 'a\n');
      const jobId = (await cli(['job', 'create', 'full', '--tasks', 'tasks.txt'])).stdout.trim();
      const envFile = join(cwd, 'worker.env');
      const worker = (await cli(['job', 'join', jobId, '--as', 'dev'], { JOBLINE_ENV_FILE: envFile })).stdout.trim();
      expect((await cli(['task', 'claim', '--job', jobId, '--worker', worker], { JOBLINE_ENV_FILE: envFile })).code).toBe(0);
      const as = { ...readEnvFile(envFile) };
      try {
        writeFileSync(join(mountPoint, 'filler'), Buffer.alloc(1024 * 1024));
      } catch {
        // ENOSPC: full, as wanted.
      }
      const refused = await cli(['task', 'complete', `${jobId}:t1`], as);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^jobline: Cannot use the claim .*ENOSPC/);
      expect(readdirSync(join(mountPoint, jobId)).filter((name) => name.startsWith('claim'))).toEqual([]);
      rmSync(join(mountPoint, 'filler'));
      expect(await cli(['task', 'complete', `${jobId}:t1`], as)).toMatchObject({ code: 0, stdout: `${jobId}:t1 done\n` });
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});

describe('an external job between processes', () => {
  it('keeps a claim made through a server good once the server is gone: its token ends the task on the folder', async () => {
    const cwd = makeTempDir();
    target = { cwd, jobsDir: join(cwd, 'jobs') };
    const server = await startServer({}, { cwd, jobsDir: target.jobsDir });
    const envFile = join(cwd, 'worker.env');
    let jobId: string;
    try {
      writeFileSync(join(cwd, 'tasks.txt'), 'a\n');
      jobId = (await cli(['job', 'create', 'restart', '--tasks', 'tasks.txt'])).stdout.trim();
      await cli(['job', 'join', jobId, '--as', 'dev'], { JOBLINE_ENV_FILE: envFile });
      expect((await cli(['task', 'claim'], { ...readEnvFile(envFile), JOBLINE_ENV_FILE: envFile })).code).toBe(0);
    } finally {
      await server.stop();
    }
    const { JOBLINE_CLAIM_TOKEN: token, ...env } = readEnvFile(envFile);
    expect((await cli(['task', 'complete', 't1'], env)).code).toBe(5);
    expect(await cli(['task', 'complete', 't1', '--token', token!], env)).toMatchObject({ code: 0, stdout: `${jobId!}:t1 done\n` });
  });

  it('made without a server is taken over by the next server, and outlives that server killed with -9, its lapsed lease found later', async () => {
    const cwd = makeTempDir();
    target = { cwd, jobsDir: join(cwd, 'jobs') };
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ workerLeaseMs: 2000 }));
    writeFileSync(join(cwd, 'tasks.txt'), 'a\nb\n');
    const jobId = (await cli(['job', 'create', 'handover', '--tasks', 'tasks.txt'])).stdout.trim();
    const next = await startServer({ workerLeaseMs: 2000 }, { cwd, jobsDir: target.jobsDir });
    let killed: string;
    try {
      // The server takes the job over for its workers.
      killed = (await cli(['job', 'join', 'handover', '--as', 'dev'])).stdout.trim();
      expect((await cli(['task', 'claim', '--job', jobId, '--worker', killed])).stdout).toBe(`${jobId}:t1\ta\n`);
      next.child.kill('SIGKILL');
      await next.result;
    } finally {
      await next.stop();
    }
    // No process runs an external job: it is still running, with its worker and claim on disk.
    const after = JSON.parse((await cli(['show', jobId, '--json'])).stdout);
    expect(after).toMatchObject({ status: 'running', joinedWorkers: [expect.objectContaining({ name: killed })] });
    // Without a server, the next change finds the silent worker's lease ran out: its task waits again.
    const worker = (await cli(['job', 'join', jobId, '--as', 'dev'])).stdout.trim();
    await waitFor(async () => ((await cli(['task', 'claim', '--job', jobId, '--worker', worker])).stdout === `${jobId}:t1\ta\n` ? true : null), 'the lapsed claim to be claimable again');
    const status = await cli(['job', 'status', jobId, '--json']);
    expect(JSON.parse(status.stdout).job.joinedWorkers.map((joined: { name: string }) => joined.name)).toEqual([worker]);
    const events = readFileSync(join(target.jobsDir, jobId, 'events.jsonl'), 'utf8');
    expect(events).toContain(`"type":"worker_left","worker":"${killed}","reason":"its lease of 2 s ran out without a heartbeat"`);
  });
});
