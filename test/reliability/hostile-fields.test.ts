// Nothing read from a job file reaches the terminal raw: an escape sequence planted in any field
// of job.json is either refused (fields jobline writes in a fixed shape) or made inert (free text)
// by every command that prints jobs: list, show, /jobs, /jobs ID and the startup review.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJob, type Job } from '../../src/jobs/model/job.js';
import { runCli, startPipedRepl } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';

// A clipboard write (OSC 52), a title change (OSC 0), clear screen, and a bare BEL.
const PAYLOAD = '\u001b]52;c;ZXZpbA==\u0007\u001b]0;pwned\u0007\u001b[2J\u0007';
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

type Mutation = [field: string, mutate: (job: Job) => void];
const MUTATIONS: Mutation[] = [
  ['agent', (job) => void (job.agent = `sh${PAYLOAD}`)],
  ['description', (job) => void (job.description = `prompt ${PAYLOAD}`)],
  ['createdAt', (job) => void (job.createdAt = `2026-11-22T09:00:00.000Z${PAYLOAD}`)],
  ['startedAt', (job) => void (job.startedAt = `2026-11-22T09:00:00.000Z${PAYLOAD}`)],
  ['endedAt', (job) => void (job.endedAt = `2026-11-22T09:00:00.000Z${PAYLOAD}`)],
  ['error', (job) => void (job.error = `boom ${PAYLOAD}`)],
  ['progress.lastEvent', (job) => void (job.progress.lastEvent = `last ${PAYLOAD}`)],
  ['phases[0].name', (job) => void (job.phases[0]!.name = `run${PAYLOAD}`)],
  ['phases[0].output', (job) => void (job.phases[0]!.output = `out ${PAYLOAD}`)],
  ['phases[0].error', (job) => void (job.phases[0]!.error = `err ${PAYLOAD}`)],
  ['phases[0].startedAt', (job) => void (job.phases[0]!.startedAt = `2026-11-22T09:00:00.000Z${PAYLOAD}`)],
  ['owner.hostname', (job) => void (job.owner.hostname = `host${PAYLOAD}`)],
  ['owner.processStartedAt', (job) => void (job.owner.processStartedAt = `2026-11-22T08:00:00.000Z${PAYLOAD}`)],
  ['pendingFeedback', (job) => void (job.pendingFeedback = `fb ${PAYLOAD}`)],
  ['not JSON', () => {}],
];

describe('hostile job files', () => {
  it(`an escape sequence in any of ${MUTATIONS.length} fields of job.json never reaches the terminal`, async () => {
    const cwd = makeTempDir();
    const jobsDir = join(cwd, 'jobs');
    mkdirSync(jobsDir, { mode: 0o700 });
    const ids: string[] = [];
    for (const [index, [field, mutate]] of MUTATIONS.entries()) {
      const id = `job-hostl${String(index).padStart(3, '0')}`;
      ids.push(id);
      const job = createJob({ id, agent: 'sh', description: 'x', mode: 'interactive', phaseNames: ['run'], owner: { pid: 1, hostname: 'elsewhere', processStartedAt: '2026-11-22T08:00:00.000Z' }, now: '2026-11-22T09:00:00.000Z' });
      // Interrupted, so the startup review lists it too.
      Object.assign(job, { status: 'interrupted', startedAt: '2026-11-22T09:00:00.000Z', endedAt: '2026-11-22T09:01:00.000Z', error: 'Interrupted' });
      mutate(job);
      mkdirSync(join(jobsDir, id), { mode: 0o700 });
      writeFileSync(join(jobsDir, id, 'job.json'), field === 'not JSON' ? `{"id": "${PAYLOAD}` : JSON.stringify(job), { mode: 0o600 });
    }
    const env = { JOBLINE_JOBS_DIR: jobsDir };
    const outputs: Array<[string, string]> = [];
    const list = await runCli(['list'], { cwd, env });
    outputs.push(['list', list.stdout + list.stderr]);
    for (const id of ids) {
      const show = await runCli(['show', id], { cwd, env });
      outputs.push([`show ${id}`, show.stdout + show.stderr]);
    }
    const repl = startPipedRepl(cwd, env);
    await repl.until('Kept.');
    repl.send('/jobs');
    for (const id of ids) repl.send(`/jobs ${id}`);
    repl.send('/help');
    await repl.until('/quit');
    await repl.end();
    outputs.push(['REPL (review, /jobs, /jobs ID)', repl.output]);
    const raw = outputs.filter(([, text]) => RAW.test(text)).map(([where, text]) => `${where}: ${JSON.stringify(text.match(/.{0,40}[\u0000-\u0008\u000b-\u001f\u007f-\u009f].{0,20}/)?.[0])}`);
    expect(raw).toEqual([]);
  }, 60_000);
});
