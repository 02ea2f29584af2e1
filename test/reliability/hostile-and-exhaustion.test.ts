// Corrupt and hostile files, and exhaustion: each case ends in a clear message, nothing is deleted
// silently, memory stays bounded, and everything else keeps working.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJob, type Job } from '../../src/jobs/model/job.js';
import { serializeJob } from '../../src/store/job-file.js';
import { JobStore } from '../../src/store/job-store.js';
import { runCli, startCli, startPipedRepl } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { recordResult, scaled } from './scale.js';

const DEAD_OWNER = { pid: 999_999, hostname: (await import('node:os')).hostname(), processStartedAt: '2026-01-01T00:00:00.000Z' };

function writeJob(jobsDir: string, id: string, overrides: Partial<Job> = {}): void {
  mkdirSync(join(jobsDir, id), { recursive: true, mode: 0o700 });
  const job = createJob({ id, agent: 'sh', description: `stored ${id}`, mode: 'interactive', phaseNames: ['run'], owner: DEAD_OWNER, now: '2026-11-22T09:00:00.000Z' });
  writeFileSync(join(jobsDir, id, 'job.json'), serializeJob({ ...job, status: 'failed', endedAt: '2026-11-22T09:00:01.000Z', error: 'old', ...overrides }));
}

/** Runs the REPL on piped input and returns everything it printed. */
async function pipedRepl(cwd: string, jobsDir: string, input: string, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const { code, stdout, stderr } = await runCli([], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir, FORCE_COLOR: '0', ...extraEnv }, input });
  return { code, output: stdout + stderr, ms: Date.now() - started };
}

describe('corrupt and hostile files', () => {
  it('warns about each bad item, keeps it, and goes on with the rest', async () => {
    const cwd = makeTempDir();
    const jobsDir = join(cwd, 'jobs');
    writeJob(jobsDir, 'job-good0001');
    writeJob(jobsDir, 'job-trunc001');
    writeFileSync(join(jobsDir, 'job-trunc001', 'job.json'), serializeJob(createJob({ id: 'job-trunc001', agent: 'sh', description: 'x', mode: 'interactive', phaseNames: ['run'], owner: DEAD_OWNER, now: 'x' })).slice(0, 50));
    writeJob(jobsDir, 'job-notjson1');
    writeFileSync(join(jobsDir, 'job-notjson1', 'job.json'), 'this is not json at all\n');
    writeJob(jobsDir, 'job-schema01', { status: 'exploded' as Job['status'] });
    writeJob(jobsDir, 'job-future01', { schemaVersion: 99 });
    writeJob(jobsDir, 'job-tornlog1');
    writeFileSync(join(jobsDir, 'job-tornlog1', 'events.jsonl'), '{"ts":"2026-11-22T09:00:00.000Z","type":"created"}\n{"ts":"2026-11-2');
    const elsewhere = makeTempDir();
    writeJob(elsewhere, 'job-linked01');
    symlinkSync(join(elsewhere, 'job-linked01'), join(jobsDir, 'job-linked01'));

    const listed = await runCli(['list', '--json'], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir } });
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as Job[]).map((job) => job.id).sort()).toEqual(['job-good0001', 'job-tornlog1']);
    for (const [id, message] of [
      ['job-trunc001', 'it is not valid JSON'],
      ['job-notjson1', 'it is not valid JSON'],
      ['job-schema01', 'status: Invalid option'],
      ['job-future01', 'schemaVersion 99 (this jobline reads versions 1 and 2)'],
      ['job-linked01', 'a job folder must not be a symbolic link'],
    ] as const) expect(listed.stderr).toMatch(new RegExp(`warning: .*${id}.*${message.replace(/[()]/g, '\\$&')}`));

    // The REPL starts, warns, works, and cleaning or the storage policy never removes a bad file.
    const { code, output } = await pipedRepl(cwd, jobsDir, '/jobs\n/logs tornlog1\n/clean --all -y\necho still-working\n');
    expect(code).toBe(0);
    expect(output).toContain('warning: Skipped job-notjson1');
    expect(output).toContain('Jobs (2 total');
    expect(output).toContain('🧹 Removed 2 finished job(s).');
    expect(output).toMatch(/✅ Started job-\w{8} [\w.-]+ \(sh\)/);
    for (const id of ['job-trunc001', 'job-notjson1', 'job-schema01', 'job-future01']) expect(statSync(join(jobsDir, id, 'job.json')).isFile()).toBe(true);
    expect(statSync(join(elsewhere, 'job-linked01', 'job.json')).isFile()).toBe(true);
  });

  it.each([
    ['owned by another user', (dir: string) => chownSync(dir, 65534, 65534), /is owned by uid 65534, not by you/],
    ['writable by others', (dir: string) => chmodSync(dir, 0o777), /is writable by others \(mode 777\)/],
  ])('refuses a jobs folder %s, with a clear message and no stack trace', async (_name, spoil, message) => {
    const cwd = makeTempDir();
    const jobsDir = join(cwd, 'jobs');
    mkdirSync(jobsDir, { mode: 0o700 });
    spoil(jobsDir);
    for (const args of [['list'], []]) {
      const { code, stderr } = await runCli(args, { cwd, env: { JOBLINE_JOBS_DIR: jobsDir } });
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });
});

// A real full disk and a real read-only folder need mount(2), i.e. root (as CI and this machine have).
const canMount = process.getuid?.() === 0;

describe.runIf(canMount)('a full disk and a read-only jobs folder', () => {
  it('a full disk fails the job clearly, says what is not saved, and records the true cause once there is room', async () => {
    const cwd = makeTempDir();
    const mountPoint = join(cwd, 'small');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mountPoint]);
    try {
      const repl = startPipedRepl(cwd, { JOBLINE_JOBS_DIR: mountPoint });
      repl.send('/background');
      repl.send('head -c 400000 /dev/zero | tr "\\0" x; sleep 30');
      const id = /Started (job-\w{8})/.exec(await repl.until(/Started job-\w{8}/))![1]!;
      // The output filled the disk, so the phase's failure cannot be saved: the user is told, and
      // nothing claims a state that is not on disk.
      await repl.until(/warning: Cannot save job-\w{8} .*ENOSPC: no space left on device(, \w+)?\. job-\w{8}'s latest change was not saved, so it did not happen/);
      expect(repl.output).not.toMatch(/❌ Phase run failed/);
      expect(JSON.parse(readFileSync(join(mountPoint, id, 'job.json'), 'utf8')).status).toBe('running');
      // Room again (the user deletes something): the outcome is made again, records the true cause, then is reported.
      rmSync(join(mountPoint, id, 'output.log'));
      await repl.until(/❌ Phase run failed: cannot write .*output\.log: ENOSPC: no space left on device/, 15_000);
      const stored = JSON.parse(readFileSync(join(mountPoint, id, 'job.json'), 'utf8')) as Job;
      expect(stored).toMatchObject({ status: 'failed', error: expect.stringContaining('ENOSPC') });
      repl.send('/jobs');
      await repl.until('Jobs (1 total, 0 active)');
      const { code } = await repl.end();
      expect(code).toBe(1); // piped input exits 0 only when every job it started completed
      expect(repl.output).not.toContain('internal error');
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });

  it('a job whose creation cannot be written on a full disk is refused, and nothing of it runs', async () => {
    const cwd = makeTempDir();
    const mountPoint = join(cwd, 'full');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mountPoint]);
    try {
      JobStore.open(mountPoint);
      // Fill the disk to the last block.
      try {
        writeFileSync(join(mountPoint, 'filler'), Buffer.alloc(4 * 1024 * 1024));
      } catch {
        // ENOSPC: full, as wanted.
      }
      const run = await runCli(['run', '-y', `touch ${join(cwd, 'ran')}`], { cwd, env: { JOBLINE_JOBS_DIR: mountPoint } });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`jobline: (The job was not created: Cannot save job-\\w{8} to ${mountPoint}/job-\\w{8}/job\\.json: ENOSPC: no space left on device(, \\w+)?\\. Nothing of it ran\\.|Cannot create a job folder in ${mountPoint}: ENOSPC)`));
      expect(run.stderr).not.toContain('Started');
      expect(existsSync(join(cwd, 'ran'))).toBe(false);
      const { code, output } = await pipedRepl(cwd, mountPoint, `touch ${join(cwd, 'ran')}\n/jobs\n`);
      expect(output).toMatch(/error: (The job was not created: .*ENOSPC: no space left on device(, \w+)?\. Nothing of it ran\.|Cannot create a job folder .*ENOSPC)/);
      expect(output).not.toContain('✅ Started');
      expect(output).toContain('Jobs (0 total');
      expect(code).toBe(0);
      expect(existsSync(join(cwd, 'ran'))).toBe(false);
      expect((await JobStore.open(mountPoint).listIds())).toEqual([]);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });

  // Fills the file system at `dir` to its last block (ENOSPC for the next write of any size), but
  // for `freePages` pages of 4 KiB (a small file each: a claim file fits, a job's write does not).
  const fillDisk = (dir: string, freePages = 0): string => {
    const filler = join(dir, 'filler');
    const fd = openSync(filler, 'w');
    try {
      for (;;) writeSync(fd, Buffer.alloc(4096));
    } catch {
      // ENOSPC: full, as wanted.
    } finally {
      closeSync(fd);
    }
    if (freePages > 0) truncateSync(filler, Math.max(0, statSync(filler).size - freePages * 4096));
    return filler;
  };

  it('acknowledges nothing it could not write: a task end or claim through the server on a full disk is an error, and the task stays as the disk says', async () => {
    const cwd = makeTempDir();
    const mountPoint = join(cwd, 'small');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mountPoint]);
    const server = await startServer({}, { cwd, jobsDir: mountPoint });
    try {
      const { id } = (await server.api('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'one' }, { title: 'two' }] })).body.job;
      const { worker } = (await server.api('POST', `/api/jobs/${id}/workers`, { agent: 'dev' })).body;
      const claimed = await server.api('POST', `/api/jobs/${id}/tasks/claim`, { worker });
      expect(claimed.status).toBe(200);
      const filler = fillDisk(mountPoint);
      const { token } = claimed.body.task;
      const refused = await server.api('POST', `/api/tasks/${id}:t1/complete`, { worker, token, summary: 'done' });
      expect(refused.status).toBe(507);
      expect(refused.body.error.message).toMatch(/ENOSPC: no space left on device/);
      const claim = await server.api('POST', `/api/jobs/${id}/tasks/claim`, { worker });
      expect(claim.status).toBe(507);
      // In memory as on disk: t1 still claimed, t2 still waiting.
      const held = (await server.api('GET', `/api/jobs/${id}`)).body;
      expect(held.tasks.map((task: { status: string }) => task.status)).toEqual(['claimed', 'todo']);
      rmSync(filler);
      expect((await server.api('POST', `/api/tasks/${id}:t1/complete`, { worker, token, summary: 'done' })).status).toBe(200);
      server.child.kill('SIGKILL');
      await server.result;
      const shown = JSON.parse((await runCli(['show', id, '--json'], { cwd, env: { JOBLINE_JOBS_DIR: mountPoint } })).stdout);
      expect(shown.tasks.map((task: { status: string }) => task.status)).toEqual(['done', 'todo']);
    } finally {
      server.child.kill('SIGKILL');
      await server.result;
      execFileSync('umount', [mountPoint]);
    }
  });

  it('says an approval is not saved on a full disk instead of saying it is approved', async () => {
    const cwd = makeTempDir();
    const mountPoint = join(cwd, 'small');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mountPoint]);
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ defaultAgent: 'two', agents: { two: { type: 'command', phases: [{ name: 'first', run: 'echo one' }, { name: 'second', run: 'echo two' }] } } }));
    try {
      const repl = startPipedRepl(cwd, { JOBLINE_JOBS_DIR: mountPoint });
      repl.send('go');
      const id = /Started (job-\w{8})/.exec(await repl.until(/Started job-\w{8}/))![1]!;
      await repl.until(/approval/i);
      // Room for the job's claim, not for its write.
      const filler = fillDisk(mountPoint, 1);
      repl.send(`/approve ${id}`);
      await repl.until(/error: Cannot save job-\w{8} .*ENOSPC: no space left on device/);
      expect(repl.output).not.toMatch(/Approved/);
      expect(JSON.parse(readFileSync(join(mountPoint, id, 'job.json'), 'utf8')).status).toBe('awaiting_approval');
      rmSync(filler);
      repl.send(`/approve ${id}`);
      await repl.until(/Completed/);
      await repl.end();
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });

  it('a read-only jobs folder is refused with a clear message', async () => {
    const cwd = makeTempDir();
    const source = join(cwd, 'source');
    const mountPoint = join(cwd, 'readonly');
    mkdirSync(source, { mode: 0o700 });
    mkdirSync(mountPoint);
    execFileSync('mount', ['--bind', source, mountPoint]);
    execFileSync('mount', ['-o', 'remount,bind,ro', mountPoint]);
    try {
      const { code, output } = await pipedRepl(cwd, mountPoint, 'echo hi\n/jobs\n');
      expect(code).toBe(0);
      expect(output).toMatch(/error: Cannot create a job folder in .*readonly: EROFS: read-only file system/);
      expect(output).not.toContain('internal error');
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});

describe('exhaustion', () => {
  it(`starts quickly and stays usable with ${scaled(10_000, 2_000)} job folders`, async () => {
    const count = scaled(10_000, 2_000);
    const cwd = makeTempDir();
    const jobsDir = join(cwd, 'jobs');
    for (let i = 0; i < count; i++) writeJob(jobsDir, `job-${String(i).padStart(8, '0')}`, i % 2 ? {} : { status: 'interrupted', error: 'Interrupted: jobline exited' });
    const { code, output, ms } = await pipedRepl(cwd, jobsDir, '/jobs\n');
    expect(code).toBe(0);
    expect(output).toContain(`Found ${count / 2} incomplete job(s)`);
    expect(output).toContain(`… and ${count / 2 - 10} older ones`);
    expect(output).toContain(`Jobs (${count} total, 0 active)`);
    expect(output.split('\n').length).toBeLessThan(200);
    expect(output).not.toContain('warning'); // every file read (a regression: EMFILE on 10,000 at once)
    recordResult('manyJobs', { folders: count, replStartAndJobsMs: ms });
  }, 120_000);

  it('keeps memory bounded while a job prints 100 MB', async () => {
    const cwd = makeTempDir();
    const jobsDir = join(cwd, 'jobs');
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ mode: 'background', debug: { keepTempFiles: true }, maxOutputBytes: 512 * 1024 * 1024 }));
    const megabytes = scaled(100, 20);
    const { child, result } = startCli([], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir, FORCE_COLOR: '0' }, keepStdinOpen: true });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin!.write(`head -c ${megabytes * 1_000_000} /dev/zero | tr "\\0" x | fold -w 99\n`);
    let peakKb = 0;
    await waitFor(() => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return output.includes('✅ Completed');
    }, 'the chatty job to complete', 120_000, 50);
    child.stdin!.end();
    await result;
    const id = /Started (job-\w{8})/.exec(output)![1]!;
    const start = Buffer.alloc(200);
    const fd = openSync(join(jobsDir, id, 'output.log'), 'r');
    readSync(fd, start, 0, 200, 0);
    closeSync(fd);
    const header = start.toString('utf8').split('\n')[0]!;
    expect(header).toMatch(/^── phase 1\/1 run · attempt 1 · .* UTC ──$/);
    // Every byte printed, and the header line: fold ends the last line without a newline.
    expect(statSync(join(jobsDir, id, 'output.log')).size).toBe(Buffer.byteLength(`${header}\n`) + megabytes * 1_000_000 + Math.floor((megabytes * 1_000_000) / 99));
    expect(output).toMatch(/… \d+ more lines \(\/logs job-\w{4}\)/);
    expect(peakKb / 1024).toBeLessThan(400);
    recordResult('bigOutput', { megabytes, peakRssMb: Math.round(peakKb / 1024) });
  }, 180_000);

  it('a 1 MB prompt line fails its job clearly and the REPL stays responsive', async () => {
    const cwd = makeTempDir();
    const jobsDir = join(cwd, 'jobs');
    const repl = startPipedRepl(cwd, { JOBLINE_JOBS_DIR: jobsDir });
    repl.send('y'.repeat(1_000_000));
    await repl.until('(the prompt is too large to pass in $JOB_PROMPT; the limit is 128 KiB)');
    repl.send('/jobs');
    await repl.until('Jobs (1 total, 0 active)');
    expect((await repl.end()).code).toBe(1); // its one job failed
    expect(repl.output.length).toBeLessThan(20_000); // the prompt is never echoed back whole
  });
});
