// Throughput: 1,000 trivial commands (`true`) at concurrency 3, run by jobline batch (one job of
// 1,000 tasks, 3 workers), xargs -P3,
// GNU parallel -j3 and task-spooler (tsp -S 3). Every tool runs each job through /bin/sh, as
// jobline does. Wall time in ms.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempDir } from './lib.mjs';

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);

function timed(run) {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/**
 * jobline batch: one job whose 1,000 tasks run 3 at a time; every task's final state is durable
 * (the job's job.json says completed and its tasks.jsonl records 1,000 tasks done).
 */
export function runJobline() {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'prompts.txt'), `${Array(JOBS).fill('true').join('\n')}\n`);
  writeFileSync(join(cwd, 'keep.json'), JSON.stringify({ debug: { keepTempFiles: true } }));
  const env = { ...process.env, JOBLINE_JOBS_DIR: join(cwd, 'jobs') };
  const ms = timed(() => execFileSync(process.execPath, [CLI, 'batch', '--agent', 'sh', '--workers', '3', '--config', 'keep.json', 'prompts.txt'], { cwd, env, stdio: 'ignore' }));
  const [id] = readdirSync(join(cwd, 'jobs')).filter((name) => name.startsWith('job-'));
  const job = JSON.parse(readFileSync(join(cwd, 'jobs', id, 'job.json'), 'utf8'));
  // The journal's lines: records, groups of records (a run's start, written by its thread), start
  // marks, and the blank line a start mark may leave (the reader skips it too).
  const records = readFileSync(join(cwd, 'jobs', id, 'tasks.jsonl'), 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line)).flatMap((line) => (line.kind === 'group' ? line.records : [line]));
  const done = new Set(records.filter((record) => record.kind === 'task' && record.task.status === 'done').map((record) => record.task.id));
  if (job.status !== 'completed' || done.size !== JOBS) throw new Error(`the batch recorded ${done.size} of ${JOBS} tasks done (job ${job.status})`);
  return ms;
}

/**
 * The floor: the same 1,000 `true` run by the same kind of spawner jobline's runs use (three shell
 * lanes, each the init of its PID namespace, forking `/bin/sh -c` per line), with no record kept:
 * what jobline's batch costs beyond this is its bookkeeping. Runs in a child process.
 */
export function runFloor() {
  const script = `
    const { ShellLane } = await import(${JSON.stringify(new URL('../dist/jobs/process/shell-lane.js', import.meta.url).href)});
    const started = performance.now();
    let left = ${JOBS}, lanes = 3;
    await new Promise((resolve) => {
      for (let i = 0; i < 3; i++) {
        const lane = ShellLane.start(process.env, () => {}, () => {});
        const next = () => {
          if (left-- <= 0) { lane.close(); if (--lanes === 0) resolve(); return; }
          lane.run({ command: 'true', cwd: '/tmp', env: {} }, { started() {}, output() {}, exited: () => setImmediate(next), failed: (code, message) => { throw new Error(message); } });
        };
        next();
      }
    });
    process.stdout.write(String(performance.now() - started));
    process.exit(0);`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

/** xargs -P3, one `sh -c` per line. */
export function runXargs() {
  const input = `${Array(JOBS).fill('true').join('\n')}\n`;
  return timed(() => execFileSync('sh', ['-c', 'xargs -P3 -I{} sh -c {}'], { input, stdio: ['pipe', 'ignore', 'ignore'] }));
}

/** GNU parallel -j3 (runs each line through the shell). */
export function runParallel() {
  const input = `${Array(JOBS).fill('true').join('\n')}\n`;
  return timed(() => execFileSync('parallel', ['-j3', '--will-cite'], { input, stdio: ['pipe', 'ignore', 'ignore'] }));
}

/** task-spooler: a private server with 3 slots; from the first submission until the queue is empty. */
export function runTsp() {
  // TMPDIR: where tsp writes each job's output file (ts-out.*), removed with the temp folder.
  const dir = tempDir();
  const env = { ...process.env, TS_SOCKET: join(dir, 'tsp.socket'), TS_MAXFINISHED: String(JOBS + 10), TMPDIR: dir };
  const tsp = (...args) => spawnSync('tsp', args, { env, encoding: 'utf8' });
  tsp('-S', '3');
  const ms = timed(() => {
    for (let i = 0; i < JOBS; i++) tsp('sh', '-c', 'true');
    for (;;) {
      const listing = tsp('-l').stdout;
      if (!/ (running|queued) /.test(listing)) break;
    }
  });
  tsp('-K');
  return ms;
}

/**
 * One job of `count` tasks running `true`, 3 workers (jobline batch): wall time (ms), the time per
 * task (ms), and the peak resident memory of jobline's process, its threads included (MB; GNU
 * time's %M).
 */
export function runTaskScaling(count) {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'lines.txt'), `${Array(count).fill('true').join('\n')}\n`);
  const env = { ...process.env, JOBLINE_JOBS_DIR: join(cwd, 'jobs') };
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, 'batch', '--agent', 'sh', '--workers', '3', 'lines.txt'], { cwd, env, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`jobline batch of ${count} failed: ${result.stderr}`);
  const peakKb = Number(result.stderr.trim().split('\n').at(-1));
  return { ms, perTaskMs: ms / count, rssMb: peakKb / 1024 };
}
