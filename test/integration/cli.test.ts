// The command line end to end: real CLI processes, real jobs folders, real signals.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { readEvents } from '../../src/store/event-log.js';
import { JobStore } from '../../src/store/job-store.js';
import { runCli, startCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { findProcesses, isProcessAlive, waitFor, waitForProcesses, waitForProcessesToExit } from '../helpers/wait.js';

const FIXTURE = new URL('../fixtures/npm-project/', import.meta.url);

function workspace(): { cwd: string; jobsDir: string; env: Record<string, string> } {
  const cwd = makeTempDir();
  const jobsDir = join(makeTempDir(), 'jobs');
  return { cwd, jobsDir, env: { JOBLINE_JOBS_DIR: jobsDir } };
}

function readNumbers(path: string): number[] {
  try {
    return readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function storedJobs(jobsDir: string): Promise<Job[]> {
  return (await JobStore.open(jobsDir).list()).jobs;
}

describe('jobline run', () => {
  it('runs the check agent on a real npm project: lint, typecheck and test, leaving truthful files', async () => {
    const { cwd, jobsDir, env } = workspace();
    cpSync(FIXTURE, cwd, { recursive: true });
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ debug: { keepTempFiles: true } }));
    const { code, stdout, stderr } = await runCli(['run', '--agent', 'check', '--yes', '--json', 'check'], { cwd, env });
    expect(stderr).toContain('Phase test completed');
    expect(code).toBe(0);
    const job = JSON.parse(stdout) as Job;
    expect(job).toMatchObject({ agent: 'check', status: 'completed', description: 'check', mode: 'background' });
    expect(job.phases.map((p) => [p.name, p.status])).toEqual([['lint', 'completed'], ['typecheck', 'completed'], ['test', 'completed']]);
    const [stored] = await storedJobs(jobsDir);
    expect(stored).toEqual(job);
    const store = JobStore.open(jobsDir);
    const { events } = await readEvents(store.pathsOf(job.id).events);
    expect(events.filter((e) => e.type === 'phase_completed').map((e) => e.phase)).toEqual(['lint', 'typecheck', 'test']);
    const log = readFileSync(store.pathsOf(job.id).output, 'utf8');
    expect(log).toContain('lint: no problems');
    expect(log).toContain('typecheck: src/math.mjs parses');
    expect(log).toMatch(/# pass 1/);
  });

  it('fails at the first failing script, exits 1, and never runs later phases', async () => {
    const { cwd, jobsDir, env } = workspace();
    cpSync(FIXTURE, cwd, { recursive: true });
    writeFileSync(join(cwd, 'src/math.mjs'), 'export function add(a, b) {\n  var sum = a + b;\n  return sum;\n}\n');
    const { code, stderr } = await runCli(['run', '-a', 'check', '-y', 'check'], { cwd, env });
    expect(code).toBe(1);
    expect(stderr).toMatch(/failed: Phase lint failed: `npm run lint` exited with code 1/);
    const [job] = await storedJobs(jobsDir);
    expect(job!.phases.map((p) => p.status)).toEqual(['failed', 'pending', 'pending']);
    expect(job!.phases[0]!.output).toContain('src/math.mjs:2: var sum = a + b;');
  });

  it.each([
    [['run', '-a', 'check', '-y', 'x'], /The check agent needs a package.json, and .* has none/],
    [['run', 'echo hi'], /Interactive mode asks for approval after each phase, which needs a terminal/],
    [['run', '-a', 'nope', 'x'], /Unknown agent 'nope'. Available agents: check, external, sh./],
    [['show', 'zzzz'], /No job matches 'zzzz'./],
  ])('%j exits 2 with a clear message and no stack trace', async (args, message) => {
    const { cwd, env } = workspace();
    const { code, stderr } = await runCli(args, { cwd, env });
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('prints the version and help', async () => {
    const { cwd, env } = workspace();
    const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
    expect((await runCli(['--version'], { cwd, env })).stdout.trim()).toBe(version);
    expect((await runCli(['batch', '--help'], { cwd, env })).stdout).toContain('as a task of one background job');
  });
});

describe('jobline list', () => {
  it('takes --all as scripts written for 0.1 pass it: completed jobs are listed either way', async () => {
    const { cwd, env } = workspace();
    expect((await runCli(['run', '-y', 'true'], { cwd, env })).code).toBe(0);
    const plain = await runCli(['list', '--json'], { cwd, env });
    const all = await runCli(['list', '--all', '--json'], { cwd, env });
    expect([all.code, all.stderr]).toEqual([0, '']);
    expect((JSON.parse(all.stdout) as Job[]).map((job) => job.status)).toEqual(['completed']);
    expect(all.stdout).toBe(plain.stdout);
    expect((await runCli(['list', 'completed', '--all'], { cwd, env })).stdout).toMatch(/completed/);
  });
});

describe('mistakes on the command line', () => {
  it('an unknown command exits 2 with one line and a suggestion, not "too many arguments"', async () => {
    const { cwd, env } = workspace();
    const typo = await runCli(['lsit'], { cwd, env });
    expect(typo.code).toBe(2);
    expect(typo.stderr.trim()).toBe("jobline: unknown command 'lsit'. Did you mean 'list'? Run jobline --help for the commands.");
    const unknown = await runCli(['frobnicate', 'x'], { cwd, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("jobline: unknown command 'frobnicate'. Run jobline --help for the commands.");
  });

  it('a config error names the file used, and a missing API key is reported before a job is created', async () => {
    const { cwd, jobsDir, env } = workspace();
    const config = join(makeTempDir(), 'elsewhere.json');
    const { createServer } = await import('node:http');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    writeFileSync(config, JSON.stringify({ providers: { local: { type: 'openai-compatible', baseURL: `http://127.0.0.1:${port}/v1`, model: 'm', apiKeyEnv: 'JOBLINE_UNSET_KEY_FOR_TEST' } } }));
    const missing = await runCli(['run', '-y', '--config', config, '--agent', 'build', 'add a feature'], { cwd, env });
    expect([missing.code, missing.stderr]).toEqual([2, `jobline: The build agent's provider "local" reads its API key from $JOBLINE_UNSET_KEY_FOR_TEST, which is not set here (apiKeyEnv in ${config}). Export it and try again.\n`]);
    expect(existsSync(jobsDir) ? readdirSync(jobsDir).filter((name) => name.startsWith('job-')) : []).toEqual([]);
    const unreachable = await runCli(['run', '-y', '--config', config, '--agent', 'build', 'add a feature'], { cwd, env: { ...env, JOBLINE_UNSET_KEY_FOR_TEST: 'k' } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`cannot reach http://127.0.0.1:${port}/v1 (ECONNREFUSED); check providers.local in ${config}`);
  });

  it('a failing command is named as typed, with what its exit code means', async () => {
    const { cwd, env } = workspace();
    const { code, stdout, stderr } = await runCli(['run', '-y', 'echo before; npm-tset-not-a-command'], { cwd, env });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^── phase 1\/1 run · attempt 1 · .* UTC ──\nbefore\n.*npm-tset-not-a-command: not found\n$/);
    expect(stderr).toContain('Phase run failed: `echo before; npm-tset-not-a-command` exited with code 127 (command not found)');
    expect(stderr).toMatch(/full log: .*\/output\.log/);
  });

  it('an empty prompt is refused, and no job is created', async () => {
    const { cwd, jobsDir, env } = workspace();
    const { code, stderr } = await runCli(['run', '-y', '  '], { cwd, env });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe("jobline: The prompt is empty: say what to run, for example: jobline run -y 'npm test'");
    expect((await storedJobs(jobsDir).catch(() => []))).toEqual([]);
  });
});

describe('jobline batch', () => {
  it('runs twenty lines as the tasks of one job, never more than its 3 workers at once, and summarises', async () => {
    const { cwd, jobsDir, env } = workspace();
    mkdirSync(join(cwd, 'running'));
    // (Not $$: each task's shell may be pid 2 of its own PID namespace.)
    const line = 'f=$(mktemp running/task.XXXXXX); ls running | wc -l >> counts; sleep 0.2; rm "$f"';
    const { code, stdout } = await runCli(['batch', '-', '-j', '3'], { cwd, env, input: `${Array(20).fill(line).join('\n')}\n\n` });
    expect(stdout).toMatch(/^Batch job-[a-z0-9]{8}: 20 tasks in .*: 20 done, 0 failed, 0 not run \(completed\)$/m);
    expect(code).toBe(0);
    const counts = readFileSync(join(cwd, 'counts'), 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(20);
    expect(Math.max(...counts)).toBe(3);
    expect(readdirSync(join(cwd, 'running'))).toEqual([]);
    const jobs = await storedJobs(jobsDir);
    expect(jobs.map((job) => [job.status, job.workers])).toEqual([['completed', 3]]);
    // Twenty tasks are summarised in the job's details; its JSON has every task with its runs,
    // each run on one of the job's 3 workers.
    const shown = await runCli(['show', jobs[0]!.id], { cwd, env });
    expect(shown.stdout).toContain('20/20 done');
    expect(shown.stdout).toContain(`(jobline tasks ${jobs[0]!.id} lists every task)`);
    const json = JSON.parse((await runCli(['show', jobs[0]!.id, '--json'], { cwd, env })).stdout) as { tasks: Array<{ runs: Array<{ worker: string }> }> };
    expect(json.tasks).toHaveLength(20);
    expect(new Set(json.tasks.map((task) => task.runs[0]!.worker))).toEqual(new Set([0, 1, 2].map((n) => `sh[${jobs[0]!.id.slice(4, 8)}-${n}]`)));
  });

  it('does not snapshot a git workspace around each line (a phase of one task still is)', async () => {
    const { cwd, env } = workspace();
    // git, counted: a shim first on PATH logs each call, then runs the real one.
    const bin = makeTempDir();
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$@" >> ${join(bin, 'calls')}\nexec ${realGit} "$@"\n`, { mode: 0o755 });
    execFileSync(realGit, ['init', '-q'], { cwd });
    writeFileSync(join(cwd, '.gitignore'), 'calls\n');
    const gitEnv = { ...env, PATH: `${bin}:${process.env.PATH}` };
    const { code } = await runCli(['batch', '-', '-j', '2'], { cwd, env: gitEnv, input: 'echo a > a.txt\necho b > b.txt\ntrue\n' });
    expect(code).toBe(0);
    expect(existsSync(join(bin, 'calls'))).toBe(false);
    const single = await runCli(['run', '-y', 'echo c > c.txt'], { cwd, env: gitEnv });
    expect(single.code).toBe(0);
    expect(readFileSync(join(bin, 'calls'), 'utf8')).toContain('rev-parse');
  });

  it('runs all 30 lines when 3 fail, lists the failures with their exit codes and the command for their output; --fail-fast stops early', async () => {
    const { cwd, env } = workspace();
    // Lines 5, 17 and 26 fail with exit codes 3, 4 and 5; every line that runs leaves its number in ran.
    const lines = Array.from({ length: 30 }, (_, index) => ({ 4: 3, 16: 4, 25: 5 } as Record<number, number>)[index] ?? 0)
      .map((code, index) => `echo ${index + 1} >> ran; exit ${code}`);
    writeFileSync(join(cwd, 'prompts.txt'), `${lines.join('\n')}\n`);
    const all = await runCli(['batch', 'prompts.txt', '-j', '3'], { cwd, env });
    expect(all.code).toBe(1);
    expect(readNumbers(join(cwd, 'ran')).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    const id = /^Batch (job-[a-z0-9]{8}):/m.exec(all.stdout)![1]!;
    expect(all.stdout).toContain('27 done, 3 failed, 0 not run (failed)');
    expect(all.stdout).toMatch(/^ {2}t5 exit 3: echo 5 >> ran; exit 3\n {2}t17 exit 4: echo 17 >> ran; exit 4\n {2}t26 exit 5: echo 26 >> ran; exit 5\n/m);
    expect(all.stdout.trimEnd().split('\n').at(-1)).toBe(`Output of the failed tasks: jobline logs ${id} --failed`);
    expect(all.stderr).toMatch(/❌ job-[a-z0-9]{8} t5: `echo 5 >> ran; exit 3` exited with code 3/);
    // --keep-going, which scripts for the old default pass, is accepted and changes nothing.
    const going = await runCli(['batch', 'prompts.txt', '-j', '3', '--keep-going'], { cwd, env });
    expect(going.stdout).toContain('27 done, 3 failed, 0 not run (failed)');
    writeFileSync(join(cwd, 'ran'), '');
    const fast = await runCli(['batch', 'prompts.txt', '-j', '1', '--fail-fast'], { cwd, env });
    expect(fast.code).toBe(1);
    expect(readNumbers(join(cwd, 'ran'))).toEqual([1, 2, 3, 4, 5]);
    expect(fast.stdout).toContain('4 done, 1 failed, 25 not run (failed)');
    expect(fast.stdout).toMatch(/^ {2}t5 exit 3: echo 5 >> ran; exit 3$/m);
  });

  it('runs a failed task again as a new run with --retries, keeping the failed run', async () => {
    const { cwd, jobsDir, env } = workspace();
    const flaky = 'if [ -e tried ]; then echo ok; else touch tried; exit 7; fi';
    const { code, stdout } = await runCli(['batch', '-', '--retries', '1'], { cwd, env, input: `${flaky}\n` });
    expect(code).toBe(0);
    expect(stdout).toContain('1 done, 0 failed');
    const [job] = await storedJobs(jobsDir);
    const shown = await runCli(['show', job!.id], { cwd, env });
    expect(shown.stdout).toMatch(/r1 attempt 1 .* failed .*exit 7|r1 attempt 1 .* failed/);
    expect(shown.stdout).toMatch(/r2 attempt 2 .* succeeded/);
  });

  it('counts what its tasks did, even when the storage policy removes the job as it ends', async () => {
    const { cwd, jobsDir, env } = workspace();
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ maxUnfinishedJobs: 0 }));
    const { code, stdout } = await runCli(['batch', '-'], { cwd, env, input: 'exit 3\ntrue\nexit 3\n' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Batch job-[a-z0-9]{8}: 3 tasks in .*: 1 done, 2 failed, 0 not run \(failed\)$/m);
    await waitFor(async () => (await storedJobs(jobsDir)).length === 0, 'the failed batch to be removed (maxUnfinishedJobs 0)');
  });

  it('refuses a worker count that is not a whole number in range, in one line', async () => {
    const { cwd, env } = workspace();
    const { code, stderr } = await runCli(['batch', '-', '-j', '0'], { cwd, env, input: 'true\n' });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('jobline: --workers takes a whole number from 1 to 64, not "0".');
  });

  it('ends quietly when the reader of its output goes away (jobline batch | head -1)', async () => {
    const { cwd, env } = workspace();
    const { child, result } = startCli(['batch', '-'], { cwd, env, input: 'exit 3\nexit 3\n' });
    child.stdout!.destroy(); // the reader is gone before anything is printed
    const { code, stderr } = await result;
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(1); // its jobs failed, as it would have said
  });

  it('names a prompts file it cannot read in one line, without a stack trace', async () => {
    const { cwd, env } = workspace();
    const { code, stderr } = await runCli(['batch', 'missing.txt'], { cwd, env });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe("jobline: Cannot read prompts from missing.txt: ENOENT: no such file or directory, open 'missing.txt'");
  });
});

describe('exit paths', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s marks every active job interrupted on disk and kills the job processes', async (signal) => {
    const { cwd, jobsDir, env } = workspace();
    const marker = `sleep 60.${process.pid}${signal.length}`;
    const prompts = Array.from({ length: 4 }, () => `exec ${marker}`).join('\n');
    const { child, result } = startCli(['batch', '-', '-j', '3'], { cwd, env, input: `${prompts}\n` });
    await waitFor(async () => (await storedJobs(jobsDir).catch(() => []))[0]?.status === 'running' && findProcesses(marker).length === 3, 'a running job with 3 processes', 15_000);
    const pids = findProcesses(marker);
    const sentAt = Date.now();
    child.kill(signal);
    const { code } = await result;
    expect(Date.now() - sentAt).toBeLessThan(2000);
    expect(code).toBe(128 + { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal]);
    const jobs = await storedJobs(jobsDir);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: 'interrupted', error: 'Interrupted: jobline exited', endedAt: expect.any(String) });
    const shown = await runCli(['show', jobs[0]!.id], { cwd, env });
    expect(shown.stdout.match(/interrupted/g)?.length).toBeGreaterThanOrEqual(4); // the job and its 3 runs
    expect(await waitForProcessesToExit(pids)).toEqual([]);
  });

  it('reports the jobs of an owner killed with SIGKILL as interrupted', async () => {
    const { cwd, jobsDir, env } = workspace();
    const marker = `sleep 60.${process.pid}9`;
    const { child, result } = startCli(['batch', '-'], { cwd, env, input: `exec ${marker}\n` });
    await waitFor(async () => (await storedJobs(jobsDir).catch(() => []))[0]?.status === 'running', 'a running job', 15_000);
    const [pid] = await waitForProcesses(marker, 1);
    child.kill('SIGKILL');
    await result;
    try {
      const { code, stdout } = await runCli(['list', '--json'], { cwd, env });
      expect(code).toBe(0);
      const [job] = JSON.parse(stdout) as Job[];
      expect(job).toMatchObject({ status: 'interrupted', error: 'Interrupted: the jobline process that ran it is gone' });
      const shown = await runCli(['show', job!.id.slice(4, 9)], { cwd, env });
      expect(shown.stdout).toMatch(/interrupted/);
      // SIGKILL cannot be caught, yet the job's processes die with their owner (PID namespace).
      expect(await waitForProcessesToExit([pid!])).toEqual([]);
    } finally {
      if (isProcessAlive(pid!)) process.kill(pid!, 'SIGKILL');
    }
  });
});

describe('the REPL without a terminal', () => {
  it('at the end of piped input waits for the jobs it started, and exits 0 only if all completed', async () => {
    const { cwd, jobsDir, env } = workspace();
    const ok = await runCli([], { cwd, env: { ...env, FORCE_COLOR: '0' }, input: 'sleep 0.3; echo a >> out\nsleep 0.3; echo b >> out\n' });
    expect(ok.code).toBe(0);
    expect(readFileSync(join(cwd, 'out'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['a', 'b']);
    expect(ok.stdout).not.toContain('Marked');
    const failing = await runCli([], { cwd, env: { ...env, FORCE_COLOR: '0' }, input: 'sleep 0.3; exit 3\ntrue\n' });
    expect(failing.code).toBe(1);
    expect((await storedJobs(jobsDir)).map((job) => job.status).sort()).toEqual(['completed', 'completed', 'completed', 'failed']); // completed jobs are kept too (maxCompletedJobs)
  });

  it('reads lines as prompts and commands, announces approvals for /approve lines, and quits at the end of input', async () => {
    const { cwd, jobsDir, env } = workspace();
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ defaultAgent: 'two', debug: { keepTempFiles: true }, agents: { two: { type: 'command', phases: [{ name: 'first', run: 'echo one' }, { name: 'second', run: 'echo two' }] } } }));
    const { child, result } = startCli([], { cwd, env: { ...env, FORCE_COLOR: '0' }, keepStdinOpen: true });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin!.write('please do it\n');
    const id = await waitFor(() => /Waiting for approval of first \(\/approve, \/retry or \/cancel (job-\w{4})\)/.exec(output)?.[1], 'the approval announcement');
    child.stdin!.write(`/approve ${id}\n/jobs\n`);
    await waitFor(() => output.includes('✅ Completed'), 'the job to complete');
    child.stdin!.end();
    const { code } = await result;
    expect(code).toBe(0);
    expect(output).not.toMatch(/\u001b\[/); // no colour, no cursor movement: plain lines
    expect(output).not.toContain('jobline:two>'); // no prompt drawn into a pipe
    expect(output).toMatch(/✅ Started job-\w{8} [\w.-]+ \(two\)/);
    expect(output).toContain('👍 Approved');
    const [job] = await storedJobs(jobsDir);
    expect(job!.status).toBe('completed');
  });
});
