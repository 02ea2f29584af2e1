// One owner at a time: two jobline processes acting on the same job or the same folder at once
// (resume, delete from the startup review, the unfinished-jobs limit) never both succeed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createJob, type Job } from '../../src/jobs/model/job.js';
import { JobStore } from '../../src/store/job-store.js';
import { getCurrentOwner } from '../../src/jobs/process/owner.js';
import { startPipedRepl } from '../helpers/cli.js';
import { deadOwner, makeManager } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { recordResult, scaled } from './scale.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** Writes a job left `running` by a jobline that was SIGKILLed (its owner is a dead pid). */
async function seedCrashLeft(store: JobStore, id: string, prompt: string, endedMinute = 0): Promise<Job> {
  mkdirSync(store.pathsOf(id).dir);
  const created = createJob({ id, agent: 'sh', description: prompt, mode: 'background', phaseNames: ['run'], owner: deadOwner(), now: `2026-11-22T09:${String(endedMinute).padStart(2, '0')}:00.000Z` });
  const job: Job = { ...created, status: 'running', startedAt: created.createdAt, phases: [{ ...created.phases[0]!, status: 'running', attempts: 1, startedAt: created.createdAt }] };
  store.writeSync(job, [{ ts: created.createdAt, type: 'created', cwd: store.dir }, { ts: created.createdAt, type: 'started' }]);
  return job;
}

describe('one owner at a time', () => {
  const rounds = scaled(30, 4);

  it(`two REPLs resuming the same crash-left job: exactly one runs it, in each of ${rounds} races`, async () => {
    const failures: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const cwd = makeTempDir('jobline-own-');
      const jobsDir = join(cwd, 'jobs');
      writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ debug: { keepTempFiles: true } }));
      const store = JobStore.open(jobsDir);
      const ran = join(cwd, 'ran');
      const id = `job-race${String(round).padStart(4, '0')}`;
      await seedCrashLeft(store, id, `echo "$$" >> ${ran}; sleep 0.3`);
      const env = { JOBLINE_JOBS_DIR: jobsDir };
      const a = startPipedRepl(cwd, env);
      const b = startPipedRepl(cwd, env);
      await Promise.all([a.until('Kept.'), b.until('Kept.')]);
      a.send(`/resume ${id}`);
      b.send(`/resume ${id}`);
      const outcome = /↻ Resuming|error:/;
      await Promise.all([a.until(outcome), b.until(outcome)]);
      await waitFor(async () => (await store.loadRaw(id)).status === 'completed' || !/↻ Resuming/.test(a.output + b.output), 'the resumed job to end');
      await Promise.all([a.end(), b.end()]);
      const accepted = [a.output, b.output].filter((output) => output.includes('↻ Resuming')).length;
      const runs = existsSync(ran) ? readFileSync(ran, 'utf8').trim().split('\n').length : 0;
      if (accepted !== 1) failures.push(`round ${round}: ${accepted} REPLs accepted the resume`);
      if (runs !== 1) failures.push(`round ${round}: the command ran ${runs} times`);
      const refused = [a.output, b.output].find((output) => !output.includes('↻ Resuming')) ?? '';
      if (accepted === 1 && !/belongs to another running jobline|is queued|is running|is completed/.test(refused)) failures.push(`round ${round}: unclear refusal: ${refused.slice(-200)}`);
      const types = readFileSync(store.pathsOf(id).events, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { type: string }).type);
      if (types.indexOf('interrupted') === -1 || types.indexOf('interrupted') > types.indexOf('resumed')) failures.push(`round ${round}: events ${types.join(',')}`);
    }
    recordResult('doubleResume', { races: rounds, failures: failures.length, examples: failures.slice(0, 5) });
    expect(failures).toEqual([]);
  }, scaled(300_000, 60_000));

  it('a delete decided on an old listing leaves a job that another jobline resumed since', async () => {
    const cwd = makeTempDir('jobline-own-');
    const jobsDir = join(cwd, 'jobs');
    const store = JobStore.open(jobsDir);
    const id = 'job-keep0001';
    await seedCrashLeft(store, id, 'sleep 1');
    const reviewer = makeManager({ store: JobStore.open(jobsDir) });
    const listed = await reviewer.store.list();
    expect(listed.jobs.map((job) => job.status)).toEqual(['interrupted']);
    const other = startPipedRepl(cwd, { JOBLINE_JOBS_DIR: jobsDir });
    await other.until('Kept.');
    other.send(`/resume ${id}`);
    await other.until('↻ Resuming');
    expect(await reviewer.removeJobs(listed.jobs)).toEqual([]);
    expect((await store.loadRaw(id)).status).toBe('running');
    await reviewer.shutdown();
    await other.end();
  }, 30_000);

  it('resume refuses while a process of the job\'s previous run is still alive', async () => {
    const jobsDir = join(makeTempDir('jobline-own-'), 'jobs');
    const store = JobStore.open(jobsDir);
    const id = 'job-left0001';
    await seedCrashLeft(store, id, 'true');
    // A process of the old run that outlived its jobline (as on a system without PID namespaces).
    const leftover = spawn('sleep', ['30'], { env: { ...process.env, JOB_ID: id } });
    const manager = makeManager({ store: JobStore.open(jobsDir) });
    const { commandAgent } = await import('../helpers/jobs.js');
    const adopt = () => ({ agent: commandAgent('sh', { run: 'true' }), cwd: jobsDir });
    try {
      await expect(manager.resume(id, 'background', adopt)).rejects.toMatchObject({ code: 'JOB_PROCESSES_ALIVE', message: expect.stringContaining(`pid ${leftover.pid}`) });
    } finally {
      leftover.kill('SIGKILL');
      await new Promise((resolve) => leftover.on('exit', resolve));
    }
    expect(['queued', 'running']).toContain((await manager.resume(id, 'background', adopt)).status);
    await manager.whenIdle();
    await manager.shutdown();
  });

  it('cleanup passes of several processes at once keep exactly maxUnfinishedJobs', async () => {
    const failures: string[] = [];
    const passes = scaled(20, 4);
    for (let round = 0; round < passes; round++) {
      const jobsDir = join(makeTempDir('jobline-own-'), 'jobs');
      const store = JobStore.open(jobsDir);
      // 13 jobs left running by SIGKILLed jobline processes (each pass may record their
      // interruption) and 12 that failed, ending over the next 1.2 s, while the passes start
      // 150 ms apart: any pass that dated the crash-left jobs by when it read them would order
      // them differently from the others and remove a different set.
      for (let i = 0; i < 13; i++) await seedCrashLeft(store, `job-lim${String(i).padStart(5, '0')}`, 'true', i);
      const soon = Date.now();
      for (let i = 0; i < 12; i++) {
        const id = `job-fai${String(i).padStart(5, '0')}`;
        mkdirSync(store.pathsOf(id).dir);
        const created = createJob({ id, agent: 'sh', description: 'false', mode: 'background', phaseNames: ['run'], owner: getCurrentOwner(), now: '2026-11-22T10:00:00.000Z' });
        store.writeSync({ ...created, status: 'failed', error: 'boom', endedAt: new Date(soon + i * 100).toISOString() });
      }
      const script = `
        const { JobStore } = await import(${JSON.stringify(join(DIST, 'store/job-store.js'))});
        const { enforceUnfinishedLimit } = await import(${JSON.stringify(join(DIST, 'store/cleanup.js'))});
        await enforceUnfinishedLimit(JobStore.open(${JSON.stringify(jobsDir)}), 10);`;
      const exits = await Promise.all(Array.from({ length: 3 }, (_, i) => new Promise<number | null>((resolve) => {
        setTimeout(() => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).on('exit', resolve), i * 150);
      })));
      const left = (await store.list()).jobs;
      if (exits.some((code) => code !== 0)) failures.push(`round ${round}: exits ${exits.join(',')}`);
      if (left.length !== 10) failures.push(`round ${round}: ${left.length} jobs left`);
      // The newest 10 by end time, crash-left jobs dated by their last recorded activity.
      const expected = Array.from({ length: 10 }, (_, i) => `job-fai${String(2 + i).padStart(5, '0')}`);
      if (left.map((job) => job.id).sort().join() !== expected.join()) failures.push(`round ${round}: kept ${left.map((job) => job.id).join(',')}`);
    }
    recordResult('parallelCleanup', { rounds: passes, processes: 3, failures: failures.length, examples: failures.slice(0, 5) });
    expect(failures).toEqual([]);
  }, scaled(300_000, 60_000));
});
