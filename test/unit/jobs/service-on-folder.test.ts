// The job service read-only (no session) over a real jobs folder on a temp folder (JobStore and
// its reader): the first reader of a job whose owner died records its interruption on disk, once;
// a phase's whole answer is read from its file when job.json holds it cut; which files a job has;
// and why a job's conflict cannot be resolved by its agent.
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import { JobService } from '../../../src/jobs/service/job-service.js';
import { JobFolderReader } from '../../../src/store/job-folder-reader.js';
import { JobStore } from '../../../src/store/job-store.js';
import { commandAgent, makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

const TWO = commandAgent('two', { plan: 'true', apply: 'true' });
const gone = (): Job['owner'] => ({ pid: process.pid, hostname: hostname(), processStartedAt: '2001-01-01T00:00:00.000Z' });

function readOnly(adopt: (stored: Job, cwd: string) => { agent: typeof TWO; cwd: string } = (_stored, cwd) => ({ agent: TWO, cwd })) {
  const store = JobStore.open(makeTempDir('jobline-service-'));
  const service = new JobService({ repository: store, reader: new JobFolderReader(store), manager: null, cwd: '/work', adopt });
  return { store, service };
}

describe('a read-only service on a jobs folder', () => {
  it('records the interruption of a job whose owner died, once, as its first reader', async () => {
    const { store, service } = readOnly();
    const id = store.claimIdSync();
    store.writeSync(makeJob({ id, status: 'running', startedAt: '2026-11-22T10:00:00.000Z', owner: gone() }, ['plan', 'apply']));
    expect(store.readSync(id)!.status).toBe('running');
    const { job } = await service.view(id);
    expect(job.status).toBe('interrupted');
    expect(store.readSync(id)).toMatchObject({ status: 'interrupted' });
    // Read again: nothing more to record.
    expect((await service.view(id)).job.status).toBe('interrupted');
  });

  it('reads a phase\'s whole answer from its file, or job.json\'s when the file is gone or not one of jobline\'s', async () => {
    const { store, service } = readOnly();
    const id = store.claimIdSync();
    const job = makeJob({ id, status: 'completed' }, ['plan']);
    store.writeSync({ ...job, phases: [{ ...job.phases[0]!, status: 'completed', output: 'cut…', outputFile: 'answers/p1-a1.md' }] });
    expect(await service.readPhaseOutput(id, 0)).toBe('cut…');
    mkdirSync(join(store.pathsOf(id).dir, 'answers'));
    writeFileSync(join(store.pathsOf(id).dir, 'answers', 'p1-a1.md'), 'the whole answer');
    expect(await service.readPhaseOutput(id, 0)).toBe('the whole answer');
    expect(await service.readPhaseOutput(id, 5)).toBeNull();
    store.writeSync({ ...job, eventSeq: 1, phases: [{ ...job.phases[0]!, status: 'completed', output: 'plain', outputFile: null }] });
    expect(await service.readPhaseOutput(id, 0)).toBe('plain');
    expect(service.existingFiles(id).files).toEqual([store.pathsOf(id).job]);
  });

  it('says why a job\'s agent cannot resolve a conflict; a job whose agent cannot be known says nothing', async () => {
    const { store, service } = readOnly();
    const id = store.claimIdSync();
    const job = makeJob({ id, status: 'completed' }, ['plan']);
    store.writeSync(job);
    expect(await service.whyCannotResolve(job)).toBe('its agent two has no "resolve" phase to resolve a merge conflict with: resolve it by hand in the job\'s worktree (commit there), then jobline merge it, or discard it');
    const unknown = readOnly(() => {
      throw new Error('no such agent');
    });
    expect(await unknown.service.whyCannotResolve(job)).toBeNull();
  });
});
